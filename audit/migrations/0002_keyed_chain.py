"""The chain becomes keyed (each event records the id of the key its HMAC is made with; older
events keep their plain SHA-256 and an empty key id), and on PostgreSQL the trail refuses what
the row triggers of decisions/0002 did not: TRUNCATE of the events, and any change to the head
row but the one append makes (the next sequence number, with the hash of the event that has
it). A session that sets `hrtech.audit_maintenance` to `on` may truncate (a test database
being flushed); the database's owner can always disable triggers, which is what the keyed
hashes and the checkpoints outside the database are for (docs/adr/0002)."""

from django.db import migrations, models

TRIGGERS_SQL = """
CREATE OR REPLACE FUNCTION audit_refuse_truncate() RETURNS trigger AS $$
BEGIN
    IF current_setting('hrtech.audit_maintenance', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION '% is append-only: TRUNCATE refused', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS decisions_event_no_truncate ON decisions_event;
CREATE TRIGGER decisions_event_no_truncate
    BEFORE TRUNCATE ON decisions_event
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate();
DROP TRIGGER IF EXISTS decisions_auditchainhead_no_truncate ON decisions_auditchainhead;
CREATE TRIGGER decisions_auditchainhead_no_truncate
    BEFORE TRUNCATE ON decisions_auditchainhead
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate();

CREATE OR REPLACE FUNCTION audit_head_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'decisions_auditchainhead: DELETE refused'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'INSERT' THEN
        IF EXISTS (SELECT 1 FROM decisions_auditchainhead) THEN
            RAISE EXCEPTION 'decisions_auditchainhead: one head row only'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
    END IF;
    -- UPDATE: only what appending one event does.
    IF NEW.id <> OLD.id OR NEW.last_seq <> OLD.last_seq + 1 OR NOT EXISTS (
        SELECT 1 FROM decisions_event WHERE seq = NEW.last_seq AND hash = NEW.last_hash
    ) THEN
        RAISE EXCEPTION 'decisions_auditchainhead: only an append moves the head'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS decisions_auditchainhead_guard ON decisions_auditchainhead;
CREATE TRIGGER decisions_auditchainhead_guard
    BEFORE INSERT OR UPDATE OR DELETE ON decisions_auditchainhead
    FOR EACH ROW EXECUTE FUNCTION audit_head_guard();
"""

DROP_SQL = """
DROP TRIGGER IF EXISTS decisions_event_no_truncate ON decisions_event;
DROP TRIGGER IF EXISTS decisions_auditchainhead_no_truncate ON decisions_auditchainhead;
DROP TRIGGER IF EXISTS decisions_auditchainhead_guard ON decisions_auditchainhead;
DROP FUNCTION IF EXISTS audit_refuse_truncate();
DROP FUNCTION IF EXISTS audit_head_guard();
"""


def add_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGERS_SQL, params=None)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="event",
            name="key_id",
            field=models.CharField(blank=True, default="", editable=False, max_length=20),
        ),
        migrations.RunPython(add_triggers, drop_triggers),
    ]
