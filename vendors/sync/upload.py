"""Reading a job's upload (POST /api/v1/catalog/jobs/): its envelope, checked as a push's top
level is, and its items, one at a time, so that a job of 200,000 items is never held in memory
as a whole more than once (a JSON document, parsed once) or at all (JSON lines, read line by
line from the request or the uploaded file).

JSON lines ("NDJSON"): the first line is the envelope, a push body's top level (source, mode,
confirm_*, removed; vendors and solutions may be listed there too); every other line is one
item, {"vendor": {...}} or {"solution": {...}}. Blank lines are skipped. A line that is not
JSON, or not one of these shapes, refuses the whole upload (400, naming the line): nothing is
stored, so nothing is half-read."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _

from core.text import strict_json_loads
from vendors.sync.request import SyncRequest, parse_sync_request
from vendors.sync.spec import SOLUTION, VENDOR, SyncRequestInvalid

# One line of JSON lines is one item (or the envelope): a line longer than this is refused.
MAX_LINE_BYTES = 1024 * 1024
LINE_KINDS = {"vendor": VENDOR, "solution": SOLUTION}


def max_items() -> int:
    return int(settings.CATALOG_SYNC_JOB_MAX_ITEMS)


def max_bytes() -> int:
    return int(settings.CATALOG_SYNC_JOB_MAX_BYTES)


def too_many(count: int | None = None) -> SyncRequestInvalid:
    limit = max_items()
    message = _("A job takes at most %(max)d items.") % {"max": limit}
    if count is not None:
        message = _("%(n)d items; a job takes at most %(max)d.") % {"n": count, "max": limit}
    return SyncRequestInvalid(
        message + " " + _("Send them as several jobs."),
        errors={"non_field_errors": [_("At most %(max)d items.") % {"max": limit}]},
        status=413,
    )


def too_large() -> SyncRequestInvalid:
    return SyncRequestInvalid(
        _("The request body is too large (the limit is %(limit)s bytes).") % {"limit": max_bytes()},
        errors={"non_field_errors": [_("At most %(max)d bytes.") % {"max": max_bytes()}]},
        status=413,
    )


@dataclass
class JobUpload:
    """An upload's envelope and its items, (type, raw item), in the order sent."""

    request: SyncRequest
    items: Iterator[tuple[str, Any]]
    # Bytes read so far (all of them once `items` is exhausted).
    received: list[int] = field(default_factory=lambda: [0])

    @property
    def bytes(self) -> int:
        return self.received[0]


def _envelope(data: Any) -> SyncRequest:
    request = parse_sync_request(
        data, max_items=max_items(), too_many_hint=_("Send them as several jobs.")
    )
    if request.sync_id is not None:
        raise SyncRequestInvalid(
            _("Invalid input in: sync_id."),
            errors={
                "sync_id": [_("Not for a job: a job in full mode is a whole full sync already.")]
            },
        )
    return request


def _listed(request: SyncRequest) -> Iterator[tuple[str, Any]]:
    for raw in request.vendors:
        yield VENDOR, raw
    for raw in request.solutions:
        yield SOLUTION, raw


def upload_from_json(data: Any, *, received: int) -> JobUpload:
    """A job sent as one JSON document, a push body (parsed already, once)."""
    request = _envelope(data)
    upload = JobUpload(request, _listed(request))
    upload.received[0] = received
    return upload


def upload_from_json_file(file: IO[bytes]) -> JobUpload:
    """A job sent as an uploaded file holding one JSON document."""
    raw = file.read(max_bytes() + 1)
    if len(raw) > max_bytes():
        raise too_large()
    try:
        data = strict_json_loads(raw)
    except ValueError as error:
        raise SyncRequestInvalid(
            _("The file is not a JSON document: %(error)s") % {"error": error},
            errors={"file": [str(error)]},
        ) from error
    return upload_from_json(data, received=len(raw))


def _line_problem(number: int, message: str) -> SyncRequestInvalid:
    return SyncRequestInvalid(
        _("Line %(n)d of the upload: %(problem)s") % {"n": number, "problem": message},
        errors={f"line {number}": [message]},
    )


def _lines(stream: IO[bytes], received: list[int]) -> Iterator[tuple[int, Any]]:
    """Each non-blank line's number and its JSON; the byte limit enforced as they are read."""
    limit = max_bytes()
    number = 0
    while True:
        line = stream.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        number += 1
        received[0] += len(line)
        if received[0] > limit:
            raise too_large()
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            raise _line_problem(
                number,
                _("longer than %(max)d bytes; one line is one item.") % {"max": MAX_LINE_BYTES},
            )
        if not line.strip():
            continue
        try:
            yield number, strict_json_loads(line)
        except ValueError as error:
            raise _line_problem(number, str(error)) from error


def upload_from_json_lines(stream: IO[bytes]) -> JobUpload:
    """A job sent as JSON lines (the request body, or an uploaded file): the envelope is read
    now, the items as the returned upload's `items` are iterated."""
    received = [0]
    lines = _lines(stream, received)
    first = next(lines, None)
    if first is None:
        raise SyncRequestInvalid(
            _("The upload is empty: its first line must be the envelope (source, mode, …)."),
            errors={"line 1": [_("Expected the envelope.")]},
        )
    number, data = first
    if not isinstance(data, dict):
        raise _line_problem(number, _("Expected the envelope, a JSON object."))
    request = _envelope(data)

    def items() -> Iterator[tuple[str, Any]]:
        yield from _listed(request)
        for number, data in lines:
            if not isinstance(data, dict) or len(data) != 1 or next(iter(data)) not in LINE_KINDS:
                raise _line_problem(
                    number, _('Expected {"vendor": {…}} or {"solution": {…}}: one item a line.')
                )
            ((kind, raw),) = data.items()
            yield LINE_KINDS[kind], raw

    return JobUpload(request, items(), received)
