"""One settings object, read from the environment when the app is created (never at import)."""

from __future__ import annotations

import secrets
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from ltc.domain.personal_data import Keyring

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LTC_", frozen=True, extra="ignore")

    database_url: str = "sqlite:///ltc-demo.sqlite"
    # Empty means: no Redis server; use the in-memory stand-in and run the worker in-process.
    redis_url: str = ""
    queue_name: str = "ltc:queue"
    worker_max_jobs: int = Field(default=4, ge=1)
    # A running job's row is touched this often by its worker; a row not touched for
    # job_stale_after_seconds is taken to be a dead worker's and is run again.
    job_heartbeat_seconds: float = Field(default=5.0, gt=0)
    job_stale_after_seconds: float = Field(default=60.0, gt=0)
    # The worker hands the database's queued jobs (the outbox) to Redis this often.
    job_dispatch_seconds: int = Field(default=5, ge=1, le=30)
    # A job of a serial kind waiting behind a running one looks again after this long.
    job_serial_wait_seconds: float = Field(default=2.0, ge=0)
    # The whole city's visit generation, settlement build and re-verification sweeps run as
    # this many parts (batches of providers or persons), shared by every worker; 1: one job.
    job_parts: int = Field(default=8, ge=1, le=256)
    # On SIGTERM/SIGINT the worker takes no new jobs and waits this long for running ones;
    # those still running then go back to the queue for the next worker.
    worker_grace_seconds: float = Field(default=20.0, ge=0)
    # While Redis is away the worker tries again after 0.5 s, doubling up to this.
    worker_reconnect_max_seconds: float = Field(default=30.0, gt=0)
    # The scheduled jobs (nightly visits, the alert sweep, renewals); tests drive them by hand.
    worker_cron: bool = True
    secret_key: str = Field(default="", repr=False)
    timezone: str = "Asia/Shanghai"
    demo_password: str = Field(default="ltc-demo", repr=False)
    # Sessions live in the database. The absolute lifetime of an API token and of a page
    # session, and how long each may lie unused before it ends by itself.
    token_ttl_minutes: int = Field(default=12 * 60, ge=1)
    token_idle_minutes: int = Field(default=4 * 60, ge=1)
    session_ttl_minutes: int = Field(default=12 * 60, ge=1)
    session_idle_minutes: int = Field(default=30, ge=1)
    # A session's last use is written at most this often (not on every request).
    session_touch_seconds: int = Field(default=60, ge=1)
    # Sign-in throttling: this many failures inside the window lock the account (or the
    # client address) until enough of them have left the window.
    sign_in_window_minutes: int = Field(default=15, ge=1)
    sign_in_max_failures_per_account: int = Field(default=5, ge=1)
    sign_in_max_failures_per_address: int = Field(default=30, ge=1)
    # The password policy (等保 level 3): length, character classes (of lower, upper,
    # digits, other), how many past passwords may not be reused, days until a change is asked.
    password_min_length: int = Field(default=10, ge=8, le=128)
    password_min_classes: int = Field(default=3, ge=1, le=4)
    password_history: int = Field(default=5, ge=0, le=24)
    password_max_age_days: int = Field(default=90, ge=0)
    # argon2 cost: the library's defaults (RFC 9106 low-memory profile) unless lowered for tests.
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65536, ge=8)
    secure_cookies: bool = False
    # The reverse proxies whose X-Forwarded-For / -Proto uvicorn believes (addresses or CIDR
    # ranges, comma-separated; "*" trusts anyone who can reach the port): the client's address
    # the sign-in throttle and the public limits count is the proxy's word only from these.
    forwarded_allow_ips: str = "127.0.0.1,::1"
    templates_dir: Path = PROJECT_ROOT / "templates"
    locale_dir: Path = PROJECT_ROOT / "locale"
    assessments_dir: Path = PROJECT_ROOT / "assessments"
    policy_file: Path = PROJECT_ROOT / "policies" / "fenghua.json"
    service_catalogue_file: Path = PROJECT_ROOT / "policies" / "service_catalogue.json"
    log_level: str = "INFO"
    # An online geocoder (a self-hosted Nominatim, e.g. https://nominatim.example.gov.cn) for
    # addresses the offline gazetteer cannot place closer than the town; empty: offline only.
    geocoder_url: str = ""
    # A self-hosted tile server under the care network map (e.g. the city's own,
    # https://tiles.example.gov.cn/{z}/{x}/{y}.png; `{s}.` may lead the host for its
    # subdomains), with its attribution; empty: the map is the offline SVG alone and no page
    # asks another host for anything.
    map_tile_url: str = ""
    map_tile_attribution: str = ""
    geocoder_user_agent: str = "ltc-geocoder"
    geocoder_min_delay_seconds: float = Field(default=1.0, ge=0)  # Nominatim's usage policy: 1 request/s
    geocoder_max_retries: int = Field(default=2, ge=0)
    geocoder_timeout_seconds: float = Field(default=10.0, gt=0)
    geocoder_country_codes: str = "cn"
    # An SMS gateway taking POST JSON {to, text} (e.g. the city's own https://sms.example.gov.cn/send);
    # empty: messages are only written to the log.
    sms_url: str = ""
    sms_timeout_seconds: float = Field(default=5.0, gt=0)
    sms_tries: int = Field(default=3, ge=1, le=10)
    # Evidence taken on site (photos, documents) is stored in the database, up to this size each.
    evidence_max_bytes: int = Field(default=8 * 1024 * 1024, ge=1024)
    # Personal data at rest: `id:base64key` pairs (32-byte keys), the active one, or a file of them.
    # None configured: the public development keys (the demo and the tests only; `ltc serve`,
    # `ltc worker` and `ltc migrate` on PostgreSQL refuse them).
    data_keys: str = Field(default="", repr=False)
    data_key_file: Path | None = None
    data_key_active: str = ""
    data_index_key: str = Field(default="", repr=False)  # base64, the blind index's own key
    data_cipher: Literal["sm4-gcm", "aes-256-gcm"] = "sm4-gcm"
    # Lets `ltc serve`/`worker`/`migrate` run on PostgreSQL with the development keys: only
    # for throw-away databases of synthetic persons (the benchmarks, the fault tests).
    allow_development_keys: bool = False
    # The audit trail's hash chain: its key (never stored in the database; without one, a fixed
    # development key, for the demo and tests only), the HMAC's hash (sha256 or the national
    # standard sm3) for new entries, and how many days entries stay online before
    # `ltc audit archive` moves them to the archive.
    audit_chain_key: str = Field(default="", repr=False)
    audit_hash: Literal["sha256", "sm3"] = "sha256"
    audit_retention_days: int = Field(default=180, ge=1)
    # PostgreSQL's monthly partitions: how many months after the current one exist ahead of
    # their rows, and how many months back a month stays attached before it may be archived.
    partition_months_ahead: int = Field(default=3, ge=1, le=24)
    partition_retention_months: int = Field(default=24, ge=1)
    # POST /api/v1/bench/insert (a bare one-row insert, the baseline of `ltc bench checkin`); never in production.
    bench_endpoints: bool = False

    @field_validator("database_url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        if not value.startswith(("sqlite://", "postgres://", "postgresql://")):
            raise ValueError("LTC_DATABASE_URL must start with sqlite:// or postgres://")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("map_tile_url")
    @classmethod
    def _tile_template(cls, value: str) -> str:
        if not value:
            return value
        parts = urlsplit(value)
        host = parts.netloc.removeprefix("{s}.")
        if parts.scheme not in ("http", "https") or not host or "{" in host:
            raise ValueError("LTC_MAP_TILE_URL must be an http(s) address whose host is fixed (or starts with {s}.)")
        if not all(f"{{{name}}}" in value for name in "zxy"):
            raise ValueError("LTC_MAP_TILE_URL must contain {z}, {x} and {y}")
        return value

    @property
    def map_tile_origin(self) -> str:
        """The tile server's origin as a Content-Security-Policy source ('' without one)."""
        if not self.map_tile_url:
            return ""
        parts = urlsplit(self.map_tile_url)
        host = parts.netloc.replace("{s}.", "*.", 1) if parts.netloc.startswith("{s}.") else parts.netloc
        return f"{parts.scheme}://{host}"

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def uses_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite://")

    @property
    def uses_in_memory_redis(self) -> bool:
        return not self.redis_url

    @property
    def shares_state_across_processes(self) -> bool:
        """Whether other processes may serve the same users: a server database or a shared
        queue is the production shape, where every web process must sign with the same key."""
        return not self.uses_sqlite or not self.uses_in_memory_redis

    @cached_property
    def signing_key(self) -> str:
        """The secret for tokens, sessions and CSRF; a random one per process when unset (demo only)."""
        return self.secret_key or _process_secret()

    @cached_property
    def keyring(self) -> Keyring:
        """The data keys, the blind index key and the cipher (the development keys when none
        are configured: ``keyring.development``)."""
        from ltc.domain.personal_data import build_keyring

        text = self.data_keys
        if not text and self.data_key_file is not None:
            text = self.data_key_file.read_text(encoding="utf-8")
        return build_keyring(text, active=self.data_key_active, index_key=self.data_index_key, cipher=self.data_cipher)


_PROCESS_SECRET: list[str] = []


def _process_secret() -> str:
    if not _PROCESS_SECRET:
        _PROCESS_SECRET.append(secrets.token_urlsafe(32))
    return _PROCESS_SECRET[0]


def load_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]
