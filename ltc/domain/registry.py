"""The enrolment registry (参保登记名册) as the bureau receives it, one person a row, and the
rules a person's particulars meet whether they come from the registry or a registration form.

A registry file has a header row naming its columns (Chinese or English, in any order; see
``COLUMNS``). Required: id number, name, town. Optional: sex and birth date (checked against
the id number, which they must agree with), phone, address, insurance status (blank: insured,
since the registry lists the enrolled) and the date insured since.

A row becomes a ``RegistryEntry`` or a list of ``Refusal``s, one per field that is wrong, each
with a stable code the report names in words. An id number seen twice in one file is refused
the second time: which row should win is the bureau's call, not the software's.

Pure: cells, the known towns and today are arguments."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from ltc.domain.errors import InvalidInput
from ltc.domain.identity import IdNumber, parse_id_number, refusal_reason

Cell = str | int | float | date | datetime | None

NAME_MAX = 64
ADDRESS_MAX = 300
PHONE_MAX = 20
# A phone number: digits with the separators people type, 7 to 15 digits (ITU E.164).
_PHONE = re.compile(r"^\+?[\d\- ()]+$")
PHONE_DIGITS = (7, 15)

# Each field's accepted headers, compared after ``header_key`` (NFKC, lower case, no spaces).
COLUMNS: Mapping[str, tuple[str, ...]] = {
    "id_number": ("身份证号码", "身份证号", "公民身份号码", "证件号码", "id_number", "idnumber"),
    "name": ("姓名", "name"),
    "sex": ("性别", "sex"),
    "birth_date": ("出生日期", "birth_date", "birthdate", "dateofbirth"),
    "phone": ("联系电话", "电话", "手机号码", "手机", "phone"),
    "address": ("住址", "地址", "居住地址", "家庭住址", "address"),
    "town": ("乡镇（街道）", "乡镇", "街道", "所属乡镇", "乡镇街道", "town"),
    "insured": ("参保状态", "是否参保", "insured", "insurancestatus"),
    "insured_since": ("参保日期", "参保时间", "insured_since", "insuredsince"),
}
REQUIRED_COLUMNS = ("id_number", "name", "town")

_YES = frozenset({"是", "参保", "已参保", "在保", "正常", "正常参保", "y", "yes", "true", "1", "insured"})
_NO = frozenset({"否", "未参保", "停保", "退保", "暂停", "n", "no", "false", "0", "notinsured", "uninsured"})
_MALE = frozenset({"男", "m", "male", "1"})
_FEMALE = frozenset({"女", "f", "female", "2"})
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")


def header_key(text: object) -> str:
    return "".join(unicodedata.normalize("NFKC", str(text or "")).lower().split())


_FIELD_OF_HEADER = {header_key(alias): name for name, aliases in COLUMNS.items() for alias in aliases}


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a row (numbered as the file's reader counts them, the header being row 1) was refused."""

    row: int
    field: str
    code: str


@dataclass(frozen=True, slots=True)
class RegistryEntry:
    """A row that passed every rule: the person's particulars as they will be stored."""

    row: int
    id_number: str
    name: str
    sex: str
    birth_date: date
    phone: str
    address: str
    town_code: str
    insured: bool
    insured_since: date | None


@dataclass(frozen=True)
class RegistryColumns:
    """Where each field is in a row (only the fields the file has)."""

    positions: Mapping[str, int]

    def cell(self, cells: Sequence[Cell], name: str) -> Cell:
        at = self.positions.get(name)
        return cells[at] if at is not None and at < len(cells) else None


def read_header(cells: Sequence[Cell]) -> RegistryColumns:
    """The columns of a header row; refused when a required one is missing or one is named twice."""
    positions: dict[str, int] = {}
    repeated: list[str] = []
    for at, cell in enumerate(cells):
        name = _FIELD_OF_HEADER.get(header_key(cell))
        if name is None:
            continue  # a column the registry may carry that intake does not use
        if name in positions:
            repeated.append(name)
        positions.setdefault(name, at)
    missing = [name for name in REQUIRED_COLUMNS if name not in positions]
    if missing or repeated:
        raise InvalidInput(
            "名册表头缺少或重复列：" + "、".join(missing + repeated),
            code="registry_columns_missing" if missing else "registry_column_repeated",
            errors=[{"field": "file", "code": "registry_columns_missing", "column": name} for name in missing]
            + [{"field": "file", "code": "registry_column_repeated", "column": name} for name in repeated],
        )
    return RegistryColumns(positions)


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return unicodedata.normalize("NFKC", str(cell)).strip()


def _date(cell: Cell) -> date | None:
    """A date cell: a spreadsheet date, or text in one of the usual forms; None if blank.
    Raises ValueError for anything else."""
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    text = _text(cell)
    if not text:
        return None
    try:
        return date.fromisoformat(text)  # the usual form, and the fast path
    except ValueError:
        pass
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def check_phone(raw: str) -> str:
    """A phone number as typed (trimmed), or blank; refused when it cannot be dialled."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if not text:
        return ""
    digits = sum(ch.isdigit() for ch in text)
    if len(text) > PHONE_MAX or not _PHONE.match(text) or not PHONE_DIGITS[0] <= digits <= PHONE_DIGITS[1]:
        raise InvalidInput(
            "电话号码无效", code="invalid_phone", errors=[{"field": "phone", "code": "invalid_phone", "message": text}]
        )
    return text


def check_identity_claims(identity: IdNumber, *, sex: str | None, birth_date: date | None) -> None:
    """A sex or birth date given beside an id number must agree with it (the number decides)."""
    errors = []
    if sex is not None and sex != identity.sex:
        errors.append({"field": "sex", "code": "sex_mismatch"})
    if birth_date is not None and birth_date != identity.birth_date:
        errors.append({"field": "birth_date", "code": "birth_date_mismatch"})
    if errors:
        raise InvalidInput("性别或出生日期与身份证号码不符", code=errors[0]["code"], errors=errors)


@dataclass
class _RowCheck:
    row: int
    refusals: list[Refusal] = field(default_factory=list)

    def refuse(self, field_name: str, code: str) -> None:
        self.refusals.append(Refusal(self.row, field_name, code))


def _identity(check: _RowCheck, cell: Cell, today: date) -> IdNumber | None:
    if isinstance(cell, float):
        check.refuse("id_number", "id_number_stored_as_number")  # a spreadsheet rounded its digits
        return None
    text = _text(cell)
    if not text:
        check.refuse("id_number", "id_number_missing")
        return None
    try:
        return parse_id_number(text, today=today)
    except InvalidInput as refused:
        check.refuse("id_number", refusal_reason(refused))
        return None


def _sex(check: _RowCheck, cell: Cell) -> str | None:
    text = _text(cell).lower()
    if not text:
        return None
    if text in _MALE:
        return "M"
    if text in _FEMALE:
        return "F"
    check.refuse("sex", "sex_invalid")
    return None


def _optional_date(check: _RowCheck, cell: Cell, field_name: str) -> date | None:
    try:
        return _date(cell)
    except ValueError:
        check.refuse(field_name, f"{field_name}_invalid")
        return None


def parse_row(
    row: int, cells: Sequence[Cell], columns: RegistryColumns, towns: Mapping[str, str], today: date
) -> RegistryEntry | list[Refusal]:
    """One data row. ``towns``: every accepted spelling of a town (by ``header_key``) → its code."""
    check = _RowCheck(row)
    identity = _identity(check, columns.cell(cells, "id_number"), today)
    name = _text(columns.cell(cells, "name"))
    if not name:
        check.refuse("name", "name_missing")
    elif len(name) > NAME_MAX:
        check.refuse("name", "name_too_long")
    sex = _sex(check, columns.cell(cells, "sex"))
    birth_date = _optional_date(check, columns.cell(cells, "birth_date"), "birth_date")
    if identity is not None:
        try:
            check_identity_claims(identity, sex=sex, birth_date=birth_date)
        except InvalidInput as mismatch:
            for error in mismatch.errors:
                check.refuse(error["field"], error["code"])
    try:
        phone = check_phone(_text(columns.cell(cells, "phone")))
    except InvalidInput:
        check.refuse("phone", "invalid_phone")
        phone = ""
    address = _text(columns.cell(cells, "address"))
    if len(address) > ADDRESS_MAX:
        check.refuse("address", "address_too_long")
    town_text = _text(columns.cell(cells, "town"))
    town_code = towns.get(header_key(town_text), "")
    if not town_text:
        check.refuse("town", "town_missing")
    elif not town_code:
        check.refuse("town", "unknown_town")
    insured_text = header_key(_text(columns.cell(cells, "insured")))
    insured = insured_text not in _NO
    if insured_text and insured_text not in _YES | _NO:
        check.refuse("insured", "insured_invalid")
    insured_since = _optional_date(check, columns.cell(cells, "insured_since"), "insured_since")
    if insured_since is not None and insured_since > today:
        check.refuse("insured_since", "insured_since_in_future")
    if check.refusals or identity is None:
        return check.refusals
    return RegistryEntry(
        row=row,
        id_number=identity.value,
        name=name,
        sex=identity.sex,
        birth_date=identity.birth_date,
        phone=phone,
        address=address,
        town_code=town_code,
        insured=insured,
        insured_since=insured_since,
    )


@dataclass(frozen=True)
class CheckedRows:
    entries: list[RegistryEntry]
    refusals: list[Refusal]


class RepeatWatch:
    """Id numbers seen so far in one file: a later row with the same number is refused."""

    def __init__(self) -> None:
        self._first_row: dict[str, int] = {}

    def admit(self, entry: RegistryEntry) -> Refusal | None:
        first = self._first_row.setdefault(entry.id_number, entry.row)
        return None if first == entry.row else Refusal(entry.row, "id_number", "duplicate_in_file")


def check_rows(
    rows: Iterable[tuple[int, Sequence[Cell]]],
    columns: RegistryColumns,
    towns: Mapping[str, str],
    today: date,
    repeats: RepeatWatch,
) -> CheckedRows:
    """Rows (numbered) in order: the entries that pass and every refusal; blank rows are skipped."""
    entries: list[RegistryEntry] = []
    refusals: list[Refusal] = []
    for number, cells in rows:
        if all(_text(cell) == "" for cell in cells):
            continue
        parsed = parse_row(number, cells, columns, towns, today)
        if isinstance(parsed, list):
            refusals.extend(parsed)
            continue
        repeated = repeats.admit(parsed)
        if repeated is not None:
            refusals.append(repeated)
        else:
            entries.append(parsed)
    return CheckedRows(entries, refusals)


def town_spellings(towns: Iterable[tuple[str, str, str]]) -> dict[str, str]:
    """Every accepted spelling (code, Chinese name, its short form, English name) → town code,
    from (code, name, name_en) triples; a short form two towns share is left out."""
    spellings: dict[str, str] = {}
    shared: set[str] = set()
    for code, name, name_en in towns:
        for spelling in (code, name, name_en):
            spellings[header_key(spelling)] = code
        short = header_key(name.removesuffix("街道").removesuffix("镇").removesuffix("乡"))
        if len(short) >= 2:
            if short in spellings and spellings[short] != code:
                shared.add(short)
            spellings.setdefault(short, code)
    for short in shared:
        spellings.pop(short, None)
    return spellings
