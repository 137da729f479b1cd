"""Side effects of the catalog: pulling the configured feeds, purging old Idempotency-Key
records. Thin: each task calls one service and is safe to run twice (a sync is idempotent)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from vendors.models import SyncRunStatus
from vendors.sync.feeds import catalog_feed_pull
from vendors.sync.jobs import (
    catalog_sync_job_fail,
    catalog_sync_job_run,
    catalog_sync_jobs_requeue_stalled,
)
from vendors.sync.push import idempotency_records_purge
from vendors.sync.sessions import catalog_sync_sessions_purge

log = logging.getLogger(__name__)


class FeedRunFailed(Exception):
    """A pull failed after its per-page retries; Celery tries the whole run again later."""


@shared_task(
    autoretry_for=(FeedRunFailed, OperationalError),
    retry_backoff=60,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=3,
)
def sync_catalog_feed(source: str) -> dict:
    """Pull the feed configured for `source` in settings.CATALOG_FEEDS; returns the counts."""
    config = settings.CATALOG_FEEDS.get(source)
    if config is None:
        log.error("sync_catalog_feed: no feed configured for source %r", source)
        return {}
    result = catalog_feed_pull(
        source=source, url=config["url"], full=bool(config.get("full", False))
    )
    if result.run.status == SyncRunStatus.FAILED:
        raise FeedRunFailed(f"{source}: {result.run.error}")
    return result.run.counts


@shared_task
def purge_idempotency_records() -> int:
    """The catalog's daily purge (scheduled under this name): expired Idempotency-Key records,
    and the full-sync sessions that expired. Returns the number of Idempotency-Key records."""
    catalog_sync_sessions_purge()
    return idempotency_records_purge()


@shared_task(
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=10,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def run_catalog_sync_job(job_id: int) -> str | None:
    """Apply a catalog sync job (vendors.sync.jobs). The database away: retried (the chunks
    applied stay applied); a bug: the job fails, saying so, rather than stay running."""
    try:
        job = catalog_sync_job_run(job_id=job_id)
    except (OperationalError, InterfaceError):
        raise
    except Exception:
        log.exception("catalog sync job %s failed", job_id)
        catalog_sync_job_fail(
            job_id=job_id, message="The job failed on an internal error; it was logged."
        )
        raise
    return job.status if job is not None else None


@shared_task
def requeue_stalled_catalog_jobs() -> int:
    """Queue again the catalog sync jobs whose worker was lost (scheduled every 5 minutes)."""
    return catalog_sync_jobs_requeue_stalled()
