"""The key pages of each role read in English words: no stored code (snake_case or dotted)
appears in the text a reader sees. The pages are drawn on a district of its own with the
demo's activity (applications, conclusions, placements, care plans, visits) and a job run, so
statuses, modes, reasons and levels are on them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from litestar import Litestar

from ltc.db.tables import (
    Application,
    AppUser,
    CarePlan,
    Provider,
    ReviewSample,
    Settlement,
    SettlementLine,
    TipOff,
    Visit,
)
from ltc.domain.periods import Period
from ltc.services import jobs
from ltc.services.clock import local_today
from ltc.services.settlements.values import BuildSettlementsParams
from ltc.services.supervision import review_draw, tip_offs
from ltc.settings import Settings
from tests.helpers import HTML, signed_in_browser
from tests.isolated import isolated_app
from tests.web.text_of_page import codes_in, visible_text
from tests.worker.test_worker import run_burst_worker

KEY_PAGES = {
    "bureau": [
        "/",
        "/applications",
        "/conclusions",
        "/providers",
        "/providers/1",
        "/map",
        "/assignment",
        "/settlements",
        "/fund",
        "/visit-exceptions",
    ],
    "agency-P01": ["/", "/visits", "/visit-exceptions", "/visit-alerts"],
    "assessor1": ["/", "/assess"],
    "admin": ["/"],
    "secadmin": ["/"],
    "auditor": ["/"],
}


def test_the_check_finds_a_code_in_the_text_and_not_in_attributes() -> None:
    page = '<p data-flag="too_short">Visit too short <code data-support-code>not_found</code></p><p>weak_gps_signal</p>'
    assert codes_in(page) == ["weak_gps_signal"]
    assert codes_in("<td>care_plan.confirm</td><script>let a_b = 1;</script>") == ["care_plan.confirm"]
    assert visible_text("<p>a</p><div hidden><p>b_c</p></div><p>d</p>") == "a d"


@dataclass(frozen=True)
class District:
    app: Litestar
    pages: dict[str, list[str]]


@pytest.fixture(scope="module")
async def district(settings: Settings) -> AsyncIterator[District]:
    async with isolated_app(settings, "english", activity=True) as app:
        services = app.state.services
        period = local_today(services.clock, services.settings.zone).strftime("%Y-%m")
        build = await jobs.start_job(services, None, "build_settlements", BuildSettlementsParams(period=period))
        await run_burst_worker(app)
        plan = await CarePlan.select().where(CarePlan.status == "confirmed").order_by(CarePlan.id).first()
        provider = await Provider.select(Provider.id, Provider.code).where(Provider.id == plan["provider"]).first()
        visit = await Visit.select(Visit.id).where(Visit.provider == provider["id"]).order_by(Visit.id).first()
        application = await Application.select(Application.id).where(Application.person == plan["person"]).first()
        agency = await AppUser.select(AppUser.username).where(AppUser.provider == provider["id"]).first()
        pages = {username: list(paths) for username, paths in KEY_PAGES.items()}
        pages["bureau"] += [
            f"/applications/{application['id']}",
            f"/providers/{provider['id']}",
            f"/settlements?period={period}",
            f"/jobs/{build}",
        ]
        pages[agency["username"]] = ["/", "/visits", f"/visits/{visit['id']}", "/visit-exceptions"]
        # a draft with one line of the person's care, and its review sample drawn
        (settlement,) = await Settlement.insert(
            Settlement(
                provider=provider["id"],
                period=period,
                settlement_key=f"{provider['id']}:{period}-en",
                status="draft",
                built_at=services.clock.now(),
            )
        ).returning(Settlement.id)
        await SettlementLine.insert(
            SettlementLine(
                settlement=settlement["id"],
                service_month=Period.parse(period).first_day,
                line_no=1,
                kind="home",
                person=plan["person"],
                level=4,
                gross_fen=6000,
            )
        )
        await review_draw.draw_samples(services, Period.parse(period), [settlement["id"]])
        sample = await ReviewSample.select(ReviewSample.id).where(ReviewSample.settlement == settlement["id"]).first()
        assert sample is not None, "one line, one line drawn"
        filed = await tip_offs.file_public(services, tip_offs.TipOffIn(about="某护理站", description="未上门"), "")
        tip_off = await TipOff.select(TipOff.id).where(TipOff.reference == filed.reference).first()
        pages["supervisor1"] = [
            "/supervision",
            f"/supervision?period={period}",
            f"/supervision/providers/{provider['id']}?period={period}",
            "/review-samples",
            f"/review-samples/{sample['id']}",
            "/tip-offs",
            f"/tip-offs/{tip_off['id']}",
            "/tip-off",
        ]
        yield District(app, pages)


async def test_every_key_page_in_english_shows_no_code(district: District) -> None:
    found = {}
    for username, paths in district.pages.items():
        async with signed_in_browser(district.app, username) as browser:
            browser.cookies.set("ltc_lang", "en")
            for path in paths:
                page = await browser.get(path, headers=HTML)
                assert page.status_code == 200, (username, path, page.status_code)
                assert 'lang="en"' in page.text
                if codes := codes_in(page.text):
                    found[f"{username} {path}"] = codes
                if "、" in visible_text(page.text):
                    found[f"{username} {path}"] = ["a Chinese list separator"]
    assert found == {}
