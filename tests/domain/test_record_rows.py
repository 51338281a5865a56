"""Uploaded inpatient stays and deaths: each row read on its own, refused rows named with their
spreadsheet row number and a code; whole-file faults refused as a whole."""

from __future__ import annotations

from datetime import date

import pytest

from ltc.domain.errors import InvalidInput
from ltc.domain.identity import make_id_number
from ltc.domain.record_rows import RowRefusal, parse_deaths, parse_stays

TODAY = date(2026, 3, 20)
ONE = make_id_number("330283", date(1940, 5, 1), 12, "F")
TWO = make_id_number("330283", date(1938, 7, 9), 31, "M")
BAD = ONE[:17] + ("0" if ONE[17] != "0" else "1")  # a wrong check character


def test_good_rows_go_on_and_bad_rows_are_refused_with_their_row_number() -> None:
    content = (
        "身份证号,入院日期,出院日期,医院\n"
        f"{ONE},2026-03-01,2026-03-05,奉化区人民医院\n"
        f"{BAD},2026-03-01,,\n"
        f"{TWO},2026/3/7,,\n"
        "\n"
        f"{TWO},2026-03-10,2026-03-09,\n"
        f"{ONE},2026-13-01,,\n"
        f"{ONE},2026-04-01,,\n"
        f"{ONE},2026-03-01,,\n"
        ",2026-03-01,,\n"
    ).encode()
    good, refused = parse_stays(content, today=TODAY)
    assert [(r.row, r.id_number, r.admitted_on, r.discharged_on, r.hospital) for r in good] == [
        (2, ONE, date(2026, 3, 1), date(2026, 3, 5), "奉化区人民医院"),
        (4, TWO, date(2026, 3, 7), None, ""),
    ]
    assert refused == [
        RowRefusal(3, "invalid_id_number", "id_number"),
        RowRefusal(6, "discharge_before_admission", "discharged_on"),
        RowRefusal(7, "invalid_date", "admitted_on"),
        RowRefusal(8, "date_in_future", "admitted_on"),
        RowRefusal(9, "duplicate_row", "admitted_on"),
        RowRefusal(10, "missing_value", "id_number"),
    ]


def test_english_headers_a_bom_and_gbk_are_read() -> None:
    english = f"\ufeffid_number,admitted_on\n{ONE},2026-03-01\n".encode()
    assert [r.row for r in parse_stays(english, today=TODAY)[0]] == [2]
    gbk = f"身份证号码,死亡日期\n{ONE},2026-03-02\n{ONE},2026-03-03\n{TWO},2026-03-21\n".encode("gb18030")
    good, refused = parse_deaths(gbk, today=TODAY)
    assert [(r.id_number, r.died_on) for r in good] == [(ONE, date(2026, 3, 2))]
    assert refused == [RowRefusal(3, "duplicate_row", "id_number"), RowRefusal(4, "date_in_future", "died_on")]


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "file_empty"),
        (b"id_number,admitted_on\n", "file_empty"),
        (f"id_number,hospital\n{ONE},x\n".encode(), "missing_column"),
        (b"\xff\xfe\x00\x81\x30", "file_unreadable"),
        (("id_number,admitted_on\n" + f"{ONE},2026-03-01\n" * 5001).encode(), "too_many_rows"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_as_a_whole(content: bytes, code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_stays(content, today=TODAY)
    assert refused.value.code == code
