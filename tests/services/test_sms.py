"""The SMS gateways: the plain HTTP one against a local server (taken, refused, unreachable,
too slow), the logging default, and sending with retries that never raise."""

from __future__ import annotations

import asyncio
import logging

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from ltc.services import sms
from ltc.settings import Settings


@pytest.fixture
async def gateway_server():
    received: list[dict] = []
    answers: list[int] = []

    async def send(request: web.Request) -> web.Response:
        received.append(await request.json())
        status = answers.pop(0) if answers else 200
        if status == 0:  # too slow to answer
            await asyncio.sleep(2)
            status = 200
        return web.json_response({"ok": status < 300}, status=status)

    app = web.Application()
    app.router.add_post("/send", send)
    server = TestServer(app)
    await server.start_server()
    try:
        yield server, received, answers
    finally:
        await server.close()


async def test_the_http_gateway_posts_the_number_and_the_text(gateway_server) -> None:
    server, received, _ = gateway_server
    gateway = sms.gateway(Settings(sms_url=str(server.make_url("/send"))))
    assert isinstance(gateway, sms.HttpGateway)
    await gateway.send("13800138000", "【长护险】明天 09:00 上门服务")
    assert received == [{"to": "13800138000", "text": "【长护险】明天 09:00 上门服务"}]


async def test_a_refusal_a_timeout_and_no_server_are_errors(gateway_server) -> None:
    server, _, answers = gateway_server
    answers.extend([503, 0])
    gateway = sms.HttpGateway(str(server.make_url("/send")), timeout_seconds=0.5)
    with pytest.raises(sms.SmsError, match="503"):
        await gateway.send("13800138000", "x")
    with pytest.raises(sms.SmsError, match="reached"):
        await gateway.send("13800138000", "x")
    nowhere = sms.HttpGateway("http://127.0.0.1:9/send", timeout_seconds=0.5)
    with pytest.raises(sms.SmsError):
        await nowhere.send("13800138000", "x")


async def test_sending_is_retried_and_a_lasting_failure_is_logged_not_raised(
    gateway_server, caplog, monkeypatch
) -> None:
    monkeypatch.setattr(sms, "RETRY_PAUSE_SECONDS", 0.01)
    server, received, answers = gateway_server
    gateway = sms.HttpGateway(str(server.make_url("/send")), timeout_seconds=1)
    answers.extend([500, 200])
    assert await sms.send_with_retries(gateway, "13800138000", "x", tries=3) is True
    assert len(received) == 2
    answers.extend([500, 500, 500])
    with caplog.at_level(logging.WARNING, logger="ltc.services.sms"):
        assert await sms.send_with_retries(gateway, "13800138000", "x", tries=3) is False
    assert len(received) == 5
    assert "138****8000" in caplog.text and "13800138000" not in caplog.text  # the number masked in the log


async def test_without_a_url_messages_go_to_the_log(caplog) -> None:
    gateway = sms.gateway(Settings(sms_url=""))
    assert isinstance(gateway, sms.LoggingGateway)
    with caplog.at_level(logging.INFO, logger="ltc.services.sms"):
        await gateway.send("13800138000", "明天见")
    assert "明天见" in caplog.text and "138****8000" in caplog.text
