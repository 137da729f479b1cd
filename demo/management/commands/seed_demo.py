import logging
from contextlib import AbstractContextManager, nullcontext

from django.conf import settings
from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from demo.loader import seed_demo
from demo.organisation import DEMO_PASSWORD

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


class Command(BaseCommand):
    help = (
        "Load the demo organisation, users, catalog and proposals (played through the real "
        "workflow). Idempotent: what exists already is left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--send-email",
            action="store_true",
            help="Send the emails of the demo's history through the configured mailer. By "
            "default tasks run in this process keep them in memory: the history is not news.",
        )

    def handle(self, *args, **options):
        quiet: AbstractContextManager[object] = nullcontext()
        if not options["send_email"]:
            # The in-app notifications and the "notified" marks are still recorded; only the
            # email of tasks run here (eager Celery) goes nowhere.
            mailers = getattr(settings, "MAILERS", {"default": {}})
            quiet = override_settings(MAILERS={alias: {"BACKEND": LOCMEM} for alias in mailers})
        # Eager Celery logs every task it runs at INFO: hundreds of lines of history.
        trace = logging.getLogger("celery.app.trace")
        level = trace.level
        if options["verbosity"] < 2:
            trace.setLevel(logging.WARNING)
        try:
            with quiet:
                report = seed_demo()
        finally:
            trace.setLevel(level)
        for line in report.lines:
            self.stdout.write(line)
        for failure in report.failed:
            self.stderr.write(self.style.WARNING(f"Demo proposal not played: {failure}"))
        self.stdout.write(
            self.style.SUCCESS(f"Demo data ready. Every demo user's password is “{DEMO_PASSWORD}”.")
        )
