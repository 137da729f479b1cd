"""Usage from a CSV export of a SaaS admin console, uploaded in the browser: read the file (a few
common header spellings, `;` or `,`, UTF-8 with or without BOM), check each row through the
usage service without writing (the preview), then apply the same file (confirm).

Between preview and confirm the file travels in the form, signed (django.core.signing), so the
confirmation applies exactly the file that was previewed; it is checked again when applied
(the data may have changed in between)."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core import signing
from django.utils.translation import gettext as _

from core.actors import Actor
from landscape.models import Tool
from landscape.usage import INVALID, UsageItemResult, usage_ingest

SIGNING_SALT = "landscape.usage-import"
# A preview is confirmed within this time, or uploaded again.
SIGNATURE_MAX_AGE = 3600
MAX_BYTES = 1024 * 1024

# Normalised header (lower case, spaces and dashes as _) → our field.
HEADERS = {
    "tool": "tool",
    "tool_id": "tool",
    "tool_name": "tool",
    "app": "tool",
    "application": "tool",
    "app_name": "tool",
    "product": "tool",
    "month": "month",
    "period": "month",
    "reporting_month": "month",
    "date": "month",
    "active_users": "active_users",
    "active": "active_users",
    "active_user_count": "active_users",
    "monthly_active_users": "active_users",
    "mau": "active_users",
    "users_active": "active_users",
    "licensed_seats": "licensed_seats",
    "seats": "licensed_seats",
    "licenses": "licensed_seats",
    "licences": "licensed_seats",
    "licensed_users": "licensed_seats",
    "assigned_licenses": "licensed_seats",
    "source": "source",
}
DATE_RE = re.compile(r"^(\d{4}-\d{2})-\d{2}$")


class CsvRefused(Exception):
    """The file as a whole cannot be read: nothing of it is checked or applied."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class CsvRow:
    line: int
    cells: dict[str, str]
    result: UsageItemResult | None = None
    tool_name: str = ""


@dataclass
class CsvImport:
    filename: str
    sha256: str
    rows: list[CsvRow]
    signed: str = ""
    applied: bool = False
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def valid(self) -> int:
        return sum(1 for row in self.rows if row.result and row.result.status != INVALID)


def _decode(data: bytes) -> str:
    if not data.strip():
        raise CsvRefused(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise CsvRefused(_("The file is larger than %(kb)d KB.") % {"kb": MAX_BYTES // 1024})
    if b"\x00" in data:
        raise CsvRefused(_("The file contains NUL bytes: it is not a text CSV file."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CsvRefused(
            _("The file is not UTF-8 text: export it as “CSV UTF-8” and upload it again.")
        ) from None


def _columns(header: list[str], *, default_tool: Tool | None) -> dict[int, str]:
    """Column position → field, from the header's spellings; CsvRefused when one is missing."""
    columns: dict[int, str] = {}
    for position, cell in enumerate(header):
        target = HEADERS.get(_normalise(cell))
        if target is not None and target not in columns.values():
            columns[position] = target
    required = ["month", "active_users"] + ([] if default_tool else ["tool"])
    missing = [name for name in required if name not in columns.values()]
    if missing:
        raise CsvRefused(
            _("Missing columns: %(missing)s. The first line must name the columns, e.g. %(e)s.")
            % {"missing": ", ".join(missing), "e": "tool;month;active_users;licensed_seats"}
        )
    return columns


def csv_items(data: bytes, *, default_tool: Tool | None = None) -> list[CsvRow]:
    """The file's rows as usage items (text cells), or CsvRefused naming what is wrong."""
    text = _decode(data)
    if not text.strip():
        raise CsvRefused(_("The file is empty."))
    first_line = text.strip().splitlines()[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        lines = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise CsvRefused(
            _("The file is not a readable CSV: %(error)s") % {"error": error}
        ) from None
    header_index = next((i for i, cells in enumerate(lines) if any(c.strip() for c in cells)), 0)
    columns = _columns(lines[header_index], default_tool=default_tool)
    rows: list[CsvRow] = []
    for index in range(header_index + 1, len(lines)):
        cells = lines[index]
        if not any(cell.strip() for cell in cells):
            continue
        item = {
            field_name: cells[pos].strip()
            for pos, field_name in columns.items()
            if pos < len(cells)
        }
        if default_tool is not None and not item.get("tool"):
            item["tool"] = str(default_tool.pk)
        if match := DATE_RE.match(item.get("month", "")):
            item["month"] = match.group(1)  # a date: its month
        rows.append(CsvRow(line=index + 1, cells=item))
    if not rows:
        raise CsvRefused(_("The file has a header but no rows."))
    if len(rows) > settings.USAGE_BATCH_MAX:
        raise CsvRefused(
            _("The file has %(n)d rows; at most %(max)d per upload: split it.")
            % {"n": len(rows), "max": settings.USAGE_BATCH_MAX}
        )
    return rows


def _normalise(header: str) -> str:
    return re.sub(r"[\s\-]+", "_", header.strip().lower())


def usage_csv_check(
    *,
    actor: Actor,
    data: bytes,
    filename: str,
    default_tool: Tool | None = None,
    apply: bool = False,
    today: dt.date | None = None,
) -> CsvImport:
    """Check (apply=False: nothing is written) or apply a CSV file; CsvRefused for a file that
    cannot be read at all. The report has one row per line of data, with its result."""
    rows = csv_items(data, default_tool=default_tool)
    sha = hashlib.sha256(data).hexdigest()
    report = usage_ingest(
        actor=actor,
        items=[row.cells for row in rows],
        default_source="csv",
        dry_run=not apply,
        via="csv",
        today=today,
        item_label=lambda index: _("line %(line)d") % {"line": rows[index].line},
        event_extra={"file": filename[:200], "sha256": sha, "rows": len(rows)},
    )
    names = dict(
        Tool.objects.filter(pk__in={r.tool for r in report.items if r.tool}).values_list(
            "pk", "solution__name"
        )
    )
    for row, result in zip(rows, report.items, strict=True):
        row.result = result
        row.tool_name = names.get(result.tool, row.cells.get("tool", "")) if result.tool else ""
    outcome = CsvImport(filename=filename, sha256=sha, rows=rows, applied=apply)
    outcome.counts = report.counts
    if not apply:
        outcome.signed = usage_csv_sign(data, filename=filename, default_tool=default_tool)
    return outcome


def usage_csv_sign(data: bytes, *, filename: str, default_tool: Tool | None) -> str:
    return signing.dumps(
        {
            "csv": base64.b64encode(data).decode("ascii"),
            "name": filename[:200],
            "tool": default_tool.pk if default_tool else None,
        },
        salt=SIGNING_SALT,
        compress=True,
    )


def usage_csv_unsign(signed: str) -> tuple[bytes, str, int | None]:
    """The previewed file back from the confirmation form; CsvRefused if it was altered or is
    older than SIGNATURE_MAX_AGE."""
    try:
        payload: dict[str, Any] = signing.loads(
            signed, salt=SIGNING_SALT, max_age=SIGNATURE_MAX_AGE
        )
        return base64.b64decode(payload["csv"]), str(payload["name"]), payload["tool"]
    except signing.SignatureExpired:
        raise CsvRefused(_("The preview is too old: upload the file again.")) from None
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise CsvRefused(_("The preview could not be read: upload the file again.")) from None
