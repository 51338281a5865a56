"""An amount in capital numerals (大写金额), as written on statements and cheques so that no
figure can be altered: ``1234560`` fen → ``壹万贰仟叁佰肆拾伍元陆角整``.

The rules are the ones of the standard financial writing (会计基础工作规范 §52):

* digits 零壹贰叁肆伍陆柒捌玖, units 拾佰仟 inside a group of four, groups 万 and 亿
  (壹万亿 is 10¹², 壹万零壹亿 10¹² + 10⁸; from 10¹⁶ the 亿 repeats: 壹亿亿);
* a run of zeros inside the amount is written as one 零; zeros at the end of a group are
  not written, but a zero between a group and the next non-zero digit is (壹万零伍元);
* a group that is all zeros writes no group word (壹亿零伍元, not 壹亿万零伍元);
* the yuan part ends with 元; 0 角 with some 分 is written 零 (壹元零伍分); no 分 ends the
  amount with 整 (正 is accepted elsewhere; 整 is written here); 分 ends it without 整;
* less than one yuan starts with the 角 or 分 (伍角整, 伍分), zero is 零元整;
* a negative amount starts with 负;
* a leading 壹拾 keeps its 壹 (壹拾元整, never 拾元整), as banks require.
"""

from __future__ import annotations

from ltc.domain.money import check_fen

DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UNITS_IN_GROUP = ("", "拾", "佰", "仟")


def _four_digits(group: int) -> str:
    """1–9999 with 拾佰仟; a gap of zeros inside is one 零, zeros at the end are not written."""
    out: list[str] = []
    zero_pending = False
    for place in range(3, -1, -1):
        digit = group // 10**place % 10
        if digit == 0:
            zero_pending = bool(out)
        else:
            out.append(("零" if zero_pending else "") + DIGITS[digit] + _UNITS_IN_GROUP[place])
            zero_pending = False
    return "".join(out)


def _below_yi(yuan: int) -> str:
    """1 to 99,999,999 yuan: two groups of four joined by 万."""
    high, low = divmod(yuan, 10_000)
    if not high:
        return _four_digits(low)
    words = _four_digits(high) + "万"
    if low:
        gap = high % 10 == 0 or low < 1000  # the zeros between the two groups are one 零
        words += ("零" if gap else "") + _four_digits(low)
    return words


def _yuan_words(yuan: int) -> str:
    """Whole yuan (> 0) in capital numerals, without 元: sections of eight digits, the k-th
    (from the yuan) followed by k times 亿, so 10¹⁶ is 壹亿亿 and no reading is ambiguous."""
    sections: list[int] = []
    while yuan:
        yuan, section = divmod(yuan, 10**8)
        sections.append(section)
    out: list[str] = []
    gap = False  # zeros stand between the last digit written and the next
    for k in range(len(sections) - 1, -1, -1):
        section = sections[k]
        if not section:
            gap = gap or bool(out)
            continue
        if out and (gap or section < 10**7):
            out.append("零")
        out.append(_below_yi(section) + "亿" * k)
        gap = section % 10 == 0
    return "".join(out)


def capital_yuan(amount_fen: int) -> str:
    """``amount_fen`` (an int of fen, any sign) in capital numerals (大写金额)."""
    check_fen(amount_fen)
    if amount_fen == 0:
        return "零元整"
    sign = "负" if amount_fen < 0 else ""
    yuan, cents = divmod(abs(amount_fen), 100)
    jiao, fen = divmod(cents, 10)
    words = _yuan_words(yuan) + "元" if yuan else ""
    if jiao:
        words += DIGITS[jiao] + "角"
    elif yuan and fen:
        words += "零"  # 壹元零伍分: the missing 角 is said
    if fen:
        words += DIGITS[fen] + "分"
    else:
        words += "整"
    return sign + words
