"""Lists exported as CSV or Excel, streamed: rows are read from the database in chunks
(`QuerySet.iterator`) and written out as they come, so that a million rows never sit in memory.

A feature app names its columns (a translated header and how to read the value from a row of
`values()`), hands over the rows, and gets a response:

- CSV: a StreamingHttpResponse, UTF-8 with a byte-order mark (Excel then reads the accents
  right), RFC 4180 quoting, the first bytes on their way while the query still runs;
- Excel: openpyxl's write-only workbook, whose sheet goes row by row into a temporary file (with
  inline strings: no table of every string in memory), then zipped into another temporary file
  that a FileResponse sends in blocks.

Values are data, not formatted text: dates and times in ISO 8601 (local time, as the pages
show them), amounts as plain decimals beside a currency column. Text that a spreadsheet would
read as a formula (starting with = + - @, a tab or a carriage return) gets a leading quote
(OWASP's advice against CSV injection), in both formats."""

from __future__ import annotations

import csv
import datetime as dt
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from django.http import FileResponse, HttpResponseBase, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMATS = ("csv", "xlsx")
# Rows fetched per round trip: small enough to keep memory flat, large enough that a million
# rows cost a few hundred fetches (on PostgreSQL a server-side cursor, unless behind PgBouncer).
CHUNK_SIZE = 2000
BOM = "\ufeff"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel's own limits: longer text is cut, a longer sheet name refused.
XLSX_CELL_MAX = 32_767
SHEET_NAME_MAX = 31
SHEET_NAME_UNSAFE = re.compile(r"[\[\]:*?/\\]")

Cell = str | int | Decimal | dt.date | dt.datetime | None


@dataclass(frozen=True)
class Column:
    """One column: its header (already in the reader's language: rows are written after the
    view returns, when the request's language may no longer be active) and how to read its
    value from a row."""

    header: str
    value: Callable[[dict[str, Any]], Any]


def field(name: str) -> Callable[[dict[str, Any]], Any]:
    """A column that is one key of the row (a name given to `values()`)."""
    return lambda row: row[name]


def choice(name: str, labels: dict[str, str]) -> Callable[[dict[str, Any]], Any]:
    """A column of a choice field, read as its label (`labels`, evaluated in the view)."""
    return lambda row: labels.get(row[name], row[name])


def neutralised(text: str) -> str:
    """`text` that no spreadsheet reads as a formula: a leading quote where it would."""
    return "'" + text if text.startswith(FORMULA_START) else text


def _plain(value: Any) -> Cell:
    """A value as a cell holds it: times in local time, to the second; text escaped."""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).replace(microsecond=0)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, Decimal, dt.date)) or value is None:
        return value
    return neutralised(str(value))


def _csv_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def export_filename(stem: str, fmt: str) -> str:
    """proposals-2026-12-05.csv: what it is and the day it was taken."""
    return f"{stem}-{timezone.localdate().isoformat()}.{fmt}"


class _Echo:
    """A file whose write gives back what was written: csv.writer then yields lines."""

    def write(self, value: str) -> str:
        return value


def csv_lines(columns: Sequence[Column], rows: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    writer = csv.writer(_Echo())
    yield (BOM + writer.writerow([neutralised(c.header) for c in columns])).encode()
    for row in rows:
        yield writer.writerow([_csv_text(_plain(c.value(row))) for c in columns]).encode()


def csv_response(
    *, columns: Sequence[Column], rows: Iterable[dict[str, Any]], filename: str
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        csv_lines(columns, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _xlsx_value(value: Cell) -> Cell:
    """Excel has no time zones (the local time is kept, its offset dropped), refuses control
    characters and cuts text at 32,767 characters."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)[:XLSX_CELL_MAX]
    return value


def xlsx_file(
    *, columns: Sequence[Column], rows: Iterable[dict[str, Any]], sheet: str
) -> IO[bytes]:
    """The workbook in a temporary file (deleted when closed), positioned at its start."""
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(SHEET_NAME_UNSAFE.sub(" ", sheet)[:SHEET_NAME_MAX])
    worksheet.freeze_panes = "A2"
    worksheet.append([_xlsx_value(neutralised(c.header)) for c in columns])
    for row in rows:
        worksheet.append([_xlsx_value(_plain(c.value(row))) for c in columns])
    output = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 (the response closes it)
    workbook.save(output)
    output.seek(0)
    return output


def xlsx_response(
    *, columns: Sequence[Column], rows: Iterable[dict[str, Any]], filename: str, sheet: str
) -> FileResponse:
    output = xlsx_file(columns=columns, rows=rows, sheet=sheet)
    return FileResponse(output, as_attachment=True, filename=filename, content_type=XLSX_TYPE)


def export_response(
    *,
    fmt: str,
    columns: Sequence[Column],
    rows: Iterable[dict[str, Any]],
    stem: str,
    sheet: str,
) -> HttpResponseBase:
    """The rows as `fmt` (one of FORMATS), an attachment named after `stem` and today."""
    filename = export_filename(stem, fmt)
    if fmt == "xlsx":
        return xlsx_response(columns=columns, rows=rows, filename=filename, sheet=sheet)
    return csv_response(columns=columns, rows=rows, filename=filename)


class ExportFormatConverter:
    """The URL's format: `export.<export:fmt>` matches export.csv and export.xlsx only."""

    regex = "|".join(FORMATS)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
