"""A spreadsheet read for an import: CSV (UTF-8, `;` or `,`) or Excel (.xlsx), its first line
naming the columns, into rows of text cells with their line numbers.

A file that cannot be read as a whole is refused with one message (FileRefused): too large,
empty, not UTF-8, NUL bytes, an Excel file that unpacks to far more than it weighs, too many
rows, a header with an unknown or a missing column. A cell that cannot be taken is an error
of its row, naming the column: a formula (=…: we import values, not what a spreadsheet would
compute), a cell longer than CELL_MAX, text that is not storable. A leading quote before
= + - @ (how our exports neutralise formulas) is removed, so an export imports again."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from core.text import unreadable

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
MAX_COLUMNS = 60
CELL_MAX = 4000
# An .xlsx is a zip: what it unpacks to is bounded too (a small file can hold gigabytes).
XLSX_MAX_UNPACKED = 40 * 1024 * 1024
XLSX_MAGIC = b"PK\x03\x04"
FORMULA_START = ("=", "+", "-", "@")


class FileRefused(Exception):
    """The file as a whole cannot be read: nothing of it is checked or imported."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Row:
    line: int
    cells: dict[str, str]
    # Column → messages: cells that could not be taken (the row is then an error).
    errors: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Table:
    columns: list[str]
    rows: list[Row]


def normalise_header(header: str) -> str:
    return re.sub(r"[\s\-]+", "_", header.strip().lower())


def _decode(data: bytes) -> str:
    if b"\x00" in data:
        raise FileRefused(_("The file contains NUL bytes: it is not a text CSV file."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileRefused(
            _("The file is not UTF-8 text: save it as “CSV UTF-8” or as an Excel file.")
        ) from None


def _csv_lines(data: bytes) -> list[list[Any]]:
    text = _decode(data)
    first = text.strip().splitlines()[0] if text.strip() else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    csv.field_size_limit(CELL_MAX * 4)
    lines: list[list[Any]] = []
    try:
        for cells in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            lines.append(cells)
            if len(lines) > MAX_ROWS + 1:
                break
    except csv.Error as error:
        raise FileRefused(
            _("The file is not a readable CSV: %(error)s") % {"error": error}
        ) from None
    return lines


def _xlsx_lines(data: bytes) -> list[list[Any]]:
    import openpyxl

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > XLSX_MAX_UNPACKED:
                raise FileRefused(_("The Excel file unpacks to too much data to be imported."))
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except FileRefused:
        raise
    except Exception:  # openpyxl raises many kinds for a broken file
        raise FileRefused(_("The file is not a readable Excel (.xlsx) file.")) from None
    try:
        sheet = book.worksheets[0]
        lines: list[list[Any]] = []
        for cells in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1):
            lines.append(list(cells))
            if len(lines) > MAX_ROWS + 1:
                break
        return lines
    except FileRefused:
        raise
    except Exception:
        raise FileRefused(_("The file is not a readable Excel (.xlsx) file.")) from None
    finally:
        book.close()


def _text(value: Any) -> str:
    """A cell as text: numbers without a float's noise, dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format(Decimal(repr(value)).normalize(), "f") if value == value else "nan"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _cell(row: Row, column: str, raw: str) -> None:
    if (problem := unreadable(raw)) is not None:
        row.errors.setdefault(column, []).append(problem)
        return
    value = raw.strip()
    if len(value) > CELL_MAX:
        row.errors.setdefault(column, []).append(
            _("The cell holds %(n)d characters; at most %(max)d.")
            % {"n": len(value), "max": CELL_MAX}
        )
        return
    if value.startswith("="):
        row.errors.setdefault(column, []).append(
            _("A formula is not imported: put its value in the cell.")
        )
        return
    if value.startswith("'") and value[1:2] in FORMULA_START:
        value = value[1:]  # our exports' guard against formulas
    row.cells[column] = value


def _header(
    cells: list[Any], *, required: Sequence[str], optional: Iterable[str],
    extra: re.Pattern[str] | None,
) -> list[str]:  # fmt: skip
    """The columns the first line names, or FileRefused: unknown, twice, missing ones."""
    header = [normalise_header(_text(cell)) for cell in cells]
    while header and not header[-1]:
        header.pop()
    if len(header) > MAX_COLUMNS:
        raise FileRefused(_("The file has more than %(max)d columns.") % {"max": MAX_COLUMNS})
    known = {*required, *optional}
    unknown = [
        name or _("(empty)")
        for name in header
        if name not in known and not (extra and extra.fullmatch(name))
    ]
    if unknown:
        raise FileRefused(
            _("Unknown columns: %(unknown)s. The columns are: %(known)s.")
            % {"unknown": ", ".join(unknown)[:500], "known": ", ".join([*required, *optional])}
        )
    twice = sorted({name for name in header if header.count(name) > 1})
    if twice:
        raise FileRefused(_("Columns named twice: %(names)s.") % {"names": ", ".join(twice)})
    missing = [name for name in required if name not in header]
    if missing:
        raise FileRefused(
            _("Missing columns: %(missing)s. The first line must name the columns.")
            % {"missing": ", ".join(missing)}
        )
    return header


def read_table(
    data: bytes, *, filename: str, required: Sequence[str], optional: Iterable[str],
    extra: re.Pattern[str] | None = None, max_rows: int | None = None,
) -> Table:  # fmt: skip
    """The file's rows, or FileRefused. `required` columns must all be there, `optional` ones
    may; a column matching `extra` (e.g. meaning_hr) is taken too; any other is refused. At most
    `max_rows` rows (MAX_ROWS when not given)."""
    limit = min(max_rows or MAX_ROWS, MAX_ROWS)
    if not data.strip():
        raise FileRefused(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise FileRefused(_("The file is larger than %(kb)d KB.") % {"kb": MAX_BYTES // 1024})
    is_xlsx = data.startswith(XLSX_MAGIC)
    if filename.lower().endswith((".xlsx", ".xlsm")) and not is_xlsx:
        raise FileRefused(_("The file is not a readable Excel (.xlsx) file."))
    lines = _xlsx_lines(data) if is_xlsx else _csv_lines(data)
    header_index = next(
        (i for i, cells in enumerate(lines) if any(_text(c).strip() for c in cells)), None
    )
    if header_index is None:
        raise FileRefused(_("The file is empty."))
    header = _header(lines[header_index], required=required, optional=optional, extra=extra)
    rows: list[Row] = []
    for index in range(header_index + 1, len(lines)):
        values = [_text(value) for value in lines[index]]
        if not any(value.strip() for value in values):
            continue
        row = Row(line=index + 1, cells={})
        for position, column in enumerate(header):
            _cell(row, column, values[position] if position < len(values) else "")
        if len(values) > len(header) and any(v.strip() for v in values[len(header) :]):
            row.errors.setdefault("", []).append(_("The row has more cells than the header."))
        rows.append(row)
    if len(rows) > limit or len(lines) > MAX_ROWS + header_index + 1:
        raise FileRefused(_("The file has more than %(max)d rows: split it.") % {"max": limit})
    if not rows:
        raise FileRefused(_("The file has a header but no rows."))
    return Table(columns=header, rows=rows)
