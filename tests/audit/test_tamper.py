"""The audit trail against someone who owns the database: every way of rewriting it that the
keyed chain and the signed checkpoints outside the database are there to catch."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from audit.checkpoints import checkpoint_path, checkpoint_write, checkpoints_read
from audit.models import AuditChainHead, Event
from audit.selectors import verify_chain
from audit.services import event_hash
from tests.factories import make_proposal
from tests.services import need_postgres

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def checkpoints(settings, tmp_path):
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "checkpoints"
    return settings.AUDIT_CHECKPOINT_DIR


@pytest.fixture
def chain(org):
    """Two proposals' worth of events: created, submitted, a sign-off."""
    make_proposal(requester=org.requester, submit=True)
    make_proposal(requester=org.requester, submit=True, title="Second")
    assert verify_chain().ok
    return list(Event.objects.order_by("seq"))


def as_owner(*statements: tuple[str, list]) -> None:
    """Run SQL as the database's owner would to hide their tracks: triggers off."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        try:
            for sql, params in statements:
                cursor.execute(sql, params)
        finally:
            if connection.vendor == "postgresql":
                cursor.execute("SET session_replication_role = origin")


def rechain_from(seq: int, *, keyed: bool) -> None:
    """Recompute every hash from `seq` on, as a forger would: plain SHA-256 (no key), or an HMAC
    with a key of their own; then point the head at the new last hash."""
    events = list(Event.objects.filter(seq__gte=seq).order_by("seq"))
    prev = Event.objects.get(seq=seq - 1).hash if seq > 1 else ""
    statements = []
    for event in events:
        event.prev_hash = prev
        if not keyed:
            event.key_id = ""
        event.hash = event_hash(event, b"the forger's own key" if keyed else None)
        statements.append(
            (
                "UPDATE decisions_event SET prev_hash = %s, hash = %s, key_id = %s WHERE id = %s",
                [event.prev_hash, event.hash, event.key_id, event.pk],
            )
        )
        prev = event.hash
    statements.append(("UPDATE decisions_auditchainhead SET last_hash = %s WHERE id = 1", [prev]))
    as_owner(*statements)


def broken() -> str:
    report = verify_chain()
    assert not report.ok
    return f"#{report.broken_at}: {report.reason}"


# --- Each hashed field, changed in place, breaks the chain at that event


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("kind", "proposal.forged"),
        ("payload", '{"round": 99}'),
        ("actor_id", None),
        ("proposal_id", 999),
        ("created_at", "2020-01-01T00:00:00+00:00"),
        ("seq", 1000),
        ("prev_hash", "0" * 64),
        ("key_id", ""),
    ],
)
def test_changing_any_hashed_field_is_detected(chain, column, value):
    victim = chain[2]
    as_owner((f"UPDATE decisions_event SET {column} = %s WHERE id = %s", [value, victim.pk]))
    message = broken()
    assert message.startswith(f"#{victim.seq}:") or column == "seq", message


def test_a_broken_link_is_detected(chain):
    victim = chain[3]
    as_owner(
        ("UPDATE decisions_event SET prev_hash = %s WHERE id = %s", [chain[0].hash, victim.pk])
    )
    assert broken() == f"#{victim.seq}: link to the previous event does not match"


# --- Rewriting and re-chaining


def test_a_rewrite_rechained_without_the_key_is_detected(chain):
    victim = chain[2]
    as_owner(("UPDATE decisions_event SET payload = %s WHERE id = %s", ['{"a": 1}', victim.pk]))
    rechain_from(victim.seq, keyed=True)
    assert broken() == f"#{victim.seq}: content does not match its signature"


def test_a_rewrite_rechained_as_unkeyed_events_is_detected(chain):
    victim = chain[2]
    as_owner(("UPDATE decisions_event SET payload = %s WHERE id = %s", ['{"a": 1}', victim.pk]))
    rechain_from(victim.seq, keyed=False)
    assert "an unkeyed event after keyed ones" in broken()


def test_rewriting_the_whole_chain_unkeyed_is_caught_by_a_checkpoint(chain):
    checkpoint_write()
    as_owner(("UPDATE decisions_event SET payload = %s WHERE id = %s", ['{"a": 1}', chain[0].pk]))
    rechain_from(1, keyed=False)
    assert "does not match the signed checkpoint" in broken()


# --- Deleting the newest events, resetting the head


def test_deleting_the_newest_events_is_caught_by_a_checkpoint(chain):
    checkpoint_write()
    keep = chain[-3]
    as_owner(
        ("DELETE FROM decisions_event WHERE seq > %s", [keep.seq]),
        (
            "UPDATE decisions_auditchainhead SET last_seq = %s, last_hash = %s WHERE id = 1",
            [keep.seq, keep.hash],
        ),
    )
    assert "the newest events were deleted" in broken()


def test_a_head_that_disagrees_with_the_chain_is_detected(chain):
    as_owner(("UPDATE decisions_auditchainhead SET last_hash = %s WHERE id = 1", ["f" * 64]))
    assert "the head says" in broken()


def test_verify_audit_says_what_broke_and_where(chain, capsys):
    checkpoint_write()
    call_command("verify_audit")
    assert "against 1 signed checkpoint(s)" in capsys.readouterr().out
    as_owner(("DELETE FROM decisions_event WHERE seq = %s", [chain[-1].seq]),
             ("UPDATE decisions_auditchainhead SET last_seq = last_seq - 1, last_hash = %s "
              "WHERE id = 1", [chain[-2].hash]))  # fmt: skip
    with pytest.raises(CommandError, match="the newest events were deleted"):
        call_command("verify_audit")


# --- The checkpoints themselves


def test_a_checkpoint_is_written_only_when_the_chain_moved(chain, org):
    first = checkpoint_write()
    assert first is not None
    assert first.seq == chain[-1].seq
    assert checkpoint_write() is None
    make_proposal(requester=org.requester)
    assert checkpoint_write().seq > first.seq
    assert len(checkpoints_read()) == 2


def test_an_edited_checkpoint_file_is_detected(chain, checkpoints):
    checkpoint_write()
    path = checkpoint_path()
    line = json.loads(path.read_text())
    line["seq"] -= 1
    line["hash"] = chain[-2].hash
    path.write_text(json.dumps(line) + "\n")
    assert "checkpoint's signature does not match" in broken()


def test_the_task_writes_a_checkpoint(chain):
    from audit.tasks import audit_checkpoint

    assert audit_checkpoint.delay().get() == chain[-1].seq
    assert verify_chain().ok


# --- Keys: rotation, a missing key, the events from before the chain was keyed


def test_events_signed_with_a_rotated_key_still_verify(chain, settings, org):
    settings.AUDIT_HMAC_KEYS = {**settings.AUDIT_HMAC_KEYS, "k2": "the next key, " + "x" * 40}
    settings.AUDIT_HMAC_KEY_ID = "k2"
    make_proposal(requester=org.requester)
    assert Event.objects.order_by("seq").last().key_id == "k2"
    assert verify_chain().ok
    # Forget the old key and the old events can no longer be vouched for.
    settings.AUDIT_HMAC_KEYS = {"k2": settings.AUDIT_HMAC_KEYS["k2"]}
    assert "no key 'k1' is configured" in broken()


def test_events_from_before_the_chain_was_keyed_need_a_checkpoint(org):
    make_proposal(requester=org.requester)
    # As an upgraded database has them: plain SHA-256, no key id.
    rechain_from(1, keyed=False)
    assert "not vouched for by a checkpoint" in broken()
    checkpoint_write()
    assert verify_chain().ok
    # And what is recorded after the upgrade is keyed.
    make_proposal(requester=org.requester)
    assert Event.objects.order_by("seq").last().key_id == "k1"
    assert verify_chain().ok


def test_the_hash_is_an_hmac_not_a_plain_digest(chain):
    event = chain[0]
    fields = {"seq": event.seq, "prev": event.prev_hash, "kind": event.kind,
              "proposal": event.proposal_id, "actor": event.actor_id,
              "at": event.created_at.isoformat(), "payload": event.payload,
              "key": event.key_id}  # fmt: skip
    plain = hashlib.sha256(json.dumps(fields, sort_keys=True, separators=(",", ":")).encode())
    assert event.hash != plain.hexdigest()


# --- PostgreSQL refuses the crude ways


@pytest.mark.django_db(transaction=True)
def test_postgresql_refuses_truncate_of_the_events_and_the_head(org):
    need_postgres()
    make_proposal(requester=org.requester, submit=True)  # committed: nothing pending
    for table in ("decisions_event", "decisions_auditchainhead"):
        with (
            pytest.raises(DatabaseError, match="TRUNCATE refused"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(f"TRUNCATE {table} CASCADE")
    assert verify_chain().ok


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE decisions_auditchainhead SET last_seq = 0, last_hash = ''",
        "UPDATE decisions_auditchainhead SET last_seq = last_seq + 1",
        "DELETE FROM decisions_auditchainhead",
        "INSERT INTO decisions_auditchainhead (id, last_seq, last_hash) VALUES (2, 0, '')",
    ],
)
def test_postgresql_refuses_any_head_change_but_an_append(chain, sql):
    need_postgres()
    with (
        pytest.raises(DatabaseError, match="decisions_auditchainhead"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    head = AuditChainHead.objects.get()
    assert (head.last_seq, head.last_hash) == (chain[-1].seq, chain[-1].hash)


# --- Subtle rewrites: each hashed field changed to another plausible value, one at a time


def test_an_event_given_to_another_real_actor_is_detected(chain, org):
    victim = next(e for e in chain if e.actor_id == org.requester.pk)
    as_owner(("UPDATE decisions_event SET actor_id = %s WHERE id = %s", [org.cdo.pk, victim.pk]))
    assert broken() == f"#{victim.seq}: content does not match its signature"


def test_an_event_moved_by_one_second_is_detected(chain):
    victim = chain[1]
    moved = victim.created_at + dt.timedelta(seconds=1)
    as_owner(("UPDATE decisions_event SET created_at = %s WHERE id = %s", [moved, victim.pk]))
    assert broken() == f"#{victim.seq}: content does not match its signature"


def test_an_event_of_another_kind_with_the_same_payload_is_detected(chain):
    victim = chain[1]
    as_owner(
        ("UPDATE decisions_event SET kind = %s WHERE id = %s", ["proposal.withdrawn", victim.pk])
    )
    assert broken() == f"#{victim.seq}: content does not match its signature"


def test_an_event_whose_hash_is_replaced_is_detected(chain):
    victim = chain[1]
    as_owner(("UPDATE decisions_event SET hash = %s WHERE id = %s", ["a" * 64, victim.pk]))
    assert broken() == f"#{victim.seq}: content does not match its signature"


def test_an_event_deleted_from_the_middle_is_a_sequence_gap(chain):
    victim = chain[2]
    as_owner(("DELETE FROM decisions_event WHERE id = %s", [victim.pk]))
    report = verify_chain()
    assert (report.ok, report.broken_at, report.checked) == (False, victim.seq + 1, victim.seq - 1)
    assert report.reason == f"sequence gap: expected #{victim.seq}"


def test_deleting_the_newest_events_without_touching_the_head_is_detected(chain):
    as_owner(("DELETE FROM decisions_event WHERE seq > %s", [chain[-3].seq]))
    report = verify_chain()
    assert not report.ok
    assert report.checked == len(chain) - 2
    assert report.reason == f"the head says #{len(chain)} is the last event"


def test_an_intact_chain_reports_every_event_checked(chain):
    checkpoint_write()
    report = verify_chain()
    assert (report.ok, report.checked, report.broken_at, report.reason) == (
        True,
        len(chain),
        None,
        "",
    )


def test_an_unkeyed_event_rewritten_in_place_is_detected(chain, settings, org):
    # Events recorded before the chain was keyed carry a plain SHA-256 of their fields.
    rechain_from(1, keyed=False)
    checkpoint_write()
    assert verify_chain().ok
    victim = Event.objects.get(seq=2)
    as_owner(("UPDATE decisions_event SET payload = %s WHERE id = %s", ['{"a": 1}', victim.pk]))
    assert broken() == "#2: content does not match its hash"
