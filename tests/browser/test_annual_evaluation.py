"""The year's evaluation and its final account, end to end: the agency evaluates itself on its
phone, the bureau scores the indicators at its desk, and the final account releases the grade's
share of the quality reserve withheld from the provider's December, keeping the rest in the fund.

The demo runs under a policy whose annual evaluation by indicators and quality reserve are in
force from its first version, on a database of the test's own, into which last December's
approved settlement (with its reserve line and its approval entry) is written before the walk."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.conftest import running_demo
from tests.browser.steps import Confirmations, check_accessibility, sign_in

pytestmark = pytest.mark.browser

DESK = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
ROOT = Path(__file__).resolve().parents[2]
YEAR = 2025
CARE_FEN, RESERVE_FEN = 100_000, 5_000
SCORED = {"staffing": "人员配备", "care_records": "护理记录", "safety": "安全管理", "training": "培训教育"}


def _policy_with_evaluation_from_the_start(folder: Path) -> Path:
    raw = json.loads((ROOT / "policies" / "fenghua.json").read_text(encoding="utf-8"))
    reformed = next(v for v in raw["versions"] if "evaluation_weights" in v)
    keys = ("evaluation_weights", "evaluation_grade_floors", "quality_reserve_share", "reserve_release_by_grade")
    raw["versions"][0] |= {key: reformed[key] for key in keys} | {"evaluation_deduction_share": "0"}
    path = folder / "policy.json"
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    return path


def _approved_december(database: Path, provider_code: str) -> int:
    """Last December's settlement of the provider, approved: care of 1,000.00 with 50.00 withheld."""
    with sqlite3.connect(database) as db:
        provider_id, stamp = db.execute(
            "SELECT id, created_at FROM provider WHERE code = ?", (provider_code,)
        ).fetchone()
        settlement_id = db.execute(
            "INSERT INTO settlement (provider, period, settlement_key, status, version, gross_fen, fund_fen,"
            " personal_fen, content_hash, built_at, rejection_reason) VALUES (?, ?, ?, 'draft', 1, ?, ?, 0, '', ?, '')",
            (
                provider_id,
                f"{YEAR}-12",
                f"{provider_id}:{YEAR}-12",
                CARE_FEN - RESERVE_FEN,
                CARE_FEN - RESERVE_FEN,
                stamp,
            ),
        ).lastrowid
        for line_no, (kind, amount, adjusts) in enumerate(
            (("adjustment", CARE_FEN, f"{YEAR}-11"), ("reserve", -RESERVE_FEN, None)), start=1
        ):
            db.execute(
                "INSERT INTO settlement_line (settlement, line_no, kind, person, level, quantity, unit, unit_price_fen,"
                " gross_fen, fund_fen, personal_fen, visit_ids, excluded_visit_ids, days, leave_days,"
                " verified_minutes, policy_version, adjusts_period, note, correction_id, service_month)"
                " VALUES (?, ?, ?, NULL, NULL, 0, '', NULL, ?, ?, 0, '[]', '[]', '[]', '[]', 0, '2021.1', ?, ?, NULL, ?)",
                (settlement_id, line_no, kind, amount, amount, adjusts, kind, f"{YEAR}-12-01"),
            )
        db.execute(
            "UPDATE settlement SET status = 'approved', version = 2, decided_at = ? WHERE id = ?",
            (stamp, settlement_id),
        )
        entry_id = db.execute(
            "INSERT INTO ledger_entry (source_id, kind, memo, settlement, posted_at) VALUES (?, 'approval', '', ?, ?)",
            (f"settlement:{settlement_id}:approve", settlement_id, stamp),
        ).lastrowid
        for account, debit, credit in (
            ("care_expense", CARE_FEN, 0),
            (f"payable:{provider_id}", 0, CARE_FEN - RESERVE_FEN),
            (f"reserve:{provider_id}", 0, RESERVE_FEN),
        ):
            db.execute(
                "INSERT INTO ledger_posting (entry, account, debit_fen, credit_fen) VALUES (?, ?, ?, ?)",
                (entry_id, account, debit, credit),
            )
    return provider_id


def _reserve_balance(database: Path, provider_id: int) -> int:
    with sqlite3.connect(database) as db:
        credit, debit = db.execute(
            "SELECT COALESCE(SUM(credit_fen), 0), COALESCE(SUM(debit_fen), 0) FROM ledger_posting WHERE account = ?",
            (f"reserve:{provider_id}",),
        ).fetchone()
    return credit - debit


@pytest.fixture(scope="module")
def evaluated_demo(tmp_path_factory, live_server) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("evaluation")
    database = folder / "demo.sqlite"
    policy = _policy_with_evaluation_from_the_start(folder)
    with running_demo(tmp_path_factory, LTC_DATABASE_URL=f"sqlite:///{database}", LTC_POLICY_FILE=str(policy)) as base:
        yield base, database


async def test_the_agency_evaluates_itself_the_bureau_scores_and_the_final_account_releases(
    browser, evaluated_demo, artifacts
) -> None:
    base, database = evaluated_demo
    provider_id = _approved_december(database, "P01")

    # the agency, on its phone, evaluates itself on safety
    phone = await browser.new_context(viewport=PHONE, locale="zh-CN")
    page = await phone.new_page()
    await sign_in(page, base, "agency-P01")
    await page.goto(f"{base}/evaluations")
    await page.wait_for_url(f"**/evaluations/{provider_id}/{YEAR}")
    await check_accessibility(page)
    form = page.get_by_test_id("score-form")
    assert (await form.get_attribute("action")).endswith("/self")
    await form.locator("#f-indicator").select_option("safety")
    await form.locator("#f-score").fill("95")
    await form.locator("#f-note").fill("全年消防演练四次")
    await page.get_by_test_id("save-score").click()
    await page.wait_for_selector("[data-testid=saved]")
    safety = await page.get_by_test_id("indicator-safety").inner_text()
    assert "95" in safety and "全年消防演练四次" in safety
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "evaluation-self.png"), full_page=True)
    await phone.close()

    # the bureau, at its desk, scores every indicator 50; with no complaint and no finding (100
    # each) the weighted score is (40×50 + 10×100 + 15×100) / 65 = 69: a pass, which releases 80 %
    desk = await browser.new_context(viewport=DESK, locale="zh-CN")
    page = await desk.new_page()
    confirmations = Confirmations(page)
    await sign_in(page, base, "bureau")
    await page.get_by_test_id("main-nav").get_by_role("link", name="年度考核").click()
    await page.wait_for_url("**/evaluations")
    await page.get_by_test_id("evaluation-providers").get_by_role("link").first.wait_for()
    await page.goto(f"{base}/evaluations/{provider_id}/{YEAR}")
    assert (await page.get_by_test_id("score-form").get_attribute("action")).endswith("/score")
    for code in SCORED:
        await page.locator("#f-indicator").select_option(code)
        await page.locator("#f-score").fill("50")
        await page.get_by_test_id("save-score").click()
        await page.wait_for_selector("[data-testid=saved]")
    result = await page.get_by_test_id("evaluation-result").inner_text()
    assert "69" in result and "合格" in result
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "evaluation-scored.png"), full_page=True)

    # the year's final account: 50.00 withheld, 40.00 released, 10.00 kept by the fund
    await page.get_by_test_id("main-nav").get_by_role("link", name="年度决算").click()
    await page.wait_for_url("**/final-accounts")
    row = page.get_by_test_id(f"account-{provider_id}")
    assert "可以决算" in await row.inner_text() and "50.00" in await row.inner_text()
    await check_accessibility(page)
    await page.get_by_test_id("book-final-account").click()
    await page.wait_for_selector("[data-testid=booked]")
    assert confirmations.asked, "booking the final account asks first"
    text = await page.get_by_test_id(f"account-{provider_id}").inner_text()
    assert "已决算" in text and "40.00" in text and "10.00" in text and "80%" in text
    assert _reserve_balance(database, provider_id) == 0, "the reserve account is back to 0"
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "evaluation-final-account.png"), full_page=True)

    # the closed year offers no form any more, in English too
    await page.goto(f"{base}/lang/en")
    await page.goto(f"{base}/evaluations/{provider_id}/{YEAR}")
    assert await page.get_by_test_id("closed").count() == 1 and await page.get_by_test_id("score-form").count() == 0
    assert "Pass" in await page.get_by_test_id("evaluation-result").inner_text()
    await check_accessibility(page)
    await desk.close()
