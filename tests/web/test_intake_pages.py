"""Intake pages over HTTP: registration keeps what was typed and says what is wrong beside the
field, a duplicate id number links to the person registered; applying with the
self-assessment keeps the answers on a refusal and files through the same gates as the API;
the status page lists the steps in words; the registry import's page reports refused rows
and downloads them as CSV in the page's language; each page only for the roles that may."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest

from ltc.domain.identity import make_id_number
from tests.helpers import HTML, csrf_token, signed_in_browser
from tests.worker.test_worker import run_burst_worker

_sequence = iter(range(10_000))
SEVERE = dict.fromkeys(("eating", "continence", "bathing", "dressing", "toilet_use", "transfer"), "dependent")


def number(sex: str = "F", born: date = date(1946, 2, 1)) -> str:
    return make_id_number("330297", born + timedelta(days=next(_sequence)), 403, sex)


async def post_form(browser, path: str, values: dict[str, object], **kwargs):
    form = await browser.get(path, headers=HTML)
    assert form.status_code == 200, form.text
    return await browser.post(path, data={**values, "_csrf_token": csrf_token(form.text)}, headers=HTML, **kwargs)


def registration(**changes: str) -> dict[str, str]:
    return {
        "id_number": number(),
        "name": "页面登记",
        "sex": "",
        "birth_date": "",
        "phone": "13866667777",
        "address": "页面路9号",
        "town": "330213001",
        "insured": "yes",
        "insured_since": "2020-01-01",
    } | changes


def field_error(page: str, name: str) -> str:
    match = re.search(rf'data-testid="error-{name}">([^<]*)<', page)
    return match.group(1) if match else ""


def input_value(page: str, name: str) -> str:
    match = re.search(rf'<input id="f-{name}" name="{name}" type="[a-z]+" value="([^"]*)"', page)
    return match.group(1) if match else "<no input>"


async def test_a_registration_with_a_wrong_check_digit_is_refused_beside_the_field_keeping_the_input(app) -> None:
    good = number()
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    async with signed_in_browser(app, "bureau") as browser:
        answer = await post_form(browser, "/intake/register", registration(id_number=wrong, name="保留输入"))
    assert answer.status_code == 422
    assert field_error(answer.text, "id_number") == "身份证号码的校验码不符（可能输错了一位）"
    assert input_value(answer.text, "id_number") == wrong
    assert input_value(answer.text, "name") == "保留输入"
    assert input_value(answer.text, "phone") == "13866667777"
    assert 'option value="330213001" selected' in answer.text


async def test_blank_required_fields_and_a_bad_phone_are_each_named(app) -> None:
    async with signed_in_browser(app, "bureau") as browser:
        blank = await post_form(browser, "/intake/register", registration(name="", town=""))
        phone = await post_form(browser, "/intake/register", registration(phone="12"))
    assert blank.status_code == 422
    assert field_error(blank.text, "name") and field_error(blank.text, "town")
    assert phone.status_code == 422 and field_error(phone.text, "phone") == "不是电话号码（7 至 15 位数字）"


async def test_a_sex_that_disagrees_with_the_id_number_is_refused_beside_the_sex(app) -> None:
    async with signed_in_browser(app, "bureau") as browser:
        answer = await post_form(browser, "/intake/register", registration(id_number=number("F"), sex="M"))
    assert answer.status_code == 422
    assert field_error(answer.text, "sex") == "性别与身份证号码不符"


async def test_a_registration_goes_on_to_the_application_and_a_second_one_links_to_the_first(app) -> None:
    values = registration()
    async with signed_in_browser(app, "bureau") as browser:
        done = await post_form(browser, "/intake/register", values)
        assert done.status_code in {302, 303}
        target = done.headers["location"]
        assert re.fullmatch(r"/intake/apply/\d+\?registered=1", target)
        person_id = int(target.split("/")[3].split("?")[0])
        landing = await browser.get(target, headers=HTML)
        assert landing.status_code == 200 and 'data-testid="registered"' in landing.text
        assert values["id_number"] in landing.text  # the bureau sees the full number
        again = await post_form(browser, "/intake/register", values | {"name": "又一次"})
    assert again.status_code == 409
    assert field_error(again.text, "id_number") == "该身份证号码已有人登记"
    assert f'href="/persons/{person_id}" data-testid="existing-person"' in again.text
    assert input_value(again.text, "name") == "又一次"


async def test_applying_with_a_low_grade_keeps_the_answers_and_says_why_then_a_severe_one_is_filed(app) -> None:
    async with signed_in_browser(app, "bureau") as browser:
        registered = await post_form(browser, "/intake/register", registration(id_number=number(born=date(1940, 1, 1))))
        path = registered.headers["location"].split("?")[0]
        answers = {f"answer_{k}": "partly" for k in SEVERE} | {"answer_eating": "dependent"}
        low = await post_form(
            browser, path, {"applied_on": "2026-11-30", "disabled_since": "2025-01-01", "care_mode": "home"} | answers
        )
        assert low.status_code == 422
        assert field_error(low.text, "self_eval") == "自评等级未达到申请评估的等级"
        assert 'value="dependent" data-item="eating" data-testid="opt-eating-dependent" checked' in low.text
        assert 'value="partly" data-item="bathing" data-testid="opt-bathing-partly" checked' in low.text
        assert input_value(low.text, "disabled_since") == "2025-01-01"

        recent = await post_form(
            browser,
            path,
            {"applied_on": "2026-11-30", "disabled_since": "2026-10-01", "care_mode": "home"}
            | {f"answer_{k}": v for k, v in SEVERE.items()},
        )
        assert recent.status_code == 422 and field_error(recent.text, "disabled_since")

        filed = await post_form(
            browser,
            path,
            {"applied_on": "2026-11-30", "disabled_since": "2025-01-01", "care_mode": "institutional"}
            | {f"answer_{k}": v for k, v in SEVERE.items()},
        )
        assert filed.status_code in {302, 303}, filed.text
        status = await browser.get(filed.headers["location"], headers=HTML)
    assert status.status_code == 200
    steps = re.findall(r'data-step="([a-z]+)"', status.text)
    assert steps == ["submitted", "accepted", "assessed", "publicised", "final"]
    assert "申请已提交" in status.text and "已受理，指派评估员" in status.text and "进行中" in status.text
    assert 'data-testid="grade">G<' in status.text


async def test_the_status_page_is_in_english_with_words_not_codes(app) -> None:
    async with signed_in_browser(app, "bureau") as browser:
        registered = await post_form(browser, "/intake/register", registration(id_number=number(born=date(1941, 1, 1))))
        path = registered.headers["location"].split("?")[0]
        filed = await post_form(
            browser,
            path,
            {"applied_on": "2026-11-30", "disabled_since": "2025-01-01", "care_mode": "home"}
            | {f"answer_{k}": v for k, v in SEVERE.items()},
        )
        await browser.get("/lang/en", headers=HTML)
        status = await browser.get(filed.headers["location"], headers=HTML)
    assert "Application submitted" in status.text and "Accepted, assessors assigned" in status.text
    assert ">submitted<" not in status.text and ">home<" not in status.text


async def test_an_agency_registers_but_does_not_import(app) -> None:
    async with signed_in_browser(app, "agency-P01") as browser:
        form = await browser.get("/intake/register", headers=HTML)
        refused = await browser.get("/intake/import", headers=HTML)
        home = await browser.get("/", headers=HTML)
    assert form.status_code == 200 and refused.status_code == 403
    assert 'href="/intake/register"' in home.text and 'href="/intake/import"' not in home.text


async def test_an_assessor_neither_registers_nor_applies(app) -> None:
    async with signed_in_browser(app, "assessor1") as browser:
        assert (await browser.get("/intake/register", headers=HTML)).status_code == 403
        assert (await browser.get("/intake/apply/1", headers=HTML)).status_code == 403


def registry(rows: list[list[str]]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["身份证号码", "姓名", "乡镇（街道）", "联系电话"])
    writer.writerows(rows)
    return text.getvalue().encode()


async def test_an_import_reports_its_refused_rows_in_words_and_as_csv(app) -> None:
    good, bad = number(), number()
    rows = [[good, "导入页面", "锦屏街道", ""], [bad[:17] + ("0" if bad[17] != "0" else "1"), "坏", "锦屏街道", ""]]
    rows.append([number(), "无镇", "火星镇", "12"])
    async with signed_in_browser(app, "bureau") as browser:
        form = await browser.get("/intake/import", headers=HTML)
        started = await browser.post(
            "/intake/import",
            data={"_csrf_token": csrf_token(form.text)},
            files={"file": ("名册.csv", registry(rows), "text/csv")},
            headers=HTML,
        )
        assert started.status_code in {302, 303}, started.text
        job_page = started.headers["location"]
        waiting = await browser.get(job_page, headers=HTML)
        assert 'data-testid="import-progress"' in waiting.text
        await run_burst_worker(app)
        report = await browser.get(job_page, headers=HTML)
        download = await browser.get(f"{job_page}/refusals.csv", headers=HTML)
        only_town = await browser.get(f"{job_page}?field=town", headers=HTML)
    assert report.status_code == 200
    assert re.search(r'data-testid="created">1<', report.text) and re.search(r'data-testid="refused">2<', report.text)
    assert "身份证号码的校验码不符" in report.text and "辖区内没有这个乡镇（街道）" in report.text
    assert re.findall(r'<tr data-row="(\d+)">', report.text) == ["3", "4", "4"]
    assert re.findall(r'<tr data-row="(\d+)">', only_town.text) == ["4"]
    assert download.headers["content-type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert lines[0] == ["行", "字段", "原因"]
    assert lines[1] == ["3", "身份证号码", "身份证号码的校验码不符（可能输错了一位）"]
    assert len(lines) == 4


async def test_a_file_that_is_not_a_registry_is_refused_beside_the_file_field(app) -> None:
    async with signed_in_browser(app, "bureau") as browser:
        form = await browser.get("/intake/import", headers=HTML)
        answer = await browser.post(
            "/intake/import",
            data={"_csrf_token": csrf_token(form.text)},
            files={"file": ("people.csv", "姓名\n王\n".encode(), "text/csv")},
            headers=HTML,
        )
        nothing = await browser.post("/intake/import", data={"_csrf_token": csrf_token(form.text)}, headers=HTML)
    assert answer.status_code == 422
    assert field_error(answer.text, "file") == "表头缺少必需的列：身份证号码、姓名和乡镇（街道）必须有"
    assert nothing.status_code == 422 and field_error(nothing.text, "file") == "请选择要导入的名册文件"


@pytest.mark.parametrize("path", ["/intake/import/00000000-0000-0000-0000-000000000000", "/intake/applications/999999"])
async def test_what_does_not_exist_is_not_found(app, path: str) -> None:
    async with signed_in_browser(app, "bureau") as browser:
        assert (await browser.get(path, headers=HTML)).status_code == 404
