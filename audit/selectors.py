"""Reads of the audit trail: a proposal's events, and the walk that verifies the chain."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from pathlib import Path

from django.db.models import QuerySet

from audit.checkpoints import Checkpoint, checkpoints_read
from audit.keys import key_for
from audit.models import AuditChainHead, Event
from audit.services import event_hash


def events_of_proposal(*, proposal_id: int) -> QuerySet[Event]:
    """A proposal's events in order, with their actors (the event_proposal_seq index)."""
    return Event.objects.filter(proposal_id=proposal_id).select_related("actor").order_by("seq")


@dataclass
class ChainReport:
    checked: int
    broken_at: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify_chain(*, batch_size: int = 2000, checkpoint_folder: Path | None = None) -> ChainReport:
    """Walk the chain in order and report the first event whose link or content does not
    match, then hold the chain against its head row and its signed checkpoints.

    - every event links to the one before and carries the hash of its own content: the
      HMAC with the key its key id names (a rewritten event cannot be re-signed without the
      key, which is not in the database), or plain SHA-256 for the events recorded before
      the chain was keyed;
    - once keyed, always keyed: an unkeyed event after a keyed one is a forgery;
    - unkeyed events must lie under a checkpoint (signed with a key) that vouches for them;
    - the head row names the last event and its hash;
    - every checkpoint is signed, and the event at its sequence number has its hash (else the
      chain was rewritten, or its newest events deleted)."""
    prev_hash = ""
    expected_seq = 1
    checked = 0
    last_unkeyed = 0
    keyed_from: int | None = None
    checkpoints = checkpoints_read(folder=checkpoint_folder)
    wanted = {c.seq: c for c in checkpoints}
    for event in Event.objects.order_by("seq").iterator(chunk_size=batch_size):
        if event.seq != expected_seq:
            return ChainReport(checked, event.seq, f"sequence gap: expected #{expected_seq}")
        if event.prev_hash != prev_hash:
            return ChainReport(checked, event.seq, "link to the previous event does not match")
        if event.key_id:
            key = key_for(event.key_id)
            if key is None:
                return ChainReport(
                    checked, event.seq, f"no key {event.key_id!r} is configured to verify it"
                )
            keyed_from = keyed_from or event.seq
            if not hmac.compare_digest(event_hash(event, key), event.hash):
                return ChainReport(checked, event.seq, "content does not match its signature")
        else:
            if keyed_from is not None:
                return ChainReport(
                    checked, event.seq, f"an unkeyed event after keyed ones (from #{keyed_from})"
                )
            last_unkeyed = event.seq
            if event_hash(event) != event.hash:
                return ChainReport(checked, event.seq, "content does not match its hash")
        checkpoint = wanted.get(event.seq)
        if checkpoint is not None and checkpoint.hash != event.hash:
            return ChainReport(
                checked, event.seq, "does not match the signed checkpoint: the chain was rewritten"
            )
        prev_hash = event.hash
        expected_seq += 1
        checked += 1
    return _check_ends(checked, prev_hash, last_unkeyed, checkpoints)


def _check_ends(
    checked: int, last_hash: str, last_unkeyed: int, checkpoints: list[Checkpoint]
) -> ChainReport:
    head = AuditChainHead.objects.filter(pk=1).first()
    if head and (head.last_seq != checked or head.last_hash != last_hash):
        return ChainReport(
            checked, checked + 1, f"the head says #{head.last_seq} is the last event"
        )
    for checkpoint in checkpoints:
        if not checkpoint.signed():
            return ChainReport(
                checked, max(checkpoint.seq, 0), "a checkpoint's signature does not match"
            )
        if checkpoint.seq > checked:
            return ChainReport(
                checked,
                checked + 1,
                f"a signed checkpoint vouches for #{checkpoint.seq}: the newest events were "
                "deleted",
            )
    if last_unkeyed and not any(c.seq >= last_unkeyed for c in checkpoints):
        return ChainReport(
            checked,
            last_unkeyed,
            "events recorded before the chain was keyed are not vouched for by a checkpoint: "
            "run manage.py audit_checkpoint once",
        )
    return ChainReport(checked)
