"""Outgoing webhooks: events POSTed as signed JSON to the subscribers an administrator
registered. The apps that send events build their payloads and call webhook_event_queue.

An event becomes one WebhookDelivery row per interested subscription, written in the caller's
transaction, and one Celery task per row queued after commit: a rolled-back action sends nothing.
The task claims its row with a conditional UPDATE before it POSTs, so two workers never send the
same delivery at once and a delivery that succeeded is never sent again; it retries failures with
exponential backoff and jitter, and logs every attempt on the row. The row's `attempts` bounds the
retries (WEBHOOK_MAX_RETRIES after the first try), however many task chains took part.

Without a worker (no REDIS_URL: Celery runs tasks eagerly, inside the request) the first attempt
is made at once, but a failure is never retried there: the row records when its next attempt is
due and `manage.py send_webhooks` (run it from cron every minute or so) sends the due ones.

Receivers verify `X-Hrtech-Signature: sha256=<hex>`, the HMAC-SHA256 with the subscription's secret
of `<X-Hrtech-Timestamp>.<raw body>` (see the README's "Webhooks" section)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core import http
from core.errors import DomainError, InvalidTransition
from core.queue import enqueue_on_commit
from core.siteurl import site_url
from webhooks.chat import ChatCard, chat_message, chat_url_problem
from webhooks.models import (
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookPlatform,
    WebhookSubscription,
)
from webhooks.registry import PING, subscribable_kinds

log = logging.getLogger(__name__)

MAX_ERROR_CHARS = 1000


def webhook_sign(*, secret: str, timestamp: str, body: bytes) -> str:
    """The value of X-Hrtech-Signature: HMAC-SHA256 of `timestamp.body`, hex, with its scheme."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def _jsonable(payload: dict) -> dict:
    """Decimals, dates and UUIDs as strings, so the payload fits a JSONField and a JSON body."""
    return json.loads(json.dumps(payload, cls=DjangoJSONEncoder))


def _queue(deliveries: list[WebhookDelivery]) -> None:
    from webhooks.tasks import deliver_webhook  # the task calls this module's services

    for delivery in deliveries:
        enqueue_on_commit(deliver_webhook, delivery.pk)


def webhook_subscribers(kind: str) -> list[WebhookSubscription]:
    """The active subscriptions that want events of `kind` (a registered kind)."""
    if kind not in {known for known, _label in subscribable_kinds()}:
        raise DomainError(_("Unknown webhook event kind: %(kind)s.") % {"kind": kind})
    # Few subscriptions: filter their event lists here rather than with JSON lookups that
    # SQLite and PostgreSQL answer differently.
    # Chat channels get only the messages written for them (webhook_message_queue).
    active = WebhookSubscription.objects.filter(is_active=True, platform=WebhookPlatform.SIGNED)
    return [s for s in active if s.wants(kind)]


def webhook_event_queue(
    *, kind: str, payload: dict[str, Any] | Callable[[], dict[str, Any]]
) -> None:
    """Record an event for every active subscription that wants its kind and send them after
    the caller's transaction commits (at once when there is none: the rows are committed by
    then). Cheap when nobody subscribes: one query, and `payload`, when it is a function, is
    not even called; two queries otherwise, however many subscribe."""
    webhook_events_queue(kind=kind, payloads=lambda: [payload() if callable(payload) else payload])


def webhook_events_queue(*, kind: str, payloads: Callable[[], list[dict[str, Any]]]) -> None:
    """Several events of one kind at once (one per payload, each with its own event id), as
    webhook_event_queue: one query when nobody subscribes (`payloads` is then not called),
    two otherwise, however many events and subscriptions."""
    subscriptions = webhook_subscribers(kind)
    if not subscriptions:
        return
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(subscription=s, event_id=event_id, kind=kind, payload=data)
        for event_id, data in ((uuid.uuid4(), _jsonable(p)) for p in payloads())
        for s in subscriptions
    )
    _queue(deliveries)


def webhook_message_queue(
    *, subscription: WebhookSubscription, event_id: uuid.UUID, kind: str, message: dict[str, Any]
) -> WebhookDelivery | None:
    """Queue one message written for one chat channel (its body as the platform wants it),
    once: `event_id` names the event (derived from it, not random), so a notification task that
    runs twice finds the delivery it queued and queues nothing. Returns the new delivery, or
    None when the event was queued before."""
    with transaction.atomic():
        delivery, created = WebhookDelivery.objects.get_or_create(
            subscription=subscription,
            event_id=event_id,
            defaults={"kind": kind, "payload": _jsonable(message)},
        )
        if created:
            _queue([delivery])
    return delivery if created else None


def webhook_ping_payload(subscription: WebhookSubscription) -> dict[str, Any]:
    if not subscription.is_chat:
        return {"subscription": subscription.name, "message": "ping"}
    card = ChatCard(
        title=_("Test message from hrtech-gov"),
        text=_("This channel will receive the messages its department chose.")
        + f" ({subscription.name})",
        url=site_url() + "/",
        action=pgettext("button", "Open"),
    )
    return chat_message(subscription.platform, card)


@transaction.atomic
def webhook_ping(*, subscription: WebhookSubscription) -> WebhookDelivery:
    """Queue a test event to one subscription, active or not, to check its receiver (a chat
    channel gets a test message in its platform's format)."""
    delivery = WebhookDelivery.objects.create(
        subscription=subscription,
        event_id=uuid.uuid4(),
        kind=PING,
        payload=webhook_ping_payload(subscription),
    )
    _queue([delivery])
    return delivery


@transaction.atomic
def webhook_delivery_retry(*, delivery: WebhookDelivery) -> None:
    """Send a failed delivery again (the admin's "retry" action), with a fresh set of retries:
    the retries are counted on the row, so its attempts start again from zero."""
    reopened = WebhookDelivery.objects.filter(
        pk=delivery.pk, status=WebhookDeliveryStatus.FAILED
    ).update(
        status=WebhookDeliveryStatus.PENDING,
        locked_at=None,
        next_attempt_at=None,
        last_error="",
        attempts=0,
    )
    if not reopened:
        raise InvalidTransition(_("Only a failed delivery can be retried."))
    _queue([delivery])


def webhook_body(delivery: WebhookDelivery) -> bytes:
    """The JSON body of a delivery: the same bytes on every attempt. A chat channel's is the
    message itself (Block Kit, an Adaptive Card); a signed receiver's, the event's envelope."""
    if delivery.subscription.is_chat:
        return json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False).encode()
    envelope = {
        "id": str(delivery.event_id),
        "kind": delivery.kind,
        "created_at": delivery.created_at.isoformat(),
        "data": delivery.payload,
    }
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode()


def _post(url: str, *, body: bytes, headers: dict[str, str]) -> tuple[int | None, str]:
    """POST once and return (HTTP status or None, error text, empty on a 2xx). A redirect is a
    failed attempt: following it would turn the POST into a GET elsewhere."""
    try:
        answer = http.send(
            "POST",
            url,
            content=body,
            headers=headers,
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
            max_bytes=MAX_ERROR_CHARS,
        )
    except http.ResponseTooLarge:
        # Only the start of an answer is kept; a long one is as good as any for the status.
        return None, "The receiver's answer was too large."
    except http.TransportError as error:
        return None, str(error)[:MAX_ERROR_CHARS]
    if answer.ok:
        return answer.status, ""
    # Any answer but 2xx, 3xx included; keep the start of its body to help the receiver debug.
    detail = answer.body[:MAX_ERROR_CHARS].decode(errors="replace")
    text = f"HTTP {answer.status} {answer.reason}: {detail}".strip()
    return answer.status, text[:MAX_ERROR_CHARS]


@dataclass(frozen=True)
class Attempt:
    """What one run of the delivery task did."""

    sent: bool  # False: nothing to send (done, failed, gone) or another worker is sending it
    succeeded: bool = False
    busy: bool = False  # another worker holds the claim
    status_code: int | None = None
    error: str = ""
    final: bool = False  # the failure used up the delivery's retries: it is failed now
    next_in: float = 0  # seconds until its next attempt, when it failed and stays pending


def lease() -> timedelta:
    """How long a claim holds: longer than any POST, so only a worker that died loses it."""
    return timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS * 3 + 60)


def webhook_backoff(retries: int) -> float:
    """Seconds before retry number `retries + 1`: exponential, capped, with full jitter."""
    base = settings.WEBHOOK_RETRY_BACKOFF_SECONDS
    ceiling = min(settings.WEBHOOK_RETRY_BACKOFF_MAX_SECONDS, base * 2**retries)
    return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not a secret


def webhook_delivery_attempt(
    *, delivery_id: int, final: bool | None = None, next_in: float | None = None
) -> Attempt:
    """Send one delivery once, if nobody has or is. On failure the row becomes failed when this
    was its last allowed attempt (the row's attempts reached WEBHOOK_MAX_RETRIES, or `final`
    says so); otherwise it stays pending with its next attempt `next_in` seconds away (by
    default the backoff for its attempts so far)."""
    now = timezone.now()
    # The claim: only one worker turns a pending, unclaimed (or abandoned) row into its own.
    claimed = (
        WebhookDelivery.objects.filter(pk=delivery_id, status=WebhookDeliveryStatus.PENDING)
        .filter(Q(locked_at__isnull=True) | Q(locked_at__lt=now - lease()))
        .update(locked_at=now, next_attempt_at=None)
    )
    if not claimed:
        busy = WebhookDelivery.objects.filter(
            pk=delivery_id, status=WebhookDeliveryStatus.PENDING
        ).exists()
        return Attempt(sent=False, busy=busy)
    delivery = WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)
    subscription = delivery.subscription
    # Counted on the row, not per task chain: a chain started again by requeue_stalled_webhooks
    # or send_webhooks does not get a fresh set of retries.
    if final is None:
        final = delivery.attempts >= settings.WEBHOOK_MAX_RETRIES
    if next_in is None:
        next_in = webhook_backoff(delivery.attempts)
    refusal = ""
    if not subscription.is_active and delivery.kind != PING:
        # Switched off after the event was queued: the administrator wants nothing sent to it.
        refusal = "Not sent: the subscription was deactivated."
    elif subscription.is_chat and (problem := chat_url_problem(subscription.url, resolve=True)):
        # A department's URL that leads inside (now): never POSTed to, whatever it resolved to
        # when it was entered.
        refusal = f"Not sent: {problem}"
    if refusal:
        WebhookDelivery.objects.filter(pk=delivery_id, locked_at=now).update(
            locked_at=None, status=WebhookDeliveryStatus.FAILED, last_error=refusal
        )
        return Attempt(sent=False, error=refusal)
    body = webhook_body(delivery)
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "hrtech-gov-webhooks/1",
        "X-Hrtech-Event": delivery.kind,
        "X-Hrtech-Delivery": str(delivery.pk),
    }
    if not subscription.is_chat:  # Slack and Teams verify nothing; the secret stays ours
        headers["X-Hrtech-Timestamp"] = timestamp
        headers["X-Hrtech-Signature"] = webhook_sign(
            secret=subscription.secret, timestamp=timestamp, body=body
        )
    code, error = _post(subscription.url, body=body, headers=headers)
    succeeded = code is not None and 200 <= code < 300
    done = timezone.now()
    if succeeded:
        changes = {"status": WebhookDeliveryStatus.SUCCEEDED, "delivered_at": done}
    elif final:
        changes = {"status": WebhookDeliveryStatus.FAILED}
    else:
        changes = {"next_attempt_at": done + timedelta(seconds=next_in)}
    # Release the claim and log the attempt; guarded by our claim so a stale worker that lost its
    # lease cannot overwrite what the one that took over recorded.
    WebhookDelivery.objects.filter(pk=delivery_id, locked_at=now).update(
        locked_at=None,
        attempts=F("attempts") + 1,
        last_status_code=code,
        last_error=error,
        **changes,
    )
    log.info(
        "webhook %s delivery %s to %s: %s",
        delivery.kind,
        delivery.pk,
        subscription.name if subscription.is_chat else subscription.url,  # a chat URL is a secret
        code or error,
    )
    return Attempt(
        sent=True,
        succeeded=succeeded,
        status_code=code,
        error=error,
        final=final and not succeeded,
        next_in=next_in,
    )


def webhook_deliveries_stalled(*, limit: int = 500) -> list[int]:
    """Pending deliveries whose task is gone: never started (the broker was away when the event
    was committed: on_commit is robust and only logs that), a retry overdue by far, or a claim
    left by a worker that died mid-send."""
    now = timezone.now()
    late = now - timedelta(seconds=settings.WEBHOOK_STALLED_AFTER_SECONDS)
    unclaimed_and_late = Q(locked_at__isnull=True) & (
        Q(next_attempt_at__lt=late) | Q(next_attempt_at__isnull=True, created_at__lt=late)
    )
    return list(
        WebhookDelivery.objects.filter(status=WebhookDeliveryStatus.PENDING)
        .filter(unclaimed_and_late | Q(locked_at__lt=now - lease()))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )


def webhook_deliveries_due(*, limit: int = 100) -> list[int]:
    """Pending deliveries that may be attempted now: never tried, or their next attempt is due,
    and nobody holds them (or the one who did died). Oldest first, at most `limit`."""
    now = timezone.now()
    free = Q(locked_at__isnull=True) | Q(locked_at__lt=now - lease())
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    return list(
        WebhookDelivery.objects.filter(free, due, status=WebhookDeliveryStatus.PENDING)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


@dataclass
class SendReport:
    """What one run of webhooks_send_due did."""

    succeeded: int = 0
    retrying: int = 0  # failed this time, another attempt is scheduled
    failed: int = 0  # failed for good: out of retries, or the subscription was switched off
    skipped: int = 0  # sent or claimed meanwhile by someone else


def webhooks_send_due(*, limit: int = 100) -> SendReport:
    """Attempt every due pending delivery once, in this process (`manage.py send_webhooks`):
    what retries failed deliveries when no worker runs. Safe beside workers and other runs: the
    claim lets only one of them send a delivery."""
    report = SendReport()
    for delivery_id in webhook_deliveries_due(limit=limit):
        attempt = webhook_delivery_attempt(delivery_id=delivery_id)
        if attempt.succeeded:
            report.succeeded += 1
        elif not attempt.sent:
            if attempt.error:  # the subscription was switched off: failed without a POST
                report.failed += 1
            else:
                report.skipped += 1
        elif attempt.final:
            report.failed += 1
        else:
            report.retrying += 1
    return report
