"""The care agency's visit pages over HTTP, signed in as a browser is: the day's visits per
caregiver, one visit with its check-in and check-out (JSON with the session and CSRF header),
the open alerts, and the exceptions the agency explains and the bureau resolves."""

from __future__ import annotations

import re
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ltc.db.tables import VisitEventRecord, VisitException
from ltc.services.clock import FixedClock
from ltc.services.jobs import NoParams
from ltc.services.visits import alerts
from tests.helpers import HTML, csrf_token, signed_in_browser
from tests.web.test_visits import PASSWORD, adhoc_visit, beneficiary, no_progress, plan_for

SHANGHAI = ZoneInfo("Asia/Shanghai")
JSON = {"Accept": "application/json"}


def agency_user(b: dict[str, Any]) -> str:
    return f"agency-{b['provider']['code'].lower()}"


def local_day(visit: dict[str, Any]) -> str:
    return datetime.fromisoformat(visit["planned_start"]).astimezone(SHANGHAI).date().isoformat()


def event_body(lat: float, lon: float, at: datetime | None = None, **extra: Any) -> dict[str, Any]:
    moment = at or datetime.now(UTC)
    return {"event_id": str(uuid.uuid4()), "at": moment.isoformat(), "lat": lat, "lon": lon, "accuracy_m": 12} | extra


async def test_the_day_lists_the_agencys_own_visits_per_caregiver(app, client, auth) -> None:
    b = await beneficiary(client, auth)
    await plan_for(client, b)
    visit = await adhoc_visit(client, b)
    day = local_day(visit)
    async with signed_in_browser(app, agency_user(b), PASSWORD) as browser:
        home = await browser.get("/", headers=HTML)
        assert 'href="/visits"' in home.text and "今日上门服务" in home.text
        page = await browser.get("/visits", params={"date": day}, headers=HTML)
        assert page.status_code == 200, page.text
        for text in ["上门服务", "前一天", "后一天", b["caregivers"][0]["name"], "测试老人", "待服务"]:
            assert text in page.text, text
        assert f'href="/visits/{visit["id"]}"' in page.text
        assert visit["person_address"] in page.text
        previous = (datetime.fromisoformat(day) - timedelta(days=1)).date().isoformat()
        assert f'href="/visits?date={previous}"' in page.text
        empty = await browser.get("/visits", params={"date": previous}, headers=HTML)
        assert empty.status_code == 200 and "这一天没有上门服务" in empty.text
        assert f'href="/visits/{visit["id"]}"' not in empty.text
    async with signed_in_browser(app, "agency-P01") as other:
        theirs = await other.get("/visits", params={"date": day}, headers=HTML)
        assert theirs.status_code == 200 and f"/visits/{visit['id']}" not in theirs.text
        hidden = await other.get(f"/visits/{visit['id']}", headers=HTML)
        assert hidden.status_code == 404 and "未找到" in hidden.text
    async with signed_in_browser(app, "bureau") as bureau:
        watched = await bureau.get("/visits", params={"date": day, "provider_id": b["provider"]["id"]}, headers=HTML)
        assert watched.status_code == 200 and "测试老人" in watched.text
        assert f'href="/visits/{visit["id"]}"' not in watched.text, "the bureau watches, it does not check in"
        refused = await bureau.get(f"/visits/{visit['id']}", headers=HTML)
        assert refused.status_code == 403


async def test_check_in_and_out_from_the_visit_page(app, client, auth) -> None:
    b = await beneficiary(client, auth)
    await plan_for(client, b)
    visit = await adhoc_visit(client, b, minutes_ago=70)
    home = (visit["person_lat"], visit["person_lon"])
    async with signed_in_browser(app, agency_user(b), PASSWORD) as browser:
        page = await browser.get(f"/visits/{visit['id']}", headers=HTML)
        assert page.status_code == 200, page.text
        for text in ["签到", "签退", "服务项目", "测试老人", visit["person_address"], "头面部清洁梳理", "协助进食/水"]:
            assert text in page.text, text
        assert "/static/visit.js" in page.text
        token = re.search(r'data-csrf="([^"]+)"', page.text).group(1)
        headers = JSON | {"x-csrftoken": token}
        path = f"/visits/{visit['id']}"

        no_token = await browser.post(f"{path}/check-in", json=event_body(*home), headers=JSON)
        assert no_token.status_code == 403
        check_in = event_body(*home, at=datetime.now(UTC) - timedelta(minutes=65))
        first = await browser.post(f"{path}/check-in", json=check_in, headers=headers)
        assert first.status_code == 201, first.text
        assert first.json()["status"] == "in_progress" and first.json()["flags"] == []
        replay = await browser.post(f"{path}/check-in", json=check_in, headers=headers)
        assert replay.status_code == 200 and replay.json() == first.json()
        assert await VisitEventRecord.count().where(VisitEventRecord.visit == visit["id"]) == 1

        in_progress = await browser.get(path, headers=HTML)
        assert "进行中" in in_progress.text
        out = await browser.post(f"{path}/check-out", json=event_body(*home, items=["B01", "B07"]), headers=headers)
        assert out.status_code == 201, out.text
        done = out.json()
        assert done["status"] == "done" and done["flags"] == [] and done["done_items"] == ["B01", "B07"]
        finished = await browser.get(path, headers=HTML)
        assert "已完成" in finished.text and "服务已完成" in finished.text

        bad = await browser.post(f"{path}/check-in", json=event_body(95.0, home[1]), headers=headers)
        assert bad.status_code == 422 and bad.json()["code"] == "validation_failed"
        missing = await browser.post("/visits/999999/check-in", json=event_body(*home), headers=headers)
        assert missing.status_code == 404 and missing.json()["code"] == "visit_not_found"


async def test_the_agency_explains_and_the_bureau_resolves_with_forms(app, client, auth) -> None:
    b = await beneficiary(client, auth)
    await plan_for(client, b)
    visit = await adhoc_visit(client, b)
    home = (visit["person_lat"], visit["person_lon"])
    now = datetime.now(UTC)
    for kind, at, extra in (
        ("check-in", now - timedelta(minutes=5), {}),
        ("check-out", now, {"items": visit["items"]}),
    ):
        answered = await client.post(
            f"/api/v1/visits/{visit['id']}/{kind}", json=event_body(*home, at=at, **extra), headers=b["agency"]
        )
        assert answered.status_code == 201, answered.text
    (exception,) = await VisitException.select().where(VisitException.visit == visit["id"])
    assert exception["code"] == "too_short" and exception["status"] == "open"
    exception_id = exception["id"]

    async with signed_in_browser(app, agency_user(b), PASSWORD) as browser:
        page = await browser.get("/visit-exceptions", headers=HTML)
        assert page.status_code == 200
        for text in ["核验异常", "服务时长不足", "待说明", "老人要求缩短服务", "提交说明"]:
            assert text in page.text, text
        assert f'action="/visit-exceptions/{exception_id}/explain"' in page.text
        assert f'href="/visits/{visit["id"]}"' in page.text
        form = {
            "reason_code": "person_asked_to_shorten",
            "explanation": "老人要休息",
            "_csrf_token": csrf_token(page.text),
        }
        unknown = await browser.post(
            f"/visit-exceptions/{exception_id}/explain", data=form | {"reason_code": "because"}, headers=HTML
        )
        assert unknown.status_code == 422 and "输入" in unknown.text
        sent = await browser.post(f"/visit-exceptions/{exception_id}/explain", data=form, headers=HTML)
        assert sent.status_code in (302, 303) and sent.headers["location"] == "/visit-exceptions"
        explained = await browser.get("/visit-exceptions?status=explained", headers=HTML)
        assert "老人要休息" in explained.text and f"/visit-exceptions/{exception_id}/explain" not in explained.text
        not_mine = await browser.post(
            f"/visit-exceptions/{exception_id}/resolve",
            data={"resolution_code": "accepted", "_csrf_token": csrf_token(page.text)},
            headers=HTML,
        )
        assert not_mine.status_code == 403

    async with signed_in_browser(app, "bureau") as bureau:
        home_page = await bureau.get("/", headers=HTML)
        assert 'href="/visit-exceptions"' in home_page.text
        page = await bureau.get("/visit-exceptions", headers=HTML)
        assert page.status_code == 200
        for text in ["已说明", "老人要休息", "认可说明", "不予认可", "记录处理结果"]:
            assert text in page.text, text
        assert f'action="/visit-exceptions/{exception_id}/resolve"' in page.text
        assert f'href="/visits/{visit["id"]}"' not in page.text
        resolved = await bureau.post(
            f"/visit-exceptions/{exception_id}/resolve",
            data={"resolution_code": "rejected", "note": "时长不足不予结算", "_csrf_token": csrf_token(page.text)},
            headers=HTML,
        )
        assert resolved.status_code in (302, 303) and resolved.headers["location"] == "/visit-exceptions"
        done = await bureau.get("/visit-exceptions?status=resolved", headers=HTML)
        assert "不予认可" in done.text and "时长不足不予结算" in done.text
        forged = await bureau.post(
            f"/visit-exceptions/{exception_id}/resolve", data={"resolution_code": "accepted"}, headers=HTML
        )
        assert forged.status_code == 403, "no CSRF token, no change"
    row = await VisitException.select().where(VisitException.id == exception_id).first()
    assert (row["status"], row["resolution_code"], row["reason_code"]) == (
        "resolved",
        "rejected",
        "person_asked_to_shorten",
    )


async def test_open_alerts_are_listed_with_links_to_their_visits(app, client, auth, services) -> None:
    b = await beneficiary(client, auth)
    visit = await adhoc_visit(client, b, minutes_ago=45)
    await alerts.sweep_visit_alerts(replace(services, clock=FixedClock(datetime.now(UTC))), NoParams(), no_progress)
    async with signed_in_browser(app, agency_user(b), PASSWORD) as browser:
        page = await browser.get("/visit-alerts", headers=HTML)
        assert page.status_code == 200
        assert "服务提醒" in page.text and "迟到" in page.text and "测试老人" in page.text
        assert f'href="/visits/{visit["id"]}"' in page.text
        day = await browser.get("/visits", params={"date": local_day(visit)}, headers=HTML)
        assert 'data-alert="late"' in day.text
    async with signed_in_browser(app, "agency-P01") as other:
        theirs = await other.get("/visit-alerts", headers=HTML)
        assert theirs.status_code == 200 and f"/visits/{visit['id']}" not in theirs.text
