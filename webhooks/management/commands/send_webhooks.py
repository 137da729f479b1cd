"""Send the webhook deliveries that are due, now, in this process.

Without a Celery worker (no REDIS_URL, tasks run eagerly) a delivery's first attempt is made when
its event commits and a failed one waits here for its retry: run this every minute or so from
cron. Beside workers it is harmless (the claim lets only one sender POST a delivery) and sends
whatever they lost."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from webhooks import services as webhooks


class Command(BaseCommand):
    help = (
        "Attempt every pending webhook delivery whose next attempt is due, once each. "
        "Safe to run at any time, also beside Celery workers."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit", type=int, default=100, help="Attempt at most this many (default 100)."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="List the due deliveries; send none."
        )

    def handle(self, *args, limit: int = 100, dry_run: bool = False, **options):
        if dry_run:
            due = webhooks.webhook_deliveries_due(limit=limit)
            for delivery_id in due:
                self.stdout.write(f"due: delivery {delivery_id}")
            self.stdout.write(f"{len(due)} delivery(ies) due.")
            return
        report = webhooks.webhooks_send_due(limit=limit)
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.succeeded} sent, {report.retrying} to retry later, "
                f"{report.failed} failed, {report.skipped} skipped."
            )
        )
