"""The audit chain's head row, and on PostgreSQL a trigger that refuses UPDATE and DELETE on events,
so that the trail stays append-only even for someone who bypasses the ORM."""

from django.db import migrations

TRIGGER_SQL = """
CREATE OR REPLACE FUNCTION decisions_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'decisions_event is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS decisions_event_append_only ON decisions_event;
CREATE TRIGGER decisions_event_append_only
    BEFORE UPDATE OR DELETE ON decisions_event
    FOR EACH ROW EXECUTE FUNCTION decisions_event_append_only();
"""

DROP_SQL = """
DROP TRIGGER IF EXISTS decisions_event_append_only ON decisions_event;
DROP FUNCTION IF EXISTS decisions_event_append_only();
"""


def create_head(apps, schema_editor):
    apps.get_model("decisions", "AuditChainHead").objects.get_or_create(pk=1)


def add_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGER_SQL, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL, params=None)


class Migration(migrations.Migration):
    dependencies = [("decisions", "0001_initial")]

    operations = [
        migrations.RunPython(create_head, migrations.RunPython.noop),
        migrations.RunPython(add_trigger, drop_trigger),
    ]
