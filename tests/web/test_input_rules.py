"""What every request must be: ids a row can have, days in the scheme's years, no NUL
characters, JSON in UTF-8 and not nested without end, sent as JSON (the pure parts here; the
answers over HTTP in test_request_refusals.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from ltc.services.inputs import MAX_ID, Input, RecordId
from ltc.web.request_guards import MAX_JSON_DEPTH, has_nul, is_json_media_type, json_too_deep


class Sample(Input):
    person_id: RecordId
    on: date | None = None
    at: datetime | None = None
    days: list[date] = []


@pytest.mark.parametrize("value", [0, -1, MAX_ID + 1, 2**63, 10**30])
def test_an_id_no_row_can_have_is_refused(value: int) -> None:
    with pytest.raises(ValidationError):
        Sample(person_id=value)


def test_the_largest_id_passes() -> None:
    assert Sample(person_id=MAX_ID).person_id == MAX_ID


@pytest.mark.parametrize(
    "fields",
    [
        {"on": date(9999, 12, 31)},
        {"on": date(1, 1, 1)},
        {"at": datetime(9999, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=8)))},
        {"days": [date(2026, 1, 1), date(1999, 12, 31)]},
    ],
)
def test_a_day_outside_the_scheme_years_is_refused_in_any_input(fields: dict) -> None:
    with pytest.raises(ValidationError) as err:
        Sample(person_id=1, **fields)
    assert "a day from 2000 to 2100" in str(err.value)


def test_days_inside_the_scheme_years_pass() -> None:
    sample = Sample(person_id=1, on=date(2000, 1, 1), days=[date(2100, 12, 31)])
    assert sample.on == date(2000, 1, 1)


def test_json_nesting_is_measured_outside_strings() -> None:
    deep = b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1)
    assert json_too_deep(deep)
    assert not json_too_deep(b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH)
    assert not json_too_deep(b'{"a": "' + b"[" * 100 + b'"}')
    assert not json_too_deep(b'{"a": "\\"' + b"[" * 100 + b'"}')
    # Many siblings are not depth.
    assert not json_too_deep(b"[" + b"[1]," * 1000 + b"[1]]")


def test_a_nul_is_found_in_keys_values_and_lists() -> None:
    assert has_nul({"a": ["x", "y\x00"]})
    assert has_nul({"a\x00": 1})
    assert has_nul("\x00")
    assert not has_nul({"a": ["x", 1, None, 2.5, {"b": "\\u0000"}]})


@pytest.mark.parametrize(
    ("media", "json"),
    [
        ("application/json", True),
        ("application/json; charset=utf-8", True),
        ("application/merge-patch+json", True),
        ("APPLICATION/JSON", True),
        ("text/plain", False),
        ("application/x-www-form-urlencoded", False),
        ("multipart/form-data; boundary=x", False),
    ],
)
def test_json_media_types(media: str, json: bool) -> None:
    assert is_json_media_type(media) is json
