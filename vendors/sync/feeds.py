"""Pulling a catalog feed: a paginated JSON document in the push body's item format,
`{"vendors": [...], "solutions": [...], "next": "<url of the next page or null>"}`, applied
page by page through the same sync code as the push API.

Each page is fetched with the project's HTTP client (core.http: a timeout, a size limit) and
retried with exponential backoff on network errors, timeouts, 5xx, 408 and 429 answers. A full
pull is a full sync in pages (vendors.sync.sessions, as a push client's with a sync_id): each
page's keys are kept, and only after every page was read and applied is what no page listed
tombstoned. A feed that fails halfway tombstones nothing, and a feed that lists no record at all
fails instead of emptying the source. Every pull is recorded as a CatalogSyncRun.

A feed is outside our control, so the pages it links to are not trusted: `next` (and any HTTP
redirect) must stay on the configured URL's scheme, host and port, so that a compromised feed
cannot make us read local files (file:) or internal hosts. File pages (`--file`) may only link
to files in the first file's folder or below. Only the handlers for the configured scheme are
read: ftp:, data: and the like are never opened.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, urljoin, urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import http
from core.text import json_loads
from vendors.models import CatalogSyncRun, SyncRunStatus
from vendors.sync.access import catalog_source_synced
from vendors.sync.apply import BatchResult, DeletionRefused, UnidentifiedItems, apply_batch
from vendors.sync.events import catalog_records_changed_notify, sync_report_changes
from vendors.sync.push import catalog_synced_notify
from vendors.sync.request import parse_sync_request
from vendors.sync.sessions import (
    NothingListed,
    sync_session_finish,
    sync_session_open,
    sync_session_page,
)
from vendors.sync.spec import (
    CREATED,
    INVALID,
    MODE_FULL,
    MODE_UPSERT,
    UNCHANGED,
    UPDATED,
    SyncRequestInvalid,
)

log = logging.getLogger(__name__)

# A page may hold more than a push request (we chose to read it), within reason.
MAX_PAGE_ITEMS = 50_000
MAX_PAGE_BYTES = 64 * 1024 * 1024
MAX_PAGES = 10_000
RETRY_STATUSES = {408, 429, 500, 502, 503, 504}
# Invalid items kept on the run for a person to read; the counts have them all.
INVALID_KEPT = 50


FEED_SCHEMES = ("http", "https", "file")
DEFAULT_PORTS = {"http": 80, "https": 443}
# A URL the feed sent is quoted in the run's error up to this length.
URL_SHOWN = 200


class FeedError(Exception):
    """The feed could not be read (after the retries), or is not a feed."""


def _shown(url: str) -> str:
    return url if len(url) <= URL_SHOWN else url[:URL_SHOWN] + "…"


@dataclass(frozen=True)
class FeedOrigin:
    """Where a feed may read from: the configured URL's scheme, host and port (and for file
    feeds, the first file's folder)."""

    scheme: str
    host: str
    port: int | None
    folder: Path | None = None

    @classmethod
    def of(cls, url: str) -> FeedOrigin:
        """The origin of the configured URL; FeedError when it is not a feed we can read."""
        parts = _split(url)
        if parts is None or parts.scheme not in FEED_SCHEMES:
            raise FeedError(
                _("%(url)s: a feed URL must be http:, https: or a file.") % {"url": _shown(url)}
            )
        if parts.scheme == "file":
            return cls("file", parts.hostname or "", None, _file_path(parts).parent)
        if not parts.hostname:
            raise FeedError(_("%(url)s: the URL names no host.") % {"url": _shown(url)})
        return cls(parts.scheme, parts.hostname, _port(parts))

    def __str__(self) -> str:
        if self.scheme == "file":
            return f"{self.folder}"
        return f"{self.scheme}://{self.host}:{self.port}"

    def refusal(self, url: str) -> str | None:
        """Why this feed may not read `url`, or None when it may."""
        parts = _split(url)
        if parts is None:
            return _("%(url)s is not a valid URL.") % {"url": _shown(url)}
        if parts.scheme != self.scheme:
            return _(
                "%(url)s uses the scheme %(scheme)s:, but this feed reads only %(expected)s: URLs."
            ) % {"url": _shown(url), "scheme": parts.scheme or "?", "expected": self.scheme}
        if self.scheme == "file":
            path = _file_path(parts)
            folder = self.folder or Path("/nonexistent")
            if (parts.hostname or "") != self.host or not path.is_relative_to(folder):
                return _("%(url)s is outside the feed's folder %(folder)s.") % {
                    "url": _shown(url),
                    "folder": self.folder,
                }
            return None
        if parts.hostname != self.host or _port(parts) != self.port:
            return _(
                "%(url)s is on another host than the feed (%(origin)s); a feed may only link to "
                "its own host."
            ) % {"url": _shown(url), "origin": self}
        return None


def _split(url: str) -> SplitResult | None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        return None
    return parts


def _port(parts: SplitResult) -> int | None:
    return parts.port or DEFAULT_PORTS.get(parts.scheme)


def _file_path(parts: SplitResult) -> Path:
    return Path(urllib.request.url2pathname(parts.path)).resolve()


@dataclass
class PullResult:
    run: CatalogSyncRun
    invalid_items: list[dict[str, Any]] = field(default_factory=list)
    tombstoned: list[dict[str, Any]] = field(default_factory=list)


class _Again(Exception):
    """A failure worth another try: the network, a busy server, a cut-off body."""


def _read(url: str, *, origin: FeedOrigin, timeout: float) -> bytes:
    """One page's bytes, once."""
    if origin.scheme == "file":
        path = _file_path(urlsplit(url))
        try:
            with path.open("rb") as page:
                raw = page.read(MAX_PAGE_BYTES + 1)
        except OSError as error:
            raise _Again(_("%(url)s: %(reason)s") % {"url": url, "reason": error}) from error
    else:

        def redirect_refusal(target: str) -> str | None:
            why = origin.refusal(target)
            if why is None:
                return None
            return _("%(url)s redirects to a URL the feed may not read: %(why)s") % {
                "url": _shown(url),
                "why": why,
            }

        try:
            answer = http.send(
                "GET",
                url,
                timeout=timeout,
                headers={"Accept": "application/json", "User-Agent": "hrtech-gov-sync/1"},
                max_bytes=MAX_PAGE_BYTES,
                redirects=redirect_refusal,
            )
        except http.RedirectRefused as error:
            raise FeedError(str(error)) from error
        except http.ResponseTooLarge:
            message = _("%(url)s: the page is larger than the limit.") % {"url": url}
            raise FeedError(message) from None
        except http.TransportError as error:
            raise _Again(_("%(url)s: %(reason)s") % {"url": url, "reason": error}) from error
        if not answer.ok:
            message = _("%(url)s answered %(status)d") % {"url": url, "status": answer.status}
            raise (_Again if answer.status in RETRY_STATUSES else FeedError)(message)
        raw = answer.body
    if len(raw) > MAX_PAGE_BYTES:
        raise FeedError(_("%(url)s: the page is larger than the limit.") % {"url": url})
    return raw


def fetch_page(
    url: str,
    *,
    timeout: float,
    retries: int,
    backoff: float,
    origin: FeedOrigin | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Any:
    """One page's JSON, retried `retries` times with backoff, backoff*2, backoff*4, …
    Only from `origin` (by default the page's own), redirects included."""
    origin = origin or FeedOrigin.of(url)
    if (why := origin.refusal(url)) is not None:
        raise FeedError(why)

    def attempt() -> Any:
        raw = _read(url, origin=origin, timeout=timeout)
        try:
            return json_loads(raw.decode(json.detect_encoding(raw)))
        except ValueError as error:
            # A cut-off body is worth another try; a server that sends no JSON fails the same.
            raise _Again(
                _("%(url)s: not valid JSON (%(error)s)") % {"url": url, "error": error}
            ) from error

    def warn(error: BaseException, number: int) -> None:
        log.warning("catalog feed: %s (attempt %d)", error, number)

    try:
        return http.with_retries(
            attempt,
            retries=retries,
            backoff=backoff,
            retry_on=lambda error: isinstance(error, _Again),
            sleep=sleep,
            before_retry=warn,
        )
    except _Again as error:
        raise FeedError(
            ngettext(
                "%(error)s; gave up after %(n)d attempt.",
                "%(error)s; gave up after %(n)d attempts.",
                retries + 1,
            )
            % {"error": error, "n": retries + 1}
        ) from error


def location_for(*, url: str | None = None, path: str | None = None) -> str:
    """A URL for a feed given as a URL or a file path (file:// pages may link to others)."""
    if path:
        return Path(path).resolve().as_uri()
    return url or ""


def catalog_feed_pull(
    *,
    source: str,
    url: str,
    full: bool = False,
    timeout: float | None = None,
    retries: int | None = None,
    backoff: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
    confirm_deletions: int | None = None,
) -> PullResult:
    """Read every page of the feed at `url` into `source`; record and return the run. A full
    pull that would remove more than CATALOG_SYNC_MAX_DELETE_SHARE of the source fails unless
    `confirm_deletions` is that number."""
    timeout = settings.CATALOG_FEED_TIMEOUT if timeout is None else timeout
    retries = settings.CATALOG_FEED_RETRIES if retries is None else retries
    backoff = settings.CATALOG_FEED_BACKOFF if backoff is None else backoff
    run = CatalogSyncRun.objects.create(source=source, url=url[:500], full=full)
    counts = dict.fromkeys((CREATED, UPDATED, UNCHANGED, INVALID, "deleted"), 0)
    result = PullResult(run)
    # A full pull is a full sync in pages, under its own session id.
    sync_id = f"pull-{run.pk}" if full else None
    seen_urls: set[str] = set()
    next_url: str | None = url
    try:
        origin = FeedOrigin.of(url)
        while next_url:
            if next_url in seen_urls or len(seen_urls) >= MAX_PAGES:
                raise FeedError(
                    _("The feed's pages loop back to %(url)s.") % {"url": _shown(next_url)}
                )
            seen_urls.add(next_url)
            page = fetch_page(
                next_url,
                timeout=timeout,
                retries=retries,
                backoff=backoff,
                origin=origin,
                sleep=sleep,
            )
            following = _next_link(page, url=next_url)
            batch = _apply_page(page, url=next_url, source=source, sync_id=sync_id)
            for name, value in batch.counts().items():
                counts[name] += value
            for item in [*batch.vendors, *batch.solutions]:
                if item.status == INVALID and len(result.invalid_items) < INVALID_KEPT:
                    result.invalid_items.append(item.as_report())
            run.pages += 1
            run.counts = counts
            run.save(update_fields=["pages", "counts"])
            page_url = next_url
            next_url = urljoin(page_url, following) if following else None
            if next_url and (why := origin.refusal(next_url)) is not None:
                raise FeedError(
                    _("%(url)s: refusing its next page: %(why)s") % {"url": page_url, "why": why}
                )
        if sync_id is not None:
            result.tombstoned = _finish_full_pull(
                source=source, sync_id=sync_id, confirm_deletions=confirm_deletions
            )
            counts["deleted"] = len(result.tombstoned)
    except FeedError as error:
        run.status, run.error = SyncRunStatus.FAILED, str(error)
        log.error("catalog feed %s failed: %s", source, error)
    else:
        run.status = SyncRunStatus.SUCCEEDED
    run.counts = counts
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "counts", "finished_at"])
    if run.status == SyncRunStatus.SUCCEEDED:
        catalog_source_synced(source=source)
    # Once per run (not per page or item), and only when it changed something.
    catalog_synced_notify(
        body={"source": source, "mode": MODE_FULL if full else MODE_UPSERT, "counts": counts}
    )
    return result


def _next_link(page: Any, *, url: str) -> str | None:
    """The page's link to the next one (relative or absolute), checked to be a page at all."""
    if not isinstance(page, dict):
        raise FeedError(_("%(url)s: a page must be a JSON object.") % {"url": url})
    following = page.get("next")
    if following is not None and not isinstance(following, str):
        raise FeedError(_("%(url)s: next must be a URL or null.") % {"url": url})
    return following


def _apply_page(page: dict[str, Any], *, url: str, source: str, sync_id: str | None) -> BatchResult:
    """One page applied in its own transaction; with a full pull's session, its keys kept."""
    try:
        request = parse_sync_request(
            {
                "source": source,
                "vendors": page.get("vendors", []),
                "solutions": page.get("solutions", []),
            },
            max_items=MAX_PAGE_ITEMS,
        )
    except SyncRequestInvalid as error:
        detail = "; ".join(f"{k}: {' '.join(v)}" for k, v in error.errors.items())
        raise FeedError(f"{url}: {error.message} {detail}".strip()) from error
    with transaction.atomic():
        session = None
        if sync_id is not None:
            session = sync_session_open(source=source, sync_id=sync_id)
        batch = apply_batch(source=source, vendors=request.vendors, solutions=request.solutions)
        if session is not None:
            try:
                sync_session_page(session=session, batch=batch)
            except UnidentifiedItems as error:
                raise FeedError(f"{url}: {error.message}") from None
        catalog_records_changed_notify(
            source=source,
            changes=lambda: sync_report_changes(
                {
                    "items": [i.as_report() for i in [*batch.vendors, *batch.solutions]],
                    "tombstoned": [],
                }
            ),
        )
    return batch


def _finish_full_pull(
    *, source: str, sync_id: str, confirm_deletions: int | None
) -> list[dict[str, Any]]:
    """Every page read and applied: tombstone what no page listed."""
    try:
        with transaction.atomic():
            session = sync_session_open(source=source, sync_id=sync_id)
            removed = sync_session_finish(
                session=session, confirm_deletions=confirm_deletions
            ).removed
            changes = sync_report_changes({"items": [], "tombstoned": removed})
            catalog_records_changed_notify(source=source, changes=changes)
            return removed
    except DeletionRefused as error:
        # No request to confirm it in: the operator runs the pull with --confirm-deletions.
        raise FeedError(
            _("%(why)s (With manage.py sync_catalog: --confirm-deletions %(n)d.)")
            % {"why": error.message, "n": error.count}
        ) from None
    except NothingListed:
        # An empty answer from a broken feed must not empty the catalog.
        raise FeedError(
            _(
                "The feed listed no records, so a full sync would remove every record of "
                "%(source)s; nothing was removed. Remove them in the admin if the source is "
                "really empty."
            )
            % {"source": source}
        ) from None
