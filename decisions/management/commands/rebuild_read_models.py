from typing import Any

from django.core.management.base import BaseCommand

from decisions import readmodels


class Command(BaseCommand):
    help = (
        "Recompute the dashboard's read models (proposal counts and spend) from the proposals. "
        "Safe to run at any time and more than once: writers wait while it runs."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        before = readmodels.maintained()
        keys = readmodels.rebuild()
        after = readmodels.maintained()
        drifted = sum(
            1 for key in before.keys() | after.keys() if before.get(key) != after.get(key)
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Read models rebuilt: {keys} keys; {drifted} differed from what was kept."
            )
        )
