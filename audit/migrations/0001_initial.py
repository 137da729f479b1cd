"""The audit trail moves here from the decisions app, with its tables."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("decisions", "0007_move_out_audit_and_webhooks"),
    ]

    operations = [
        # The tables exist already (created by the app these models came from): only Django's
        # picture of them moves here (docs/adr/0001-one-room-per-concern.md).
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.CreateModel(
                name='AuditChainHead',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('last_seq', models.PositiveBigIntegerField(default=0)),
                    ('last_hash', models.CharField(default='', max_length=64)),
                ],
                options={
                    'db_table': 'decisions_auditchainhead',
                },
            ),
            migrations.CreateModel(
                name='Event',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('seq', models.PositiveBigIntegerField(editable=False, unique=True)),
                    ('kind', models.CharField(max_length=40, verbose_name='kind')),
                    ('proposal_id', models.BigIntegerField(blank=True, editable=False, null=True, verbose_name='proposal')),
                    ('created_at', models.DateTimeField(editable=False)),
                    ('payload', models.JSONField(blank=True, default=dict)),
                    ('prev_hash', models.CharField(editable=False, max_length=64)),
                    ('hash', models.CharField(editable=False, max_length=64)),
                    ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'verbose_name': 'event',
                    'verbose_name_plural': 'events',
                    'db_table': 'decisions_event',
                    'ordering': ['seq'],
                    'indexes': [models.Index(fields=['proposal_id', 'seq'], name='event_proposal_seq')],
                },
            ),
    ]
        ),
    ]
