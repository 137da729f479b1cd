"""API tokens leave the stakeholders app for the api app, keeping their table: only Django's
picture of the model moves (docs/adr/0001-one-room-per-concern.md)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("stakeholders", "0003_api_tokens")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ApiToken")]
        ),
    ]
