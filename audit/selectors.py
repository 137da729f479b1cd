"""Reads of the audit trail: a proposal's events, and the walk that verifies the chain."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

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
