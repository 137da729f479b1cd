"""A proposal keeps the rule its tier was chosen on instead of an English sentence: the sentence
is written when read, in the reader's language (Proposal.tier_reason). The sentences stored so
far become rules where the amounts and the tier they named are on the row; any other keeps its
text (tier_reason_text), shown as it is."""

from django.db import migrations, models
from django.db.models import F, Q


def sentences_to_rules(apps, schema_editor):
    proposal = apps.get_model("decisions", "Proposal")
    stored = proposal.objects.exclude(tier_reason_text="").filter(
        tier__isnull=False, tco__isnull=False, tier_basis__isnull=False
    )
    # The same test submission made: the same vendor's earlier spend counted when it was not 0.
    stored.filter(tier_basis=F("tco")).update(tier_rule="tco", tier_reason_text="")
    stored.filter(~Q(tier_basis=F("tco"))).update(
        tier_rule="vendor_12_months", tier_reason_text=""
    )


class Migration(migrations.Migration):
    dependencies = [("decisions", "0025_pilots")]

    operations = [
        migrations.RenameField("proposal", "tier_reason", "tier_reason_text"),
        migrations.AddField(
            model_name="proposal",
            name="tier_rule",
            field=models.CharField(
                blank=True,
                choices=[
                    ("tco", "Its TCO"),
                    ("vendor_12_months", "Its TCO plus the same vendor's last 12 months"),
                ],
                max_length=20,
                verbose_name="tier chosen on",
            ),
        ),
        migrations.RunPython(sentences_to_rules, migrations.RunPython.noop),
    ]
