from typing import Any

from django.core.management.base import BaseCommand

from audit.checkpoints import checkpoint_path, checkpoint_write


class Command(BaseCommand):
    help = (
        "Write a signed checkpoint of the audit chain (its last sequence number and hash) to "
        "AUDIT_CHECKPOINT_DIR, outside the database. Celery beat does it every "
        "AUDIT_CHECKPOINT_MINUTES; without a worker, run this from cron."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        checkpoint = checkpoint_write()
        if checkpoint is None:
            self.stdout.write("The chain has not moved since the last checkpoint.")
            return
        self.stdout.write(
            self.style.SUCCESS(f"Checkpoint #{checkpoint.seq} written to {checkpoint_path()}.")
        )
