"""Every write of the catalog outside the admin forms: catalog sync pushes (with their
Idempotency-Key records) and the landscape flag set by the workflow.

Lock order, the same in every catalog write path so that none can deadlock: the
Idempotency-Key row (pushes only), then the full-sync session row (pushes with a sync_id:
vendors.sync.sync_session_open), then the catalog change counter
(vendors.models.reserve_change_seqs), then the vendor and solution rows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from vendors.models import (
    CatalogSyncSession,
    CatalogSyncSessionPage,
    IdempotencyRecord,
    Solution,
    reserve_change_seqs,
)
from vendors.sync import catalog_sync, changed_anything, parse_sync_request
from webhooks.services import webhook_event_queue

IDEMPOTENCY_TTL = dt.timedelta(hours=24)
IDEMPOTENCY_KEY_MAX = IdempotencyRecord._meta.get_field("key").max_length
# How long a full-sync session is remembered after it expired (see catalog_sync_sessions_purge).
SESSION_KEPT = dt.timedelta(days=7)


class IdempotencyKeyReused(DomainError):
    status_code = 422


def request_fingerprint(data: Any) -> str:
    """The same JSON document gives the same hash, whatever its key order or spacing."""
    raw = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(raw.encode()).hexdigest()


def catalog_synced_notify(*, body: dict[str, Any]) -> None:
    """Tell webhook subscribers, once per sync request and only when it changed something."""
    if not changed_anything(body["counts"]):
        return
    webhook_event_queue(
        kind="catalog.synced",
        payload={"source": body["source"], "mode": body["mode"], "counts": body["counts"]},
    )


def _push(data: Any, actor) -> dict[str, Any]:
    request = parse_sync_request(data)
    body = catalog_sync(
        source=request.source,
        mode=request.mode,
        vendors=request.vendors,
        solutions=request.solutions,
        sync_id=request.sync_id,
        final=request.final,
        confirm_empty=request.confirm_empty,
        actor=actor,
    )
    catalog_synced_notify(body=body)
    return body


def catalog_sync_push(
    *, actor, data: Any, idempotency_key: str | None = None
) -> tuple[int, dict[str, Any], bool]:
    """One push to the catalog: (status, report, replayed).

    With an Idempotency-Key, the first answer is stored with the key (per user) in the same
    transaction as the changes; a retry gets that answer back and applies nothing. Two requests
    with one key at once: the second waits on the key's unique index until the first commits,
    then answers the stored report."""
    if idempotency_key is None:
        with transaction.atomic():
            return 200, _push(data, actor), False
    key = idempotency_key.strip()
    if not key or len(key) > IDEMPOTENCY_KEY_MAX or not key.isprintable():
        raise DomainError(
            _("The Idempotency-Key header must be 1 to %(max)d printable characters.")
            % {"max": IDEMPOTENCY_KEY_MAX}
        )
    fingerprint = request_fingerprint(data)
    with transaction.atomic():
        IdempotencyRecord.objects.filter(
            user=actor, key=key, created_at__lt=timezone.now() - IDEMPOTENCY_TTL
        ).delete()
        record = IdempotencyRecord.objects.filter(user=actor, key=key).first()
        if record is None:
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(
                        user=actor, key=key, request_hash=fingerprint, status_code=0, body={}
                    )
                fresh = True
            except IntegrityError:
                # Another request with this key got there first and has committed by now.
                record = IdempotencyRecord.objects.get(user=actor, key=key)
                fresh = False
        else:
            fresh = False
        if not fresh:
            if record.request_hash != fingerprint:
                raise IdempotencyKeyReused(
                    _(
                        "This Idempotency-Key was already used with a different request body "
                        "in the last 24 hours. Use a new key for a new request."
                    )
                )
            return record.status_code, record.body, True
        body = _push(data, actor)
        record.status_code, record.body = 200, body
        record.save(update_fields=["status_code", "body"])
        return 200, body, False


def idempotency_records_purge(*, now: dt.datetime | None = None) -> int:
    """Delete the records older than 24 hours; safe to run at any time, and twice."""
    cutoff = (now or timezone.now()) - IDEMPOTENCY_TTL
    deleted, _by_model = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def catalog_sync_sessions_purge(*, now: dt.datetime | None = None) -> int:
    """Forget full-sync sessions: the keys of those that expired without their final page at
    once (they will never be used), the sessions themselves a week after they expired (until
    then a late page of one is told that it expired rather than starting a new sync)."""
    now = now or timezone.now()
    CatalogSyncSessionPage.objects.filter(session__expires_at__lt=now).delete()
    deleted, _by_model = CatalogSyncSession.objects.filter(
        expires_at__lt=now - SESSION_KEPT
    ).delete()
    return deleted


@transaction.atomic
def solution_in_use_set(*, solution_id: int, in_use: bool) -> Solution:
    """Put a solution into the tool landscape or take it out. A no-op when it already is,
    so the change feed and ETags move only on a real change."""
    reserve_change_seqs(0)  # the catalog lock order: counter first, then the row
    solution = Solution.objects.select_for_update().get(pk=solution_id)
    if solution.in_use != in_use:
        solution.in_use = in_use
        solution.save(update_fields=["in_use"])
    return solution
