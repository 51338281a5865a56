"""A database that cannot be reached answers 503 (problem+json with Retry-After, or a page),
never 500; other database errors stay 500."""

from __future__ import annotations

import sqlite3
from uuid import uuid4

import asyncpg.exceptions as pg
import httpx
import pytest

from ltc.db.availability import is_database_unavailable
from ltc.services import jobs
from tests.helpers import HTML, signed_in_browser


@pytest.mark.parametrize(
    "error",
    [
        pg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        pg.CannotConnectNowError("the database system is starting up"),
        pg.AdminShutdownError("terminating connection due to administrator command"),
        pg.InterfaceError("pool is closing"),
        pg.InternalClientError("cannot switch to state 12; another operation (2) is in progress"),
        ConnectionRefusedError(111, "Connect call failed"),
        TimeoutError(),
        OSError(113, "No route to host"),
        sqlite3.OperationalError("database is locked"),
    ],
)
def test_connection_errors_mean_unavailable(error: BaseException) -> None:
    assert is_database_unavailable(error)


@pytest.mark.parametrize(
    "error",
    [
        sqlite3.OperationalError("no such table: job"),
        pg.QueryCanceledError("canceling statement due to statement timeout"),
        pg.UndefinedColumnError("column does not exist"),
        FileNotFoundError(2, "No such file"),
        ValueError("a bug"),
    ],
)
def test_other_errors_are_not_unavailability(error: BaseException) -> None:
    assert not is_database_unavailable(error)


@pytest.fixture
def database_down(monkeypatch: pytest.MonkeyPatch) -> None:
    async def refused(*args: object, **kwargs: object) -> None:
        raise pg.ConnectionDoesNotExistError("connection was closed in the middle of operation")

    monkeypatch.setattr(jobs, "get_job", refused)


async def test_the_api_answers_503_database_unavailable_with_retry_after(
    client: httpx.AsyncClient, auth, database_down: None
) -> None:
    response = await client.get(f"/api/v1/jobs/{uuid4()}", headers=await auth("bureau"))
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    assert int(response.headers["retry-after"]) > 0
    assert response.json()["code"] == "database_unavailable"


async def test_a_page_answers_503_with_a_friendly_page_in_chinese_or_english(app, database_down: None) -> None:
    async with signed_in_browser(app, "bureau") as browser:
        page = await browser.get(f"/jobs/{uuid4()}", headers=HTML)
        assert page.status_code == 503 and page.headers["content-type"].startswith("text/html")
        assert "服务暂不可用" in page.text and "数据库暂时无法访问" in page.text
        assert int(page.headers["retry-after"]) > 0
        browser.cookies.set("ltc_lang", "en")
        english = await browser.get(f"/jobs/{uuid4()}", headers=HTML)
        assert english.status_code == 503 and "The service is unavailable" in english.text


async def test_another_database_error_is_still_a_500(client: httpx.AsyncClient, auth, monkeypatch) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("no such table: job")

    monkeypatch.setattr(jobs, "get_job", broken)
    response = await client.get(f"/api/v1/jobs/{uuid4()}", headers=await auth("bureau"))
    assert response.status_code == 500 and response.json()["code"] == "internal_error"


async def test_healthz_reports_the_database_down(client: httpx.AsyncClient, monkeypatch) -> None:
    from ltc.services import health

    class Unreachable:
        @staticmethod
        def count() -> None:
            raise ConnectionRefusedError(111, "Connect call failed")

    monkeypatch.setattr(health, "Town", Unreachable)
    response = await client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "degraded" and response.json()["database"].startswith("error")
