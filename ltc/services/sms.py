"""Text messages to caregivers' phones: a gateway protocol, a gateway that only writes to the
log (the default), and a plain HTTP gateway (``LTC_SMS_URL``, POST JSON ``{to, text}``).
Sending is tried a few times; a message that still fails is logged and given up, never
failing the work that sent it."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Protocol

import aiohttp

from ltc.settings import Settings

log = logging.getLogger(__name__)

RETRY_PAUSE_SECONDS = 0.5


class SmsError(Exception):
    """The gateway did not take the message."""


class SmsGateway(Protocol):
    async def send(self, to: str, text: str) -> None:
        """Hand one message to the gateway; raise SmsError (or an OSError) if it was not taken."""
        ...


class LoggingGateway:
    """No gateway configured: the message goes to the log only (the number masked)."""

    async def send(self, to: str, text: str) -> None:
        log.info("sms to %s: %s", masked(to), text)


@dataclass(frozen=True)
class HttpGateway:
    url: str
    timeout_seconds: float

    async def send(self, to: str, text: str) -> None:
        timeout = aiohttp.ClientTimeout(total=self.timeout_seconds)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.post(self.url, json={"to": to, "text": text}) as response,
            ):
                if response.status >= 300:
                    raise SmsError(f"the gateway answered {response.status}")
        except (aiohttp.ClientError, TimeoutError) as error:
            raise SmsError(f"the gateway could not be reached: {type(error).__name__}") from error


def gateway(settings: Settings) -> SmsGateway:
    if settings.sms_url:
        return HttpGateway(settings.sms_url, settings.sms_timeout_seconds)
    return LoggingGateway()


def masked(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else "****"


async def send_with_retries(sms: SmsGateway, to: str, text: str, *, tries: int) -> bool:
    """True once the gateway took the message; False after ``tries`` failures (each logged)."""
    for attempt in range(1, tries + 1):
        try:
            await sms.send(to, text)
            return True
        except (SmsError, OSError) as error:
            log.warning("sms to %s not sent (try %s of %s): %s", masked(to), attempt, tries, error)
            if attempt < tries:
                await asyncio.sleep(RETRY_PAUSE_SECONDS * attempt)
    return False
