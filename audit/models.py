"""The audit trail: append-only events, each carrying the hash of the one before it, and the one
head row that serialises writers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# How each kind of event reads on a timeline; the apps that record events register theirs
# (register_event_labels, from their AppConfig.ready()). An unregistered kind reads as itself.
EVENT_LABELS: dict[str, str | Promise] = {}


def register_event_labels(labels: Mapping[str, str | Promise]) -> None:
    EVENT_LABELS.update(labels)


class AppendOnlyError(Exception):
    pass


class EventQuerySet(models.QuerySet["Event"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Events are append-only.")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("Events are append-only.")


class AuditChainHead(models.Model):
    """One row: the last event's sequence number and hash. Writers lock it, so the chain is
    linear even with concurrent transactions."""

    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="")

    class Meta:
        # The table it was created with, in the decisions app (docs/adr/0001).
        db_table = "decisions_auditchainhead"

    def __str__(self) -> str:
        return f"#{self.last_seq} {self.last_hash[:12]}"


class Event(models.Model):
    """One recorded change: who, when, what (kind and payload), about which proposal if any."""

    seq = models.PositiveBigIntegerField(unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=40)
    # The proposal the event is about, by id: a plain column rather than a foreign key, so
    # that the trail depends on no feature app (and outlives whatever it records).
    proposal_id = models.BigIntegerField(_("proposal"), null=True, blank=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(editable=False)
    payload = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)
    # The id of the key (settings.AUDIT_HMAC_KEYS) whose HMAC-SHA256 `hash` is; empty for the
    # events recorded before the chain was keyed, hashed with plain SHA-256.
    key_id = models.CharField(max_length=20, blank=True, default="", editable=False)

    objects = EventQuerySet.as_manager()

    class Meta:
        db_table = "decisions_event"  # where it was created (docs/adr/0001)
        ordering = ["seq"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        # A proposal's timeline: WHERE proposal_id = %s ORDER BY seq.
        indexes = [models.Index(fields=["proposal_id", "seq"], name="event_proposal_seq")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Events are append-only.")

    @property
    def label(self) -> str:
        return str(EVENT_LABELS.get(self.kind, self.kind))
