"""The text written before the per-language columns existed is English: copy it into the
English column (name -> name_en, ...) so that every reader, in any language, keeps seeing it."""

from django.db import migrations
from django.db.models import F

TRANSLATED = {
    "department": ("name",),
    "approvaltier": ("name",),
    "strategicgoal": ("title", "description"),
    "checklistquestion": ("text", "help_text"),
}


def copy_to_english(apps, schema_editor):
    for model_name, fields in TRANSLATED.items():
        model = apps.get_model("stakeholders", model_name)
        for field in fields:
            model.objects.filter(**{f"{field}_en__isnull": True}).update(**{f"{field}_en": F(field)})


class Migration(migrations.Migration):
    dependencies = [("stakeholders", "0007_reference_data_per_language")]

    operations = [migrations.RunPython(copy_to_english, migrations.RunPython.noop)]
