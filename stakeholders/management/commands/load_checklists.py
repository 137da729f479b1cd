from django.core.management.base import BaseCommand

from stakeholders.checklists import load_default_checklists


class Command(BaseCommand):
    help = "Create the default HR, IT and Marketing checklists for departments that have none."

    def handle(self, *args, **options):
        created = load_default_checklists()
        self.stdout.write(self.style.SUCCESS(f"{created} checklist questions created."))
