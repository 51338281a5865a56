"""Every list the bureau and the agencies work through, over HTTP: read in pages through the
``Link`` header its pages concatenate to the whole list in its order, with no row twice; each
filter keeps exactly the rows it names; the pages show the same rows with a pager; a cursor
that is not one of the list's answers 422 ``invalid_cursor``, never a 500."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest

from ltc.db.queries.paging import encode_cursor
from ltc.db.queries.visits import month_of_visit
from ltc.db.tables import (
    Application,
    Assessment,
    Conclusion,
    Person,
    Provider,
    Settlement,
    Town,
    Visit,
    VisitAlert,
    VisitException,
)
from ltc.domain.periods import service_month
from tests.helpers import HTML, signed_in_browser

SHANGHAI = ZoneInfo("Asia/Shanghai")

ZONE = ZoneInfo("Asia/Shanghai")
CREATED = datetime(2026, 1, 1, tzinfo=UTC)
DAY = date(2031, 5, 14)  # a day of this module's own: no other test plans visits on it


def next_of(response: httpx.Response) -> str | None:
    link = response.headers.get("link", "")
    assert link == "" or link.endswith('; rel="next"'), link
    return link[link.index("<") + 1 : link.index(">")] if link else None


async def walk(client: httpx.AsyncClient, path: str, params: dict[str, Any], headers, limit: int) -> list[dict]:
    """Every row of a list, page by page through the ``Link`` headers."""
    rows: list[dict] = []
    response = await client.get(path, params={**params, "limit": limit}, headers=headers)
    while True:
        assert response.status_code == 200, response.text
        page = response.json()
        assert isinstance(page, list) and len(page) <= limit
        rows += page
        link = next_of(response)
        if link is None:
            return rows
        assert parse_qs(urlsplit(link).query)["limit"] == [str(limit)], "the filters travel with the cursor"
        response = await client.get(link, headers=headers)


async def whole(client: httpx.AsyncClient, path: str, params: dict[str, Any], headers) -> list[dict]:
    response = await client.get(path, params={**params, "limit": 200}, headers=headers)
    assert response.status_code == 200, response.text
    assert next_of(response) is None, "the test's lists fit in one page of 200"
    return response.json()


async def assert_pages_make_the_list(client, path: str, params: dict[str, Any], headers, limit: int = 2) -> list[dict]:
    rows = await walk(client, path, params, headers, limit)
    assert [r["id"] for r in rows] == [r["id"] for r in await whole(client, path, params, headers)]
    assert len({r["id"] for r in rows}) == len(rows)
    return rows


# --------------------------------------------------------------------------- the module's records


async def _provider(town: int, kind: str = "home", status: str = "active") -> int:
    code = f"L{uuid.uuid4().hex[:10]}"
    row = Provider(code=code, name=code, kind=kind, status=status, town=town, lat=29.6, lon=121.4, created_at=CREATED)
    await row.save()
    return row.id


async def _person(town: int) -> int:
    row = Person(
        id_number=uuid.uuid4().hex[:18], name="分页老人", sex="F", birth_date=date(1940, 1, 1), town=town,
        created_at=CREATED,
    )  # fmt: skip
    await row.save()
    return row.id


@pytest.fixture(scope="module")
async def world(app) -> dict[str, Any]:
    """Two providers of their own in two towns, persons, applications applied in 2019, a
    day's visits (some at the same minute), their exceptions and alerts, and settlements of
    months far ahead."""
    towns = await Town.select(Town.id, Town.code).order_by(Town.id)
    first, second = towns[0], towns[1]
    mine = await _provider(first["id"])
    other = await _provider(second["id"], kind="institutional", status="suspended")
    persons = [await _person(first["id"]), await _person(first["id"]), await _person(second["id"])]

    statuses = ["submitted", "accepted", "final", "submitted", "final", "submitted", "accepted"]
    applications = []
    for i, status in enumerate(statuses):
        row = Application(
            person=persons[i % 3],
            applied_on=date(2019, 3, 1) + timedelta(days=i % 4),
            care_mode="home",
            policy_version="test",
            status=status,
            created_at=CREATED,
        )
        await row.save()
        applications.append(row.id)

    conclusions = []
    for i in range(5):  # valid until the same far day (ties) or the next
        application = applications[2] if i % 2 else applications[4]
        assessment = Assessment(
            application=application,
            round=1,
            round_key=f"p:{uuid.uuid4().hex[:20]}",
            idempotency_key=f"paging:{uuid.uuid4().hex}",
            request_hash="",
            instrument_code="nhsa-2021",
            instrument_version="2021",
            answers={},
            result={},
            level=2 if i % 2 == 0 else 4,
            severe=i % 2 == 1,
            assessor_ids=[],
            started_at=CREATED,
            finished_at=CREATED,
            status="final",
            submitted_at=CREATED,
        )
        await assessment.save()
        conclusion = Conclusion(
            person=persons[i % 3],
            application=application,
            assessment=assessment.id,
            level=2 if i % 2 == 0 else 4,
            severe=i % 2 == 1,
            care_mode="home",
            valid_from=date(2030, 1, 1),
            valid_until=date(2045, 1, 1) + timedelta(days=i // 3),
            status="active",
            created_at=CREATED,
        )
        await conclusion.save()
        conclusions.append(conclusion.id)

    visits = []
    for i in range(9):
        local = datetime(DAY.year, DAY.month, DAY.day, 8 + i // 3, 0 if i % 3 < 2 else 30, tzinfo=ZONE)  # pairs tie
        row = Visit(
            person=persons[i % 2],
            provider=mine if i < 7 else other,
            slot_key=f"paging:{uuid.uuid4().hex}",
            planned_start=local.astimezone(UTC),
            service_month=service_month(local.astimezone(UTC), SHANGHAI),
            planned_end=local.astimezone(UTC) + timedelta(hours=1),
            status=["planned", "done", "cancelled"][i % 3],
            created_at=CREATED,
            updated_at=CREATED,
        )
        await row.save()
        visits.append(row.id)

    opened = datetime(2031, 5, 14, 12, tzinfo=UTC)
    for i, visit in enumerate(visits):
        code = "too_short" if i % 2 else "outside_geofence"
        await VisitException(
            visit=visit,
            service_month=await month_of_visit(visit),
            provider=mine if i < 7 else other,
            code=code,
            exception_key=f"{visit}:{code}",
            status=["open", "explained", "resolved"][i % 3],
            opened_at=opened - timedelta(hours=i // 2),  # pairs tie
        ).save()
        kind = ["late", "missed", "missing_checkout"][i % 3]
        await VisitAlert(
            visit=visit,
            service_month=await month_of_visit(visit),
            provider=mine if i < 7 else other,
            kind=kind,
            alert_key=f"{visit}:{kind}",
            raised_at=opened - timedelta(hours=i // 2),
            cleared_at=opened if i == 4 else None,
        ).save()

    for period in ("2033-01", "2033-02", "2033-03"):
        for provider, status in ((mine, "draft"), (other, "approved")):
            await Settlement(
                provider=provider,
                period=period,
                settlement_key=f"{provider}:{period}",
                status=status,
                gross_fen=1000,
                fund_fen=700,
                personal_fen=300,
                built_at=CREATED,
            ).save()
    return {
        "mine": mine,
        "other": other,
        "towns": (first["code"], second["code"]),
        "applications": applications,
        "conclusions": conclusions,
        "visits": visits,
    }


# --------------------------------------------------------------------------- the list APIs


async def test_applications_in_pages_by_status_town_and_day(client, auth, world) -> None:
    bureau = await auth("bureau")
    window = {"applied_from": "2019-03-01", "applied_to": "2019-03-04"}
    rows = await assert_pages_make_the_list(client, "/api/v1/applications", window, bureau)
    assert [r["id"] for r in rows] == sorted(world["applications"], reverse=True), "newest first"
    submitted = await assert_pages_make_the_list(
        client, "/api/v1/applications", {**window, "status": "submitted"}, bureau
    )
    assert {r["id"] for r in submitted} == {r["id"] for r in rows if r["status"] == "submitted"} != set()
    in_town = await assert_pages_make_the_list(
        client, "/api/v1/applications", {**window, "town": world["towns"][1]}, bureau
    )
    assert len(in_town) == 2 and {r["town_code"] for r in in_town} == {world["towns"][1]}
    day = await whole(
        client, "/api/v1/applications", {"applied_from": "2019-03-02", "applied_to": "2019-03-02"}, bureau
    )
    assert {r["applied_on"] for r in day} == {"2019-03-02"} and len(day) == 2
    unknown = await client.get("/api/v1/applications", params={"town": "nowhere"}, headers=bureau)
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_town"


async def test_conclusions_in_pages_by_status_and_level(client, auth, world) -> None:
    bureau = await auth("bureau")
    rows = await assert_pages_make_the_list(client, "/api/v1/conclusions", {"status": "active"}, bureau, limit=2)
    keys = [(r["valid_until"], r["id"]) for r in rows]
    assert keys == sorted(keys), "the first to expire first"
    assert [r["id"] for r in rows if r["id"] in world["conclusions"]] == world["conclusions"], "ties kept in id order"
    level_two = await assert_pages_make_the_list(
        client, "/api/v1/conclusions", {"status": "active", "level": 2}, bureau, limit=1
    )
    assert [r["id"] for r in level_two] == [r["id"] for r in rows if r["level"] == 2]
    assert {r["id"] for r in level_two} >= set(world["conclusions"][::2])
    expired = await whole(client, "/api/v1/conclusions", {"status": "expired"}, bureau)
    assert all(r["status"] == "expired" for r in expired)
    assert (await client.get("/api/v1/conclusions", params={"level": 9}, headers=bureau)).status_code == 422


async def test_providers_in_pages_by_state_kind_and_town(client, auth, world) -> None:
    bureau = await auth("bureau")
    rows = await assert_pages_make_the_list(client, "/api/v1/providers", {}, bureau, limit=3)
    assert [r["code"] for r in rows] == sorted(r["code"] for r in rows)
    suspended = await whole(client, "/api/v1/providers", {"status": "suspended", "kind": "institutional"}, bureau)
    assert world["other"] in {r["id"] for r in suspended}
    assert all(r["status"] == "suspended" and r["kind"] == "institutional" for r in suspended)
    in_town = await whole(client, "/api/v1/providers", {"town": world["towns"][0]}, bureau)
    assert world["mine"] in {r["id"] for r in in_town} and world["other"] not in {r["id"] for r in in_town}
    assert {r["town_code"] for r in in_town} == {world["towns"][0]}
    agency = await whole(client, "/api/v1/providers", {}, await auth("agency-P01"))
    assert [r["code"] for r in agency] == ["P01"]
    bad = await client.get("/api/v1/providers", params={"kind": "spaceship"}, headers=bureau)
    assert bad.status_code == 422


async def test_a_days_visits_in_pages_by_provider_caregiver_and_status(client, auth, world) -> None:
    bureau = await auth("bureau")
    day = {"date": DAY.isoformat(), "provider_id": world["mine"]}
    rows = await assert_pages_make_the_list(client, "/api/v1/visits", day, bureau)
    assert [r["id"] for r in rows] == [v for i, v in enumerate(world["visits"][:7]) if i % 3 != 2], "not cancelled"
    starts = [(r["planned_start"], r["id"]) for r in rows]
    assert starts == sorted(starts)
    cancelled = await whole(client, "/api/v1/visits", {**day, "status": "cancelled"}, bureau)
    assert [r["id"] for r in cancelled] == [world["visits"][2], world["visits"][5]]
    everyone = await assert_pages_make_the_list(client, "/api/v1/visits", {"date": DAY.isoformat()}, bureau, limit=4)
    assert {r["provider_id"] for r in everyone} == {world["mine"], world["other"]}
    nobody = await whole(client, "/api/v1/visits", {**day, "caregiver_id": 999_999}, bureau)
    assert nobody == []
    agency = await auth("agency-P01")
    assert await whole(client, "/api/v1/visits", {"date": DAY.isoformat()}, agency) == []
    other = await client.get("/api/v1/visits", params=day, headers=agency)
    assert other.status_code == 404, "another provider's visits are not revealed"


async def test_exceptions_in_pages_by_status_flag_and_provider(client, auth, world) -> None:
    bureau = await auth("bureau")
    mine = {"provider_id": world["mine"]}
    rows = await assert_pages_make_the_list(client, "/api/v1/visit-exceptions", mine, bureau)
    assert len(rows) == 7
    keys = [(r["opened_at"], r["id"]) for r in rows]
    assert keys == sorted(keys, reverse=True), "newest first"
    short = await assert_pages_make_the_list(client, "/api/v1/visit-exceptions", {**mine, "code": "too_short"}, bureau)
    assert [r["id"] for r in short] == [r["id"] for r in rows if r["code"] == "too_short"] != []
    explained = await whole(client, "/api/v1/visit-exceptions", {**mine, "status": "explained"}, bureau)
    assert [r["id"] for r in explained] == [r["id"] for r in rows if r["status"] == "explained"] != []
    refused = await client.get("/api/v1/visit-exceptions", params={"status": "lost"}, headers=bureau)
    assert refused.status_code == 422


async def test_alerts_in_pages_by_provider_and_kind(client, auth, world) -> None:
    bureau = await auth("bureau")
    mine = {"provider_id": world["mine"]}
    rows = await assert_pages_make_the_list(client, "/api/v1/visit-alerts", mine, bureau)
    assert len(rows) == 6 and all(r["cleared_at"] is None for r in rows), "the open ones"
    with_cleared = await whole(client, "/api/v1/visit-alerts", {**mine, "cleared": "true"}, bureau)
    assert len(with_cleared) == 7
    late = await assert_pages_make_the_list(client, "/api/v1/visit-alerts", {**mine, "kind": "late"}, bureau, 1)
    assert [r["id"] for r in late] == [r["id"] for r in rows if r["kind"] == "late"] != []


async def test_settlements_in_pages_newest_month_first_by_provider_code(client, auth, world) -> None:
    bureau = await auth("bureau")
    rows = await assert_pages_make_the_list(client, "/api/v1/settlements", {"provider_id": world["mine"]}, bureau, 1)
    assert [r["period"] for r in rows][:3] == ["2033-03", "2033-02", "2033-01"]
    month = await assert_pages_make_the_list(client, "/api/v1/settlements", {"period": "2033-02"}, bureau, 1)
    codes = [r["provider_code"] for r in month]
    assert codes == sorted(codes) and len(codes) == 2
    approved = await whole(client, "/api/v1/settlements", {"period": "2033-02", "status": "approved"}, bureau)
    assert [r["provider_id"] for r in approved] == [world["other"]]
    agency = await client.get(
        "/api/v1/settlements", params={"provider_id": world["mine"]}, headers=await auth("agency-P01")
    )
    assert agency.status_code == 404


# --------------------------------------------------------------------------- bad cursors


LISTS = [
    "/api/v1/applications",
    "/api/v1/conclusions",
    "/api/v1/providers",
    "/api/v1/visits",
    "/api/v1/visit-exceptions",
    "/api/v1/visit-alerts",
    "/api/v1/settlements",
]
BAD_CURSORS = [
    "not-a-cursor!",
    "e30",  # {}
    encode_cursor([1, 2, 3, 4]),  # another list's width
    encode_cursor([1.5, 2]),
    encode_cursor([2**40, 2**40]),  # beyond any id
    encode_cursor([True]),
    encode_cursor(["2031-05-14T08:00:00", 1]),  # a time without its offset
    encode_cursor(["\x00", 1]),
    encode_cursor([None, None]),
]


@pytest.mark.parametrize("path", LISTS)
async def test_a_bad_cursor_is_422_invalid_cursor_on_every_list(client, auth, world, path: str) -> None:
    bureau = await auth("bureau")
    for cursor in [*BAD_CURSORS, encode_cursor([5])]:
        response = await client.get(path, params={"after": cursor}, headers=bureau)
        if cursor == encode_cursor([5]) and path in ("/api/v1/applications",):
            assert response.status_code == 200  # a one-key list: the id 5 is a key of its own
            continue
        assert response.status_code == 422, (path, cursor, response.text)
        assert response.json()["code"] == "invalid_cursor"
    too_long = await client.get(path, params={"after": "x" * 401}, headers=bureau)
    assert too_long.status_code == 422
    for limit in (0, 201):
        assert (await client.get(path, params={"limit": limit}, headers=bureau)).status_code == 422


async def test_a_cursor_of_one_list_is_refused_by_another(client, auth, world) -> None:
    bureau = await auth("bureau")
    first = await client.get(
        "/api/v1/visits", params={"date": DAY.isoformat(), "provider_id": world["mine"], "limit": 1}, headers=bureau
    )
    cursor = parse_qs(urlsplit(next_of(first) or "").query)["after"][0]
    for path in ("/api/v1/providers", "/api/v1/applications", "/api/v1/settlements"):
        response = await client.get(path, params={"after": cursor}, headers=bureau)
        assert response.status_code == 422 and response.json()["code"] == "invalid_cursor", path


# --------------------------------------------------------------------------- the pages


PAGES = {
    "/applications": ("bureau", {"applied_from": "2019-03-01", "applied_to": "2019-03-04", "limit": 2}),
    "/conclusions": ("bureau", {"limit": 1}),
    "/providers": ("bureau", {"limit": 2}),
    "/visits": ("bureau", {"date": DAY.isoformat(), "limit": 2}),
    "/visit-exceptions": ("bureau", {"status": "", "limit": 2}),
    "/visit-alerts": ("agency-P01", {"limit": 1}),
    "/settlements": ("bureau", {"period": "2033-02", "limit": 1}),
}


@pytest.mark.parametrize("path", sorted(PAGES))
async def test_every_list_page_pages_filters_and_refuses_a_bad_cursor(app, world, path: str) -> None:
    username, params = PAGES[path]
    async with signed_in_browser(app, username) as browser:
        first = await browser.get(path, params=params, headers=HTML)
        assert first.status_code == 200, first.text
        assert 'data-testid="pager"' in first.text
        if 'rel="next"' in first.text:
            start = first.text.index('rel="next"')
            href = first.text[first.text.rindex('href="', 0, start) + 6 :]
            href = href[: href.index('"')].replace("&amp;", "&")
            second = await browser.get(href, headers=HTML)
            assert second.status_code == 200 and 'data-testid="pager"' in second.text
        bad = await browser.get(path, params={**params, "after": "not-a-cursor!"}, headers=HTML)
        assert bad.status_code == 422, bad.text[:300]
        assert "<html" in bad.text


async def test_the_pages_filter_as_their_lists_do(app, world) -> None:
    async with signed_in_browser(app, "bureau") as browser:
        visits = await browser.get(
            "/visits",
            params={"date": DAY.isoformat(), "provider_id": world["mine"], "status": "cancelled"},
            headers=HTML,
        )
        shown = {v for v in world["visits"] if f'data-testid="visit-{v}"' in visits.text}
        assert shown == {world["visits"][2], world["visits"][5]}
        exceptions = await browser.get(
            "/visit-exceptions", params={"status": "", "provider_id": world["mine"], "code": "too_short"}, headers=HTML
        )
        assert len(re.findall(r'data-testid="exception-\d+"', exceptions.text)) == 3
        settlements = await browser.get(
            "/settlements", params={"period": "2033-02", "status": "approved"}, headers=HTML
        )
        assert settlements.text.count('href="/settlements/') >= 1 and "10.00" in settlements.text
        providers = await browser.get(
            "/providers", params={"status": "suspended", "kind": "institutional"}, headers=HTML
        )
        assert providers.status_code == 200 and 'data-testid="provider-filters"' in providers.text
        applications = await browser.get(
            "/applications",
            params={"applied_from": "2019-03-01", "applied_to": "2019-03-04", "town": world["towns"][1]},
            headers=HTML,
        )
        assert applications.text.count('href="/applications/') == 2
