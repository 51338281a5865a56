"""The care agency's desk pages over HTTP, signed in as a browser is: care plans created,
adjusted out of bounds (the message beside the field, what was typed kept) and within them,
confirmed by the family; caregivers added, edited and deactivated; the daily census; the
unscheduled visits. Another agency's records are 'not found'."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any

from ltc.db.tables import UnscheduledSlot
from tests.helpers import HTML, csrf_token, signed_in_browser
from tests.web.test_assessment_workflow import today
from tests.web.test_visits import PASSWORD, beneficiary, plan_for


def agency_user(b: dict[str, Any]) -> str:
    return f"agency-{b['provider']['code'].lower()}"


def slot_rows(page: str) -> dict[str, list[str]]:
    """The weekly visits as the adjust form shows them (what a browser sends back unchanged)."""
    days = re.findall(r'<select id="slot-day-\d+" name="slot_weekday">(.*?)</select>', page, re.S)
    chosen = [(re.findall(r'<option value="(\d)" selected>', d) or [""])[0] for d in days]
    starts = re.findall(r'name="slot_start" type="time" step="60" value="([^"]*)"', page)
    return {"slot_weekday": chosen, "slot_start": starts}


def nav_count(page: str, href: str) -> int:
    """The to-do count the navigation shows beside a place (0: none shown)."""
    match = re.search(
        rf'<li><a href="{href}"[^>]*>[^<]*(?:<span class="count" data-testid="todo-count">(\d+)</span>)?', page
    )
    assert match, f"no navigation link to {href}"
    return int(match.group(1) or 0)


def input_value(page: str, name: str) -> str | None:
    match = re.search(rf'<input id="f-{name}" name="{name}"[^>]*value="([^"]*)"', page)
    return match.group(1) if match else None


async def test_a_care_plan_is_created_adjusted_within_bounds_and_confirmed_on_pages(app, client, auth) -> None:
    b = await beneficiary(client, auth)
    person = b["person_id"]
    async with signed_in_browser(app, agency_user(b), PASSWORD) as browser:
        listed = await browser.get("/care-plans", params={"state": "needs_plan"}, headers=HTML)
        assert listed.status_code == 200 and f'href="/care-plans/new?person_id={person}"' in listed.text
        new = await browser.get("/care-plans/new", params={"person_id": person}, headers=HTML)
        assert new.status_code == 200 and 'data-testid="entitled-hours">30' in new.text  # level Ⅲ: 30 hours
        token = csrf_token(new.text)

        empty = await browser.post(
            "/care-plans/new", data={"_csrf_token": token, "person_id": str(person)}, headers=HTML
        )
        assert empty.status_code == 422 and 'data-testid="error-items"' in empty.text
        assert "至少选择一项服务项目" in empty.text or "服务项目" in empty.text
        created = await browser.post(
            "/care-plans/new",
            data={"_csrf_token": token, "person_id": str(person), "items": ["B01", "B07"]},
            headers=HTML,
        )
        assert created.status_code in {301, 302, 303}, created.text
        plan_path = created.headers["location"]
        plan_id = int(plan_path.rsplit("/", 1)[1])
        again = await browser.get("/care-plans/new", params={"person_id": person}, headers=HTML)
        assert again.status_code in {301, 302, 303} and again.headers["location"] == plan_path

        page = await browser.get(plan_path, headers=HTML)
        assert page.status_code == 200
        assert nav_count(page.text, "/care-plans") == 1  # one plan awaits the family's confirmation
        assert 'data-testid="confirmation"' in page.text and "30" in page.text
        assert "1 到 30" in page.text or "1 至 30" in page.text or ">30<" in page.text or "30 小时" in page.text
        slots = re.findall(r'name="slot_start" type="time" step="60" value="(\d\d:\d\d)"', page.text)
        assert slots, "the derived weekly visits are in the form"

        too_many = await browser.post(
            f"/care-plans/{plan_id}/adjust",
            data={
                "_csrf_token": token,
                "monthly_hours": "99",
                "items": ["B01", "B07"],
                "reason": "家属希望多来几次",
                "slot_weekday": [],
                "slot_start": [],
            },
            headers=HTML,
        )
        assert too_many.status_code == 422, too_many.text
        assert 'data-testid="error-monthly_hours"' in too_many.text and "30" in too_many.text
        assert input_value(too_many.text, "monthly_hours") == "99"  # what was typed is kept
        assert input_value(too_many.text, "reason") == "家属希望多来几次"
        absurd = await browser.post(
            f"/care-plans/{plan_id}/adjust",
            data={"_csrf_token": token, "monthly_hours": "1000", "items": ["B01", "B07"], "reason": "x"},
            headers=HTML,
        )
        assert absurd.status_code == 422 and 'data-testid="error-monthly_hours"' in absurd.text
        bad_person = await browser.post(
            "/care-plans/new", data={"_csrf_token": token, "person_id": str(2**40), "items": "B01"}, headers=HTML
        )
        assert bad_person.status_code == 404
        early = await browser.post(
            f"/care-plans/{plan_id}/adjust",
            data={
                "_csrf_token": token,
                "monthly_hours": "30",
                "items": ["B01", "B07"],
                "reason": "早上来",
                "slot_weekday": ["0"],
                "slot_start": ["06:00"],
            },
            headers=HTML,
        )
        assert early.status_code == 422 and 'data-testid="error-slots"' in early.text
        assert 'value="06:00"' in early.text
        no_reason = await browser.post(
            f"/care-plans/{plan_id}/adjust",
            data={"_csrf_token": token, "monthly_hours": "20", "items": ["B01", "B07"], "reason": ""},
            headers=HTML,
        )
        assert no_reason.status_code == 422 and 'data-testid="error-reason"' in no_reason.text

        unchanged_slots = slot_rows(page.text)
        assert len(unchanged_slots["slot_weekday"]) == len(unchanged_slots["slot_start"]) == len(slots) + 2
        adjusted = await browser.post(
            f"/care-plans/{plan_id}/adjust",
            data={"_csrf_token": token, "monthly_hours": "20", "items": ["B01", "B07"], "reason": "家属要求减少"}
            | unchanged_slots,
            headers=HTML,
        )
        assert adjusted.status_code in {301, 302, 303}, adjusted.text
        second = adjusted.headers["location"]
        assert second != plan_path
        versions = await browser.get(second, headers=HTML)
        assert 'data-testid="changed-2-monthly_hours"' in versions.text
        assert 'data-testid="changed-1-monthly_hours"' not in versions.text
        assert 'data-testid="replaced-1"' in versions.text  # the first draft was never confirmed
        assert "家属要求减少" in versions.text

        second_id = int(second.rsplit("/", 1)[1])
        nobody = await browser.post(
            f"/care-plans/{second_id}/confirm", data={"_csrf_token": token, "confirmed_by": " "}, headers=HTML
        )
        assert nobody.status_code == 422 and 'data-testid="error-confirmed_by"' in nobody.text
        confirmed = await browser.post(
            f"/care-plans/{second_id}/confirm", data={"_csrf_token": token, "confirmed_by": "女儿 张丽"}, headers=HTML
        )
        assert confirmed.status_code in {301, 302, 303}
        done = await browser.get(second, headers=HTML)
        assert 'data-testid="confirmed"' in done.text and "女儿 张丽" in done.text
        assert nav_count(done.text, "/care-plans") == 0
        assert 'data-testid="confirmation"' not in done.text  # nothing left to confirm
        twice = await browser.post(
            f"/care-plans/{second_id}/confirm", data={"_csrf_token": token, "confirmed_by": "女儿 张丽"}, headers=HTML
        )
        assert twice.status_code == 409

    async with signed_in_browser(app, "agency-P01") as other:
        form = await other.get("/care-plans", headers=HTML)
        assert f"/care-plans/{second_id}" not in form.text
        for path in (second, f"/care-plans/new?person_id={person}"):
            assert (await other.get(path, headers=HTML)).status_code == 404, path
        refused = await other.post(
            f"/care-plans/{second_id}/adjust",
            data={"_csrf_token": csrf_token(form.text), "monthly_hours": "10", "reason": "x"},
            headers=HTML,
        )
        assert refused.status_code == 404


async def test_caregivers_are_added_edited_and_deactivated_on_pages(app, client, auth) -> None:
    b = await beneficiary(client, auth, nurse=False)
    async with signed_in_browser(app, agency_user(b), PASSWORD) as browser:
        new = await browser.get("/caregivers/new", headers=HTML)
        assert new.status_code == 200
        token = csrf_token(new.text)
        position = {"lat": str(b["lat"]), "lon": str(b["lon"])}
        blank = await browser.post(
            "/caregivers/new",
            data={"_csrf_token": token, "name": "", "qualification": "nurse", "weekly_hours": "35", **position},
            headers=HTML,
        )
        assert blank.status_code == 422 and 'data-testid="error-name"' in blank.text
        assert input_value(blank.text, "weekly_hours") == "35"
        assert '<option value="nurse" selected>' in blank.text
        far = await browser.post(
            "/caregivers/new",
            data={"_csrf_token": token, "name": "周敏", "qualification": "nurse", "weekly_hours": "35"}
            | {"lat": "-33.9", "lon": "151.2"},
            headers=HTML,
        )
        assert far.status_code == 422 and 'data-testid="error-lat"' in far.text
        added = await browser.post(
            "/caregivers/new",
            data={"_csrf_token": token, "name": "周敏", "qualification": "nurse", "weekly_hours": "35", **position},
            headers=HTML,
        )
        assert added.status_code in {301, 302, 303}, added.text
        path = added.headers["location"].split("?")[0]
        listed = await browser.get("/caregivers", params={"qualification": "nurse"}, headers=HTML)
        assert "周敏" in listed.text and b["caregivers"][0]["name"] not in listed.text

        edited = await browser.post(
            path,
            data={"_csrf_token": token, "name": "周敏", "qualification": "nurse", "weekly_hours": "20", **position},
            headers=HTML,
        )
        assert edited.status_code in {301, 302, 303}
        assert input_value((await browser.get(path, headers=HTML)).text, "weekly_hours") == "20"

        page = await browser.get(path, headers=HTML)
        assert "data-confirm=" in page.text and 'data-testid="deactivate"' in page.text
        no_reason = await browser.post(f"{path}/active", data={"_csrf_token": token, "active": "false"}, headers=HTML)
        assert no_reason.status_code == 422 and 'data-testid="error-reason"' in no_reason.text
        off = await browser.post(
            f"{path}/active", data={"_csrf_token": token, "active": "false", "reason": "离职"}, headers=HTML
        )
        assert off.status_code in {301, 302, 303}
        after = await browser.get(path, headers=HTML)
        assert 'data-testid="deactivated"' in after.text and 'data-testid="reactivate"' in after.text
        assert 'data-testid="deactivate"' not in after.text  # only what the state allows
        inactive = await browser.get("/caregivers", params={"status": "inactive"}, headers=HTML)
        assert "周敏" in inactive.text and b["caregivers"][0]["name"] not in inactive.text

    async with signed_in_browser(app, "agency-P01") as other:
        assert (await other.get(path, headers=HTML)).status_code == 404
        assert "周敏" not in (await other.get("/caregivers", headers=HTML)).text


async def test_the_daily_census_is_recorded_on_the_page(app, client, auth) -> None:
    b = await beneficiary(client, auth, care_mode="institutional")
    person = b["person_id"]
    day = today().isoformat()
    async with signed_in_browser(app, agency_user(b), PASSWORD) as browser:
        page = await browser.get("/census", params={"date": day}, headers=HTML)
        assert page.status_code == 200 and f'data-testid="resident-{person}"' in page.text
        assert f'data-testid="recorded-{person}"' not in page.text
        token = csrf_token(page.text)
        nothing = await browser.post("/census", data={"_csrf_token": token, "day": day}, headers=HTML)
        assert nothing.status_code == 422 and 'data-testid="error-entries"' in nothing.text
        tomorrow = (today() + timedelta(days=1)).isoformat()
        future = await browser.post(
            "/census", data={"_csrf_token": token, "day": tomorrow, f"status_{person}": "present"}, headers=HTML
        )
        assert future.status_code == 422 and 'data-testid="error-day"' in future.text
        assert 'value="present" checked' in future.text  # the ticks are kept
        for name, value in (("status_0", "present"), (f"status_{2**40}", "present"), (f"status_{person}", "x" * 40)):
            odd = await browser.post("/census", data={"_csrf_token": token, "day": day, name: value}, headers=HTML)
            assert odd.status_code == 422, (name, odd.status_code)
        stranger = await browser.post(
            "/census", data={"_csrf_token": token, "day": day, "status_1": "present"}, headers=HTML
        )
        assert stranger.status_code == 422 and 'data-testid="form-errors"' in stranger.text
        saved = await browser.post(
            "/census", data={"_csrf_token": token, "day": day, f"status_{person}": "hospital"}, headers=HTML
        )
        assert saved.status_code in {301, 302, 303}, saved.text
        shown = await browser.get(saved.headers["location"], headers=HTML)
        assert f'data-testid="recorded-{person}"' in shown.text and "住院" in shown.text
        yesterday = (today() - timedelta(days=1)).isoformat()
        rest = await browser.post(
            "/census", data={"_csrf_token": token, "day": yesterday, "rest": "present"}, headers=HTML
        )
        assert rest.status_code in {301, 302, 303}, rest.text
        listed = (await client.get("/api/v1/census", params={"day": yesterday}, headers=b["agency"])).json()
        assert [(r["person_id"], r["status"]) for r in listed] == [(person, "present")]
        assert 'data-testid="saved"' in shown.text and f'href="/census?date={day}"' in shown.text
    async with signed_in_browser(app, "agency-P01") as other:
        theirs = await other.get("/census", params={"date": day}, headers=HTML)
        assert f'data-testid="resident-{person}"' not in theirs.text


async def test_unscheduled_visits_are_listed_with_their_reasons_in_words(app, client, auth, services) -> None:
    b = await beneficiary(client, auth)
    plan = await plan_for(client, b)
    start = datetime.combine(today() + timedelta(days=3), time(10), services.settings.zone)
    await UnscheduledSlot.insert(
        UnscheduledSlot(
            care_plan=plan["id"],
            provider=b["provider"]["id"],
            slot_key=f"page-test:{plan['id']}",
            slot_start=start,
            slot_end=start + timedelta(hours=1),
            reason="weekly_hours_exceeded",
            reported_at=services.clock.now(),
        )
    )
    async with signed_in_browser(app, agency_user(b), PASSWORD) as browser:
        page = await browser.get("/unscheduled", headers=HTML)
        assert page.status_code == 200
        assert "weekly_hours_exceeded" not in page.text.split("<main", 1)[1].replace(
            'value="weekly_hours_exceeded"', ""
        )
        assert "护理人员的每周工时已用完" in page.text and "10:00–11:00" in page.text
        other_reason = await browser.get("/unscheduled", params={"reason": "no_caregiver_free"}, headers=HTML)
        assert "10:00–11:00" not in other_reason.text
        english = await browser.get("/lang/en", params={"next": "/unscheduled"})
        assert english.status_code in {301, 302, 303}
        page = await browser.get("/unscheduled", headers=HTML)
        assert "weekly hours are used up" in page.text
    async with signed_in_browser(app, "agency-P01") as other:
        assert "10:00–11:00" not in (await other.get("/unscheduled", headers=HTML)).text


async def test_the_navigation_counts_the_visits_still_to_do_today(app, client, auth, services) -> None:
    b = await beneficiary(client, auth)
    await plan_for(client, b)
    noon = datetime.combine(today(), time(12), services.settings.zone)
    for hours in (0, 2):
        start = noon + timedelta(hours=hours)
        added = await client.post(
            "/api/v1/visits",
            json={
                "person_id": b["person_id"],
                "caregiver_id": b["caregivers"][0]["id"],
                "planned_start": start.isoformat(),
                "planned_end": (start + timedelta(hours=1)).isoformat(),
                "items": ["B01"],
            },
            headers=b["agency"],
        )
        assert added.status_code == 201, added.text
    async with signed_in_browser(app, agency_user(b), PASSWORD) as browser:
        home = await browser.get("/", headers=HTML)
        assert nav_count(home.text, "/visits") == 2
        assert 'data-testid="manage-caregivers"' in home.text
        for place in ("/care-plans", "/caregivers", "/census", "/unscheduled"):
            nav_count(home.text, place)  # the agency's desk is one tap away
    async with signed_in_browser(app, "bureau") as bureau:
        page = await bureau.get("/", headers=HTML)
        assert 'href="/care-plans"' not in page.text and 'href="/census"' not in page.text
