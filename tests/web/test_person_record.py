"""The person search and the person's record over HTTP: each search key (name prefix, id
number, phone), masking per role, filters and keyset paging of the list API, the record's
parts per role, and tenancy (another agency's person is not found)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import httpx

from ltc.db.queries.paging import encode_cursor
from ltc.db.tables import Person
from tests.helpers import HTML, signed_in_browser
from tests.web.test_assessment_workflow import (
    accepted_application,
    instrument,
    register,
    submission,
    user_ids,
)


def next_link(response: httpx.Response) -> str | None:
    match = re.match(r'<([^>]+)>; rel="next"', response.headers.get("link", ""))
    return match.group(1) if match else None


async def test_a_name_is_found_by_its_beginning_only(client, auth) -> None:
    bureau = await auth("bureau")
    person = await register(client, bureau, name="诸葛青云")
    found = await client.get("/api/v1/persons", params={"search": "诸葛"}, headers=bureau)
    assert found.status_code == 200
    assert person["id"] in [p["id"] for p in found.json()]
    assert all(p["name"].startswith("诸葛") for p in found.json())
    middle = await client.get("/api/v1/persons", params={"search": "青云"}, headers=bureau)
    assert person["id"] not in [p["id"] for p in middle.json()]


async def test_a_name_prefix_is_taken_literally(client, auth) -> None:
    bureau = await auth("bureau")
    await register(client, bureau, name="百分之王")
    wildcard = await client.get("/api/v1/persons", params={"search": "%"}, headers=bureau)
    assert wildcard.json() == []
    underscore = await client.get("/api/v1/persons", params={"search": "_"}, headers=bureau)
    assert underscore.json() == []


async def test_the_bureau_finds_a_person_by_the_complete_id_number_and_others_do_not(client, auth) -> None:
    bureau = await auth("bureau")
    person = await register(client, await auth("agency-P01"))
    full = (await client.get(f"/api/v1/persons/{person['id']}", headers=bureau)).json()["id_number"]
    found = await client.get("/api/v1/persons", params={"search": full.lower()}, headers=bureau)
    assert [p["id"] for p in found.json()] == [person["id"]]
    assert found.json()[0]["id_number"] == full
    # The agency that registered the person sees them, masked, but cannot look them up by
    # a number it is never shown.
    agency = await auth("agency-P01")
    listed = await client.get("/api/v1/persons", params={"limit": 500}, headers=agency)
    mine = [p for p in listed.json() if p["id"] == person["id"]]
    assert mine and "*" in mine[0]["id_number"]
    assert (await client.get("/api/v1/persons", params={"search": full}, headers=agency)).json() == []
    partial = await client.get("/api/v1/persons", params={"search": full[:10]}, headers=bureau)
    assert person["id"] not in [p["id"] for p in partial.json()]


async def test_a_phone_number_is_found_complete_and_only_complete(client, auth) -> None:
    bureau = await auth("bureau")
    person = await register(client, bureau, phone="139 5555 0123")
    found = await client.get("/api/v1/persons", params={"search": "13955550123"}, headers=bureau)
    assert [p["id"] for p in found.json()] == [person["id"]]
    spaced = await client.get("/api/v1/persons", params={"search": "139-5555-0123"}, headers=bureau)
    assert [p["id"] for p in spaced.json()] == [person["id"]]
    part = await client.get("/api/v1/persons", params={"search": "1395555"}, headers=bureau)
    assert person["id"] not in [p["id"] for p in part.json()]
    # the phone is kept sealed; only its blind index is searchable
    row = await Person.select(Person.phone, Person.phone_index).where(Person.id == person["id"]).first()
    assert row is not None and row["phone"] == "" and len(row["phone_index"]) == 64


async def test_the_list_pages_by_keyset_with_a_link_to_the_next_page(client, auth) -> None:
    bureau = await auth("bureau")
    first = await client.get("/api/v1/persons", params={"limit": 7, "town": "330213001"}, headers=bureau)
    assert first.status_code == 200
    link = next_link(first)
    assert link is not None
    query = parse_qs(urlsplit(link).query)
    assert query["town"] == ["330213001"] and query["limit"] == ["7"]
    assert query["after"] == [encode_cursor([first.json()[-1]["id"]])]
    second = await client.get(link, headers=bureau)
    ids = [p["id"] for p in first.json() + second.json()]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert {p["town"] for p in first.json() + second.json()} == {"330213001"}


async def test_the_filters_narrow_the_list(client, auth) -> None:
    bureau = await auth("bureau")

    async def matches(person_id: int, **filters) -> bool:
        """Whether the person passes the filters: the page that starts at them, one long."""
        params = filters | {"after": encode_cursor([person_id - 1]), "limit": 1}
        response = await client.get("/api/v1/persons", params=params, headers=bureau)
        assert response.status_code == 200, response.text
        return [p["id"] for p in response.json()] == [person_id]

    uninsured = await register(client, bureau, insured=False, insured_since=None, name="未保老人")
    assert await matches(uninsured["id"], insured="false")
    assert not await matches(uninsured["id"], insured="true")
    assert await matches(uninsured["id"], town=uninsured["town"])
    assert not await matches(uninsured["id"], town="330213001")
    application = await accepted_application(client, auth)
    assert await matches(application["person_id"], care_status="applying")
    assert not await matches(uninsured["id"], care_status="applying")
    assert not await matches(application["person_id"], care_status="beneficiary")
    assert not await matches(application["person_id"], level=5)
    bad = await client.get("/api/v1/persons", params={"level": 9}, headers=bureau)
    assert bad.status_code in {400, 422}
    forged = await client.get("/api/v1/persons", params={"after": "not-a-cursor"}, headers=bureau)
    assert forged.status_code == 422 and forged.json()["code"] == "invalid_cursor"


async def assessed_person(client, auth) -> tuple[dict, dict]:
    """A person whose application was assessed by assessor1 and expert1, and published."""
    application = await accepted_application(client, auth)
    ids = await user_ids(client, auth)
    assessor = await auth("assessor1")
    description = await instrument(client, assessor)
    body = submission(description, application["id"], [ids["assessor1"], ids["expert1"]])
    assessment = await client.post("/api/v1/assessments", json=body, headers=assessor)
    assert assessment.status_code == 201, assessment.text
    published = await client.post(
        f"/api/v1/assessments/{assessment.json()['id']}/publish", json={}, headers=await auth("bureau")
    )
    assert published.status_code == 200, published.text
    return application, assessment.json()


async def test_the_bureau_reads_the_whole_record_with_the_assessment_in_words(app, client, auth) -> None:
    application, assessment = await assessed_person(client, auth)
    person_id = application["person_id"]
    async with signed_in_browser(app, "bureau") as browser:
        page = await browser.get(f"/persons/{person_id}", headers=HTML)
        assert page.status_code == 200, page.text
        text = page.text
        for part in ("identity", "applications", "conclusions", "placement", "care-plans", "visit-calendar"):
            assert f'data-testid="{part}"' in text, part
        assert 'data-testid="settlement-lines"' in text and 'data-testid="person-audit"' in text
        assert "*" not in re.search(r'data-testid="id-number">([^<]*)<', text).group(1)
        level = re.search(rf'data-testid="level-{assessment["id"]}"><strong>([^<]*)<', text).group(1)
        assert level == f"等级 {assessment['level']} · {assessment['level_label']}"
        assert f'data-testid="dimensions-{assessment["id"]}"' in text and "日常生活活动能力" in text
        assert f'data-testid="answers-{assessment["id"]}"' in text and "进食" in text
        assert "米" in re.search(rf'data-testid="assessment-position-{assessment["id"]}">([^<]*)<', text).group(1)
        await browser.get("/lang/en")
        english = (await browser.get(f"/persons/{person_id}", headers=HTML)).text
        level_en = re.search(rf'data-testid="level-{assessment["id"]}"><strong>([^<]*)<', english).group(1)
        assert level_en.startswith(f"Level {assessment['level']} · ") and not re.search("[\u4e00-\u9fff]", level_en)
        assert "m from the home" in english


async def test_an_assessor_reads_only_the_parts_of_their_role(app, client, auth) -> None:
    application, assessment = await assessed_person(client, auth)
    async with signed_in_browser(app, "assessor1") as browser:
        page = await browser.get(f"/persons/{application['person_id']}", headers=HTML)
        assert page.status_code == 200, page.text
        assert f'data-testid="assessment-words-{assessment["id"]}"' in page.text
        for hidden in ("person-audit", "settlement-lines", "visit-calendar", "conclusions", "care-plans"):
            assert f'data-testid="{hidden}"' not in page.text, hidden
        assert "*" in re.search(r'data-testid="id-number">([^<]*)<', page.text).group(1)
    async with signed_in_browser(app, "assessor2") as browser:
        other = await browser.get(f"/persons/{application['person_id']}", headers=HTML)
        assert other.status_code == 404


async def test_another_agencys_person_is_not_found_on_the_record_page_or_in_the_search(app, client, auth) -> None:
    person = await register(client, await auth("agency-P01"), name="甲机构老人")
    async with signed_in_browser(app, "agency-P01") as browser:
        own = await browser.get(f"/persons/{person['id']}", headers=HTML)
        assert own.status_code == 200 and 'data-testid="person-audit"' not in own.text
    async with signed_in_browser(app, "agency-P02") as browser:
        assert (await browser.get(f"/persons/{person['id']}", headers=HTML)).status_code == 404
        search = await browser.get("/persons", params={"q": "甲机构"}, headers=HTML)
        assert search.status_code == 200 and f"/persons/{person['id']}" not in search.text
    async with signed_in_browser(app, "admin") as browser:
        assert (await browser.get("/persons", headers=HTML)).status_code == 403


async def test_the_top_bar_search_goes_straight_to_the_one_exact_hit(app, client, auth) -> None:
    bureau = await auth("bureau")
    person = await register(client, bureau, phone="13611112222", name="顶栏老人")
    async with signed_in_browser(app, "bureau") as browser:
        hit = await browser.get("/persons", params={"q": "13611112222"}, headers=HTML)
        assert hit.status_code in {301, 302, 303} and hit.headers["location"] == f"/persons/{person['id']}"
        by_name = await browser.get("/persons", params={"q": "顶栏"}, headers=HTML)
        assert by_name.status_code == 200 and f"/persons/{person['id']}" in by_name.text
        bad = await browser.get("/persons", params={"level": "x"}, headers=HTML)
        assert bad.status_code == 422


async def test_the_persons_page_pages_onward_keeping_its_filters(app) -> None:
    async with signed_in_browser(app, "bureau") as browser:
        first = await browser.get("/persons", params={"insured": "yes"}, headers=HTML)
        assert first.status_code == 200
        shown = re.findall(r'data-testid="person-(\d+)"', first.text)
        assert len(shown) == 50
        target = re.search(r'href="([^"]+)" rel="next" data-testid="next-page"', first.text).group(1)
        assert "insured=yes" in target.replace("&amp;", "&")
        second = await browser.get(target.replace("&amp;", "&"), headers=HTML)
        onward = re.findall(r'data-testid="person-(\d+)"', second.text)
        assert onward and int(onward[0]) > int(shown[-1])
        assert '<option value="yes" selected>' in second.text, "the filter stays chosen"
