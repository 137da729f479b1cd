"""An import: the file read, every row put through its service, and then either everything
kept (confirmed, and no row has an error) or everything rolled back (a preview, or any row
with an error). All or nothing: a file is imported whole or not at all, so a corrected file
can simply be imported again (rows already in are then unchanged).

Between preview and confirm the file travels in the form, signed (django.core.signing): the
confirmation imports exactly the file that was previewed, checked again (the data may have
changed in between)."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.core import signing
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import record_event
from core.errors import DomainError, NotAllowed
from imports.kinds import CREATED, INVALID, KINDS, STATUSES, UNCHANGED, UPDATED, Kind, RowResult
from imports.models import ImportRun
from imports.reading import FileRefused, read_table

SIGNING_SALT = "imports.preview"
# A preview is confirmed within this time, or uploaded again.
SIGNATURE_MAX_AGE = 3600


class ImportRefused(DomainError):
    """The file cannot be imported at all (unreadable, wrong columns, too large)."""


@dataclass
class ImportOutcome:
    kind: Kind
    filename: str
    sha256: str
    rows: list[RowResult]
    applied: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    signed: str = ""
    run: ImportRun | None = None

    @property
    def has_errors(self) -> bool:
        return self.counts.get(INVALID, 0) > 0


def kind_for(name: str) -> Kind | None:
    return KINDS.get(name)


def import_check(
    *, kind: Kind, actor: Any, data: bytes, filename: str, apply: bool = False
) -> ImportOutcome:
    """Preview (apply=False: nothing kept) or import a file. NotAllowed when `actor` may not
    import this kind; ImportRefused when the file cannot be read. With `apply`, the rows are
    kept only when none has an error (otherwise the outcome says applied=False)."""
    if not kind.may_import(actor):
        raise NotAllowed(str(kind.refusal))
    filename = storable_name(filename)
    try:
        table = read_table(
            data, filename=filename, required=kind.required, optional=kind.optional,
            extra=kind.extra, max_rows=kind.max_rows,
        )  # fmt: skip
    except FileRefused as error:
        raise ImportRefused(error.message, field="file") from None
    sha = hashlib.sha256(data).hexdigest()
    outcome = ImportOutcome(kind=kind, filename=filename, sha256=sha, rows=[])
    with transaction.atomic():
        outcome.rows = kind.run(table.rows, actor=actor)
        outcome.counts = dict.fromkeys(STATUSES, 0)
        for row in outcome.rows:
            outcome.counts[row.status] += 1
        if apply and not outcome.has_errors:
            outcome.applied = True
            outcome.run = ImportRun.objects.create(
                kind=kind.name,
                filename=filename,
                sha256=sha,
                imported_by=actor if actor.is_authenticated else None,
                rows=len(outcome.rows),
                created=outcome.counts[CREATED],
                updated=outcome.counts[UPDATED],
                unchanged=outcome.counts[UNCHANGED],
            )
            record_event(
                kind="import.applied",
                actor=actor,
                payload={
                    "what": kind.name,
                    "file": filename,
                    "sha256": sha,
                    "rows": len(outcome.rows),
                    "counts": {s: outcome.counts[s] for s in (CREATED, UPDATED, UNCHANGED)},
                },
            )
        else:
            # The same code as the import, with nothing kept (events and queued effects too).
            transaction.set_rollback(True)
    if not apply and not outcome.has_errors:
        outcome.signed = import_sign(data, kind=kind.name, filename=filename)
    return outcome


def storable_name(filename: str) -> str:
    """The file's name as we keep it: printable characters (no NUL, no lone surrogate), at most
    200 of them."""
    name = filename.encode("utf-8", "replace").decode("utf-8")
    return "".join(ch for ch in name if ch.isprintable())[:200] or "file"


def import_sign(data: bytes, *, kind: str, filename: str) -> str:
    return signing.dumps(
        {"file": base64.b64encode(data).decode("ascii"), "name": filename[:200], "kind": kind},
        salt=SIGNING_SALT,
        compress=True,
    )


def import_unsign(signed: str, *, kind: str) -> tuple[bytes, str]:
    """The previewed file back from the confirmation form; ImportRefused if it was altered, is
    older than SIGNATURE_MAX_AGE, or was previewed for another kind of import."""
    try:
        payload: dict[str, Any] = signing.loads(
            signed, salt=SIGNING_SALT, max_age=SIGNATURE_MAX_AGE
        )
        if payload["kind"] != kind:
            raise ValueError
        return base64.b64decode(payload["file"]), str(payload["name"])
    except signing.SignatureExpired:
        raise ImportRefused(_("The preview is too old: upload the file again.")) from None
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise ImportRefused(_("The preview could not be read: upload the file again.")) from None
