"""The audit trail and the webhooks leave the decisions app for their own (audit, webhooks),
keeping their tables: only Django's picture of them moves (docs/adr/0001-one-room-per-concern.md).

Before it goes, an event's link to its proposal becomes a plain id column: the audit trail is a
ground-floor app and may not point at a feature app's table. The column keeps its name and its
values (nothing is rewritten; the hash chain is untouched): only the foreign key constraint and
its single-column index are dropped; the (proposal_id, seq) index serves a proposal's timeline.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("decisions", "0006_notification_decision_needed")]

    operations = [
        migrations.AlterField(
            model_name="event",
            name="proposal",
            field=models.BigIntegerField(
                blank=True, null=True, db_column="proposal_id", verbose_name="proposal"
            ),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="Event"),
                migrations.DeleteModel(name="AuditChainHead"),
                migrations.DeleteModel(name="WebhookDelivery"),
                migrations.DeleteModel(name="WebhookSubscription"),
            ]
        ),
    ]
