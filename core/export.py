"""Lists exported as CSV or Excel, streamed: rows are read from the database in chunks
(`QuerySet.iterator`) and written out as they come, so that a million rows never sit in memory.

A feature app names its columns (a translated header and how to read the value from a row of
`values()`), hands over the rows, and gets a response:

- CSV: a StreamingHttpResponse, UTF-8 with a byte-order mark (Excel then reads the accents
  right), RFC 4180 quoting, the first bytes on their way while the query still runs;
- Excel: XlsxWriter in constant-memory mode, each row flushed to a temporary file as it is
  written (strings inline: no table of every string in memory), then zipped into another
  temporary file that a FileResponse sends in blocks.

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

import xlsxwriter  # type: ignore[import-untyped]
from django.http import FileResponse, HttpResponseBase, StreamingHttpResponse
from django.utils import timezone

FORMATS = ("csv", "xlsx")
# Rows fetched per round trip: small enough to keep memory flat, large enough that a million
# rows cost a few hundred fetches (on PostgreSQL a server-side cursor, unless behind PgBouncer).
CHUNK_SIZE = 2000
BOM = "\ufeff"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel's own limits: longer text is cut, a longer sheet name refused, a sheet holds so many
# rows; and the control characters it refuses (tab, line feed and carriage return it keeps).
XLSX_CELL_MAX = 32_767
XLSX_ROWS = 1_048_576
XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
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


def _xlsx_text(value: str) -> str:
    """Excel refuses control characters and cuts text at 32,767 characters."""
    return XLSX_ILLEGAL.sub("", value)[:XLSX_CELL_MAX]


def _xlsx_row(worksheet: Any, row: int, values: Sequence[Cell], formats: dict[str, Any]) -> None:
    """One row, each cell written with its type: text is never read as a formula, a number
    or a link; times keep their local time (Excel has no time zones)."""
    for column, value in enumerate(values):
        if value is None or value == "":
            continue  # a blank cell
        if isinstance(value, str):
            worksheet.write_string(row, column, _xlsx_text(value))
        elif isinstance(value, dt.datetime):
            worksheet.write_datetime(row, column, value.replace(tzinfo=None), formats["time"])
        elif isinstance(value, dt.date):
            worksheet.write_datetime(row, column, value, formats["day"])
        else:
            worksheet.write_number(row, column, float(value))


def xlsx_file(
    *, columns: Sequence[Column], rows: Iterable[dict[str, Any]], sheet: str
) -> IO[bytes]:
    """The workbook in a temporary file (deleted when closed), positioned at its start. Past
    Excel's 1,048,576 rows a sheet, the rows go on in another sheet, under the same headers."""
    output = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 (the response closes it)
    # Every cell is written with its type (_xlsx_row); no string is ever read as a formula or link.
    workbook = xlsxwriter.Workbook(
        output, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    formats = {
        "time": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
        "day": workbook.add_format({"num_format": "yyyy-mm-dd"}),
    }
    headers = [_xlsx_text(neutralised(c.header)) for c in columns]
    name = SHEET_NAME_UNSAFE.sub(" ", sheet)[: SHEET_NAME_MAX - 5].strip() or "Export"
    worksheet, sheets, row = None, 0, XLSX_ROWS
    for data in rows:
        if row == XLSX_ROWS:
            sheets += 1
            worksheet = workbook.add_worksheet(name if sheets == 1 else f"{name} ({sheets})")
            worksheet.freeze_panes(1, 0)
            _xlsx_row(worksheet, 0, headers, formats)
            row = 1
        _xlsx_row(worksheet, row, [_plain(c.value(data)) for c in columns], formats)
        row += 1
    if worksheet is None:  # no row: the headers alone
        _xlsx_row(workbook.add_worksheet(name), 0, headers, formats)
    workbook.close()
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
