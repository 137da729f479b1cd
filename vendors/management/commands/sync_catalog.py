"""manage.py sync_catalog --source NAME (--url URL | --file PATH) [--full]"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError

from vendors.models import SyncRunStatus
from vendors.sync.feeds import catalog_feed_pull, location_for
from vendors.sync.spec import SOURCE_MAX


class Command(BaseCommand):
    help = (
        "Read a catalog feed (a JSON document with vendors, solutions and an optional next "
        "page) into the catalog, through the same sync as the API, and print the report."
    )

    def add_arguments(self, parser):
        parser.add_argument("--source", required=True, help="The source the records belong to.")
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("--url", help="The feed's first page.")
        where.add_argument("--file", help="A JSON file in the feed format.")
        parser.add_argument(
            "--full",
            action="store_true",
            help="Also mark what the source no longer lists as removed (after all pages).",
        )
        parser.add_argument(
            "--confirm-deletions",
            type=int,
            metavar="N",
            help="With --full: allow removing N records, more than CATALOG_SYNC_MAX_DELETE_SHARE "
            "of the source (a full pull that would remove more fails otherwise).",
        )

    def handle(
        self,
        *args,
        source: str,
        url: str | None,
        file: str | None,
        full: bool,
        confirm_deletions: int | None = None,
        **kw,
    ):
        source = source.strip()
        if not source or len(source) > SOURCE_MAX:
            raise CommandError(f"--source must be 1 to {SOURCE_MAX} characters.")
        if url is not None and urlsplit(url).scheme.lower() not in ("http", "https"):
            # file: only through --file, so that an operator sees which one they read.
            raise CommandError("--url must be an http(s) URL; read a file with --file.")
        if confirm_deletions is not None and (not full or confirm_deletions < 0):
            raise CommandError("--confirm-deletions needs --full and a number, 0 or more.")
        result = catalog_feed_pull(
            source=source,
            url=location_for(url=url, path=file),
            full=full,
            confirm_deletions=confirm_deletions,
        )
        run = result.run
        self.stdout.write(
            json.dumps(
                {
                    "run": run.pk,
                    "source": run.source,
                    "status": run.status,
                    "pages": run.pages,
                    "counts": run.counts,
                    "invalid": result.invalid_items,
                    "tombstoned": len(result.tombstoned),
                    "error": run.error,
                },
                indent=2,
            )
        )
        if run.status == SyncRunStatus.FAILED:
            raise CommandError(f"The sync of {source} failed: {run.error}")
