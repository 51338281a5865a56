"""The fund's analysis in the reader's language: the dimensions' and keys' words, and the
rows a printable page and a workbook both show."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ltc.services.supervision.fund_analysis import AnalysisRow, FundAnalysis
from ltc.web.formatting import town
from ltc.web.i18n import gettext as _
from ltc.web.policy_words import LEVELS
from ltc.web.vocabulary import N_

DIMENSION_WORDS = {
    "town": N_("By town"),
    "level": N_("By level"),
    "care_mode": N_("By care mode"),
    "provider": N_("By provider"),
}


def key_words(dimension: str, key: str) -> str:
    if dimension == "town":
        return town(key) or _("Town not recorded")
    if dimension == "level":
        return _(LEVELS[int(key)]) if key.isdigit() and int(key) in LEVELS else _("Level %(level)s") % {"level": key}
    if dimension == "care_mode":
        return _(key)
    return key


def header() -> list[str]:
    return [
        "",
        _("Persons"),
        _("Home visits"),
        _("Bed-days"),
        _("Amount (yuan)"),
        _("Fund pays (yuan)"),
        _("Person pays (yuan)"),
    ]


def row_cells(label: str, row: AnalysisRow, money: Callable[[int], Any]) -> list[Any]:
    return [
        label,
        row.persons,
        row.visits,
        row.bed_days,
        money(row.gross_fen),
        money(row.fund_fen),
        money(row.personal_fen),
    ]


def title(analysis: FundAnalysis) -> str:
    if "Q" in analysis.span:
        return _("Quarterly report of the long-term care fund, {span}").format(span=analysis.span)
    return _("Monthly analysis of the long-term care fund, {span}").format(span=analysis.span)


def workbook(analysis: FundAnalysis) -> bytes:
    import io

    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

    book = Workbook()
    first = book.active
    assert isinstance(first, Worksheet)  # a new workbook's one sheet
    first.title = _("Summary")[:31]
    first.append([title(analysis)])
    first.append(header())
    first.append(row_cells(_("Total"), analysis.total, lambda fen: fen / 100))
    first.append(
        [_("Balance at the end (yuan)"), analysis.balance_fen / 100 if analysis.balance_fen is not None else ""]
    )
    first.append(
        [_("Months the balance can pay"), analysis.months_payable if analysis.months_payable is not None else ""]
    )
    for dimension, rows in analysis.groups.items():
        sheet = book.create_sheet(_(DIMENSION_WORDS[dimension])[:31])
        sheet.append(header())
        for row in rows:
            sheet.append(row_cells(key_words(dimension, row.key), row, lambda fen: fen / 100))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
