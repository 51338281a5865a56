"""A bureau officer approves a provider's monthly settlement at a desk: the month by
provider, the settlement's lines down to the visits, one click, the new status."""

from __future__ import annotations

import json
import time
import urllib.request
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as time_of_day
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ltc.domain.identity import make_id_number
from tests.browser.steps import Confirmations, LiveApi, check_accessibility, sign_in

pytestmark = pytest.mark.browser

DESK = {"width": 1366, "height": 900}
PASSWORD = "A-long-passw0rd"


class Api(LiveApi):
    """LiveApi for any user and password, with extra headers (If-Match)."""

    def __init__(self, base: str, username: str, password: str) -> None:
        self.base = base
        self.headers = {}
        token = self.call("POST", "/api/v1/auth/token", {"username": username, "password": password})
        self.headers = {"Authorization": f"Bearer {token['access_token']}"}

    def send(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.base + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json", **self.headers, **(headers or {})},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"null")


def wait_for_job(api: LiveApi, job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job = api.call("GET", f"/api/v1/jobs/{job_id}")
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError("the job did not finish")


def arrange_submitted_settlement(
    base: str,
    *,
    code: str = "S901",
    id_sequence: int = 402,
    lat: float = 30.95,
    lon: float = 120.45,
    reviewed: bool = True,
    before_build: Callable[[dict[str, Any]], None] | None = None,
) -> tuple[int, str, str]:
    """A provider (``code``) with one severely disabled person (id number of ``id_sequence``)
    visited once on the last day of last month, whose settlement the agency has submitted. Each
    caller takes its own ``lat``, far from the others', so the person goes to its own provider.
    ``reviewed``: the supervisor has confirmed the lines drawn for review (approval need not wait).
    ``before_build``: called with the registered person just before the month is built."""
    bureau, admin, assessor = LiveApi(base, "bureau"), LiveApi(base, "admin"), LiveApi(base, "assessor1")
    provider = bureau.call(
        "POST",
        "/api/v1/providers",
        {
            "code": code,
            "name": "桥头居家护理站",
            "kind": "home",
            "lat": lat,
            "lon": lon,
            "service_radius_km": 5.0,
            "capacity": 10,
            "hourly_price_fen": 6000,
            "daily_price_fen": 0,
        },
    )
    bureau.call("POST", f"/api/v1/providers/{provider['id']}/designate", {"batch": "2026-09"})
    bureau.call("POST", f"/api/v1/providers/{provider['id']}/activate", {})
    admin.call(
        "POST",
        "/api/v1/users",
        {
            "username": f"agency-{code.lower()}",
            "password": PASSWORD,
            "role": "agency",
            "provider_id": provider["id"],
            "display_name": "桥头护理站",
        },
    )
    agency = Api(base, f"agency-{code.lower()}", PASSWORD)
    caregiver = agency.call(
        "POST",
        f"/api/v1/providers/{provider['id']}/caregivers",
        {"name": "陈秀兰", "qualification": "elderly_carer", "lat": lat, "lon": lon, "weekly_hours": 40},
    )
    local_today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    person = bureau.call(
        "POST",
        "/api/v1/persons",
        {
            "id_number": make_id_number("330296", date(1936, 4, 2), id_sequence, "F"),
            "name": "周阿婆",
            "address": "桥头村3号",
            "town": "溪口镇",
            "lat": lat + 0.002,
            "lon": lon,
            "insured": True,
            "insured_since": "2021-01-01",
        },
    )
    dependent = dict.fromkeys(["eating", "continence", "bathing", "dressing", "toilet_use", "transfer"], "dependent")
    application = bureau.call(
        "POST",
        "/api/v1/applications",
        {
            "person_id": person["id"],
            "applied_on": local_today.isoformat(),
            "disabled_since": (local_today - timedelta(days=400)).isoformat(),
            "care_mode": "home",
            "self_eval": {"answers": dependent},
        },
    )
    users = {u["username"]: u["id"] for u in admin.call("GET", "/api/v1/users")}
    bureau.call(
        "POST",
        f"/api/v1/applications/{application['id']}/accept",
        {"assessor_ids": [users["assessor1"], users["expert1"]]},
    )
    description = assessor.call("GET", "/api/v1/instruments/nhsa-2021")
    now = datetime.now(UTC)
    assessment = assessor.call(
        "POST",
        "/api/v1/assessments",
        {
            "event_id": str(uuid.uuid4()),
            "application_id": application["id"],
            "instrument": "nhsa-2021",
            "answers": {i["key"]: i["options"][0]["value"] for i in description["items"]},
            "assessor_ids": [users["assessor1"], users["expert1"]],
            "started_at": (now - timedelta(hours=1)).isoformat(),
            "finished_at": (now - timedelta(minutes=5)).isoformat(),
        },
    )
    bureau.call(
        "POST",
        f"/api/v1/assessments/{assessment['id']}/publish",
        {"published_on": (local_today - timedelta(days=9)).isoformat()},
    )
    bureau.call("POST", f"/api/v1/assessments/{assessment['id']}/finalize")
    plan = agency.call("POST", "/api/v1/care-plans", {"person_id": person["id"], "items": ["B01", "B07"]})
    agency.call("POST", f"/api/v1/care-plans/{plan['id']}/confirm", {"confirmed_by": "儿子 周强"})
    # A visit on the last day of last month: a month is submitted and approved once it has ended.
    first_of_month = local_today.replace(day=1)
    start = datetime.combine(first_of_month - timedelta(days=1), time_of_day(10, 0), ZoneInfo("Asia/Shanghai"))
    visit = agency.call(
        "POST",
        "/api/v1/visits",
        {
            "person_id": person["id"],
            "caregiver_id": caregiver["id"],
            "planned_start": start.isoformat(),
            "planned_end": (start + timedelta(minutes=60)).isoformat(),
            "items": ["B01"],
        },
    )
    for kind, at, done_items in (
        ("check-in", start, {}),
        ("check-out", start + timedelta(minutes=59), {"items": ["B01"]}),
    ):
        agency.call(
            "POST",
            f"/api/v1/visits/{visit['id']}/{kind}",
            {"event_id": str(uuid.uuid4()), "at": at.isoformat(), "lat": lat + 0.002, "lon": lon, "accuracy_m": 10}
            | done_items,
        )
    period = start.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
    if before_build is not None:
        before_build(person)
    job = bureau.call("POST", "/api/v1/settlements/build", {"period": period, "provider_id": provider["id"]})
    done = wait_for_job(bureau, job["job_id"])
    assert done["status"] == "done", done
    (settlement_id,) = done["result"]["settlement_ids"]
    agency.send("POST", f"/api/v1/settlements/{settlement_id}/submit", headers={"If-Match": '"1"'})
    if reviewed:
        supervisor = LiveApi(base, "supervisor1")
        for sample in supervisor.call("GET", f"/api/v1/review-samples?settlement_id={settlement_id}"):
            supervisor.call("POST", f"/api/v1/review-samples/{sample['id']}/decision", {"outcome": "confirmed"})
    return settlement_id, period, provider["code"]


async def test_an_officer_approves_a_settlement(browser, live_server: str, artifacts) -> None:
    settlement_id, period, code = arrange_submitted_settlement(live_server)
    context = await browser.new_context(viewport=DESK, locale="zh-CN")
    page = await context.new_page()
    await sign_in(page, live_server, "bureau")
    await page.goto(f"{live_server}/settlements?period={period}")
    await page.get_by_role("link", name=f"{code} 桥头居家护理站").click()
    await page.wait_for_url(f"**/settlements/{settlement_id}")
    assert await page.get_by_test_id("fund").inner_text() == "53.10"  # 59 min at 60.00/h = 59.00, 90 % of it
    await page.get_by_text("计入的服务").click()
    await page.screenshot(path=str(artifacts / "officer-settlement-before.png"), full_page=True)
    await check_accessibility(page)
    confirmations = Confirmations(page, accept=False)
    await page.get_by_test_id("approve").click()
    assert len(confirmations.asked) == 1  # the officer is asked first, and says no: nothing changes
    assert await page.locator("[data-status=submitted]").count() == 1
    confirmations.accept = True
    await page.get_by_test_id("approve").click()
    await page.wait_for_selector("[data-status=approved]")
    assert len(confirmations.asked) == 2
    assert await page.get_by_test_id("pay").is_visible()
    await page.screenshot(path=str(artifacts / "officer-settlement-approved.png"), full_page=True)
    settlement = LiveApi(live_server, "bureau").call("GET", f"/api/v1/settlements/{settlement_id}")
    assert settlement["status"] == "approved" and settlement["version"] == 3
    fund = LiveApi(live_server, "bureau").call("GET", "/api/v1/fund")
    assert fund["payables_fen"] >= 5310 and fund["ledger_imbalance_fen"] == 0
    await context.close()
