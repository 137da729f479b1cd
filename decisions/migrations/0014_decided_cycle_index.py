"""PostgreSQL only: decided proposals by cycle time, then decision time. The dashboard's median
(decisions.readmodels.decided_since) reads the one-day band of cycle times that holds it by this
index rather than by the whole 90-day window. An expression index, so outside Django's model
state (like the read models' triggers); SQLite, the embedded default, reads its small window."""

from django.db import migrations

DECIDED = "'approved', 'piloting', 'adopted', 'rejected', 'retired'"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS proposal_decided_cycle ON decisions_proposal "
        "((decided_at - submitted_at), decided_at) INCLUDE (submitted_at) "
        f"WHERE decided_at IS NOT NULL AND submitted_at IS NOT NULL AND status IN ({DECIDED})"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS proposal_decided_cycle")


class Migration(migrations.Migration):
    dependencies = [("decisions", "0013_decision_day_counts")]

    operations = [migrations.RunPython(create, drop)]
