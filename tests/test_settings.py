from __future__ import annotations

import pytest
from pydantic import ValidationError

from ltc.settings import Settings, load_settings


def test_settings_come_from_the_environment_when_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LTC_DATABASE_URL", "postgres://u:p@db:5432/ltc")
    monkeypatch.setenv("LTC_REDIS_URL", "redis://cache:6379/0")
    monkeypatch.setenv("LTC_SECRET_KEY", "s3cret-s3cret-s3cret")
    monkeypatch.setenv("LTC_TOKEN_TTL_MINUTES", "30")
    settings = load_settings()
    assert settings.database_url == "postgres://u:p@db:5432/ltc"
    assert not settings.uses_sqlite and not settings.uses_in_memory_redis
    assert settings.token_ttl_minutes == 30
    assert settings.signing_key == "s3cret-s3cret-s3cret"


def test_defaults_are_the_embedded_runtime(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ["LTC_DATABASE_URL", "LTC_REDIS_URL", "LTC_SECRET_KEY", "LTC_TIMEZONE"]:
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.database_url == "sqlite:///ltc-demo.sqlite"
    assert settings.uses_sqlite and settings.uses_in_memory_redis
    assert settings.zone.key == "Asia/Shanghai"
    # Without a configured secret a random one is made, the same for the whole process.
    assert len(settings.signing_key) >= 32
    assert load_settings().signing_key == settings.signing_key


def test_importing_the_app_reads_no_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    import ltc.web.app as app_module

    monkeypatch.setenv("LTC_DATABASE_URL", "mysql://nope")
    importlib.reload(app_module)  # importing must not validate (or read) the environment
    with pytest.raises(ValidationError):
        app_module.create_app()


@pytest.mark.parametrize(
    "field, value",
    [("database_url", "mysql://x/y"), ("timezone", "Mars/Olympus"), ("token_ttl_minutes", 0)],
)
def test_bad_settings_are_refused(field: str, value: object) -> None:
    with pytest.raises(ValidationError):
        Settings(**{field: value})
