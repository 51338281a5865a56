"""Job pages in words: a title per kind, a progress bar with its percentage, a summary of the
result per kind (counts in sentences, not the stored JSON), a failure said in words."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import UUID, uuid4

import pytest

from ltc.db.tables import AppUser, Job
from ltc.services import jobs
from ltc.services.assignments import ReassignResult
from ltc.services.jobs import JobView
from ltc.services.reoptimisation import Move, Plan, PreviewResult
from ltc.services.visits.values import GenerateVisitsResult
from ltc.web import i18n, job_summaries, vocabulary
from tests.helpers import HTML, csrf_token, signed_in_browser
from tests.worker.test_worker import run_burst_worker

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def english() -> Iterator[None]:
    i18n.configure_catalogs(ROOT / "locale")
    token = i18n.set_language("en")
    yield
    i18n.reset_language(token)


@pytest.fixture
def chinese() -> Iterator[None]:
    i18n.configure_catalogs(ROOT / "locale")
    token = i18n.set_language("zh_CN")
    yield
    i18n.reset_language(token)


def job_view(kind: str, result: dict | None, *, status: str = "done", error: str = "") -> JobView:
    now = datetime(2026, 12, 6, 13, 0, tzinfo=UTC)
    return JobView(
        id=uuid4(),
        kind=kind,
        status=status,
        progress=1.0 if status == "done" else 0.4,
        result=result,
        error=error,
        created_at=now,
        started_at=now,
        finished_at=now if status in {"done", "failed"} else None,
    )


def preview(moves: int, before: float, after: float) -> dict:
    move = Move(person_id=1, from_provider_id=2, to_provider_id=3, distance_before_km=4.0, distance_after_km=1.5)
    plan = Plan(placements=[(1, 3, 1.5, 1, "optimised")], unassigned=[], conclusions={}, modes={})
    result = PreviewResult(
        fingerprint="f",
        people=120,
        moves=moves,
        total_km_before=before,
        total_km_after=after,
        assigned_before=118,
        assigned_after=118,
        sample_moves=[move] * moves,
        plan=plan,
    )
    return result.model_dump(mode="json")


def test_every_job_kind_has_a_title_and_a_summary() -> None:
    import ltc.web.app  # noqa: F401  (registers every job kind)

    # The product's kinds (other tests register kinds of their own).
    kinds = {name for name, kind in jobs._KINDS.items() if kind.body.__module__.startswith("ltc.")}
    assert kinds, "the job kinds are registered"
    assert kinds <= set(vocabulary.JOB_TITLES), sorted(kinds - set(vocabulary.JOB_TITLES))
    assert [kind for kind in sorted(kinds) if not job_summaries.has_summary(kind)] == []


def test_the_preview_is_summarised_not_listed(english) -> None:
    view = job_summaries.describe(job_view("reoptimise_preview", preview(7, 812.46, 790.26)))
    assert view.title == "Preview of an optimised placement"
    assert view.percent == 100 and view.status_words == "Done"
    first = view.outcome.sentences[0]
    assert first.startswith("7 people would move (of 120 placed); total distance −22.2 km, from 812.5 km to 790.3 km")
    assert view.outcome.next_step.href.startswith("/assignment?preview=")


def test_one_move_is_singular_and_chinese_has_its_own_sentence(chinese) -> None:
    view = job_summaries.describe(job_view("reoptimise_preview", preview(1, 10.0, 12.5)))
    assert view.title == "整体优化分配预览"
    assert view.outcome.sentences[0].startswith("将有 1 人调整机构（共 120 人已分配）；总距离变化 +2.5 公里")


def test_unscheduled_visits_are_counted_by_reason_in_words(english) -> None:
    result = GenerateVisitsResult(
        plans=3,
        visits=40,
        unscheduled=5,
        by_reason={"no_caregiver_free": 3, "weekly_hours_exceeded": 2},
        skipped_existing=1,
        continuity=30,
        window=(date(2026, 12, 7), date(2026, 12, 20)),
    )
    outcome = job_summaries.describe(job_view("generate_visits", result.model_dump(mode="json"))).outcome
    assert outcome.sentences[0] == "40 visits scheduled from 3 care plans, Dec 7, 2026 to Dec 20, 2026."
    assert outcome.sentences[1] == "1 visit already existed and was kept."
    assert outcome.sentences[2] == (
        "5 visits could not be given to a caregiver: No caregiver free (3) and Caregivers' weekly hours are used up (2)."
    )


def test_a_skipped_reassignment_says_why(chinese) -> None:
    result = ReassignResult(provider_id=4, moved=0, unassigned=0, skipped="provider is active")
    outcome = job_summaries.describe(job_view("reassign_provider_people", result.model_dump())).outcome
    assert outcome.sentences == ("无人调整：该机构已恢复接收服务对象。",)
    assert outcome.next_step.href == "/providers/4"


def test_a_refused_job_says_what_failed_in_words(chinese) -> None:
    view = job_summaries.describe(job_view("reoptimise_apply", None, status="failed", error="stale_preview: changed"))
    assert view.outcome is None
    assert view.failure == "预览之后分配已有变化，请重新预览。"
    assert view.failure_code == "stale_preview"


def test_a_crashed_job_says_so_without_the_traceback(english) -> None:
    view = job_summaries.describe(job_view("build_settlements", None, status="failed", error="KeyError: 'x'"))
    assert view.failure.startswith("The job stopped because of an unexpected error.")
    assert "KeyError" not in view.failure


def test_a_result_of_another_shape_still_reads_as_finished(english) -> None:
    outcome = job_summaries.describe(job_view("build_settlements", {"unexpected": 1})).outcome
    assert outcome.sentences == ("The job has finished.",)


async def test_the_geocoding_job_page_in_chinese_and_english(app) -> None:
    async with signed_in_browser(app, "bureau") as browser:
        home = await browser.get("/", headers=HTML)
        started = await browser.post("/jobs/geocode-persons", data={"_csrf_token": csrf_token(home.text)}, headers=HTML)
        assert started.status_code in {302, 303}
        path = started.headers["location"]
        waiting = (await browser.get(path, headers=HTML)).text
        assert (
            'data-job-status="queued"' in waiting and "排队中" in waiting and "任务运行期间本页面会自动更新" in waiting
        )
        await run_burst_worker(app)
        chinese = (await browser.get(path, headers=HTML)).text
        assert 'data-job-status="done"' in chinese
        assert "为人员住址定位" in chinese and "geocode_persons" not in chinese
        assert 'data-testid="job-percent">100%<' in chinese
        assert re.search(r"名尚无定位的人员中，已定位 \d+ 人。", chinese)
        assert 'href="/map"' in chinese and "查看护理网络地图" in chinese
        assert "candidates" not in chinese and "by_source" not in chinese, "no stored JSON"
        browser.cookies.set("ltc_lang", "en")
        english = await browser.get(path, headers=HTML)
        assert "Placing persons&#39; homes on the map" in english.text
        assert re.search(r"persons? without a position placed on the map\.", english.text)
        assert "See the care network map" in english.text and "为人员住址定位" not in english.text


async def test_a_failed_job_page_says_what_failed(app, services) -> None:
    bureau = await AppUser.select(AppUser.id).where(AppUser.username == "bureau").first()
    job_id = uuid4()
    now = services.clock.now()
    await Job.insert(
        Job(
            id=job_id,
            kind="reoptimise_apply",
            status="failed",
            progress=0.3,
            params={"preview_job_id": str(UUID(int=1))},
            created_by=bureau["id"],
            created_at=now,
            finished_at=now,
            attempt=0,
            error="stale_preview: placements changed since the preview",
        )
    )
    async with signed_in_browser(app, "bureau") as browser:
        page = await browser.get(f"/jobs/{job_id}", headers=HTML)
        assert page.status_code == 200
        assert "执行整体优化分配" in page.text and "预览之后分配已有变化，请重新预览。" in page.text
        assert 'data-testid="job-percent">30%<' in page.text
        assert "placements changed since the preview" not in page.text
        browser.cookies.set("ltc_lang", "en")
        english = await browser.get(f"/jobs/{job_id}", headers=HTML)
        assert "The placements changed after the preview; please preview again." in english.text
        assert "Applying the optimised placement" in english.text


def test_a_month_is_named_in_words_and_an_empty_build_says_so(english) -> None:
    built = {"period": "2026-11", "providers": 3, "rebuilt": 1, "settlement_ids": [1, 2, 3]}
    outcome = job_summaries.describe(job_view("build_settlements", built)).outcome
    assert outcome.sentences == ("3 settlements built for November 2026.", "1 of them replaced an earlier draft.")
    assert outcome.next_step.href == "/settlements?period=2026-11"
    empty = {"period": "2026-11", "providers": 0, "rebuilt": 0, "settlement_ids": []}
    assert job_summaries.describe(job_view("build_settlements", empty)).outcome.sentences == (
        "There was no care to settle in November 2026.",
    )


async def test_the_assignment_page_tells_the_preview_in_words(app, client, auth) -> None:
    bureau = await auth("bureau")
    started = (await client.post("/api/v1/assignment/reoptimise/preview", headers=bureau)).json()
    await run_burst_worker(app)
    result = (await client.get(f"/api/v1/jobs/{started['job_id']}", headers=bureau)).json()["result"]
    async with signed_in_browser(app, "bureau") as browser:
        page = await browser.get(f"/assignment?preview={started['job_id']}", headers=HTML)
        assert page.status_code == 200
        summary = page.text.split('data-testid="preview-summary">', 1)[1].split("</ul>", 1)[0]
        if result["moves"]:
            assert re.search(r"将有 \d+ 人调整机构（共 \d+ 人已分配）；总距离变化 [−+][\d,.]+ 公里", summary)
            assert "确认执行之前，分配不会改变。" in summary
        else:
            assert f"无人需要调整：已分配的 {result['people']} 人" in summary
        assert "sample_moves" not in page.text
        browser.cookies.set("ltc_lang", "en")
        english = await browser.get(f"/assignment?preview={started['job_id']}", headers=HTML)
        summary = english.text.split('data-testid="preview-summary">', 1)[1].split("</ul>", 1)[0]
        if result["moves"]:
            assert re.search(
                r"\d+ (person|people) would move \(of [\d,]+ placed\); total distance [−+][\d,.]+ km", summary
            )
        else:
            assert f"Nobody would move: the {result['people']} people placed" in summary


def test_a_preview_without_moves_says_nobody_would_move(english) -> None:
    outcome = job_summaries.describe(job_view("reoptimise_preview", preview(0, 67.5, 67.5))).outcome
    assert outcome.sentences == (
        "Nobody would move: the 120 people placed are already where the optimisation puts them.",
    )
    assert outcome.next_step.href == "/assignment"


async def test_a_fanned_out_job_page_tells_its_parts_and_runs_while_they_run(app, services) -> None:
    bureau = await AppUser.select(AppUser.id).where(AppUser.username == "bureau").first()
    job_id = uuid4()
    await Job.insert(
        Job(
            id=job_id,
            kind="generate_visits",
            status="queued",  # its parts are done, its conclusion waits for a worker
            progress=1.0,
            params={},
            created_by=bureau["id"],
            created_at=services.clock.now(),
            attempt=1,
            parts=8,
            parts_done=8,
        )
    )
    try:
        async with signed_in_browser(app, "bureau") as browser:
            browser.cookies.set("ltc_lang", "en")
            page = await browser.get(f"/jobs/{job_id}", headers=HTML)
            assert "Shared by the workers in 8 parts; 8 done when this page was loaded." in page.text
            assert 'data-job-status="running"' in page.text
            shown = (await browser.get(f"/api/v1/jobs/{job_id}", headers={"Accept": "application/json"})).json()
            assert (shown["status"], shown["parts"], shown["parts_done"]) == ("running", 8, 8)
    finally:
        await Job.delete().where(Job.id == job_id)
