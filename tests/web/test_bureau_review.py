"""The bureau's review pages over HTTP: an assessment read with its level's label, answers
and dimension scores; only the decisions its state allows today, the objection's reason kept
when it is refused and shown once recorded; an exception with the check-in position, its
distance from the home, the visit's length and links to the person and the visit."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from ltc.db.tables import VisitException
from tests.helpers import HTML, csrf_token, signed_in_browser
from tests.web.test_assessment_workflow import (
    accepted_application,
    apply,
    instrument,
    register,
    submission,
    today,
    user_ids,
)
from tests.web.test_visit_pages import event_body
from tests.web.test_visits import adhoc_visit, beneficiary, plan_for


async def submitted_assessment(client, auth) -> tuple[dict, dict]:
    application = await accepted_application(client, auth)
    ids = await user_ids(client, auth)
    assessor = await auth("assessor1")
    description = await instrument(client, assessor)
    body = submission(description, application["id"], [ids["assessor1"], ids["expert1"]])
    assessment = await client.post("/api/v1/assessments", json=body, headers=assessor)
    assert assessment.status_code == 201, assessment.text
    return application, assessment.json()


def decisions(page: str, assessment_id: int) -> set[str]:
    return set(re.findall(rf'action="/assessments/{assessment_id}/(publish|objection|finalize)"', page))


async def test_the_assessment_reads_with_its_level_label_answers_and_dimension_scores(app, client, auth) -> None:
    application, assessment = await submitted_assessment(client, auth)
    async with signed_in_browser(app, "bureau") as browser:
        page = (await browser.get(f"/applications/{application['id']}", headers=HTML)).text
        level = re.search(rf'data-testid="level-{assessment["id"]}"><strong>([^<]*)<', page).group(1)
        assert level == f"等级 {assessment['level']} · {assessment['level_label']}" and assessment["level_label"]
        dimensions = re.search(rf'data-testid="dimensions-{assessment["id"]}">(.*?)</table>', page, re.S).group(1)
        for label in ("日常生活活动能力", "认知能力", "感知觉与沟通能力"):
            assert label in dimensions, label
        answers = re.search(rf'data-testid="answers-{assessment["id"]}">(.*?)</table>', page, re.S).group(1)
        assert answers.count("<tr>") == 1 + 17, "a header and the 17 items"
        assert f'href="/persons/{application["person_id"]}"' in page
        assert decisions(page, assessment["id"]) == {"publish"}
        assert 'data-confirm="' in page
        await browser.get("/lang/en")
        english = (await browser.get(f"/applications/{application['id']}", headers=HTML)).text
        level_en = re.search(rf'data-testid="level-{assessment["id"]}"><strong>([^<]*)<', english).group(1)
        assert level_en.startswith(f"Level {assessment['level']} · ") and not re.search("[\u4e00-\u9fff]", level_en)


async def test_only_the_decisions_of_the_notice_period_are_offered(app, client, auth) -> None:
    bureau = await auth("bureau")
    application, assessment = await submitted_assessment(client, auth)
    published = await client.post(f"/api/v1/assessments/{assessment['id']}/publish", json={}, headers=bureau)
    assert published.status_code == 200
    async with signed_in_browser(app, "bureau") as browser:
        page = (await browser.get(f"/applications/{application['id']}", headers=HTML)).text
        assert decisions(page, assessment["id"]) == {"objection"}, "no confirming while the notice runs"
        refused = await browser.post(
            f"/assessments/{assessment['id']}/objection",
            data={"reason": "   ", "_csrf_token": csrf_token(page)},
            headers=HTML,
        )
        assert refused.status_code == 422
        beside = re.search(r'data-testid="error-reason">([^<]*)<', refused.text).group(1)
        assert beside == "请填写原因。"
        reason = "家属认为评估时老人状态异常"
        objected = await browser.post(
            f"/assessments/{assessment['id']}/objection",
            data={"reason": reason, "_csrf_token": csrf_token(page)},
            headers=HTML,
        )
        assert objected.status_code in (302, 303)
        after = (await browser.get(f"/applications/{application['id']}", headers=HTML)).text
        shown = re.search(rf'data-testid="objection-reason-{assessment["id"]}">([^<]*)<', after).group(1)
        assert shown == reason and decisions(after, assessment["id"]) == set()
        record = (await browser.get(f"/persons/{application['person_id']}", headers=HTML)).text
        assert reason in record, "the reason is on the person's record too"


async def test_a_refused_objection_keeps_what_was_typed(app, client, auth) -> None:
    bureau = await auth("bureau")
    application, assessment = await submitted_assessment(client, auth)
    long_ago = (today() - timedelta(days=30)).isoformat()
    published = await client.post(
        f"/api/v1/assessments/{assessment['id']}/publish", json={"published_on": long_ago}, headers=bureau
    )
    assert published.status_code == 200
    async with signed_in_browser(app, "bureau") as browser:
        page = (await browser.get(f"/applications/{application['id']}", headers=HTML)).text
        assert decisions(page, assessment["id"]) == {"finalize"}, "no objection once the notice has run out"
        typed = "公示期后才收到的异议"
        late = await browser.post(
            f"/assessments/{assessment['id']}/objection",
            data={"reason": typed, "_csrf_token": csrf_token(page)},
            headers=HTML,
        )
        assert late.status_code == 409
        assert f">{typed}</textarea>" in late.text
        above = re.search(r'data-testid="form-errors">\s*<ul><li>([^<]*)<', late.text).group(1)
        assert above == "公示期已结束，不能再提出异议。"


async def test_a_refused_team_keeps_the_ticked_assessors(app, client, auth) -> None:
    bureau = await auth("bureau")
    ids = await user_ids(client, auth)
    person = await register(client, bureau)
    submitted = (await apply(client, bureau, person["id"])).json()
    async with signed_in_browser(app, "bureau") as browser:
        page = (await browser.get(f"/applications/{submitted['id']}", headers=HTML)).text
        refused = await browser.post(
            f"/applications/{submitted['id']}/accept",
            data={"assessor_ids": [ids["assessor1"], ids["assessor2"]], "_csrf_token": csrf_token(page)},
            headers=HTML,
        )
        assert refused.status_code == 422, refused.text
        error = re.search(r'data-testid="form-errors">\s*<ul><li>([^<]*)<', refused.text).group(1)
        assert error == "至少需要 1 名评估专家。"
        ticked = set(re.findall(r'value="(\d+)" checked', refused.text))
        assert ticked == {str(ids["assessor1"]), str(ids["assessor2"])}


async def test_an_exception_shows_where_and_how_long_with_links_to_the_person_and_the_visit(app, client, auth) -> None:
    b = await beneficiary(client, auth)
    await plan_for(client, b)
    visit = await adhoc_visit(client, b)
    far = (visit["person_lat"] + 0.01, visit["person_lon"])  # about 1.1 km north of the home
    now = datetime.now(UTC)
    for kind, at in (("check-in", now - timedelta(minutes=7)), ("check-out", now)):
        answered = await client.post(
            f"/api/v1/visits/{visit['id']}/{kind}", json=event_body(*far, at=at), headers=b["agency"]
        )
        assert answered.status_code == 201, answered.text
    exceptions = await VisitException.select().where(VisitException.visit == visit["id"])
    assert {e["code"] for e in exceptions} >= {"outside_geofence", "too_short"}
    exception_id = exceptions[0]["id"]
    async with signed_in_browser(app, "bureau") as browser:
        page = (await browser.get("/visit-exceptions?status=open", headers=HTML)).text
        distance = re.search(rf'data-testid="exception-distance-{exception_id}">([^<]*)<', page).group(1)
        assert 1050 <= int(re.sub(r"\D", "", distance)) <= 1170, distance
        duration = re.search(rf'data-testid="exception-duration-{exception_id}">([^<]*)<', page).group(1)
        assert "7" in duration and "分钟" in duration
        assert f'href="/persons/{b["person_id"]}"' in page
        link = re.search(rf'href="([^"]+)" data-testid="exception-visit-{exception_id}"', page)
        assert link is not None
        target = link.group(1)
        assert target.startswith(f"/persons/{b['person_id']}?month=") and target.endswith(f"#visit-{visit['id']}")
        record = await browser.get(target.split("#")[0], headers=HTML)
        assert record.status_code == 200, record.text[-600:]
        assert f'id="visit-{visit["id"]}"' in record.text
        assert 'data-testid="person-exceptions"' in record.text and "米" in record.text
