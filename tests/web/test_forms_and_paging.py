"""The page foundations: forms that keep the input and say what is wrong beside each field,
and keyset cursors that only ever name a row of their own list."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, Field

from ltc.db.queries.paging import (
    InvalidCursor,
    PageRequest,
    decode_cursor,
    encode_cursor,
    page_of,
)
from ltc.domain.errors import Conflict, InvalidInput
from ltc.settings import PROJECT_ROOT
from ltc.web.forms import FormState
from ltc.web.i18n import configure_catalogs, set_language


@pytest.fixture(autouse=True)
def catalogs() -> None:
    configure_catalogs(PROJECT_ROOT / "locale")


class PersonForm(BaseModel):
    name: str = Field(min_length=1, max_length=8)
    age: int = Field(ge=60)


def test_a_refused_form_keeps_every_value_and_names_each_field() -> None:
    set_language("en")
    state = FormState(values={"name": "王" * 9, "age": "fifty"})
    assert state.parse(PersonForm) is None
    assert state.values == {"name": "王" * 9, "age": "fifty"}
    assert state.error("name") == "At most 8 characters."
    assert state.error("age") == "Please enter a whole number."
    assert state.status == 422 and state.has_errors


def test_a_missing_field_is_asked_for_in_the_page_language() -> None:
    set_language("zh_CN")
    state = FormState(values={"age": "59"})
    assert state.parse(PersonForm) is None
    assert state.error("name") == "请填写此项。"
    assert state.error("age") == "不能小于 60。"


def test_a_valid_form_parses_without_messages() -> None:
    state = FormState(values={"name": "李", "age": "80"})
    assert state.parse(PersonForm) == PersonForm(name="李", age=80)
    assert not state.has_errors and state.status == 200


def test_a_rule_refusal_goes_beside_the_field_it_names_or_above_the_form() -> None:
    set_language("en")
    state = FormState(values={"name": "李", "age": "80"})
    state.refused(InvalidInput("no", code="invalid_cursor", errors=[{"field": "age", "message": "x"}]))
    assert state.error("age") == "This page of the list no longer exists; start again from the first page."
    assert state.general == [] and state.status == 422
    other = FormState(values={"name": "李"}).refused(Conflict("stale", code="version_conflict"))
    assert other.general == ["Someone else changed this record meanwhile; reload it and try again."]
    assert other.status == 409


keys = st.tuples(st.text(max_size=20), st.integers(min_value=-(2**62), max_value=2**62))


@given(keys)
def test_a_cursor_names_exactly_the_key_it_was_made_from(key) -> None:
    assert decode_cursor(encode_cursor(key), 2) == key


@pytest.mark.parametrize(
    "cursor",
    ["", "not-base64!", encode_cursor([1]), encode_cursor([1, 2, 3]), encode_cursor([True, 1]), "x" * 500],
)
def test_a_cursor_of_another_list_or_tampered_is_refused(cursor: str) -> None:
    with pytest.raises(InvalidCursor) as refused:
        decode_cursor(cursor or "e30", 2)
    assert refused.value.code == "invalid_cursor"


@given(st.lists(st.integers(min_value=0, max_value=10_000), unique=True), st.integers(min_value=1, max_value=7))
def test_pages_read_in_turn_hold_every_row_once_in_order(ids: list[int], limit: int) -> None:
    """A list paged through the cursor: the pages concatenated are the whole ordered list."""
    ordered = sorted(ids)
    seen: list[int] = []
    after: tuple | None = None
    while True:
        remaining = [i for i in ordered if after is None or i > after[0]]
        page = page_of(remaining[: limit + 1], PageRequest(limit=limit), lambda row: (row,))
        seen.extend(page.items)
        if page.next_after is None:
            break
        after = decode_cursor(page.next_after, 1)
    assert seen == ordered
