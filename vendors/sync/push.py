"""One push to the catalog (POST /api/v1/catalog/sync/): a batch applied, in full mode the
source's unlisted records tombstoned, the report; and the Idempotency-Key that makes a retry
answer the first report instead of applying anything twice."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from vendors.models import (
    CatalogSyncSession,
    IdempotencyRecord,
)
from vendors.sync.access import catalog_source_check, catalog_source_synced
from vendors.sync.apply import (
    BatchResult,
    RequestContext,
    Tombstones,
    apply_batch,
    catalog_change_head,
    refuse_unidentified,
    remove_listed,
    tombstone_unlisted,
)
from vendors.sync.events import catalog_records_changed_notify, sync_report_changes
from vendors.sync.request import SyncRequest, parse_sync_request
from vendors.sync.sessions import (
    NothingListed,
    sync_session_open,
    sync_session_page,
)
from vendors.sync.spec import (
    CREATED,
    DELETED,
    INVALID,
    MODE_FULL,
    UNCHANGED,
    UPDATED,
    Item,
    SyncRequestInvalid,
    _max_length,
)
from webhooks.services import webhook_event_queue


def report(
    *,
    source: str,
    mode: str,
    batches: list[BatchResult],
    tombstones: Tombstones,
    session: CatalogSyncSession | None = None,
    removals: list[Item] | None = None,
) -> dict[str, Any]:
    counts = dict.fromkeys((CREATED, UPDATED, UNCHANGED, INVALID), 0)
    items: list[dict[str, Any]] = []
    for batch in batches:
        for name, value in batch.counts().items():
            counts[name] += value
        items += [i.as_report() for i in batch.vendors]
        items += [i.as_report() for i in batch.solutions]
    for item in removals or []:
        if item.status != DELETED:  # those are the tombstones, counted below
            counts[item.status] += 1
        items.append(item.as_report())
    counts["deleted"] = len(tombstones.removed)
    body = {
        "source": source,
        "mode": mode,
        "counts": counts,
        "items": items,
        "tombstoned": tombstones.removed,
        "kept": [{**kept, "reason": KEPT_REASON} for kept in tombstones.kept],
        "dry_run": False,
    }
    if session is not None:
        body["sync"] = {
            "sync_id": session.sync_id,
            "pages": session.pages,
            "final": session.finished_at is not None,
            "expires_at": session.expires_at.isoformat(),
            "counts": session.counts,
        }
    return body


KEPT_REASON = "live_solutions"


def changed_anything(counts: dict[str, int]) -> bool:
    return bool(counts[CREATED] or counts[UPDATED] or counts["deleted"])


@transaction.atomic(savepoint=False)
def catalog_sync(
    *,
    source: str,
    mode: str,
    vendors: list[Any],
    solutions: list[Any],
    sync_id: str | None = None,
    final: bool = False,
    confirm_empty: bool = False,
    confirm_deletions: int | None = None,
    removed_vendors: list[Any] | None = None,
    removed_solutions: list[Any] | None = None,
    actor=None,
    context: RequestContext | None = None,
) -> dict:
    """Apply one push: upsert the valid items; in full mode also tombstone the records of
    `source` that the sync does not list (and resurrect those it lists again).

    A full sync is this one request, or with a `sync_id` every request with that id up to the
    one marked `final`: each page's keys are remembered, and only the final page tombstones
    what no page listed. A full sync that lists no record tombstones the whole source only with
    `confirm_empty` (a client that sent an empty list by mistake must not empty the catalog);
    one that would tombstone more than CATALOG_SYNC_MAX_DELETE_SHARE of the source only with
    `confirm_deletions` set to that number; a page with an item whose external_id cannot be
    read is refused whole. Only records the sync could have seen (numbered up to the change
    head when it started) are tombstoned, and never a vendor with live solutions.

    In upsert mode `removed_vendors` and `removed_solutions` tombstone records by external id
    (a delta push's removals), each reported as an item. A `context` makes the batch one part
    of a larger request (a job's chunk): see apply.RequestContext."""
    session = None
    seen_up_to = catalog_change_head()
    if sync_id is not None:
        session = sync_session_open(source=source, sync_id=sync_id, actor=actor)
    batch = apply_batch(source=source, vendors=vendors, solutions=solutions, context=context)
    tombstones = Tombstones([], [])
    removals: list[Item] = []
    try:
        if mode == MODE_FULL and session is None:
            refuse_unidentified(source, batch.unidentified)
            if not (batch.listed_vendors or batch.listed_solutions or confirm_empty):
                raise NothingListed(source)
            tombstones = tombstone_unlisted(
                source=source,
                vendors=batch.listed_vendors,
                solutions=batch.listed_solutions,
                seen_up_to=seen_up_to,
                confirm_deletions=confirm_deletions,
                confirm_all=not (batch.listed_vendors or batch.listed_solutions),
            )
        elif session is not None:
            tombstones = sync_session_page(
                session=session,
                batch=batch,
                final=final,
                confirm_empty=confirm_empty,
                confirm_deletions=confirm_deletions,
            )
        elif removed_vendors or removed_solutions:
            removals, gone = remove_listed(
                source=source,
                vendors=removed_vendors or [],
                solutions=removed_solutions or [],
                batch=batch,
                context=context,
            )
            tombstones = Tombstones(gone, [])
    except NothingListed:
        raise SyncRequestInvalid(
            _(
                "This full sync lists no record, so it would remove every record of "
                '%(source)s. Nothing was changed. Send "confirm_empty": true to remove them all.'
            )
            % {"source": source},
            errors={"confirm_empty": [_("Required to remove every record of a source.")]},
        ) from None
    return report(
        source=source,
        mode=mode,
        batches=[batch],
        tombstones=tombstones,
        session=session,
        removals=removals,
    )


IDEMPOTENCY_TTL = dt.timedelta(hours=24)
IDEMPOTENCY_KEY_MAX = _max_length(IdempotencyRecord, "key")


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


def _checked_sync(request: SyncRequest, actor) -> dict[str, Any]:
    """The sync a parsed request asks for, after checking that `actor` may write its source:
    the one path of a push and of its dry run."""
    catalog_source_check(source=request.source, actor=actor)
    return catalog_sync(
        source=request.source,
        mode=request.mode,
        vendors=request.vendors,
        solutions=request.solutions,
        sync_id=request.sync_id,
        final=request.final,
        confirm_empty=request.confirm_empty,
        confirm_deletions=request.confirm_deletions,
        removed_vendors=request.removed_vendors,
        removed_solutions=request.removed_solutions,
        actor=actor,
    )


def jobs_hint() -> str:
    """What a push too large for one request should do instead (its 413 says so)."""
    return _(
        "Send them in several requests (a full sync in pages with one sync_id), or all at once "
        "as a job: POST /api/v1/catalog/jobs/ takes up to %(max)d items."
    ) % {"max": settings.CATALOG_SYNC_JOB_MAX_ITEMS}


def _parse(data: Any) -> SyncRequest:
    return parse_sync_request(data, too_many_hint=jobs_hint())


def _push(data: Any, actor) -> dict[str, Any]:
    request = _parse(data)
    body = _checked_sync(request, actor)
    catalog_source_synced(source=request.source)
    catalog_synced_notify(body=body)
    catalog_records_changed_notify(source=request.source, changes=lambda: sync_report_changes(body))
    return body


def catalog_sync_dry_run(*, actor, data: Any) -> dict[str, Any]:
    """What a push would do, exactly (the same code, the same checks, the same per-item report
    and counts), with nothing kept: everything it wrote is rolled back and nothing is sent.
    Created items have no id (the rows they would be do not exist)."""
    with transaction.atomic():
        body = _checked_sync(_parse(data), actor)
        transaction.set_rollback(True)
    for item in body["items"]:
        if item["status"] == CREATED:
            item["id"] = None
    body["dry_run"] = True
    return body


def catalog_sync_push(
    *, actor, data: Any, idempotency_key: str | None = None, dry_run: bool = False
) -> tuple[int, dict[str, Any], bool]:
    """One push to the catalog: (status, report, replayed).

    With an Idempotency-Key, the first answer is stored with the key (per user) in the same
    transaction as the changes; a retry gets that answer back and applies nothing. Two requests
    with one key at once: the second waits on the key's unique index until the first commits,
    then answers the stored report. A `dry_run` writes nothing and stores no key (a real
    request with the same key and body must not get the dry run's answer)."""
    if dry_run:
        return 200, catalog_sync_dry_run(actor=actor, data=data), False
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
