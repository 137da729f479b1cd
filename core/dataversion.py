"""The data version: a number that changes after every committed change a cached read shows.

Cached reads (the dashboard's figures and matrix, the queue's count) put it in their cache keys,
so a change makes them stale at once and nothing has to know which keys to delete. Every write
path bumps it once per transaction, after the commit:

- audit.services.record_event, for every workflow change (it records an event anyway);
- the saves and deletes of the models cached reads show (admin edits, scripts), through the
  signal handlers `track_models` connects in each app's AppConfig.ready();
- every catalog write, whatever its path (the sync's COPY and UPDATE … FROM included), through
  vendors.models.reserve_change_seqs, which numbers the rows it writes.

The cache may be away (Redis down): reads then see no version and compute afresh, and a bump
that cannot be stored is logged, never an error for the user whose change committed. The bumps
of the writes made during an outage are lost with it, so the first read after Redis is back
(core.cache counts the outages) bumps once: what was cached before the outage is stale.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save

from core.cache import cache_available, cache_outages

log = logging.getLogger(__name__)

DATA_VERSION_KEY = "hrtech:data-version"
_outages_seen = 0  # the cache outages this process has bumped for


def data_version() -> int:
    """The current version, part of read-model cache keys. Without a cache, a fresh number per
    call: nothing cached under it will be found again, which is right when nothing is cached."""
    global _outages_seen
    outages = cache_outages()
    if outages != _outages_seen and cache_available():
        _outages_seen = outages
        bump_data_version()  # Redis is back: the writes made while it was away bumped nothing
    try:
        version = cache.get(DATA_VERSION_KEY)
        if version is None:
            version = int(time.time() * 1000)
            cache.add(DATA_VERSION_KEY, version, timeout=None)
            version = cache.get(DATA_VERSION_KEY, version)
    except Exception:  # the cache backend is away: see the module's docstring
        log.warning("data version: cache unavailable", exc_info=True)
        return -int(time.time() * 1000)
    return int(version)


def bump_data_version() -> None:
    """Make every read cached under the current version stale, now."""
    try:
        try:
            cache.incr(DATA_VERSION_KEY)
        except ValueError:  # not set yet (or evicted): start a new, higher series
            cache.set(DATA_VERSION_KEY, int(time.time() * 1000), timeout=None)
    except Exception:
        log.warning("data version: cache unavailable, bump lost", exc_info=True)


def data_changed(using: str | None = None) -> None:
    """Bump the data version once the current transaction commits (at once outside one); a
    rolled-back transaction drops its bump with its other on-commit callbacks. A transaction
    that writes several rows bumps once per row: each bump is one cache increment, and any
    deduplication would have to know which callbacks already ran."""
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        bump_data_version()
        return
    transaction.on_commit(bump_data_version, using=using, robust=True)


def _changed(sender: type, **kwargs: Any) -> None:
    data_changed(kwargs.get("using"))


def track_models(*models: type[Model]) -> None:
    """Bump the data version when any of `models` is saved or deleted, or a many-to-many
    relation of one changes. Call it from the app's AppConfig.ready() for the models whose
    data a cached read shows. Only those: a model with delete signals connected can no longer
    be deleted in one query (Django then reads the rows first to send the signals)."""
    for model in models:
        uid = f"dataversion:{model._meta.label}"
        post_save.connect(_changed, sender=model, dispatch_uid=uid + ":save")
        post_delete.connect(_changed, sender=model, dispatch_uid=uid + ":delete")
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            m2m_changed.connect(_changed, sender=through, dispatch_uid=f"{uid}:{field.name}")
