"""API tokens move here from the stakeholders app, with their table."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("stakeholders", "0004_move_out_api_tokens"),
    ]

    operations = [
        # The tables exist already (created by the app these models came from): only Django's
        # picture of them moves here (docs/adr/0001-one-room-per-concern.md).
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.CreateModel(
                name='ApiToken',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('name', models.CharField(max_length=100, verbose_name='name')),
                    ('prefix', models.CharField(editable=False, max_length=16, unique=True, verbose_name='prefix')),
                    ('key_hash', models.CharField(editable=False, max_length=64)),
                    ('scope', models.CharField(choices=[('full', 'Full access (everything the user may do)'), ('catalog', 'Catalog only (vendors, solutions, catalog sync)')], default='full', max_length=10, verbose_name='scope')),
                    ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                    ('last_used_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='last used')),
                    ('expires_at', models.DateTimeField(blank=True, null=True, verbose_name='expires')),
                    ('revoked_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='revoked')),
                    ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='api_tokens', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'verbose_name': 'API token',
                    'verbose_name_plural': 'API tokens',
                    'db_table': 'stakeholders_apitoken',
                    'ordering': ['-created_at'],
                    'indexes': [models.Index(fields=['user', 'created_at'], name='apitoken_user_created')],
                },
            ),
    ]
        ),
    ]
