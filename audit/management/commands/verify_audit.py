from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.checkpoints import checkpoint_path, checkpoints_read
from audit.selectors import verify_chain


class Command(BaseCommand):
    help = (
        "Walk the audit trail's chain: every event's link and signature, the head row, and the "
        "signed checkpoints kept outside the database. Reports the first broken link."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--checkpoints",
            type=Path,
            help="A folder with a copy of the checkpoints (default: AUDIT_CHECKPOINT_DIR).",
        )

    def handle(self, *args: Any, checkpoints: Path | None = None, **options: Any) -> None:
        report = verify_chain(checkpoint_folder=checkpoints)
        if not report.ok:
            raise CommandError(
                f"Audit chain broken at event #{report.broken_at}: {report.reason} "
                f"({report.checked} events verified before it)."
            )
        signed = checkpoints_read(folder=checkpoints)
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit chain intact: {report.checked} events verified"
                + (
                    f", against {len(signed)} signed checkpoint(s) up to #{signed[-1].seq} "
                    f"({checkpoint_path(checkpoints)})."
                    if signed
                    else "; no checkpoint yet (manage.py audit_checkpoint writes one)."
                )
            )
        )
