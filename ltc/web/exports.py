"""A settlement's exports (CSV, XLSX) in the reader's language: the header, each line's
kind, unit and note, the totals and the export stamp, all through the gettext catalogs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ltc.domain import settlement as rules
from ltc.domain.instruments import Instrument
from ltc.domain.money import format_yuan
from ltc.services.data_subject import ExportStamp
from ltc.services.settlements.exports import LineNote, counted_services, line_note
from ltc.services.settlements.values import SettlementDetail, SettlementLineDetail
from ltc.web.i18n import current_language, ngettext
from ltc.web.i18n import gettext as _
from ltc.web.vocabulary import FAMILY_CARE_HOLDS


def header() -> list[str]:
    return [
        _("Line"),
        _("Kind"),
        _("Person"),
        _("Level"),
        _("Quantity"),
        _("Unit"),
        _("Amount (yuan)"),
        _("Fund pays (yuan)"),
        _("Person pays (yuan)"),
        _("Services counted"),
        _("Note"),
        _("Relief fund pays (yuan)"),  # last: files read by column number keep their columns
    ]


def title(settlement: SettlementDetail) -> str:
    return _("{provider} {period} long-term care insurance settlement statement").format(
        provider=settlement.provider_name or settlement.provider_code or "", period=settlement.period
    )


def note_text(note: LineNote) -> str:
    """A line's note in the reader's language."""
    price = format_yuan(note.unit_price_fen) if note.unit_price_fen is not None else "–"
    if note.kind == rules.HOME:
        text = _("{billed} of {verified} verified minutes billed at {price} yuan an hour").format(
            billed=note.billed_minutes, verified=note.verified_minutes, price=price
        )
        if note.left_out:
            text += _("; ") + ngettext(
                "{n} visit left out until its exception is resolved",
                "{n} visits left out until their exceptions are resolved",
                note.left_out,
            ).format(n=note.left_out)
        return text
    if note.kind == rules.INSTITUTIONAL:
        text = _("Bed-days at {price} yuan a day").format(price=price)
        if note.left_out:
            text += _("; ") + ngettext("{n} leave day not counted", "{n} leave days not counted", note.left_out).format(
                n=note.left_out
            )
        return text
    if note.kind == rules.ADJUSTMENT:
        return _("Corrects {period}: {reason}").format(period=note.corrects_period or "", reason=note.reason)
    if note.kind == rules.TRAVEL:
        return ngettext(
            "Travel allowance for {n} visit at {price} yuan",
            "Travel allowance for {n} visits at {price} yuan",
            note.visits,
        ).format(n=note.visits, price=price)
    if note.kind == rules.FAMILY_CARE:
        if note.held:
            return _(FAMILY_CARE_HOLDS[note.held])
        return _("Family-care allowance of {price} yuan a month, for the days it ran").format(price=price)
    return _("Annual evaluation score {score}, below the pass mark: a share of the fund amount deducted").format(
        score=note.score
    )


LevelName = Callable[[int | None], str]


def level_names(instrument: Instrument) -> LevelName:
    """A line's level in words (重度失能Ⅱ级 / its English label), by the instrument the
    policy assesses with; the number itself when the instrument does not know it."""
    english = current_language() == "en"
    words = {lvl.level: (lvl.label_en if english else lvl.label) for lvl in instrument.levels}

    def name(level: int | None) -> str:
        return "" if level is None else words.get(level, str(level))

    return name


def line_cells(line: SettlementLineDetail, money: Callable[[int], Any], level_name: LevelName) -> list[Any]:
    return [
        line.line_no,
        _(line.kind),
        line.person_name or "",
        level_name(line.level),
        line.quantity,
        _(line.unit) if line.unit else "",
        money(line.gross_fen),
        money(line.fund_fen),
        money(line.personal_fen),
        counted_services(line),
        note_text(line_note(line)),
        money(line.relief_fen),
    ]


def table(settlement: SettlementDetail, money: Callable[[int], Any], level_name: LevelName) -> list[list[Any]]:
    """The export's rows: the header, a row a line, the totals."""
    totals = [money(settlement.gross_fen), money(settlement.fund_fen), money(settlement.personal_fen)]
    counted = sum(counted_services(line) for line in settlement.lines)
    return [
        header(),
        *(line_cells(line, money, level_name) for line in settlement.lines),
        [_("Total"), "", "", "", "", "", *totals, counted, "", money(settlement.relief_fen)],
    ]


def stamp_row(stamp: ExportStamp) -> list[Any]:
    """The last row of a file with personal data: who exported it, and when (UTC)."""
    return [_("Exported by"), stamp.exported_by, _("Exported at"), stamp.exported_at.isoformat(timespec="seconds")]
