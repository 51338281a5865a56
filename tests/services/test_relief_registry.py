"""Importing the civil-affairs list of hardship groups through the upload and the job: rows
matched to registered persons by the blind index of the id number, refused rows reported with
their row and a stable code, CSV and XLSX alike, and the same file twice changing nothing."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date

import pytest

from ltc.db.tables import AuditEntry, ReliefEnrolment
from ltc.domain.access import Actor, Role
from ltc.domain.errors import Forbidden, InvalidInput
from ltc.services import jobs
from ltc.services.context import ServiceContext
from ltc.services.relief.enrolments import enrolments_until, person_enrolments
from ltc.services.relief.registry import relief_import_result, upload_relief_registry
from ltc.services.relief.values import ReliefImportResult
from tests.services.test_registry_import import RecordingQueue, a_row, bureau, fresh_number, run_import, stored
from tests.services.test_registry_import import csv_file as registry_csv

__all__ = ["bureau"]
HEADER = ["身份证号码", "姓名", "救助类别", "起始日期", "终止日期"]


@pytest.fixture
def quiet(services: ServiceContext) -> ServiceContext:
    return replace(services, queue=RecordingQueue())


@pytest.fixture(autouse=True)
async def forget_enrolments():
    yield
    await ReliefEnrolment.delete(force=True)


def relief_csv(rows: list[list[str]]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return text.getvalue().encode("utf-8-sig")


def relief_xlsx(rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["id_number", "name", "group", "from", "to"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def import_relief(services: ServiceContext, actor: Actor, content: bytes, name: str) -> ReliefImportResult:
    uploaded = await upload_relief_registry(services, actor, name, content)
    assert await jobs.execute_job(services, uploaded.job_id) == "done"
    result = await relief_import_result(actor, uploaded.job_id)
    assert result is not None
    return result


async def test_rows_are_matched_by_id_number_and_refusals_name_the_row_and_the_reason(
    quiet: ServiceContext, bureau: Actor
) -> None:
    known, other, stranger = fresh_number(), fresh_number("M"), fresh_number()
    await run_import(quiet, bureau, registry_csv([a_row(known, name="王救助"), a_row(other, name="李低保")]), "r.csv")
    rows = [
        [known, "王救助", "低保", "2026-01-01", ""],  # row 2
        [other, "李低保", "医疗救助", "2026-02-01", "2026-12-31"],  # row 3
        [stranger, "陌生人", "低保", "2026-01-01", ""],  # row 4: no such person
        [known[:17] + ("0" if known[17] != "0" else "1"), "王救助", "低保", "2026-01-01", ""],  # row 5
        [known, "王救助", "五保", "2026-01-01", ""],  # row 6
        [known, "王救助", "低保", "昨天", ""],  # row 7
        [other, "李低保", "低保", "2026-05-01", "2026-04-01"],  # row 8
        [other, "张冒名", "低保", "2026-03-01", ""],  # row 9: another name
    ]
    result = await import_relief(quiet, bureau, relief_csv(rows), "救助名单.csv")
    assert (result.rows, result.created, result.updated, result.unchanged) == (8, 2, 0, 0)
    assert [(r.row, r.field, r.code) for r in result.refused] == [
        (4, "id_number", "relief_person_unknown"),
        (5, "id_number", "id_number_check_digit"),
        (6, "group", "relief_group_unknown"),
        (7, "from", "relief_from_invalid"),
        (8, "to", "relief_to_before_from"),
        (9, "name", "relief_name_mismatch"),
    ]
    person = await stored(known, quiet, bureau)
    (enrolment,) = await person_enrolments(person.id)
    assert (enrolment.group, enrolment.from_day, enrolment.to_day) == ("dibao", date(2026, 1, 1), None)
    by_person = await enrolments_until(date(2026, 1, 31))
    assert person.id in by_person and (await stored(other, quiet, bureau)).id not in by_person
    assert await AuditEntry.exists().where(AuditEntry.action == "relief.import")


async def test_the_same_file_again_changes_nothing_and_a_new_end_updates_the_enrolment(
    quiet: ServiceContext, bureau: Actor
) -> None:
    number = fresh_number()
    await run_import(quiet, bureau, registry_csv([a_row(number)]), "r.csv")
    rows = [[number, "", "低保", "2026-01-01", ""], [number, "", "医疗救助", "2026-03-01", ""]]
    first = await import_relief(quiet, bureau, relief_xlsx(rows), "list.xlsx")
    assert (first.created, first.updated, first.unchanged, first.refused) == (2, 0, 0, [])
    before = await ReliefEnrolment.select().order_by(ReliefEnrolment.id)
    again = await import_relief(quiet, bureau, relief_xlsx(rows), "list.xlsx")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert [r | {"source": 0} for r in await ReliefEnrolment.select().order_by(ReliefEnrolment.id)] == [
        r | {"source": 0} for r in before
    ]
    ended = [[number, "", "低保", "2026-01-01", "2026-06-30"], rows[1]]
    changed = await import_relief(quiet, bureau, relief_csv(ended), "list.csv")
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 1)
    person = await stored(number, quiet, bureau)
    assert {(e.group, e.to_day) for e in await person_enrolments(person.id)} == {
        ("dibao", date(2026, 6, 30)),
        ("medical_aid", None),
    }


async def test_a_file_without_the_columns_and_an_officer_without_the_right_are_refused_at_once(
    quiet: ServiceContext, bureau: Actor
) -> None:
    with pytest.raises(InvalidInput) as refused:
        await upload_relief_registry(quiet, bureau, "x.csv", "姓名,电话\n张三,1\n".encode())
    assert refused.value.code == "registry_columns_missing"
    supervisor = Actor(user_id=bureau.user_id, username="s", role=Role.SUPERVISOR)
    with pytest.raises(Forbidden):
        await upload_relief_registry(quiet, supervisor, "x.csv", relief_csv([]))
