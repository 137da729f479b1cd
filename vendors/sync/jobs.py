"""Large pushes as jobs (POST /api/v1/catalog/jobs/): up to CATALOG_SYNC_JOB_MAX_ITEMS items,
stored on submission and applied by a Celery worker, with a resource to follow (status,
progress, counts, per-item errors) and a webhook when it ends.

Submission (catalog_sync_job_submit) checks what a push checks before anything is applied: the
envelope, the account's right to the source, and in full mode the refusals that leave the
catalog unchanged (an item without a readable external_id, an empty list without
confirm_empty, more tombstones than the deletion guard allows: tried, then rolled back). It
stores the items in chunks of a push's size, vendors before solutions, in one transaction with
the job; a refused upload stores nothing.

The worker (catalog_sync_job_run) applies the chunks in order through the push's own code
(push.catalog_sync), each in its own transaction that also records its item errors, counts and
progress and deletes the chunk: a worker killed mid-job loses at most the chunk it was on, and
the job, queued again (by the broker's redelivery or requeue_stalled), resumes after the last
chunk committed. A chunk is judged as part of the whole request (apply.RequestContext: ids
listed twice anywhere, vendors found invalid in an earlier chunk), so the counts and errors of
a job equal those of one push of the same items. A full-mode job is a full sync in pages
(vendors.sync.sessions): only its last chunk tombstones. A dry run applies every chunk in one
transaction that is rolled back; its progress shows only when it ends."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import Counter
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from api.models import ApiToken
from core.errors import DomainError, NotAllowed
from core.queue import enqueue_on_commit
from core.text import InvalidText, json_loads
from vendors.models import (
    CatalogSource,
    CatalogSyncJob,
    CatalogSyncJobChunk,
    CatalogSyncJobError,
    SyncJobStatus,
)
from vendors.sync.access import catalog_source_check, catalog_source_synced
from vendors.sync.apply import (
    RequestContext,
    catalog_change_head,
    refuse_unidentified,
    tombstone_unlisted,
)
from vendors.sync.push import catalog_sync, catalog_synced_notify
from vendors.sync.spec import (
    CREATED,
    DELETED,
    INVALID,
    MAX_ITEMS,
    MODE_FULL,
    SOLUTION,
    UNCHANGED,
    UPDATED,
    VENDOR,
    SyncRequestInvalid,
    _clean_external_id,
    _Invalid,
)
from vendors.sync.upload import JobUpload, max_items, too_many
from webhooks.services import webhook_event_queue

log = logging.getLogger(__name__)

# Chunks of a push's size: each is applied as one push would be (bench/sync_bench.py).
CHUNK_ITEMS = MAX_ITEMS
PHASES = {VENDOR: 0, SOLUTION: 1}
COUNT_NAMES = (CREATED, UPDATED, UNCHANGED, INVALID, DELETED)
FINISHED_EVENT = "catalog.sync_job.finished"


def _clean_id(raw: Any) -> str | None:
    """The external_id a push would read from `raw` (None when it cannot)."""
    if not isinstance(raw, dict):
        return None
    try:
        return _clean_external_id(raw.get("external_id"))
    except _Invalid:
        return None


def _storable(value: Any) -> Any:
    """`value` as it can be stored and read back: a string that held lone surrogates (an
    InvalidText, core.text) has them again, as \\u escapes once dumped, so that reading the
    chunk marks it invalid again (dumped as it is, its replacement characters would pass)."""
    if isinstance(value, InvalidText):
        return str(value).replace("\ufffd", "\ud800")
    if isinstance(value, dict):
        return {key: _storable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_storable(item) for item in value]
    return value


def _has_invalid_text(raw: Any) -> bool:
    if isinstance(raw, dict):
        return any(
            type(v) is InvalidText or (isinstance(v, (dict, list)) and _has_invalid_text(v))
            for v in raw.values()
        )
    if isinstance(raw, list):
        return any(_has_invalid_text(v) for v in raw)
    return type(raw) is InvalidText


class _Chunker:
    """Items into CatalogSyncJobChunk rows as they are read, a chunk per CHUNK_ITEMS of a type;
    the external ids counted on the way (duplicates, the full sync's listing)."""

    def __init__(self, job: CatalogSyncJob):
        self.job = job
        self.buffers: dict[str, list[Any]] = {VENDOR: [], SOLUTION: []}
        self.numbers = {VENDOR: 0, SOLUTION: 0}
        self.counts = {VENDOR: 0, SOLUTION: 0}
        self.ids: dict[str, Counter[str]] = {VENDOR: Counter(), SOLUTION: Counter()}
        self.unidentified = 0

    def add(self, type_: str, raw: Any) -> None:
        external_id = _clean_id(raw)
        if external_id is None:
            self.unidentified += 1
        else:
            self.ids[type_][external_id] += 1
        buffer = self.buffers[type_]
        buffer.append(_storable(raw) if _has_invalid_text(raw) else raw)
        if len(buffer) >= CHUNK_ITEMS:
            self.flush(type_)

    def flush(self, type_: str) -> None:
        buffer = self.buffers[type_]
        if not buffer:
            return
        CatalogSyncJobChunk.objects.create(
            job=self.job,
            phase=PHASES[type_],
            number=self.numbers[type_],
            # Solutions come after every vendor: moved once the vendors are all counted.
            first_index=self.counts[type_],
            size=len(buffer),
            # ASCII only: any string sent survives storage, to be judged by validation.
            items=json.dumps(buffer, ensure_ascii=True),
        )
        self.numbers[type_] += 1
        self.counts[type_] += len(buffer)
        buffer.clear()

    @property
    def total(self) -> int:
        return sum(self.counts.values()) + sum(map(len, self.buffers.values()))


def catalog_sync_job_submit(
    *, actor, upload: JobUpload, dry_run: bool = False, token: ApiToken | None = None
) -> CatalogSyncJob:
    """Store a job for the worker and queue it: what a push of the upload would do, later.
    SyncRequestInvalid (400, 413), NotAllowed (403) or a full sync's refusal (400) with
    nothing stored."""
    request = upload.request
    removed = {VENDOR: request.removed_vendors, SOLUTION: request.removed_solutions}
    removals = sum(map(len, removed.values()))
    with transaction.atomic():
        catalog_source_check(source=request.source, actor=actor)
        job = CatalogSyncJob.objects.create(
            source=request.source,
            mode=request.mode,
            dry_run=dry_run,
            created_by=actor,
            token=token,
            options={
                "confirm_empty": request.confirm_empty,
                "confirm_deletions": request.confirm_deletions,
                "removed": {"vendors": removed[VENDOR], "solutions": removed[SOLUTION]},
            },
        )
        chunker = _Chunker(job)
        for type_, raw in upload.items:
            chunker.add(type_, raw)
            if chunker.total + removals > max_items():
                raise too_many()
        chunker.flush(VENDOR)
        chunker.flush(SOLUTION)
        if not chunker.total:  # one chunk, however empty: the one that ends the sync
            CatalogSyncJobChunk.objects.create(
                job=job, phase=0, number=0, first_index=0, size=0, items="[]"
            )
        job.chunks.filter(phase=PHASES[SOLUTION]).update(
            first_index=F("first_index") + chunker.counts[VENDOR]
        )
        if request.mode == MODE_FULL:
            _full_sync_preflight(job, chunker)
        upserted = {
            type_: sorted(
                {i for i in map(_clean_removal, ids) if i is not None} & chunker.ids[type_].keys()
            )
            for type_, ids in removed.items()
        }
        job.duplicates = {
            type_: {ext: n for ext, n in ids.items() if n > 1} for type_, ids in chunker.ids.items()
        }
        job.options["upserted"] = upserted
        job.options["vendors"] = chunker.counts[VENDOR]
        job.total = chunker.total + removals
        job.bytes = upload.bytes
        job.counts = dict.fromkeys(COUNT_NAMES, 0)
        job.save()
        enqueue_on_commit(_task(), job.pk)
    return job


def _task():
    from vendors.tasks import run_catalog_sync_job  # the task calls this module

    return run_catalog_sync_job


def _clean_removal(raw: Any) -> str | None:
    try:
        return _clean_external_id(raw)
    except _Invalid:
        return None


def _full_sync_preflight(job: CatalogSyncJob, chunker: _Chunker) -> None:
    """A full sync's refusals, before anything is applied: an item without a readable
    external_id, an empty listing without confirm_empty, and the deletion guard, tried on the
    catalog as it is now and rolled back (the last chunk checks it again when it applies)."""
    refuse_unidentified(job.source, chunker.unidentified)
    vendors, solutions = set(chunker.ids[VENDOR]), set(chunker.ids[SOLUTION])
    if not (vendors or solutions):
        if not job.options["confirm_empty"]:
            raise SyncRequestInvalid(
                _(
                    "This full sync lists no record, so it would remove every record of "
                    '%(source)s. Nothing was changed. Send "confirm_empty": true to remove '
                    "them all."
                )
                % {"source": job.source},
                errors={"confirm_empty": [_("Required to remove every record of a source.")]},
            )
        return
    with transaction.atomic():
        tombstone_unlisted(
            source=job.source,
            vendors=vendors,
            solutions=solutions,
            seen_up_to=catalog_change_head(),
            confirm_deletions=job.options["confirm_deletions"],
        )
        transaction.set_rollback(True)


# --------------------------------------------------------------------------------------------
# The worker


def _context(job: CatalogSyncJob) -> RequestContext:
    """The whole request's facts a chunk needs; the invalid vendors of the chunks applied
    already are read back from their errors (a resumed job knows them too)."""
    invalid_vendors = set(
        CatalogSyncJobError.objects.filter(
            job=job, type=VENDOR, index__lt=job.options.get("vendors", 0)
        )
        .exclude(external_id="")
        .values_list("external_id", flat=True)
    )
    upserted = job.options.get("upserted", {})
    return RequestContext(
        duplicates=job.duplicates,
        invalid_vendors=invalid_vendors,
        upserted={type_: set(upserted.get(type_, [])) for type_ in (VENDOR, SOLUTION)},
    )


def _sync_id(job: CatalogSyncJob) -> str:
    return f"job-{job.pk}"


def _check_access(job: CatalogSyncJob) -> None:
    """The account that sent the job may still write to its source (a grant may have been
    withdrawn since): NotAllowed otherwise."""
    if job.created_by is None:
        raise NotAllowed(_("The account that sent this job was deleted."))
    catalog_source_check(source=job.source, actor=job.created_by)


def _apply_chunk(
    job: CatalogSyncJob, chunk: CatalogSyncJobChunk, context: RequestContext, *, final: bool
) -> dict[str, Any]:
    """One chunk through the push's code: its report (counts, items)."""
    items = json_loads(chunk.items)
    removed = job.options.get("removed", {}) if final else {}
    full = job.mode == MODE_FULL
    return catalog_sync(
        source=job.source,
        mode=job.mode,
        vendors=items if chunk.phase == PHASES[VENDOR] else [],
        solutions=items if chunk.phase == PHASES[SOLUTION] else [],
        sync_id=_sync_id(job) if full else None,
        final=final and full,
        confirm_empty=bool(job.options.get("confirm_empty")) and final and full,
        confirm_deletions=job.options.get("confirm_deletions") if full else None,
        removed_vendors=removed.get("vendors") or None,
        removed_solutions=removed.get("solutions") or None,
        actor=job.created_by,
        context=context,
    )


def _errors_of(
    job: CatalogSyncJob, chunk: CatalogSyncJobChunk, report: dict[str, Any]
) -> list[CatalogSyncJobError]:
    """The invalid items of a chunk's report, at their place in the job: the chunk's items
    first, then (last chunk) the removals, numbered after every upserted item."""
    upserts = job.total - _removal_count(job)
    errors = []
    for n, item in enumerate(report["items"]):
        if item["status"] != INVALID:
            continue
        index = chunk.first_index + n if n < chunk.size else upserts + n - chunk.size
        errors.append(
            CatalogSyncJobError(
                job=job,
                index=index,
                type=item["type"],
                external_id=item["external_id"] or "",
                errors=item["errors"],
            )
        )
    return errors


def _removal_count(job: CatalogSyncJob) -> int:
    removed = job.options.get("removed", {})
    return len(removed.get("vendors", [])) + len(removed.get("solutions", []))


def _record(
    job: CatalogSyncJob,
    chunk: CatalogSyncJobChunk,
    counts: dict[str, int],
    errors: list[CatalogSyncJobError],
    *,
    final: bool,
) -> None:
    """What a chunk did, kept in the transaction that did it; the chunk is gone after."""
    CatalogSyncJobError.objects.bulk_create(errors, batch_size=1000)
    for name in COUNT_NAMES:
        job.counts[name] = job.counts.get(name, 0) + counts.get(name, 0)
    job.processed += chunk.size + (_removal_count(job) if final else 0)
    job.heartbeat_at = timezone.now()
    chunk.delete()


def _locked(job_id: int) -> CatalogSyncJob | None:
    return CatalogSyncJob.objects.select_for_update().filter(pk=job_id).first()


def _claim(job_id: int) -> CatalogSyncJob | None:
    """The job marked running (a run more), or None when it ended or is not there."""
    with transaction.atomic():
        job = _locked(job_id)
        if job is None or job.finished:
            return None
        now = timezone.now()
        job.status, job.heartbeat_at = SyncJobStatus.RUNNING, now
        job.started_at = job.started_at or now
        job.attempts += 1
        job.save(update_fields=["status", "heartbeat_at", "started_at", "attempts"])
        return job


def catalog_sync_job_run(*, job_id: int) -> CatalogSyncJob | None:
    """Apply what is left of a job, chunk by chunk; end it (succeeded or failed) when its last
    chunk is applied or refused. Safe to run twice, even at once (the job's row is locked per
    chunk, and an applied chunk is gone)."""
    job = _claim(job_id)
    if job is None:
        return None
    if job.dry_run:
        return _run_dry(job_id)
    context = _context(job)
    while True:
        with transaction.atomic():
            job = _locked(job_id)
            if job is None or job.finished:
                return job
            chunks = list(job.chunks.order_by("phase", "number")[:2])
            if not chunks:  # ended by a run that died before it said so
                _finish(job)
                return job
            chunk, final = chunks[0], len(chunks) == 1
            try:
                with transaction.atomic():
                    _check_access(job)
                    report = _apply_chunk(job, chunk, context, final=final)
            except DomainError as error:
                _fail(job, error)
                return job
            _record(job, chunk, report["counts"], _errors_of(job, chunk, report), final=final)
            if final:
                _finish(job)
            else:
                job.save(update_fields=["counts", "processed", "heartbeat_at"])
            if final:
                return job


def _run_dry(job_id: int) -> CatalogSyncJob | None:
    """A dry run: every chunk applied in one transaction, rolled back; then the counts and
    errors recorded."""
    results = []
    with transaction.atomic():
        job = _locked(job_id)
        if job is None or job.finished:
            return job
        context = _context(job)
        chunks = list(job.chunks.order_by("phase", "number"))
        try:
            with transaction.atomic():
                _check_access(job)
                for n, chunk in enumerate(chunks):
                    report = _apply_chunk(job, chunk, context, final=n == len(chunks) - 1)
                    results.append((chunk, report["counts"], _errors_of(job, chunk, report)))
                transaction.set_rollback(True)
        except DomainError as error:
            _fail(job, error)
            return job
        for n, (chunk, counts, errors) in enumerate(results):
            _record(job, chunk, counts, errors, final=n == len(results) - 1)
        _finish(job)
        return job


def _end(job: CatalogSyncJob, status: str) -> None:
    job.status, job.finished_at = status, timezone.now()
    job.heartbeat_at = job.finished_at
    job.save()
    job.chunks.all().delete()
    webhook_event_queue(kind=FINISHED_EVENT, payload=lambda: catalog_sync_job_event(job))


def _finish(job: CatalogSyncJob) -> None:
    _end(job, SyncJobStatus.SUCCEEDED)
    if not job.dry_run:
        catalog_source_synced(source=job.source)
        catalog_synced_notify(body={"source": job.source, "mode": job.mode, "counts": job.counts})


def _fail(job: CatalogSyncJob, error: DomainError) -> None:
    """End a job refused by the catalog (a full sync's deletion guard, a source taken away):
    the chunks applied before stay applied, as the pages of a full sync would."""
    job.error = str(error.message)
    errors = getattr(error, "errors", None)
    job.error_fields = errors or ({error.field: [str(error.message)]} if error.field else {})
    _end(job, SyncJobStatus.FAILED)


def catalog_sync_job_fail(*, job_id: int, message: str) -> None:
    """End a job that cannot go on (a bug, or too many runs): said on the job, and told."""
    with transaction.atomic():
        job = _locked(job_id)
        if job is None or job.finished:
            return
        job.error, job.error_fields = message, {}
        _end(job, SyncJobStatus.FAILED)


def catalog_sync_job_event(job: CatalogSyncJob) -> dict[str, Any]:
    """The payload of catalog.sync_job.finished."""
    return {
        "job": job.pk,
        "source": job.source,
        "mode": job.mode,
        "dry_run": job.dry_run,
        "status": job.status,
        "total": job.total,
        "processed": job.processed,
        "counts": job.counts,
        "error": job.error or None,
        "finished_at": job.finished_at,
    }


def catalog_sync_jobs_requeue_stalled(*, now: dt.datetime | None = None) -> int:
    """Queue again the unfinished jobs nobody progressed for a while (their worker died, or
    their task never reached the broker); fail those that used up their runs. Returns how many
    were queued."""
    now = now or timezone.now()
    stalled_before = now - dt.timedelta(seconds=settings.CATALOG_SYNC_JOB_STALLED_AFTER_SECONDS)
    stalled = CatalogSyncJob.objects.filter(
        Q(heartbeat_at__lt=stalled_before) | Q(heartbeat_at=None, created_at__lt=stalled_before),
        status__in=[SyncJobStatus.QUEUED, SyncJobStatus.RUNNING],
    ).values_list("pk", "attempts")
    queued = 0
    for pk, attempts in stalled:
        if attempts >= settings.CATALOG_SYNC_JOB_MAX_ATTEMPTS:
            catalog_sync_job_fail(
                job_id=pk,
                message=_(
                    "The job stopped making progress %(n)d times (its worker was lost) and was "
                    "given up. The chunks applied before stay applied; send the job again."
                )
                % {"n": attempts},
            )
            continue
        # Moved on now, so that the next sweep leaves it to the run queued here.
        CatalogSyncJob.objects.filter(pk=pk).update(heartbeat_at=now)
        enqueue_on_commit(_task(), pk)
        queued += 1
    return queued


# --------------------------------------------------------------------------------------------
# Reads


def catalog_sync_jobs_visible(*, actor) -> QuerySet[CatalogSyncJob]:
    """The jobs of the sources `actor` may write to (every job for a superuser): a job shows
    what a source holds, so it is for the accounts that own or were granted the source."""
    jobs = CatalogSyncJob.objects.order_by("-created_at", "-pk")
    if actor.is_superuser:
        return jobs
    sources = CatalogSource.objects.filter(Q(owner=actor) | Q(writers=actor)).values("name")
    return jobs.filter(source__in=sources)


def catalog_sync_job_errors(
    *, job: CatalogSyncJob, cursor: int, limit: int
) -> tuple[list[CatalogSyncJobError], int | None]:
    """A page of a job's invalid items from position `cursor` on, and the next page's cursor
    (None after the last). Keyset paging on (job, index): every page costs the same."""
    rows = list(
        CatalogSyncJobError.objects.filter(job=job, index__gte=cursor).order_by("index")[
            : limit + 1
        ]
    )
    next_cursor = rows[limit].index if len(rows) > limit else None
    return rows[:limit], next_cursor
