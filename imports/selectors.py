from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from imports.kinds import KINDS, Kind
from imports.models import ImportRun

RECENT = 10


def kinds_for(user: Any) -> list[Kind]:
    """The imports `user` may run, in the page's order."""
    return [kind for kind in KINDS.values() if kind.may_import(user)]


def recent_imports(*, kind: str) -> QuerySet[ImportRun]:
    """The latest imports of a kind, with who imported (importrun_kind_time serves it)."""
    return ImportRun.objects.filter(kind=kind).select_related("imported_by")[:RECENT]
