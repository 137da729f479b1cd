"""Webhook subscriptions and deliveries move here from the decisions app, with their tables."""

import django.core.validators
import django.db.models.deletion
import webhooks.models
import webhooks.registry
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [("decisions", "0007_move_out_audit_and_webhooks")]

    operations = [
        # The tables exist already (created by the app these models came from): only Django's
        # picture of them moves here (docs/adr/0001-one-room-per-concern.md).
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.CreateModel(
                name='WebhookSubscription',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('name', models.CharField(max_length=100, verbose_name='name')),
                    ('url', models.URLField(max_length=500, validators=[django.core.validators.URLValidator(schemes=['http', 'https'])], verbose_name='URL')),
                    ('secret', models.CharField(default=webhooks.models.webhook_secret_new, help_text='Generated; give it to the receiver to verify the X-Hrtech-Signature header.', max_length=100, verbose_name='signing secret')),
                    ('events', models.JSONField(blank=True, default=list, help_text='The kinds of event to send; empty for all.', validators=[webhooks.models.validate_webhook_events], verbose_name='events')),
                    ('is_active', models.BooleanField(default=True, verbose_name='active')),
                    ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ],
                options={
                    'verbose_name': 'webhook subscription',
                    'verbose_name_plural': 'webhook subscriptions',
                    'db_table': 'decisions_webhooksubscription',
                    'ordering': ['name'],
                },
            ),
            migrations.CreateModel(
                name='WebhookDelivery',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('event_id', models.UUIDField(verbose_name='event id')),
                    ('kind', models.CharField(choices=webhooks.registry.event_kind_choices, max_length=40, verbose_name='kind')),
                    ('payload', models.JSONField(default=dict, verbose_name='payload')),
                    ('status', models.CharField(choices=[('pending', 'Pending'), ('succeeded', 'Succeeded'), ('failed', 'Failed')], default='pending', max_length=10, verbose_name='status')),
                    ('attempts', models.PositiveIntegerField(default=0, verbose_name='attempts')),
                    ('last_status_code', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='last HTTP status')),
                    ('last_error', models.TextField(blank=True, verbose_name='last error')),
                    ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                    ('delivered_at', models.DateTimeField(blank=True, null=True, verbose_name='delivered at')),
                    ('next_attempt_at', models.DateTimeField(blank=True, null=True, verbose_name='next attempt at')),
                    ('locked_at', models.DateTimeField(blank=True, editable=False, null=True)),
                    ('subscription', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='webhooks.webhooksubscription', verbose_name='subscription')),
                ],
                options={
                    'verbose_name': 'webhook delivery',
                    'verbose_name_plural': 'webhook deliveries',
                    'db_table': 'decisions_webhookdelivery',
                    'ordering': ['-created_at', '-id'],
                    'indexes': [models.Index(fields=['status', 'created_at'], name='webhook_delivery_status')],
                    'constraints': [models.UniqueConstraint(fields=('subscription', 'event_id'), name='webhook_delivery_once')],
                },
            ),
    ]
        ),
    ]
