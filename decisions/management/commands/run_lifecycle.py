"""Run the tool's life once, now, for today (or --today): what beat runs every hour
(decisions.tasks.run_lifecycle). Safe to run at any time: every step is idempotent."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from decisions.services.schedule import run_lifecycle


class Command(BaseCommand):
    help = (
        "Take the lifecycle steps due today: retirements on their day, pilot reminders, the "
        "shelfware rule, renewal reminders. Each is done once, however often this runs."
    )

    def add_arguments(self, parser):
        parser.add_argument("--today", help="Run as if today were this date (YYYY-MM-DD).")

    def handle(self, *args, today: str | None = None, **options):
        day = None
        if today:
            try:
                day = dt.date.fromisoformat(today)
            except ValueError as error:
                raise CommandError(f"--today: {error}") from None
        done = run_lifecycle(today=day)
        failed = [name for name, count in done.items() if count < 0]
        for name, count in done.items():
            self.stdout.write(f"{name}: {'failed' if count < 0 else count}")
        if failed:
            raise CommandError(f"failed: {', '.join(failed)} (see the log)")
        self.stdout.write(self.style.SUCCESS("Lifecycle steps taken."))
