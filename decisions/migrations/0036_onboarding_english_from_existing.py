"""The onboarding templates' and tasks' titles and descriptions written before the per-language
columns existed are English: copy them into the English column so that every reader keeps
seeing them. Then the default templates still as loaded, and the tasks made from them, get
their Dutch and French text (decisions.handoff.fill_default_translations); a text a head
changed is left as it is."""

from django.db import migrations
from django.db.models import F


def copy_to_english(apps, schema_editor):
    for model_name in ("OnboardingTemplate", "OnboardingTask"):
        model = apps.get_model("decisions", model_name)
        for field in ("title", "description"):
            english = f"{field}_en"
            model.objects.filter(**{f"{english}__isnull": True}).update(**{english: F(field)})


def fill_defaults(apps, schema_editor):
    from decisions.handoff import fill_default_translations

    fill_default_translations(
        apps.get_model("decisions", "OnboardingTemplate"),
        apps.get_model("decisions", "OnboardingTask"),
    )


class Migration(migrations.Migration):
    dependencies = [("decisions", "0035_onboarding_per_language")]

    operations = [
        migrations.RunPython(copy_to_english, migrations.RunPython.noop),
        migrations.RunPython(fill_defaults, migrations.RunPython.noop),
    ]
