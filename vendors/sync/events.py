"""The catalog's per-record webhook events: `catalog.record_changed`, sent after a write to the
catalog commits (a push, its removals and tombstones, a pulled feed's pages, an admin's edit),
naming each record that changed and how. Large writes are split into several events of at most
RECORDS_PER_EVENT records each, numbered part/parts, so that no delivery grows with the sync."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_lazy as _

from vendors.sync.spec import CREATED, DELETED, UPDATED
from webhooks.services import webhook_events_queue

RECORD_CHANGED = "catalog.record_changed"
RECORD_CHANGED_LABEL = _("Catalog records changed")
RECORDS_PER_EVENT = 500
CHANGE_KINDS = (CREATED, UPDATED, DELETED)


def record_change(*, type_: str, id_: int, external_id: str, change: str) -> dict[str, Any]:
    return {"type": type_, "id": id_, "external_id": external_id, "change": change}


def sync_report_changes(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The records a sync report says changed: items created or updated (a tombstone put back
    is updated), then every tombstone (a full sync's or a removal's) as deleted."""
    changes = [
        record_change(
            type_=item["type"],
            id_=item["id"],
            external_id=item["external_id"],
            change=item["status"],
        )
        for item in body["items"]
        if item["status"] in (CREATED, UPDATED) and item["id"] is not None
    ]
    changes += [
        record_change(
            type_=gone["type"], id_=gone["id"], external_id=gone["external_id"], change=DELETED
        )
        for gone in body["tombstoned"]
    ]
    return changes


def catalog_records_changed_notify(
    *, source: str, changes: list[dict[str, Any]] | Callable[[], list[dict[str, Any]]]
) -> None:
    """Queue `catalog.record_changed` events for `changes` (record_change dicts, or a function
    returning them) of one source, sent once the caller's transaction commits: nothing when it
    rolls back. One query when nobody subscribes (`changes` is then not even called), two
    otherwise; none when nothing changed."""
    if isinstance(changes, list) and not changes:
        return

    def payloads() -> list[dict[str, Any]]:
        nonlocal changes
        if callable(changes):
            changes = changes()
        parts = math.ceil(len(changes) / RECORDS_PER_EVENT)
        return [
            {
                "source": source,
                "part": number + 1,
                "parts": parts,
                "changes": changes[number * RECORDS_PER_EVENT : (number + 1) * RECORDS_PER_EVENT],
            }
            for number in range(parts)
        ]

    webhook_events_queue(kind=RECORD_CHANGED, payloads=payloads)


def catalog_records_changed_by_source(changes: list[tuple[str, dict[str, Any]]]) -> None:
    """As catalog_records_changed_notify for (source, change) pairs of several sources (an
    admin action on a mixed selection): one set of events per source."""
    by_source: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for source, change in changes:
        by_source[source].append(change)
    for source, source_changes in by_source.items():
        catalog_records_changed_notify(source=source, changes=source_changes)
