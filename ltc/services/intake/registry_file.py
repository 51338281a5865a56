"""Reading an enrolment registry file: a CSV (UTF-8, with or without its byte-order mark, or
GB18030 as Chinese spreadsheets save it) or an XLSX workbook (its first sheet, read with
openpyxl in read-only mode so a large file is streamed, not loaded whole). Rows come out
numbered as a spreadsheet numbers them: the header is row 1."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from ltc.domain.errors import InvalidInput
from ltc.domain.registry import Cell, RegistryColumns, read_header

FileKind = Literal["csv", "xlsx"]
_ZIP_MAGIC = b"PK\x03\x04"


def _unreadable(detail: str, code: str = "registry_file_unreadable") -> InvalidInput:
    return InvalidInput(detail, code=code, errors=[{"field": "file", "code": code}])


def file_kind(filename: str, content: bytes) -> FileKind:
    """What the file is, by its content (a name can lie): an XLSX is a zip archive."""
    if not content:
        raise _unreadable("文件为空", "registry_empty")
    if content.startswith(_ZIP_MAGIC):
        return "xlsx"
    # A NUL byte: a binary file (an old .xls) or text PostgreSQL would refuse.
    if filename.lower().endswith((".xls", ".xlsx", ".xlsm")) or b"\x00" in content:
        raise _unreadable("只接受 CSV 或 XLSX 文件", "registry_file_kind")
    return "csv"


def _decoded_csv(content: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return codecs.decode(content, encoding)
        except UnicodeDecodeError:
            continue
    raise _unreadable("无法识别文件的字符编码（请保存为 UTF-8 的 CSV）", "registry_encoding")


@dataclass
class RegistryRows:
    """The header's columns and an iterator over the numbered data rows."""

    columns: RegistryColumns
    rows: Iterator[tuple[int, Sequence[Cell]]]
    close: object = None

    def done(self) -> None:
        closer = getattr(self.close, "close", None)
        if callable(closer):
            closer()


def _csv_rows(content: bytes) -> Iterator[tuple[int, list[str]]]:
    # A bare "\r" or an embedded newline in a quoted cell counts as one row, as in a spreadsheet.
    reader = csv.reader(io.StringIO(_decoded_csv(content), newline=""))
    try:
        yield from enumerate(reader, start=1)
    except csv.Error as exc:
        raise _unreadable(f"CSV 格式有误：{exc}") from exc


def _xlsx_rows(content: bytes) -> tuple[Iterator[tuple[int, Sequence[Cell]]], object]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # a damaged archive raises whatever zipfile or the XML parser raise
        raise _unreadable(f"XLSX 文件无法打开：{type(exc).__name__}") from exc
    sheet = workbook.worksheets[0] if workbook.worksheets else None
    if sheet is None:
        workbook.close()
        raise _unreadable("XLSX 文件没有工作表", "registry_empty")
    numbered = enumerate(sheet.iter_rows(values_only=True), start=1)
    return ((number, [_cell(value) for value in cells]) for number, cells in numbered), workbook


def _cell(value: object) -> Cell:
    """A spreadsheet value as the registry rules read it (times, rich text, formulas as text)."""
    if value is None or (isinstance(value, str | int | float | date) and not isinstance(value, bool)):
        return value
    return str(value)


def open_registry(
    filename: str, content: bytes, header: Callable[[list[Cell]], RegistryColumns] = read_header
) -> RegistryRows:
    """The file's columns (refused when its header lacks a required column; ``header`` reads
    them: the enrolment registry's by default) and its rows."""
    kind = file_kind(filename, content)
    closer: object = None
    if kind == "xlsx":
        rows, closer = _xlsx_rows(content)
    else:
        rows = _csv_rows(content)
    try:
        first = next(rows, None)
        if first is None:
            raise _unreadable("文件没有表头", "registry_empty")
        columns = header(list(first[1]))
    except Exception:
        RegistryRows(RegistryColumns({}), iter(()), closer).done()
        raise
    return RegistryRows(columns=columns, rows=rows, close=closer)
