"""A weekly visit's time window on the care plan page: set per slot, refused beside the
visits when it is not 0–240 minutes (what was typed kept, in both languages), saved with the
new version and shown in the versions."""

from __future__ import annotations

import re

from tests.helpers import HTML, csrf_token, signed_in_browser
from tests.web.test_desk_pages import agency_user, slot_rows
from tests.web.test_visits import PASSWORD, beneficiary


def windows(page: str) -> list[str]:
    return re.findall(r'name="slot_window" type="number"[^>]*value="([^"]*)"', page)


async def test_a_slot_s_window_is_set_kept_on_error_and_saved(app, client, auth) -> None:
    b = await beneficiary(client, auth)
    async with signed_in_browser(app, agency_user(b), PASSWORD) as browser:
        new = await browser.get("/care-plans/new", params={"person_id": b["person_id"]}, headers=HTML)
        token = csrf_token(new.text)
        created = await browser.post(
            "/care-plans/new",
            data={"_csrf_token": token, "person_id": str(b["person_id"]), "items": ["B01", "B07"]},
            headers=HTML,
        )
        plan_path = created.headers["location"]
        page = await browser.get(plan_path, headers=HTML)
        rows = slot_rows(page.text)
        assert windows(page.text) == [""] * len(rows["slot_weekday"])  # the policy's window until one is set
        assert "60" in page.text  # the policy's default is shown as the placeholder and in the hint

        typed = ["999"] + [""] * (len(rows["slot_weekday"]) - 1)
        data = {"_csrf_token": token, "monthly_hours": "30", "items": ["B01", "B07"], "reason": "下午更方便"}
        refused = await browser.post(f"{plan_path}/adjust", data=data | rows | {"slot_window": typed}, headers=HTML)
        assert refused.status_code == 422 and 'data-testid="error-slots"' in refused.text
        assert "0 至 240" in refused.text
        assert windows(refused.text)[0] == "999"  # what was typed is kept
        await browser.get("/lang/en", headers=HTML)
        english = await browser.post(
            f"{plan_path}/adjust", data=data | rows | {"slot_window": ["abc", *typed[1:]]}, headers=HTML
        )
        assert english.status_code == 422 and "whole number of minutes from 0 to 240" in english.text
        assert windows(english.text)[0] == "abc"
        await browser.get("/lang/zh_CN", headers=HTML)

        typed[0] = "90"
        saved = await browser.post(f"{plan_path}/adjust", data=data | rows | {"slot_window": typed}, headers=HTML)
        assert saved.status_code in {301, 302, 303}, saved.text
        second = await browser.get(saved.headers["location"], headers=HTML)
        assert windows(second.text)[0] == "90"
        assert "最多可晚 90 分钟开始" in second.text
        assert 'data-testid="changed-2-slots"' in second.text  # a window change is a change of the slots
        plan_id = int(saved.headers["location"].rsplit("/", 1)[1])
        api = await browser.get(f"/api/v1/care-plans/{plan_id}")
        assert api.status_code == 200
        assert api.json()["slots"][0]["window_minutes"] == 90
        assert {s["window_minutes"] for s in api.json()["slots"][1:]} == {None}
