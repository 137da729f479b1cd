"""Pulling a catalog feed: a paginated JSON document in the push body's item format,
`{"vendors": [...], "solutions": [...], "next": "<url of the next page or null>"}`, applied
page by page through the same sync code as the push API.

Each page is fetched with a timeout and retried with exponential backoff on network errors,
timeouts, 5xx, 408 and 429 answers. A full sync tombstones what the source no longer lists only
after every page was read and applied: a feed that fails halfway tombstones nothing, and a feed
that lists no record at all fails instead of emptying the source. Every pull is recorded as a
CatalogSyncRun.

A feed is outside our control, so the pages it links to are not trusted: `next` (and any HTTP
redirect) must stay on the configured URL's scheme, host and port, so that a compromised feed
cannot make us read local files (file:) or internal hosts. File pages (`--file`) may only link
to files in the first file's folder or below. Only the handlers for the configured scheme are
installed: ftp:, data: and the like are never opened.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
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

from vendors.models import CatalogSyncRun, SyncRunStatus
from vendors.services import catalog_synced_notify
from vendors.sync import (
    CREATED,
    INVALID,
    MODE_FULL,
    MODE_UPSERT,
    UNCHANGED,
    UPDATED,
    SyncRequestInvalid,
    apply_batch,
    parse_sync_request,
    tombstone_unlisted,
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
            if (parts.hostname or "") != self.host or not path.is_relative_to(self.folder):
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


class _SameOriginRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to the feed's own scheme, host and port."""

    def __init__(self, origin: FeedOrigin):
        self.origin = origin

    def http_error_302(self, req, fp, code, msg, headers):
        # Checked before urllib's own checks, which would only say "answered 302" for file:.
        location = headers.get("location") or headers.get("uri")
        if location and (why := self.origin.refusal(urljoin(req.full_url, location))):
            fp.close()
            raise FeedError(
                _("%(url)s redirects to a URL the feed may not read: %(why)s")
                % {"url": _shown(req.full_url), "why": why}
            )
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302


def _opener(origin: FeedOrigin) -> urllib.request.OpenerDirector:
    """An opener with the handlers of the feed's scheme only (build_opener would add ftp:,
    data: and file: too, and follow redirects anywhere)."""
    opener = urllib.request.OpenerDirector()
    if origin.scheme == "file":
        handlers = [urllib.request.FileHandler()]
    else:
        handlers = [
            urllib.request.ProxyHandler(),  # the environment's proxies, as urlopen does
            urllib.request.HTTPHandler(),
            urllib.request.HTTPSHandler(),
            urllib.request.HTTPDefaultErrorHandler(),
            _SameOriginRedirects(origin),
            urllib.request.HTTPErrorProcessor(),
        ]
    for handler in [*handlers, urllib.request.UnknownHandler()]:
        opener.add_handler(handler)
    return opener


@dataclass
class PullResult:
    run: CatalogSyncRun
    invalid_items: list[dict[str, Any]] = field(default_factory=list)
    tombstoned: list[dict[str, Any]] = field(default_factory=list)


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
    opener = _opener(origin)
    last_error = ""
    for attempt in range(retries + 1):
        if attempt:
            sleep(backoff * 2 ** (attempt - 1))
        try:
            request = urllib.request.Request(
                url, headers={"Accept": "application/json", "User-Agent": "hrtech-gov-sync/1"}
            )
            with opener.open(request, timeout=timeout) as response:
                raw = response.read(MAX_PAGE_BYTES + 1)
        except urllib.error.HTTPError as error:
            last_error = _("%(url)s answered %(status)d") % {"url": url, "status": error.code}
            if error.code not in RETRY_STATUSES:
                raise FeedError(last_error) from error
            log.warning("catalog feed: %s (attempt %d)", last_error, attempt + 1)
            continue
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            last_error = _("%(url)s: %(reason)s") % {"url": url, "reason": reason}
            log.warning("catalog feed: %s (attempt %d)", last_error, attempt + 1)
            continue
        if len(raw) > MAX_PAGE_BYTES:
            raise FeedError(_("%(url)s: the page is larger than the limit.") % {"url": url})
        try:
            return json.loads(raw)
        except ValueError as error:
            # A cut-off body is worth another try; a server that sends no JSON fails the same.
            last_error = _("%(url)s: not valid JSON (%(error)s)") % {"url": url, "error": error}
            continue
    raise FeedError(
        ngettext(
            "%(error)s; gave up after %(n)d attempt.",
            "%(error)s; gave up after %(n)d attempts.",
            retries + 1,
        )
        % {"error": last_error, "n": retries + 1}
    )


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
) -> PullResult:
    """Read every page of the feed at `url` into `source`; record and return the run."""
    timeout = settings.CATALOG_FEED_TIMEOUT if timeout is None else timeout
    retries = settings.CATALOG_FEED_RETRIES if retries is None else retries
    backoff = settings.CATALOG_FEED_BACKOFF if backoff is None else backoff
    run = CatalogSyncRun.objects.create(source=source, url=url[:500], full=full)
    counts = dict.fromkeys((CREATED, UPDATED, UNCHANGED, INVALID, "deleted"), 0)
    result = PullResult(run)
    listed_vendors: set[str] = set()
    listed_solutions: set[str] = set()
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
            if not isinstance(page, dict):
                raise FeedError(_("%(url)s: a page must be a JSON object.") % {"url": next_url})
            following = page.get("next")
            if following is not None and not isinstance(following, str):
                raise FeedError(_("%(url)s: next must be a URL or null.") % {"url": next_url})
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
                raise FeedError(f"{next_url}: {error.message} {detail}".strip()) from error
            with transaction.atomic():
                batch = apply_batch(
                    source=source, vendors=request.vendors, solutions=request.solutions
                )
            listed_vendors |= batch.listed_vendors
            listed_solutions |= batch.listed_solutions
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
        if full and not (listed_vendors or listed_solutions):
            # An empty answer from a broken feed must not empty the catalog.
            raise FeedError(
                _(
                    "The feed listed no records, so a full sync would remove every record of "
                    "%(source)s; nothing was removed. Remove them in the admin if the source "
                    "is really empty."
                )
                % {"source": source}
            )
        if full:
            with transaction.atomic():
                result.tombstoned = tombstone_unlisted(
                    source=source, vendors=listed_vendors, solutions=listed_solutions
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
    # Once per run (not per page or item), and only when it changed something.
    catalog_synced_notify(
        body={"source": source, "mode": MODE_FULL if full else MODE_UPSERT, "counts": counts}
    )
    return result
