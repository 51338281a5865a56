"""The agency's pages of absences, the roster and the inbox, on the coordinator's phone."""

from __future__ import annotations

from datetime import timedelta

from tests.helpers import HTML, csrf_token, signed_in_browser
from tests.web.test_absences import add_visit, next_weekday
from tests.web.test_visits import PASSWORD, beneficiary
from tests.worker.test_worker import run_burst_worker


async def test_marking_a_caregiver_absent_from_the_page_re_plans_and_tells_the_agency(app, client, auth) -> None:
    b = await beneficiary(client, auth, nurse=True)
    absent, nurse = b["caregivers"][0], b["caregivers"][1]
    day = next_weekday()
    visit = await add_visit(client, b, absent["id"], day + timedelta(hours=10), ["B01"])
    username = f"agency-{b['provider']['code'].lower()}"
    async with signed_in_browser(app, username, PASSWORD) as browser:
        form = await browser.get(f"/caregivers/{absent['id']}/absences", headers=HTML)
        assert form.status_code == 200 and 'data-testid="absence-form"' in form.text and "data-confirm" in form.text
        token = csrf_token(form.text)
        local_from = day.strftime("%Y-%m-%dT%H:%M")
        wrong = await browser.post(
            f"/caregivers/{absent['id']}/absences",
            data={"from": local_from, "to": "yesterday", "reason": "sick", "note": "发烧", "_csrf_token": token},
            headers=HTML,
        )
        assert wrong.status_code == 422 and 'data-testid="error-to"' in wrong.text
        assert f'value="{local_from}"' in wrong.text and "发烧" in wrong.text  # kept as typed
        backwards = await browser.post(
            f"/caregivers/{absent['id']}/absences",
            data={
                "from": local_from,
                "to": (day - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
                "reason": "sick",
                "_csrf_token": token,
            },
            headers=HTML,
        )
        assert backwards.status_code == 422 and 'data-testid="error-to"' in backwards.text
        marked = await browser.post(
            f"/caregivers/{absent['id']}/absences",
            data={
                "from": local_from,
                "to": (day + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
                "reason": "sick",
                "_csrf_token": token,
            },
            headers=HTML,
        )
        assert marked.status_code in {302, 303} and marked.headers["location"].startswith("/jobs/")
        await run_burst_worker(app)
        job = await browser.get(marked.headers["location"], headers=HTML)
        assert nurse["name"] in job.text, job.text  # "1 visit moved: 1 to <the nurse>"
        assert (await client.get(f"/api/v1/visits/{visit}", headers=b["agency"])).json()["caregiver_id"] == nurse["id"]

        roster = await browser.get(f"/roster?date={day.date().isoformat()}", headers=HTML)
        assert roster.status_code == 200
        cell = f'data-testid="cell-{absent["id"]}-{day.date().isoformat()}" data-state="absent"'
        assert cell in roster.text
        assert f'data-testid="cell-{nurse["id"]}-{day.date().isoformat()}" data-state="working"' in roster.text

        english = await browser.get("/lang/en", headers=HTML)
        assert english.status_code in {200, 302, 303}
        roster_en = await browser.get(f"/roster?date={day.date().isoformat()}", headers=HTML)
        assert "Roster" in roster_en.text and "Sick" in roster_en.text

        inbox = await browser.get("/inbox", headers=HTML)
        assert inbox.status_code == 200 and absent["name"] in inbox.text
        listed = await browser.get(f"/caregivers/{absent['id']}/absences", headers=HTML)
        assert "absence-cancelled" not in listed.text
        absence_id = listed.text.split('data-testid="cancel-absence-')[1].split('"')[0]
        cancelled = await browser.post(
            f"/caregivers/{absent['id']}/absences/{absence_id}/cancel", data={"_csrf_token": token}, headers=HTML
        )
        assert cancelled.status_code in {302, 303}
        after = await browser.get(cancelled.headers["location"], headers=HTML)
        assert 'data-testid="absence-cancelled"' in after.text
