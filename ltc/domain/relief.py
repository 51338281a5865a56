"""Relief of the personal share (一站式): people in a hardship group the policy names (医疗救助
medical aid, 低保 minimum living allowance, 特困 extreme poverty), as the civil-affairs registry
lists them by id number, have a share of their personal share paid by the relief fund on the
same settlement line. The provider is paid once, by the insurance fund, the fund's share and
the relief together; the relief fund reimburses the insurance fund against its monthly statement.

Rules
-----
* **Who.** A person is relieved on a month's lines when an enrolment of theirs covers the
  month's **last day** (``from_day ≤ last day ≤ to_day``, an open ``to_day`` covering every day
  after) in a group the version in force on that day names (``policy.relief_groups``). One
  day decides the whole month: a family knows at the month's end what it pays, and a person
  enrolled mid-month is relieved for that month.
* **How much.** ``relief_fen = share_fen(personal_fen, policy.relief_share)`` (half up, away
  from zero for a negative personal share, so a correction that takes a personal share back
  takes its relief back too). The family pays ``personal_fen − relief_fen``.
* **Which lines.** Home and institutional care lines, and adjustments (corrections of an
  earlier month, relieved as that month's person and version say).

The civil-affairs file (CSV or XLSX) has a header row naming the columns: id number, name,
group, from, to (Chinese or English). A row becomes a :class:`ReliefRow` or refusals with a
stable code: the id number's own codes, ``relief_group_unknown``, ``relief_from_missing``,
``relief_from_invalid``, ``relief_to_invalid``, ``relief_to_before_from``. The person is
found by the service (``relief_person_unknown``, ``relief_name_mismatch``).

Pure: cells, the groups and today are arguments."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from ltc.domain.errors import InvalidInput
from ltc.domain.money import Rate, check_fen, share_fen
from ltc.domain.policy import Policy
from ltc.domain.registry import COLUMNS as REGISTRY_COLUMNS
from ltc.domain.registry import Cell, Refusal, RegistryColumns, _date, _identity, _RowCheck, _text, header_key

GROUP_SPELLINGS: Mapping[str, tuple[str, ...]] = {
    "medical_aid": ("医疗救助", "医疗救助对象", "medical_aid", "medicalaid", "medical aid"),
    "dibao": ("低保", "最低生活保障", "低保对象", "dibao", "minimum living allowance"),
    "tekun": ("特困", "特困供养", "特困人员", "tekun", "extreme poverty"),
}
COLUMNS: Mapping[str, tuple[str, ...]] = {
    "id_number": REGISTRY_COLUMNS["id_number"],
    "name": REGISTRY_COLUMNS["name"],
    "group": ("救助类别", "类别", "救助类型", "人员类别", "group"),
    "from": ("起始日期", "开始日期", "起始时间", "from", "from_day"),
    "to": ("终止日期", "结束日期", "终止时间", "to", "to_day"),
}
REQUIRED_COLUMNS = ("id_number", "group", "from")
_FIELD_OF_HEADER = {header_key(alias): name for name, aliases in COLUMNS.items() for alias in aliases}
_GROUP_OF_SPELLING = {header_key(s): code for code, spellings in GROUP_SPELLINGS.items() for s in spellings}


@dataclass(frozen=True, slots=True)
class Enrolment:
    """A person's membership of a hardship group from one day, to another or open."""

    group: str
    from_day: date
    to_day: date | None = None

    def covers(self, day: date) -> bool:
        return self.from_day <= day and (self.to_day is None or day <= self.to_day)


def group_on(enrolments: Iterable[Enrolment], day: date, groups: Sequence[str]) -> str | None:
    """The group (of ``groups``, in their order) one of the enrolments covers ``day`` in, or None."""
    covered = {e.group for e in enrolments if e.covers(day)}
    return next((group for group in groups if group in covered), None)


def relief_fen(personal_fen: int, share: Rate) -> int:
    """The relief fund's part of a personal share: THE relief rounding (``share_fen``)."""
    return share_fen(check_fen(personal_fen, "personal_fen"), share)


def month_relief_group(enrolments: Iterable[Enrolment], last_day: date, policy: Policy) -> str | None:
    """The group a person is relieved in for the month ending ``last_day`` (``policy``: the
    version in force on that day), or None."""
    return group_on(enrolments, last_day, policy.relief_groups)


def check_relief(personal_fen: int, relief: int) -> None:
    """The relief lies between 0 and the personal share (on its side of zero)."""
    low, high = sorted((0, personal_fen))
    if not low <= relief <= high:
        raise InvalidInput("the relief must lie between 0 and the personal share", code="invalid_line")


# ----------------------------------------------------------------------------- the civil-affairs file


@dataclass(frozen=True, slots=True)
class ReliefRow:
    row: int
    id_number: str
    name: str
    group: str
    from_day: date
    to_day: date | None


def read_header(cells: Sequence[Cell]) -> RegistryColumns:
    """The columns of the file's header; refused when a required one is missing."""
    positions: dict[str, int] = {}
    for at, cell in enumerate(cells):
        name = _FIELD_OF_HEADER.get(header_key(cell))
        if name is not None:
            positions.setdefault(name, at)
    missing = [name for name in REQUIRED_COLUMNS if name not in positions]
    if missing:
        raise InvalidInput(
            "救助名单表头缺少列：" + "、".join(missing),
            code="registry_columns_missing",
            errors=[{"field": "file", "code": "registry_columns_missing", "column": name} for name in missing],
        )
    return RegistryColumns(positions)


def as_day(value: object) -> date | None:
    """A stored day (SQLite may hand back ISO text through a raw read)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def group_of(text: str) -> str | None:
    return _GROUP_OF_SPELLING.get(header_key(text))


def _day(check: _RowCheck, cell: Cell, name: str, *, required: bool) -> date | None:
    try:
        day = _date(cell)
    except ValueError:
        check.refuse(name, f"relief_{name}_invalid")
        return None
    if day is None and required:
        check.refuse(name, f"relief_{name}_missing")
    return day


def parse_row(
    row: int, cells: Sequence[Cell], columns: RegistryColumns, groups: Sequence[str], today: date
) -> ReliefRow | list[Refusal]:
    """One data row; ``groups``: the hardship groups any policy version names."""
    check = _RowCheck(row)
    identity = _identity(check, columns.cell(cells, "id_number"), today)
    name = _text(columns.cell(cells, "name"))
    group = group_of(_text(columns.cell(cells, "group")))
    if group is None or group not in groups:
        check.refuse("group", "relief_group_unknown")
    from_day = _day(check, columns.cell(cells, "from"), "from", required=True)
    to_day = _day(check, columns.cell(cells, "to"), "to", required=False)
    if from_day is not None and to_day is not None and to_day < from_day:
        check.refuse("to", "relief_to_before_from")
    if check.refusals or identity is None or group is None or from_day is None:
        return check.refusals
    return ReliefRow(row, identity.value, name, group, from_day, to_day)


@dataclass
class CheckedReliefRows:
    rows: list[ReliefRow] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)


def check_rows(
    rows: Iterable[tuple[int, Sequence[Cell]]], columns: RegistryColumns, groups: Sequence[str], today: date
) -> CheckedReliefRows:
    """Rows (numbered) in order: those that pass and every refusal; blank rows are skipped.
    A person may be listed more than once (in several groups or periods)."""
    out = CheckedReliefRows()
    for number, cells in rows:
        if all(_text(cell) == "" for cell in cells):
            continue
        parsed = parse_row(number, cells, columns, groups, today)
        if isinstance(parsed, list):
            out.refusals.extend(parsed)
        else:
            out.rows.append(parsed)
    return out


def names_agree(listed: str, registered: str) -> bool:
    """A name the file gives agrees with the registered one (blank: not compared)."""
    norm = lambda text: "".join(unicodedata.normalize("NFKC", text).split())  # noqa: E731
    return not listed or norm(listed) == norm(registered)
