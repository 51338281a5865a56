"""Capital numerals (大写金额): the standard's own examples, the edges, and a round trip through
a small reader written here independently of the writer."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ltc.domain.capital_numerals import capital_yuan

_DIGIT = {c: n for n, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
_SMALL_UNIT = {"拾": 10, "佰": 100, "仟": 1000}


def _read_group(text: str) -> int:
    """Up to four digits with 拾佰仟 (零 only fills gaps)."""
    total, digit = 0, 0
    for char in text:
        if char in _DIGIT:
            digit = _DIGIT[char]
        elif char in _SMALL_UNIT:
            total += digit * _SMALL_UNIT[char]
            digit = 0
        else:
            raise ValueError(f"unexpected {char!r} in {text!r}")
    return total + digit


def _read_whole(text: str) -> int:
    """Whole yuan: split at the first longest run of 亿 (each 亿 is 10⁸), then at 万."""
    runs = list(re.finditer("亿+", text))
    if runs:
        top = max(runs, key=lambda m: (len(m.group()), -m.start()))
        left, right = text[: top.start()], text[top.end() :]
        return _read_whole(left) * 10 ** (8 * len(top.group())) + _read_whole(right)
    if "万" in text:
        left, _, right = text.partition("万")
        return _read_group(left) * 10_000 + _read_group(right)
    return _read_group(text)


def read_capital(text: str) -> int:
    """The amount in fen that capital numerals name."""
    sign = -1 if text.startswith("负") else 1
    text = text.removeprefix("负").removesuffix("整")
    yuan, _, cents = text.rpartition("元") if "元" in text else ("", "", text)
    jiao = fen = 0
    if match := re.search("(.)角", cents):
        jiao = _DIGIT[match.group(1)]
    if match := re.search("(.)分", cents):
        fen = _DIGIT[match.group(1)]
    return sign * (_read_whole(yuan) * 100 + jiao * 10 + fen)


@pytest.mark.parametrize(
    ("fen", "words"),
    [
        (0, "零元整"),
        (1, "壹分"),
        (10, "壹角整"),
        (55, "伍角伍分"),
        (100, "壹元整"),
        (105, "壹元零伍分"),
        (1000, "壹拾元整"),
        (1_234_560, "壹万贰仟叁佰肆拾伍元陆角整"),
        (32_504, "叁佰贰拾伍元零肆分"),  # the standard's ¥325.04
        (168_032, "壹仟陆佰捌拾元叁角贰分"),  # ¥1,680.32 (the 零 after 元 is optional there)
        (101_000, "壹仟零壹拾元整"),
        (1_000_500, "壹万零伍元整"),
        (1_050_000, "壹万零伍佰元整"),
        (10_050_000, "壹拾万零伍佰元整"),
        (20_000_000, "贰拾万元整"),
        (10_000_000_100, "壹亿零壹元整"),  # 100,000,001 元: an empty 万 group says nothing
        (1_000_000_000_000, "壹佰亿元整"),
        (100_000_000_000_000, "壹万亿元整"),
        (10**18, "壹亿亿元整"),
        (100_010_000_000_000, "壹万零壹亿元整"),
        (10**20, "壹佰亿亿元整"),
        (-1_234_560, "负壹万贰仟叁佰肆拾伍元陆角整"),
        (-1, "负壹分"),
    ],
)
def test_known_amounts(fen: int, words: str) -> None:
    assert capital_yuan(fen) == words


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError):
        capital_yuan(12.5)  # type: ignore[arg-type]


@given(st.integers(min_value=-(10**20), max_value=10**20))
def test_reads_back_to_the_same_amount(fen: int) -> None:
    assert read_capital(capital_yuan(fen)) == fen


@given(st.integers(min_value=-(10**20), max_value=10**20))
def test_written_by_the_rules(fen: int) -> None:
    words = capital_yuan(fen)
    assert "零零" not in words  # a run of zeros is one 零
    assert words.endswith("整") == (fen % 10 == 0)  # 整 exactly when there is no 分
    assert words.startswith("负") == (fen < 0)
    body = words.removeprefix("负")
    assert not body.startswith("零") or words == "零元整"  # no leading zero
    assert not re.search("零[元万亿整]", body) or words == "零元整"  # no zero before a group word
    assert not re.search("[拾佰仟]{2}|万万", body)  # units never doubled
    assert re.fullmatch("[零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整]+", body)
    assert ("元" in words) == (abs(fen) >= 100 or fen == 0)
