"""The hash-chained audit trail. Every state change writes one Event in the same transaction."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from decisions.models import AuditChainHead, Event, Proposal


def _canonical(payload: dict[str, Any]) -> dict[str, Any]:
    # Stored exactly as it is hashed: Decimals, dates and ids become strings once, here.
    return json.loads(json.dumps(payload, sort_keys=True, default=str))


def event_hash(event: Event) -> str:
    body = json.dumps(
        {
            "seq": event.seq,
            "prev": event.prev_hash,
            "kind": event.kind,
            "proposal": event.proposal_id,
            "actor": event.actor_id,
            "at": event.created_at.isoformat(),
            "payload": event.payload,
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode()).hexdigest()


def record_event(
    *, kind: str, actor=None, proposal: Proposal | None = None, payload: dict | None = None
) -> Event:
    """Append an event to the chain. Must run inside the transaction of the change it records."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_event must run inside the transaction of the change it records")
    # The head row serialises writers: each event's prev_hash is the one committed before it.
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    event = Event(
        seq=head.last_seq + 1,
        kind=kind,
        proposal=proposal,
        actor=actor,
        created_at=timezone.now(),
        payload=_canonical(payload or {}),
        prev_hash=head.last_hash,
    )
    event.hash = event_hash(event)
    event.save()
    AuditChainHead.objects.filter(pk=1).update(last_seq=event.seq, last_hash=event.hash)
    # Every recorded change makes cached read models (the dashboard) stale.
    transaction.on_commit(bump_data_version)
    return event


DATA_VERSION_KEY = "decisions:data-version"


def data_version() -> int:
    """A number that changes after every committed change; part of read-model cache keys."""
    version = cache.get(DATA_VERSION_KEY)
    if version is None:
        version = int(time.time() * 1000)
        cache.add(DATA_VERSION_KEY, version, timeout=None)
        version = cache.get(DATA_VERSION_KEY, version)
    return version


def bump_data_version() -> None:
    try:
        cache.incr(DATA_VERSION_KEY)
    except ValueError:  # not set yet (or evicted): start a new, higher series
        cache.set(DATA_VERSION_KEY, int(time.time() * 1000), timeout=None)


@dataclass
class ChainReport:
    checked: int
    broken_at: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify_chain(*, batch_size: int = 2000) -> ChainReport:
    """Walk the chain in order and report the first event whose link or content does not match."""
    prev_hash = ""
    expected_seq = 1
    checked = 0
    for event in Event.objects.order_by("seq").iterator(chunk_size=batch_size):
        if event.seq != expected_seq:
            return ChainReport(checked, event.seq, f"sequence gap: expected #{expected_seq}")
        if event.prev_hash != prev_hash:
            return ChainReport(checked, event.seq, "link to the previous event does not match")
        if event_hash(event) != event.hash:
            return ChainReport(checked, event.seq, "content does not match its hash")
        prev_hash = event.hash
        expected_seq += 1
        checked += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head and head.last_seq != checked:
        return ChainReport(
            checked, checked + 1, f"the head says #{head.last_seq} is the last event"
        )
    return ChainReport(checked)
