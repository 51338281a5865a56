"""Importing the enrolment registry through the upload and the job: idempotent by id number
(the same file twice changes nothing; a changed row updates its person), every refused row
reported with its field and reason, personal data sealed as a registration seals it, CSV and
XLSX alike, and a file that is not a registry refused before anything is stored."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from ltc.db.queries.paging import PageRequest
from ltc.db.tables import AppUser, AuditEntry, Person, RegistryUpload
from ltc.domain.access import Actor, Role
from ltc.domain.errors import Forbidden, InvalidInput
from ltc.domain.identity import make_id_number
from ltc.services import jobs, persons
from ltc.services.context import ServiceContext
from ltc.services.intake.registry_import import import_result, upload_registry
from ltc.services.intake.values import RegistryImportResult

HEADER = ["身份证号码", "姓名", "联系电话", "住址", "乡镇（街道）", "参保状态", "参保日期"]
_sequence = iter(range(100_000))


def fresh_number(sex: str = "F") -> str:
    return make_id_number("330299", date(1944, 1, 1) + timedelta(days=next(_sequence)), 401, sex)


class RecordingQueue:
    async def enqueue(self, kind: str, job_id: Any, attempt: int = 0, *, defer_seconds: float = 0) -> None:
        return None


@pytest.fixture
async def bureau() -> Actor:
    row = await AppUser.select(AppUser.id).where(AppUser.username == "bureau").first()
    return Actor(user_id=row["id"], username="bureau", role=Role.BUREAU)


@pytest.fixture
def quiet(services: ServiceContext) -> ServiceContext:
    """The services with a queue that only records: the test runs each job itself."""
    return replace(services, queue=RecordingQueue())


def csv_file(rows: list[list[str]]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return text.getvalue().encode("utf-8-sig")


def xlsx_file(rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


async def run_import(services: ServiceContext, actor: Actor, content: bytes, name: str) -> RegistryImportResult:
    uploaded = await upload_registry(services, actor, name, content)
    assert await jobs.execute_job(services, uploaded.job_id) == "done"
    result = await import_result(actor, uploaded.job_id)
    assert result is not None
    return result


def a_row(number: str, name: str = "名册测试", phone: str = "13811112222", town: str = "锦屏街道") -> list[str]:
    return [number, name, phone, "名册路1号", town, "参保", "2021-05-01"]


async def stored(number: str, services: ServiceContext, actor: Actor) -> persons.PersonOut:
    found = await persons.search_persons(services, actor, persons.PersonQuery(q=number), PageRequest())
    (person,) = found.page.items
    return person


async def test_a_file_imports_its_good_rows_and_reports_each_refused_row_with_field_and_reason(
    quiet: ServiceContext, bureau: Actor
) -> None:
    first, second, third = fresh_number(), fresh_number("M"), fresh_number()
    wrong_digit = first[:17] + ("0" if first[17] != "0" else "1")
    rows = [
        a_row(first),
        a_row(wrong_digit),  # row 3
        a_row(second, town="火星镇"),  # row 4
        a_row(third, phone="电话"),  # row 5
        a_row(first, name="重复的人"),  # row 6
        ["", "", "", "", "", "", ""],  # row 7: blank, skipped
        a_row(fresh_number("M"), name=""),  # row 8
    ]
    result = await run_import(quiet, bureau, csv_file(rows), "名册.csv")
    assert (result.rows, result.created, result.updated, result.unchanged) == (6, 1, 0, 0)
    assert [(r.row, r.field, r.code) for r in result.refused] == [
        (3, "id_number", "id_number_check_digit"),
        (4, "town", "unknown_town"),
        (5, "phone", "invalid_phone"),
        (6, "id_number", "duplicate_in_file"),
        (8, "name", "name_missing"),
    ]
    assert result.filename == "名册.csv" and result.refused_rows == 5
    person = await stored(first, quiet, bureau)
    assert (person.name, person.phone, person.address, person.town) == (
        "名册测试",
        "13811112222",
        "名册路1号",
        "330213001",
    )
    assert person.birth_date.year == 1944 and person.sex == "F" and person.geocoded_by == "gazetteer"


async def test_the_same_file_again_changes_nothing_and_a_changed_row_updates_its_person(
    quiet: ServiceContext, bureau: Actor
) -> None:
    numbers = [fresh_number(), fresh_number("M"), fresh_number()]
    content = csv_file([a_row(n) for n in numbers])
    first = await run_import(quiet, bureau, content, "registry.csv")
    assert (first.created, first.updated, first.unchanged) == (3, 0, 0)
    before = await Person.raw("SELECT * FROM person ORDER BY id")
    again = await run_import(quiet, bureau, content, "registry.csv")
    assert (again.created, again.updated, again.unchanged, again.refused) == (0, 0, 3, [])
    assert await Person.raw("SELECT * FROM person ORDER BY id") == before  # not a byte re-sealed

    moved = [a_row(numbers[0], phone="13999990000", town="溪口镇"), a_row(numbers[1]), a_row(numbers[2])]
    changed = await run_import(quiet, bureau, csv_file(moved), "registry.csv")
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 2)
    person = await stored(numbers[0], quiet, bureau)
    assert (person.phone, person.town_name) == ("13999990000", "溪口镇")
    untouched = await stored(numbers[1], quiet, bureau)
    assert untouched.phone == "13811112222"


async def test_imported_personal_data_is_sealed_and_found_by_the_blind_index(
    quiet: ServiceContext, bureau: Actor
) -> None:
    number = fresh_number()
    await run_import(quiet, bureau, csv_file([a_row(number, phone="13722223333")]), "sealed.csv")
    person = await stored(number, quiet, bureau)
    (raw,) = await Person.raw("SELECT * FROM person WHERE id = {}", person.id)
    clear = "\x00".join(str(v) for v in raw.values() if v is not None)
    assert number not in clear and "13722223333" not in clear and "名册路1号" not in clear
    assert raw["id_number_index"] and raw["id_number_enc"] and raw["data_key_id"]
    # A registration of the same number is refused as a duplicate: the import used the same index.
    with pytest.raises(Exception) as duplicate:
        await persons.register_person(quiet, bureau, persons.PersonIn(id_number=number, name="x", town="锦屏街道"))
    assert getattr(duplicate.value, "code", "") == "duplicate_id_number"


async def test_an_xlsx_registry_imports_like_a_csv_one(quiet: ServiceContext, bureau: Actor) -> None:
    number, bad = fresh_number("M"), fresh_number()
    rows = [a_row(number), a_row(bad, town="")]
    result = await run_import(quiet, bureau, xlsx_file(rows), "registry.xlsx")
    assert (result.created, [(r.row, r.field, r.code) for r in result.refused]) == (1, [(3, "town", "town_missing")])
    assert (await stored(number, quiet, bureau)).name == "名册测试"


async def test_the_import_leaves_an_audit_entry_for_the_upload_and_one_for_the_result(
    quiet: ServiceContext, bureau: Actor
) -> None:
    result = await run_import(quiet, bureau, csv_file([a_row(fresh_number())]), "audit.csv")
    entries = await AuditEntry.select(AuditEntry.action, AuditEntry.after).where(
        (AuditEntry.entity == "registry_upload") & (AuditEntry.entity_id == str(result.upload_id))
    )
    assert sorted(e["action"] for e in entries) == ["registry.import", "registry.upload"]


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("a.csv", b"", "registry_empty"),
        ("a.csv", "姓名,住址\n王,路\n".encode(), "registry_columns_missing"),
        ("a.xls", b"\xd0\xcf\x11\xe0 old excel", "registry_file_kind"),
        ("a.xlsx", b"PK\x03\x04 not really a workbook", "registry_file_unreadable"),
    ],
)
async def test_a_file_that_is_not_a_registry_is_refused_before_anything_is_stored(
    quiet: ServiceContext, bureau: Actor, name: str, content: bytes, code: str
) -> None:
    uploads = await RegistryUpload.count()
    with pytest.raises(InvalidInput) as refused:
        await upload_registry(quiet, bureau, name, content)
    assert refused.value.code == code and refused.value.errors[0]["field"] == "file"
    assert await RegistryUpload.count() == uploads


async def test_a_gb18030_csv_as_chinese_spreadsheets_save_it_is_read() -> None:
    from ltc.services.intake.registry_file import open_registry

    registry = open_registry("gbk.csv", "身份证号码,姓名,乡镇\n1,王,锦屏\n".encode("gb18030"))
    assert list(registry.rows) == [(2, ["1", "王", "锦屏"])]


async def test_only_the_bureau_imports_the_registry(quiet: ServiceContext) -> None:
    agency = Actor(user_id=1, username="agency", role=Role.AGENCY, provider_id=1)
    with pytest.raises(Forbidden):
        await upload_registry(quiet, agency, "a.csv", csv_file([]))
