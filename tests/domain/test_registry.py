"""The enrolment registry's rows: the header, each field's rule and its refusal code, repeats
within a file, and the rules a registration form shares (phone, sex and birth date)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from ltc.domain.errors import InvalidInput
from ltc.domain.identity import make_id_number, parse_id_number
from ltc.domain.registry import (
    Refusal,
    RegistryEntry,
    RepeatWatch,
    check_identity_claims,
    check_phone,
    check_rows,
    parse_row,
    read_header,
    town_spellings,
)

TODAY = date(2026, 12, 6)
TOWNS = town_spellings([("330213001", "锦屏街道", "Jinping"), ("330213101", "溪口镇", "Xikou")])
HEADER = ["身份证号码", "姓名", "性别", "出生日期", "联系电话", "住址", "乡镇（街道）", "参保状态", "参保日期"]
NUMBER = make_id_number("330283", date(1950, 3, 4), 12, "F")
COLUMNS = read_header(HEADER)


def good(**changes: object) -> list[object]:
    row: dict[str, object] = {
        "身份证号码": NUMBER,
        "姓名": "王秀英",
        "性别": "女",
        "出生日期": "1950-03-04",
        "联系电话": "13800001111",
        "住址": "中山路1号",
        "乡镇（街道）": "锦屏街道",
        "参保状态": "参保",
        "参保日期": "2020-01-01",
    }
    row.update({HEADER[int(k[1:])] if k.startswith("c") else k: v for k, v in changes.items()})
    return [row[h] for h in HEADER]


def refusals(cells: list[object]) -> list[tuple[str, str]]:
    parsed = parse_row(2, cells, COLUMNS, TOWNS, TODAY)  # type: ignore[arg-type]
    assert isinstance(parsed, list), parsed
    return [(r.field, r.code) for r in parsed]


def test_a_good_row_becomes_an_entry_with_the_number_deciding_sex_and_birth_date() -> None:
    entry = parse_row(2, good(), COLUMNS, TOWNS, TODAY)  # type: ignore[arg-type]
    assert entry == RegistryEntry(
        row=2,
        id_number=NUMBER,
        name="王秀英",
        sex="F",
        birth_date=date(1950, 3, 4),
        phone="13800001111",
        address="中山路1号",
        town_code="330213001",
        insured=True,
        insured_since=date(2020, 1, 1),
    )


def test_headers_are_found_in_any_order_in_chinese_or_english_and_extra_columns_are_ignored() -> None:
    columns = read_header(["备注", "Town", " ID Number ", "name", "乡镇(街道)x"])
    assert dict(columns.positions) == {"town": 1, "id_number": 2, "name": 3}
    # Full-width brackets and spaces are read as their plain forms.
    assert read_header(["身份证号码", "姓 名", "乡镇(街道)"]).positions["town"] == 2


def test_a_header_without_a_required_column_is_refused_naming_it() -> None:
    with pytest.raises(InvalidInput) as refused:
        read_header(["姓名", "住址"])
    assert refused.value.code == "registry_columns_missing"
    assert [e["column"] for e in refused.value.errors] == ["id_number", "town"]


def test_a_column_named_twice_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        read_header(["身份证号码", "姓名", "乡镇", "街道"])
    assert refused.value.code == "registry_column_repeated"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"c0": ""}, [("id_number", "id_number_missing")]),
        ({"c0": NUMBER[:17] + ("1" if NUMBER[17] != "1" else "2")}, [("id_number", "id_number_check_digit")]),
        ({"c0": "12345"}, [("id_number", "id_number_malformed")]),
        ({"c0": 3.30283195003041e17}, [("id_number", "id_number_stored_as_number")]),
        ({"c1": ""}, [("name", "name_missing")]),
        ({"c1": "名" * 65}, [("name", "name_too_long")]),
        ({"c2": "男"}, [("sex", "sex_mismatch")]),
        ({"c2": "未知"}, [("sex", "sex_invalid")]),
        ({"c3": "1950-03-05"}, [("birth_date", "birth_date_mismatch")]),
        ({"c3": "三月"}, [("birth_date", "birth_date_invalid")]),
        ({"c4": "电话"}, [("phone", "invalid_phone")]),
        ({"c4": "123"}, [("phone", "invalid_phone")]),
        ({"c5": "路" * 301}, [("address", "address_too_long")]),
        ({"c6": ""}, [("town", "town_missing")]),
        ({"c6": "火星镇"}, [("town", "unknown_town")]),
        ({"c7": "也许"}, [("insured", "insured_invalid")]),
        ({"c8": "2027-01-01"}, [("insured_since", "insured_since_in_future")]),
        ({"c8": "不详"}, [("insured_since", "insured_since_invalid")]),
    ],
)
def test_each_wrong_field_is_refused_with_its_code(changes: dict[str, object], expected: list[tuple[str, str]]) -> None:
    assert refusals(good(**changes)) == expected


def test_every_wrong_field_of_a_row_is_reported_not_just_the_first() -> None:
    assert refusals(good(c1="", c4="x", c6="火星镇")) == [
        ("name", "name_missing"),
        ("phone", "invalid_phone"),
        ("town", "unknown_town"),
    ]


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ({"c3": datetime(1950, 3, 4), "c8": date(2020, 1, 1)}, (date(1950, 3, 4), date(2020, 1, 1))),
        ({"c3": "1950/3/4", "c8": "20200101"}, (date(1950, 3, 4), date(2020, 1, 1))),
        ({"c3": "1950年03月04日", "c8": ""}, (date(1950, 3, 4), None)),
    ],
)
def test_dates_are_read_from_spreadsheet_cells_and_the_usual_written_forms(
    cells: dict[str, object], expected: tuple[date, date | None]
) -> None:
    entry = parse_row(2, good(**cells), COLUMNS, TOWNS, TODAY)  # type: ignore[arg-type]
    assert isinstance(entry, RegistryEntry)
    assert (entry.birth_date, entry.insured_since) == expected


def test_spreadsheet_numbers_and_full_width_digits_are_read_as_text() -> None:
    entry = parse_row(2, good(c4=13800001111.0, c0=NUMBER.replace("3", "３")), COLUMNS, TOWNS, TODAY)  # type: ignore[arg-type]
    assert isinstance(entry, RegistryEntry)
    assert entry.phone == "13800001111" and entry.id_number == NUMBER


@pytest.mark.parametrize(
    ("status", "insured"), [("", True), ("是", True), ("参保", True), ("停保", False), ("否", False), ("No", False)]
)
def test_insurance_status_words_and_a_blank_meaning_enrolled(status: str, insured: bool) -> None:
    entry = parse_row(2, good(c7=status), COLUMNS, TOWNS, TODAY)  # type: ignore[arg-type]
    assert isinstance(entry, RegistryEntry) and entry.insured is insured


@pytest.mark.parametrize("town", ["锦屏街道", "锦屏", "330213001", "jinping", " JINPING ", "溪口"])
def test_a_town_is_known_by_its_code_its_names_and_its_short_name(town: str) -> None:
    assert isinstance(parse_row(2, good(c6=town), COLUMNS, TOWNS, TODAY), RegistryEntry)  # type: ignore[arg-type]


def test_a_short_name_two_towns_share_is_not_guessed() -> None:
    spellings = town_spellings([("1", "东山镇", "Dongshan"), ("2", "东山街道", "Dongshan Jiedao")])
    assert "东山" not in spellings and spellings["东山镇"] == "1"


def test_a_number_repeated_in_a_file_is_refused_the_second_time_and_blank_rows_are_skipped() -> None:
    other = make_id_number("330283", date(1948, 1, 1), 21, "M")
    rows = [(2, good()), (3, [""] * 9), (4, good(c0=other, c2="男", c3="")), (5, good(c1="王秀兰"))]
    checked = check_rows(rows, COLUMNS, TOWNS, TODAY, RepeatWatch())  # type: ignore[arg-type]
    assert [e.row for e in checked.entries] == [2, 4]
    assert checked.refusals == [Refusal(5, "id_number", "duplicate_in_file")]


def test_repeats_are_watched_across_chunks_of_one_file() -> None:
    watch = RepeatWatch()
    check_rows([(2, good())], COLUMNS, TOWNS, TODAY, watch)  # type: ignore[list-item]
    later = check_rows([(9000, good())], COLUMNS, TOWNS, TODAY, watch)  # type: ignore[list-item]
    assert later.entries == [] and later.refusals == [Refusal(9000, "id_number", "duplicate_in_file")]


def test_a_row_shorter_than_the_header_reads_its_missing_cells_as_blank() -> None:
    assert refusals([NUMBER, "王秀英"]) == [("town", "town_missing")]


@pytest.mark.parametrize("phone", ["13800001111", "0574-88888888", "+86 138 0000 1111", "(0574) 8888 8888", ""])
def test_phones_people_type_are_accepted(phone: str) -> None:
    assert check_phone(phone) == phone.strip()


@pytest.mark.parametrize("phone", ["123456", "1380000111122223333", "138-abc", "1" * 21])
def test_phones_that_cannot_be_dialled_are_refused(phone: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_phone(phone)
    assert refused.value.code == "invalid_phone" and refused.value.errors[0]["field"] == "phone"


def test_a_sex_or_birth_date_given_beside_the_number_must_agree_with_it() -> None:
    identity = parse_id_number(NUMBER, today=TODAY)
    check_identity_claims(identity, sex="F", birth_date=date(1950, 3, 4))
    check_identity_claims(identity, sex=None, birth_date=None)
    with pytest.raises(InvalidInput) as refused:
        check_identity_claims(identity, sex="M", birth_date=date(1950, 3, 5))
    assert [(e["field"], e["code"]) for e in refused.value.errors] == [
        ("sex", "sex_mismatch"),
        ("birth_date", "birth_date_mismatch"),
    ]
