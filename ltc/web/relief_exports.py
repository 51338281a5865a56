"""The relief fund's monthly statement in the reader's language: the rows a CSV and a workbook
both carry, and the import job's summary."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from ltc.domain.money import format_yuan
from ltc.services.data_subject import ExportStamp
from ltc.services.jobs import JobView
from ltc.services.relief.values import ReliefImportResult, ReliefStatement, StatementLine
from ltc.web.exports import stamp_row
from ltc.web.formatting import number
from ltc.web.i18n import gettext as _
from ltc.web.i18n import ngettext
from ltc.web.job_summaries import NextStep, Outcome, summary_of
from ltc.web.vocabulary import RELIEF_GROUPS


def group_words(group: str | None) -> str:
    return _(RELIEF_GROUPS[group]) if group in RELIEF_GROUPS else ""


def title(statement: ReliefStatement) -> str:
    return _("Relief fund statement of {period}: the personal shares it pays").format(period=statement.period)


def header() -> list[str]:
    return [
        _("Settlement"),
        _("Line"),
        _("Kind"),
        _("Person"),
        _("Id number"),
        _("Hardship group"),
        _("Provider"),
        _("Person's share (yuan)"),
        _("Relief fund pays (yuan)"),
    ]


def line_cells(line: StatementLine, money: Callable[[int], Any]) -> list[Any]:
    return [
        line.settlement_id,
        line.line_no,
        _(line.kind),
        line.person_name,
        line.id_number,
        group_words(line.group),
        f"{line.provider_code} {line.provider_name}",
        money(line.personal_fen),
        money(line.relief_fen),
    ]


def table(statement: ReliefStatement, money: Callable[[int], Any]) -> list[list[Any]]:
    return [
        header(),
        *(line_cells(line, money) for line in statement.lines),
        [_("Total"), "", "", "", "", "", "", money(statement.personal_fen), money(statement.relief_fen)],
    ]


def csv_bytes(statement: ReliefStatement, stamp: ExportStamp) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([[title(statement)], *table(statement, format_yuan), stamp_row(stamp)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(statement: ReliefStatement, stamp: ExportStamp) -> bytes:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)  # a new workbook's one sheet
    sheet.title = statement.period
    sheet.append([title(statement)])
    for row in table(statement, lambda fen: fen / 100):
        sheet.append(row)
    sheet.append(stamp_row(stamp))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@summary_of("import_relief", ReliefImportResult)
def _relief_imported(result: ReliefImportResult, job: JobView) -> Outcome:
    sentences = [
        ngettext("%(num)s row read.", "%(num)s rows read.", result.rows) % {"num": number(result.rows)},
        _("%(created)s enrolments recorded, %(updated)s updated, %(unchanged)s unchanged.")
        % {"created": number(result.created), "updated": number(result.updated), "unchanged": number(result.unchanged)},
    ]
    if result.refused_rows:
        sentences.append(
            ngettext(
                "%(num)s row refused: see why, row by row.",
                "%(num)s rows refused: see why, row by row.",
                result.refused_rows,
            )
            % {"num": number(result.refused_rows)}
        )
    return Outcome(tuple(sentences), NextStep(f"/relief/import/{job.id}", _("The import's report")))
