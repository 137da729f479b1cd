from django.core.management.base import BaseCommand

from decisions.handoff import load_default_templates


class Command(BaseCommand):
    help = (
        "Create the default onboarding task templates (IT, HR, Marketing) for departments that "
        "have none."
    )

    def handle(self, *args, **options):
        created = load_default_templates()
        self.stdout.write(self.style.SUCCESS(f"{created} onboarding task templates created."))
