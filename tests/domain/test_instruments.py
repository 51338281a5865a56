"""The scoring engine against every golden case on file, its refusals, and its invariants."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ltc.domain.errors import InvalidInput
from ltc.domain.instruments import (
    Instrument,
    InstrumentDefinitionError,
    score,
    score_partial,
)

ASSESSMENTS = Path(__file__).resolve().parents[2] / "assessments"


def definition(code: str) -> dict[str, Any]:
    (path,) = [p for p in (ASSESSMENTS / code).glob("*.json") if not p.name.endswith(".golden.json")]
    return json.loads(path.read_text(encoding="utf-8"))


def golden(code: str) -> list[dict[str, Any]]:
    (path,) = (ASSESSMENTS / code).glob("*.golden.json")
    return json.loads(path.read_text(encoding="utf-8"))["cases"]


INSTRUMENTS = {
    code: Instrument.from_definition(definition(code)) for code in ("nhsa-2021", "self-eval-2021", "barthel", "nba-de")
}
CASES = [(code, case) for code in INSTRUMENTS for case in golden(code)]


@pytest.mark.parametrize(("code", "case"), CASES, ids=[f"{code}: {case['name']}" for code, case in CASES])
def test_golden_case(code: str, case: dict[str, Any]) -> None:
    result = score(INSTRUMENTS[code], case["answers"]).to_dict()
    expect = case["expect"]
    assert result["level"] == expect["level"]
    assert result["level_label"] == expect["level_label"]
    assert result["severe"] is expect["severe"]
    for key, dimension in expect["dimensions"].items():
        for field, value in dimension.items():
            assert result["dimensions"][key][field] == value, (key, field)
    if "total" in expect:
        assert result["total"] == expect["total"]


def test_the_national_golden_cases_cover_every_matrix_cell_and_band_boundary() -> None:
    cases = golden("nhsa-2021")
    scale = ["intact", "mild", "moderate", "severe"]
    cells = set()
    scores: dict[str, set[int]] = {"adl": set(), "cognition": set(), "perception": set()}
    for case in cases:
        dims = case["expect"]["dimensions"]
        worse = max(dims["cognition"]["level"], dims["perception"]["level"], key=scale.index)
        cells.add((dims["adl"]["level"], worse))
        for key in scores:
            scores[key].add(dims[key]["score"])
    assert cells == {(row, column) for row in scale for column in scale}
    assert {40, 45, 60, 65, 95, 100} <= scores["adl"]
    assert {3, 4, 11, 12, 15, 16} <= scores["cognition"]
    assert {3, 4, 7, 8, 11, 12} <= scores["perception"]


def test_the_self_assessment_golden_cases_cover_every_count_pair() -> None:
    pairs = {
        (c["expect"]["dimensions"]["class_a"]["score"], c["expect"]["dimensions"]["class_b"]["score"])
        for c in golden("self-eval-2021")
    }
    assert pairs == {(a, b) for a in range(4) for b in range(4)}


def test_the_national_instrument_has_the_seventeen_items_of_the_standard() -> None:
    instrument = INSTRUMENTS["nhsa-2021"]
    by_dimension = {d.key: [i for i in instrument.items if i.dimension == d.key] for d in instrument.dimensions}
    assert [len(by_dimension[k]) for k in ("adl", "cognition", "perception")] == [10, 4, 3]
    adl_max = sum(max(o.points for o in i.options) for i in by_dimension["adl"])
    assert adl_max == 100
    assert all(i.options[0].points == 0 for i in instrument.items), "options run worst → best"


def worst(instrument: Instrument) -> dict[str, Any]:
    return {item.key: item.options[0].value for item in instrument.items}


def test_an_answer_set_with_a_missing_item_is_refused_listing_it() -> None:
    answers = worst(INSTRUMENTS["nhsa-2021"])
    del answers["memory"], answers["stairs"]
    with pytest.raises(InvalidInput) as refused:
        score(INSTRUMENTS["nhsa-2021"], answers)
    assert refused.value.code == "missing_items"
    assert [e["field"] for e in refused.value.errors] == ["answers.stairs", "answers.memory"]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"shoe_size": 5}, "unknown_item"),
        ({"eating": 7}, "unknown_option"),
        ({"eating": "5"}, "unknown_option"),
        ({"eating": True}, "unknown_option"),
        ({"eating": 5.0}, "unknown_option"),
        ({"eating": None}, "unknown_option"),
    ],
)
def test_unknown_items_and_options_are_refused(change: dict[str, Any], code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        score(INSTRUMENTS["nhsa-2021"], worst(INSTRUMENTS["nhsa-2021"]) | change)
    assert refused.value.code == code


def test_answers_that_are_not_an_object_are_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        score(INSTRUMENTS["barthel"], [1, 2, 3])
    assert refused.value.code == "invalid_answers"


def test_a_self_assessment_option_is_a_word_not_points() -> None:
    answers = dict.fromkeys(("eating", "continence", "bathing", "dressing", "toilet_use", "transfer"), "dependent")
    assert score(INSTRUMENTS["self-eval-2021"], answers).level == "G"
    with pytest.raises(InvalidInput):
        score(INSTRUMENTS["self-eval-2021"], answers | {"eating": 0})


def test_rescoring_gives_the_same_result_byte_for_byte() -> None:
    for code, case in CASES:
        first = json.dumps(score(INSTRUMENTS[code], case["answers"]).to_dict(), ensure_ascii=False)
        again = Instrument.from_definition(definition(code))
        assert json.dumps(score(again, copy.deepcopy(case["answers"])).to_dict(), ensure_ascii=False) == first


def test_a_refined_version_does_not_change_what_the_old_version_says() -> None:
    refined = definition("nhsa-2021") | {"version": "2099.1"}
    refined["result"] = copy.deepcopy(refined["result"])
    refined["result"]["cells"]["mild"]["severe"] = 3  # a city's refinement
    old, new = INSTRUMENTS["nhsa-2021"], Instrument.from_definition(refined)
    case = next(c for c in golden("nhsa-2021") if c["name"].startswith("matrix mild × severe"))
    assert score(old, case["answers"]).level == 2
    assert score(new, case["answers"]).level == 3
    assert score(old, case["answers"]).version == "2021.1"


def test_partial_answers_preview_finished_dimensions_only() -> None:
    instrument = INSTRUMENTS["nhsa-2021"]
    answers = {item.key: item.options[-1].value for item in instrument.items if item.dimension == "adl"}
    preview = score_partial(instrument, answers)
    assert preview["complete"] is False and preview["answered"] == 10 and len(preview["missing"]) == 7
    assert preview["dimensions"]["adl"] | {} == {
        "score": 100,
        "level": "intact",
        "level_label": "能力完好",
        "level_label_en": "Intact",
        "complete": True,
    }
    assert preview["dimensions"]["cognition"] == {"score": 0, "complete": False}
    assert preview["level"] is None
    full = score_partial(instrument, worst(instrument))
    assert full["complete"] is True and full["level"] == 5 and full["level_label"] == "重度失能Ⅲ级"


def test_a_partial_preview_still_refuses_unknown_options() -> None:
    with pytest.raises(InvalidInput) as refused:
        score_partial(INSTRUMENTS["nhsa-2021"], {"eating": 3})
    assert refused.value.code == "unknown_option"


def test_the_description_lists_items_options_and_levels() -> None:
    description = INSTRUMENTS["nhsa-2021"].describe()
    assert [d["key"] for d in description["dimensions"]] == ["adl", "cognition", "perception"]
    eating = next(i for i in description["items"] if i["key"] == "eating")
    assert [o["value"] for o in eating["options"]] == [0, 5, 10]
    assert eating["label"] == "进食" and eating["options"][0]["label_en"]
    assert [lv["severe"] for lv in description["levels"]] == [False, False, False, True, True, True]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["dimensions"][0]["bands"].pop(), "bands"),  # ADL 0–40 left uncovered
        (lambda d: d["dimensions"][0]["bands"][1].update({"min": 60}), "bands"),  # 60 in two bands
        (lambda d: d["result"]["cells"]["severe"].pop("severe"), "severe"),
        (lambda d: d["items"][0].update({"dimension": "mood"}), "mood"),
        (lambda d: d["items"][1].update({"key": "eating"}), "repeat"),
        (lambda d: d["result"].update({"kind": "astrology"}), "astrology"),
    ],
)
def test_a_broken_definition_fails_when_loaded(mutate, message: str) -> None:
    broken = copy.deepcopy(definition("nhsa-2021"))
    mutate(broken)
    with pytest.raises((InstrumentDefinitionError, KeyError), match=message):
        Instrument.from_definition(broken)


def answer_sets(instrument: Instrument) -> st.SearchStrategy[dict[str, int]]:
    """Indices of the chosen option per item."""
    return st.fixed_dictionaries({item.key: st.integers(0, len(item.options) - 1) for item in instrument.items})


def answers_of(instrument: Instrument, choice: dict[str, int]) -> dict[str, Any]:
    return {item.key: item.options[choice[item.key]].value for item in instrument.items}


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_a_better_answer_never_raises_the_national_disability_level(data: st.DataObject) -> None:
    instrument = INSTRUMENTS["nhsa-2021"]
    choice = data.draw(answer_sets(instrument))
    item = data.draw(
        st.sampled_from([i for i in instrument.items if choice[i.key] < len(i.options) - 1] or list(instrument.items))
    )
    better = dict(choice)
    better[item.key] = min(choice[item.key] + 1, len(item.options) - 1)
    before = score(instrument, answers_of(instrument, choice)).level
    after = score(instrument, answers_of(instrument, better)).level
    assert after <= before


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_more_impairment_points_never_lower_the_care_grade(data: st.DataObject) -> None:
    instrument = INSTRUMENTS["nba-de"]
    choice = data.draw(answer_sets(instrument))
    item = data.draw(st.sampled_from(list(instrument.items)))
    before = score(instrument, answers_of(instrument, choice))
    current = item.options[choice[item.key]].points
    heavier = [n for n, o in enumerate(item.options) if o.points >= current]
    worse = dict(choice) | {item.key: data.draw(st.sampled_from(heavier))}
    after = score(instrument, answers_of(instrument, worse))
    assert after.total >= before.total and after.level >= before.level


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_barthel_is_severe_exactly_at_forty_or_below(data: st.DataObject) -> None:
    instrument = INSTRUMENTS["barthel"]
    result = score(instrument, answers_of(instrument, data.draw(answer_sets(instrument))))
    assert result.severe is (result.dimensions["total"]["score"] <= 40)
