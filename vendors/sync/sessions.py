"""A full sync sent in several pages (a push client's requests with one sync_id, or a feed's
pages): the session row that orders the pages, the keys every page listed, and the final page's
tombstones. Push and pull share it."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError, InvalidTransition
from vendors.models import CatalogSyncSession, CatalogSyncSessionPage
from vendors.sync.apply import (
    BatchResult,
    Tombstones,
    catalog_change_head,
    refuse_unidentified,
    tombstone_unlisted,
)
from vendors.sync.spec import CREATED, INVALID, SESSION_TTL, UNCHANGED, UPDATED


def sync_session_open(*, source: str, sync_id: str, actor=None) -> CatalogSyncSession:
    """The session `sync_id` of `source`, started by its first page, locked until the end of
    the transaction: the pages of one session are applied one at a time, so its final page
    sees the keys of every page before it. Lock order: after the Idempotency-Key row, before
    the catalog's change counter. InvalidTransition (409) when it finished or expired."""
    session = (
        CatalogSyncSession.objects.select_for_update()
        .filter(source=source, sync_id=sync_id)
        .first()
    )
    if session is None:
        now = timezone.now()
        try:
            with transaction.atomic():
                session = CatalogSyncSession.objects.create(
                    source=source,
                    sync_id=sync_id,
                    started_by=actor if getattr(actor, "pk", None) else None,
                    started_at=now,
                    expires_at=now + SESSION_TTL,
                    start_seq=catalog_change_head(),
                )
        except IntegrityError:
            # The same session's first page, sent twice at once: it has committed by now.
            session = CatalogSyncSession.objects.select_for_update().get(
                source=source, sync_id=sync_id
            )
    if session.finished_at is not None:
        raise InvalidTransition(
            _(
                "The full sync %(id)s of %(source)s already ended with its final page. Start "
                "the next full sync with a new sync_id."
            )
            % {"id": sync_id, "source": source}
        )
    if session.is_expired():
        raise InvalidTransition(
            _(
                "The full sync %(id)s of %(source)s expired before its final page (a full sync "
                "must end within %(hours)d hours of its first page); nothing was removed. "
                "Start again with a new sync_id."
            )
            % {"id": sync_id, "source": source, "hours": SESSION_TTL.total_seconds() // 3600}
        )
    return session


def sync_session_listed(*, session: CatalogSyncSession) -> tuple[set[str], set[str]]:
    """Every vendor and solution key the pages of `session` listed so far. One query."""
    vendors: set[str] = set()
    solutions: set[str] = set()
    for page_vendors, page_solutions in CatalogSyncSessionPage.objects.filter(
        session=session
    ).values_list("vendors", "solutions"):
        vendors.update(page_vendors)
        solutions.update(page_solutions)
    return vendors, solutions


class NothingListed(DomainError):
    """A full sync whose pages listed no record at all: finishing it would tombstone every
    record of its source, which a caller allows only when told so explicitly."""


def sync_session_page(
    *,
    session: CatalogSyncSession,
    batch: BatchResult,
    final: bool = False,
    confirm_empty: bool = False,
    confirm_deletions: int | None = None,
) -> Tombstones:
    """Record what one page of `session` listed (valid items or not: a full sync never deletes
    what it could not read) and add the page's counts to the session's; when it is the `final`
    page, finish the sync (sync_session_finish). Returns what the page tombstoned.
    UnidentifiedItems when an item of the page has no readable external_id."""
    refuse_unidentified(session.source, batch.unidentified)
    CatalogSyncSessionPage.objects.create(
        session=session,
        vendors=sorted(batch.listed_vendors),
        solutions=sorted(batch.listed_solutions),
    )
    totals = session.counts or dict.fromkeys((CREATED, UPDATED, UNCHANGED, INVALID), 0)
    for name, value in batch.counts().items():
        totals[name] = totals.get(name, 0) + value
    totals.setdefault("deleted", 0)
    session.counts, session.pages = totals, session.pages + 1
    tombstoned = (
        _finish(session, confirm_empty=confirm_empty, confirm_deletions=confirm_deletions)
        if final
        else Tombstones([], [])
    )
    session.save(update_fields=["counts", "pages", "finished_at"])
    return tombstoned


def sync_session_finish(
    *,
    session: CatalogSyncSession,
    confirm_empty: bool = False,
    confirm_deletions: int | None = None,
) -> Tombstones:
    """The full sync's end: tombstone every record of the source that no page listed, forget
    the pages' keys and mark the session finished (the row stays, to refuse a late page).
    NothingListed, with nothing changed, when no page listed anything and `confirm_empty` is
    not set; DeletionRefused (tombstone_unlisted) past the deletion guard."""
    tombstoned = _finish(session, confirm_empty=confirm_empty, confirm_deletions=confirm_deletions)
    session.save(update_fields=["counts", "finished_at"])
    return tombstoned


def _finish(
    session: CatalogSyncSession, *, confirm_empty: bool, confirm_deletions: int | None
) -> Tombstones:
    listed_vendors, listed_solutions = sync_session_listed(session=session)
    if not (listed_vendors or listed_solutions or confirm_empty):
        raise NothingListed(
            _("The full sync of %(source)s listed no record.") % {"source": session.source}
        )
    tombstoned = tombstone_unlisted(
        source=session.source,
        vendors=listed_vendors,
        solutions=listed_solutions,
        seen_up_to=session.start_seq,
        confirm_deletions=confirm_deletions,
        confirm_all=confirm_empty and not (listed_vendors or listed_solutions),
    )
    CatalogSyncSessionPage.objects.filter(session=session).delete()
    session.finished_at = timezone.now()
    session.counts = {**(session.counts or {}), "deleted": len(tombstoned.removed)}
    return tombstoned


# How long a full-sync session is remembered after it expired (see catalog_sync_sessions_purge).
SESSION_KEPT = dt.timedelta(days=7)


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
