"""The guardrails' names and descriptions written before the per-language columns existed are
English: copy them into the English column so that every reader keeps seeing them."""

from django.db import migrations
from django.db.models import F


def copy_to_english(apps, schema_editor):
    guardrail = apps.get_model("landscape", "Guardrail")
    for field in ("name", "description"):
        guardrail.objects.filter(**{f"{field}_en__isnull": True}).update(**{f"{field}_en": F(field)})


class Migration(migrations.Migration):
    dependencies = [("landscape", "0006_guardrails_per_language")]

    operations = [migrations.RunPython(copy_to_english, migrations.RunPython.noop)]
