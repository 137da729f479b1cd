"""Writes of the audit trail: one event appended to the chain, in the transaction of the change
it records."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit.keys import current_key
from audit.models import AuditChainHead, Event
from core.dataversion import data_changed


def _canonical(payload: dict[str, Any]) -> dict[str, Any]:
    # Stored exactly as it is hashed: Decimals, dates and ids become strings once, here.
    result: dict[str, Any] = json.loads(json.dumps(payload, sort_keys=True, default=str))
    return result


def event_hash(event: Event, key: bytes | None = None) -> str:
    """The event's hash: HMAC-SHA256 with `key` of every field but the hash itself, the key's id
    included; for an event recorded before the chain was keyed (no key_id), plain SHA-256 of
    the fields it had then."""
    fields = {
        "seq": event.seq,
        "prev": event.prev_hash,
        "kind": event.kind,
        "proposal": event.proposal_id,
        "actor": event.actor_id,
        "at": event.created_at.isoformat(),
        "payload": event.payload,
    }
    if event.key_id:
        fields["key"] = event.key_id
    body = json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()
    if not event.key_id:
        return hashlib.sha256(body).hexdigest()
    if not key:
        raise ValueError(f"no key for the audit chain's key id {event.key_id!r}")
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def record_event(
    *,
    kind: str,
    actor: Any = None,
    proposal_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> Event:
    """Append an event to the chain. Must run inside the transaction of the change it records."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_event must run inside the transaction of the change it records")
    if actor is not None and not actor.is_authenticated:
        actor = None
    # The head row serialises writers: each event's prev_hash is the one committed before it.
    head, _created = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    key_id, key = current_key()
    event = Event(
        seq=head.last_seq + 1,
        kind=kind,
        proposal_id=proposal_id,
        actor=actor,
        created_at=timezone.now(),
        payload=_canonical(payload or {}),
        prev_hash=head.last_hash,
        key_id=key_id,
    )
    event.hash = event_hash(event, key)
    event.save()
    AuditChainHead.objects.filter(pk=1).update(last_seq=event.seq, last_hash=event.hash)
    # Every recorded change makes cached read models (the dashboard) stale.
    data_changed()
    return event
