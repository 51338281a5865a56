"""Rows of the hospitals' inpatient stays and of deaths, as a bureau uploads them in a CSV
file: each row is read on its own, and a row that cannot be taken is refused with its row
number and a stable code (the pages say it in words); the good rows go on.

A file has a header row naming its columns, in English or in Chinese:

* stays: ``id_number`` (身份证号), ``admitted_on`` (入院日期), ``discharged_on`` (出院日期,
  may be empty: still in hospital), ``hospital`` (医院, optional);
* deaths: ``id_number`` (身份证号), ``died_on`` (死亡日期).

Days are ``YYYY-MM-DD`` (``YYYY/MM/DD`` as spreadsheets write them is taken too). Row numbers
count the header as row 1, as a spreadsheet shows them."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from ltc.domain.errors import DomainError, InvalidInput
from ltc.domain.identity import parse_id_number

STAY_COLUMNS = {
    "id_number": ("id_number", "身份证号", "身份证号码"),
    "admitted_on": ("admitted_on", "入院日期"),
    "discharged_on": ("discharged_on", "出院日期"),
    "hospital": ("hospital", "医院", "医疗机构"),
}
DEATH_COLUMNS = {
    "id_number": ("id_number", "身份证号", "身份证号码"),
    "died_on": ("died_on", "死亡日期"),
}
REQUIRED = {"stays": ("id_number", "admitted_on"), "deaths": ("id_number", "died_on")}
MAX_ROWS = 5000  # as many as one request of the API takes

# Row refusal codes (the pages word them through the vocabulary).
INVALID_ID_NUMBER = "invalid_id_number"
INVALID_DATE = "invalid_date"
MISSING_VALUE = "missing_value"
DISCHARGE_BEFORE_ADMISSION = "discharge_before_admission"
DATE_IN_FUTURE = "date_in_future"
DUPLICATE_ROW = "duplicate_row"
UNKNOWN_PERSON = "unknown_person"
ROW_CODES = (
    INVALID_ID_NUMBER,
    INVALID_DATE,
    MISSING_VALUE,
    DISCHARGE_BEFORE_ADMISSION,
    DATE_IN_FUTURE,
    DUPLICATE_ROW,
    UNKNOWN_PERSON,
)


@dataclass(frozen=True, slots=True)
class RowRefusal:
    row: int
    code: str
    column: str = ""


@dataclass(frozen=True, slots=True)
class StayRow:
    row: int
    id_number: str
    admitted_on: date
    discharged_on: date | None
    hospital: str


@dataclass(frozen=True, slots=True)
class DeathRow:
    row: int
    id_number: str
    died_on: date


class _Refused(Exception):
    def __init__(self, code: str, column: str) -> None:
        self.code, self.column = code, column


def _text(content: bytes | str) -> str:
    if isinstance(content, str):
        return content.lstrip("\ufeff")
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput("文件不是 UTF-8 或 GBK 编码的 CSV", code="file_unreadable")


def _rows(content: bytes | str, columns: dict[str, tuple[str, ...]], kind: str) -> list[tuple[int, dict[str, str]]]:
    reader = csv.reader(io.StringIO(_text(content)))
    header = next(reader, None)
    if header is None:
        raise InvalidInput("文件是空的", code="file_empty")
    names = [h.strip().lower() for h in header]
    where: dict[str, int] = {}
    for key, aliases in columns.items():
        for alias in aliases:
            if alias.lower() in names:
                where[key] = names.index(alias.lower())
                break
    missing = [key for key in REQUIRED[kind] if key not in where]
    if missing:
        raise InvalidInput(
            f"缺少列：{', '.join(missing)}",
            code="missing_column",
            errors=[{"field": "file", "code": "missing_column", "column": key} for key in missing],
        )
    out: list[tuple[int, dict[str, str]]] = []
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue  # blank lines at the end of a spreadsheet's export
        out.append((number, {k: cells[i].strip() if i < len(cells) else "" for k, i in where.items()}))
        if len(out) > MAX_ROWS:
            raise InvalidInput(f"一个文件最多 {MAX_ROWS} 行", code="too_many_rows")
    if not out:
        raise InvalidInput("文件没有数据行", code="file_empty")
    return out


def _day(value: str, column: str) -> date:
    if not value:
        raise _Refused(MISSING_VALUE, column)
    try:
        return date.fromisoformat(value.replace("/", "-")) if len(value) == 10 else _loose_day(value)
    except ValueError:
        raise _Refused(INVALID_DATE, column) from None


def _loose_day(value: str) -> date:
    """2026/3/5 or 2026-3-5, as spreadsheets shorten them."""
    parts = value.replace("/", "-").split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ValueError(value)
    return date(int(parts[0]), int(parts[1]), int(parts[2]))


def _id_number(value: str, today: date) -> str:
    if not value:
        raise _Refused(MISSING_VALUE, "id_number")
    try:
        return parse_id_number(value, today=today).value
    except DomainError:
        raise _Refused(INVALID_ID_NUMBER, "id_number") from None


def parse_stays(content: bytes | str, *, today: date) -> tuple[list[StayRow], list[RowRefusal]]:
    """The stays a file gives and the rows refused. A file without the needed columns, empty
    or too long is refused as a whole (InvalidInput)."""
    good: list[StayRow] = []
    refused: list[RowRefusal] = []
    seen: set[tuple[str, date]] = set()
    for number, cells in _rows(content, STAY_COLUMNS, "stays"):
        try:
            id_number = _id_number(cells["id_number"], today)
            admitted = _day(cells["admitted_on"], "admitted_on")
            left = cells.get("discharged_on", "")
            discharged = _day(left, "discharged_on") if left else None  # empty: still in hospital
            if admitted > today:
                raise _Refused(DATE_IN_FUTURE, "admitted_on")
            if discharged is not None and discharged < admitted:
                raise _Refused(DISCHARGE_BEFORE_ADMISSION, "discharged_on")
            if (id_number, admitted) in seen:
                raise _Refused(DUPLICATE_ROW, "admitted_on")
        except _Refused as refusal:
            refused.append(RowRefusal(number, refusal.code, refusal.column))
            continue
        seen.add((id_number, admitted))
        good.append(StayRow(number, id_number, admitted, discharged, cells.get("hospital", "")[:200]))
    return good, refused


def parse_deaths(content: bytes | str, *, today: date) -> tuple[list[DeathRow], list[RowRefusal]]:
    good: list[DeathRow] = []
    refused: list[RowRefusal] = []
    seen: set[str] = set()
    for number, cells in _rows(content, DEATH_COLUMNS, "deaths"):
        try:
            id_number = _id_number(cells["id_number"], today)
            died = _day(cells["died_on"], "died_on")
            if died > today:
                raise _Refused(DATE_IN_FUTURE, "died_on")
            if id_number in seen:
                raise _Refused(DUPLICATE_ROW, "id_number")
        except _Refused as refusal:
            refused.append(RowRefusal(number, refusal.code, refusal.column))
            continue
        seen.add(id_number)
        good.append(DeathRow(number, id_number, died))
    return good, refused
