"""A family without an account over HTTP: the public filing page, the follow page and the
API behind it (no id number in a URL, one generic 404 for any wrong pair, a limit per
connection), the application's reference on the bureau's page, English words throughout."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, timedelta

import httpx
from litestar import Litestar

from ltc.db.tables import Application, AppUser
from ltc.domain.identity import make_id_number
from ltc.services.intake.follow import FOLLOW_LIMIT
from tests.helpers import HTML, csrf_token, signed_in_browser
from tests.web.text_of_page import codes_in

_sequence = itertools.count(500, 2)
_hosts = itertools.count(1)
ANSWERS = {
    f"answer_{key}": "dependent" for key in ("eating", "continence", "bathing", "dressing", "toilet_use", "transfer")
}


def new_id_number() -> str:
    return make_id_number("330283", date(1944, 2, 9), next(_sequence), "M")


@asynccontextmanager
async def citizen(app: Litestar, lang: str = "zh") -> AsyncIterator[httpx.AsyncClient]:
    """A browser without an account, from an address of its own (the limits count per address)."""
    transport = httpx.ASGITransport(app=app, client=(f"203.0.113.{next(_hosts)}", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as browser:
        if lang == "en":
            browser.cookies.set("ltc_lang", "en")
        yield browser


async def file_on_the_page(
    browser: httpx.AsyncClient, id_number: str, name: str = "钱阿婆", town: str = "330213007", **extra: str
) -> httpx.Response:
    form = await browser.get("/apply", headers=HTML)
    assert form.status_code == 200
    return await browser.post(
        "/apply",
        data={
            "_csrf_token": csrf_token(form.text),
            "filed_by": "village_agent",
            "filer_name": "村代办周",
            "filer_phone": "13700000003",
            "id_number": id_number,
            "name": name,
            "town": town,
            "address": "溪口镇班溪村8号",
            "care_mode": "home",
            "disabled_since": (date.today() - timedelta(days=400)).isoformat(),
            **ANSWERS,
            **extra,
        },
        headers=HTML,
    )


def reference_in(page: str) -> str:
    marker = 'data-testid="reference">'
    start = page.index(marker) + len(marker)
    return page[start : page.index("<", start)]


async def test_a_village_agent_files_on_the_page_and_the_family_follows_it(app, client, auth) -> None:
    id_number = new_id_number()
    async with citizen(app) as browser:
        filed = await file_on_the_page(browser, id_number)
        assert filed.status_code == 200, filed.text
        reference = reference_in(filed.text)
        follow = await browser.get("/follow", headers=HTML)
        opened = await browser.post(
            "/follow",
            data={"_csrf_token": csrf_token(follow.text), "reference": reference, "id_number": id_number},
            headers=HTML,
        )
        assert opened.status_code == 200 and 'data-testid="follow-status"' in opened.text
        assert id_number not in opened.text and "钱**" in opened.text and "班溪村" not in opened.text
        wrong = await browser.post(
            "/follow",
            data={"_csrf_token": csrf_token(follow.text), "reference": reference, "id_number": new_id_number()},
            headers=HTML,
        )
        assert wrong.status_code == 404 and 'data-testid="follow-status"' not in wrong.text
    application = await Application.select(Application.id).where(Application.reference == reference).first()
    bureau = await auth("bureau")
    users = {u["username"]: u["id"] for u in await AppUser.select(AppUser.id, AppUser.username)}
    accepted = await client.post(
        f"/api/v1/applications/{application['id']}/accept",
        json={"assessor_ids": [users["assessor1"], users["expert1"]]},
        headers=bureau,
    )
    assert accepted.status_code == 200 and accepted.json()["reference"] == reference
    async with citizen(app) as api:
        view = await api.post("/api/v1/follow", json={"reference": reference, "id_number": id_number})
        assert view.status_code == 200, view.text
        body = view.json()
        assert body["status"] == "accepted" and [s["code"] for s in body["steps"] if s["done"]] == [
            "submitted",
            "accepted",
        ]
        assert id_number not in view.text
        again = await api.get("/api/v1/follow", params={"token": body["token"]})
        assert again.status_code == 200 and again.json()["reference"] == reference
        forged = await api.get("/api/v1/follow", params={"token": body["token"] + "0"})
        assert forged.status_code == 404 and forged.json()["code"] == "not_found"
    # The bureau's page of the application shows the reference the family keeps.
    async with signed_in_browser(app, "bureau") as desk:
        page = await desk.get(f"/intake/applications/{application['id']}", headers=HTML)
        assert reference in page.text


async def test_any_wrong_pair_is_one_answer_and_guessing_is_limited(app) -> None:
    async with citizen(app) as api:
        answers = set()
        for _ in range(FOLLOW_LIMIT.policy.max_failures):
            wrong = await api.post(
                "/api/v1/follow", json={"reference": "SQ000000ABCDEFGH", "id_number": new_id_number()}
            )
            assert wrong.status_code == 404
            answers.add(wrong.text)
        assert len(answers) == 1
        limited = await api.post("/api/v1/follow", json={"reference": "SQ000000ABCDEFGH", "id_number": "x"})
        assert limited.status_code == 429 and limited.json()["code"] == "too_many_follow_attempts"
        assert int(limited.headers["Retry-After"]) > 0
    async with citizen(app) as other:  # another connection is not held back
        assert (await other.post("/api/v1/follow", json={"reference": "SQ1", "id_number": "1"})).status_code == 404


async def test_the_public_pages_in_english_show_no_code(app) -> None:
    id_number = new_id_number()
    async with citizen(app, "en") as browser:
        form = await browser.get("/apply", headers=HTML)
        assert 'lang="en"' in form.text and codes_in(form.text) == []
        refused = await browser.post(
            "/apply", data={"_csrf_token": csrf_token(form.text), "filed_by": "family"}, headers=HTML
        )
        assert refused.status_code == 422 and codes_in(refused.text) == []
        filed = await file_on_the_page(browser, id_number)
        assert filed.status_code == 200 and codes_in(filed.text) == []
        follow = await browser.get("/follow", headers=HTML)
        opened = await browser.post(
            "/follow",
            data={
                "_csrf_token": csrf_token(follow.text),
                "reference": reference_in(filed.text),
                "id_number": id_number,
            },
            headers=HTML,
        )
        assert opened.status_code == 200 and codes_in(opened.text) == []


async def test_extra_answer_fields_on_the_public_form_are_ignored_not_a_failure(app) -> None:
    extra = {f"answer_extra{i}": "dependent" for i in range(60)}
    async with citizen(app) as browser:
        filed = await file_on_the_page(browser, new_id_number(), **extra)
        assert filed.status_code == 200, filed.text
        assert 'data-testid="reference"' in filed.text


async def test_the_follow_token_travels_in_forms_never_in_a_url(app) -> None:
    id_number = new_id_number()
    async with citizen(app) as browser:
        filed = await file_on_the_page(browser, id_number)
        follow = await browser.get("/follow", headers=HTML)
        opened = await browser.post(
            "/follow",
            data={
                "_csrf_token": csrf_token(follow.text),
                "reference": reference_in(filed.text),
                "id_number": id_number,
            },
            headers=HTML,
        )
        token = opened.text.split('name="token" value="', 1)[1].split('"', 1)[0]
        sent = await browser.post(
            "/follow/complaint",
            data={"_csrf_token": csrf_token(opened.text), "token": token, "description": "护理员迟到"},
            headers=HTML,
        )
        assert sent.status_code == 200 and "location" not in sent.headers
        assert 'data-testid="sent"' in sent.text and 'data-testid="follow-status"' in sent.text
        by_url = await browser.get("/follow", params={"token": token}, headers=HTML)
        assert 'data-testid="follow-status"' not in by_url.text


async def test_the_public_form_says_when_the_scheme_opens_in_a_town_not_open_yet(app) -> None:
    async with citizen(app, "en") as browser:
        refused = await file_on_the_page(browser, new_id_number(), town="330213012")  # 大堰镇, from 2027-04-01
        assert refused.status_code == 422, refused.status_code
        assert "The scheme opens in" in refused.text and "2027" in refused.text
        assert codes_in(refused.text) == []
