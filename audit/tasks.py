"""The audit trail's periodic task: a signed checkpoint of the chain, outside the database."""

from __future__ import annotations

from celery import shared_task

from audit.checkpoints import checkpoint_write


@shared_task
def audit_checkpoint() -> int | None:
    """Every AUDIT_CHECKPOINT_MINUTES (CELERY_BEAT_SCHEDULE): returns the sequence number
    signed, or None when the chain did not move."""
    checkpoint = checkpoint_write()
    return checkpoint.seq if checkpoint else None
