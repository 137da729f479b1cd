"""The webhook tasks: thin, each calls the services in webhooks.services."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.db import OperationalError

from webhooks.services import (
    lease,
    webhook_deliveries_stalled,
    webhook_delivery_attempt,
)

log = logging.getLogger(__name__)


@shared_task(
    bind=True,
    # Bounds the automatic retries when the database is away; failed POSTs are retried below,
    # counted on the row against settings.WEBHOOK_MAX_RETRIES as it is when the task runs.
    max_retries=settings.WEBHOOK_MAX_RETRIES,
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=30,
    retry_jitter=True,
)
def deliver_webhook(self, delivery_id: int) -> str:
    """POST one webhook delivery; retried with backoff until it succeeds or runs out of tries.

    Run eagerly (no worker: inside the request that caused the event) it makes one attempt and
    never retries: an eager retry would run at once, or be lost, and hold the request. The row
    keeps its next attempt's time for `manage.py send_webhooks`."""
    attempt = webhook_delivery_attempt(delivery_id=delivery_id)
    if attempt.succeeded:
        return "succeeded"
    eager = bool(self.request.is_eager)
    if attempt.busy:
        if eager:
            return "busy"
        # Another worker is sending it now, or died while sending: look again after its lease.
        # Bounded: the lease runs out, and then the claim is ours or the row is done.
        raise self.retry(countdown=lease().total_seconds(), max_retries=None)
    if not attempt.sent:
        return "skipped"
    if attempt.final:
        return "failed"
    if eager:
        return "pending"
    raise self.retry(countdown=attempt.next_in, max_retries=None)


@shared_task
def requeue_stalled_webhooks() -> int:
    """Periodic: queue a delivery task again for every stalled delivery. A duplicate of a task
    that is merely late does no harm: the claim lets only one of them send."""
    stalled = webhook_deliveries_stalled()
    for delivery_id in stalled:
        deliver_webhook.delay(delivery_id)
    if stalled:
        log.warning("webhooks: %d stalled deliveries queued again", len(stalled))
    return len(stalled)
