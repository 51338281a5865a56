"""The online geocoder: geopy's Nominatim against a configured (self-hosted) server, behind
geopy's RateLimiter, which spaces the calls and retries transient failures."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim
from geopy.geocoders.base import Geocoder
from geopy.location import Location

from ltc.settings import Settings

GeocodeCall = Callable[[str], Location | None]


def nominatim(settings: Settings) -> Geocoder:
    parts = urlsplit(settings.geocoder_url)
    return Nominatim(
        domain=parts.netloc + parts.path.rstrip("/"),
        scheme=parts.scheme or "https",
        user_agent=settings.geocoder_user_agent,
        timeout=settings.geocoder_timeout_seconds,
    )


def rate_limited(geocoder: Geocoder, settings: Settings) -> GeocodeCall:
    """One call at most every ``geocoder_min_delay_seconds``; a timeout or an unavailable
    service (geopy's GeocoderServiceError) is retried ``geocoder_max_retries`` times."""
    limited = RateLimiter(
        lambda query: geocoder.geocode(query, exactly_one=True, country_codes=settings.geocoder_country_codes or None),
        min_delay_seconds=settings.geocoder_min_delay_seconds,
        max_retries=settings.geocoder_max_retries,
        error_wait_seconds=max(settings.geocoder_min_delay_seconds, 0.01) * 2,
        swallow_exceptions=False,
    )
    return limited


def service_name(settings: Settings) -> str:
    return settings.geocoder_url.rstrip("/")
