"""The audit trail against someone who owns the database: every way of rewriting it that the
keyed chain and the signed checkpoints outside the database are there to catch."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from audit.checkpoints import Checkpoint, checkpoint_path, checkpoint_write, checkpoints_read
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


def test_nothing_is_recorded_while_the_current_key_id_names_no_configured_key(chain, settings, org):
    """A key id without its key (a rotation half done) must stop the writes: signing with a
    stand-in key would leave events nobody can ever verify."""
    settings.AUDIT_HMAC_KEY_ID = "k9"
    with pytest.raises(ValueError, match="no key for the audit chain's key id 'k9'"):
        make_proposal(requester=org.requester)
    assert Event.objects.count() == len(chain)
    with pytest.raises(ValueError, match="no key for the audit chain's key id 'k9'"):
        checkpoint_write()
    assert checkpoints_read() == []


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


def test_the_hash_keeps_its_published_formula():
    """The formula every stored hash was made with: HMAC-SHA256, with the key of the event's key
    id, of the compact JSON of its fields with sorted keys. A change to any part of it would
    leave every event recorded before failing verification."""
    from audit.models import Event as Unsaved

    event = Unsaved(seq=3, prev_hash="ab" * 32, kind="proposal.submitted", proposal_id=7,
                    actor_id=5, created_at=dt.datetime(2026, 12, 2, 10, 42, tzinfo=dt.UTC),
                    payload={"round": 1, "amount": "41300.00"}, key_id="k9")  # fmt: skip
    body = (
        '{"actor":5,"at":"2026-12-02T10:42:00+00:00","key":"k9","kind":"proposal.submitted",'
        '"payload":{"amount":"41300.00","round":1},"prev":"' + "ab" * 32 + '","proposal":7,'
        '"seq":3}'
    ).encode()
    assert event_hash(event, b"a key of the audit chain") == (
        hmac.new(b"a key of the audit chain", body, hashlib.sha256).hexdigest()
    )
    # Before the chain was keyed: plain SHA-256 of the same fields, without "key".
    event.key_id = ""
    unkeyed = body.replace(b'"key":"k9",', b"")
    assert event_hash(event) == hashlib.sha256(unkeyed).hexdigest()
    event.key_id = "k9"
    with pytest.raises(ValueError, match="no key for the audit chain's key id 'k9'"):
        event_hash(event, None)


def test_an_event_records_its_kind_actor_proposal_and_payload(org):
    from django.contrib.auth.models import AnonymousUser

    from audit.services import record_event

    proposal = make_proposal(requester=org.requester)
    with transaction.atomic():
        by_person = record_event(
            kind="comment.added",
            actor=org.hr_head,
            proposal_id=proposal.pk,
            payload={"b": 2, "a": dt.date(2026, 12, 2)},
        )
        by_nobody = record_event(kind="signoff.reminded", actor=AnonymousUser())
    stored = Event.objects.get(pk=by_person.pk)
    assert (stored.kind, stored.actor_id, stored.proposal_id) == (
        "comment.added",
        org.hr_head.pk,
        proposal.pk,
    )
    assert stored.payload == {"a": "2026-12-02", "b": 2}  # dates stored as they are hashed
    assert Event.objects.get(pk=by_nobody.pk).actor_id is None  # the anonymous: nobody
    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_an_event_outside_a_transaction_is_refused():
    from audit.services import record_event

    with pytest.raises(RuntimeError, match="inside the transaction of the change it records"):
        record_event(kind="comment.added")


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


# --- Exactly what the verification reports, and the checkpoints' own format


def report_of() -> tuple[int, int | None, str]:
    report = verify_chain()
    return report.checked, report.broken_at, report.reason


def test_each_break_reports_how_many_events_were_checked_and_where(chain, settings):
    as_owner(("UPDATE decisions_event SET prev_hash = %s WHERE id = %s", ["0" * 64, chain[3].pk]))
    assert report_of() == (3, 4, "link to the previous event does not match")


def test_a_rewritten_event_reports_the_events_checked_before_it(chain):
    as_owner(("UPDATE decisions_event SET kind = %s WHERE id = %s", ["x.forged", chain[2].pk]))
    assert report_of() == (2, 3, "content does not match its signature")


def test_an_event_signed_with_an_unknown_key_id_reports_where(chain):
    as_owner(("UPDATE decisions_event SET key_id = %s WHERE id = %s", ["k9", chain[2].pk]))
    assert report_of() == (2, 3, "no key 'k9' is configured to verify it")


def test_an_unkeyed_event_after_keyed_ones_reports_where_keying_started(chain):
    rechain_from(3, keyed=False)
    assert report_of() == (2, 3, "an unkeyed event after keyed ones (from #1)")


def test_a_tampered_unkeyed_event_reports_where(chain):
    rechain_from(1, keyed=False)
    as_owner(("UPDATE decisions_event SET kind = %s WHERE id = %s", ["x.forged", chain[1].pk]))
    assert report_of() == (1, 2, "content does not match its hash")


def test_a_rewrite_against_a_checkpoint_reports_where(chain):
    checkpoint_write()
    last = chain[-1]
    as_owner(("UPDATE decisions_event SET payload = %s WHERE id = %s", ['{"a": 1}', last.pk]))
    rechain_from(last.seq, keyed=False)
    # Rewritten unkeyed from the start: only the checkpoint, at its own number, catches it.
    rechain_from(1, keyed=False)
    assert report_of() == (
        len(chain) - 1,
        last.seq,
        "does not match the signed checkpoint: the chain was rewritten",
    )


def test_a_head_ahead_of_the_chain_reports_the_event_after_the_last(chain):
    as_owner(("DELETE FROM decisions_event WHERE seq = %s", [chain[-1].seq]))
    assert report_of() == (
        len(chain) - 1,
        len(chain),
        f"the head says #{len(chain)} is the last event",
    )


def test_deleted_newest_events_report_the_first_missing_one(chain):
    checkpoint_write()
    keep = chain[-3]
    as_owner(
        ("DELETE FROM decisions_event WHERE seq > %s", [keep.seq]),
        ("UPDATE decisions_auditchainhead SET last_seq = %s, last_hash = %s WHERE id = 1",
         [keep.seq, keep.hash]),
    )  # fmt: skip
    checked, broken_at, reason = report_of()
    assert (checked, broken_at) == (keep.seq, keep.seq + 1)
    assert reason == (
        f"a signed checkpoint vouches for #{chain[-1].seq}: the newest events were deleted"
    )


def test_unkeyed_events_without_a_checkpoint_report_the_last_of_them(org):
    make_proposal(requester=org.requester, submit=True)
    rechain_from(1, keyed=False)
    count = Event.objects.count()
    checked, broken_at, reason = report_of()
    assert (checked, broken_at) == (count, count)
    assert reason.startswith("events recorded before the chain was keyed are not vouched for")


def test_a_checkpoint_signed_with_a_key_no_longer_configured_is_refused(chain, settings):
    k1 = settings.AUDIT_HMAC_KEYS["k1"]
    settings.AUDIT_HMAC_KEYS = {"k1": k1, "k2": "the next key, " + "x" * 40}
    settings.AUDIT_HMAC_KEY_ID = "k2"
    checkpoint_write()
    (checkpoint,) = checkpoints_read()
    assert (checkpoint.key_id, checkpoint.signed()) == ("k2", True)
    settings.AUDIT_HMAC_KEYS = {"k1": k1}
    settings.AUDIT_HMAC_KEY_ID = "k1"
    assert not checkpoint.signed()
    assert report_of() == (len(chain), checkpoint.seq, "a checkpoint's signature does not match")


def test_a_checkpoint_line_is_an_hmac_of_its_documented_fields(chain, settings):
    """A checkpoint file outlives releases: its format is fixed. The MAC is HMAC-SHA256 of the
    compact, key-sorted JSON of seq, hash, at and key."""
    written = checkpoint_write()
    line = json.loads(checkpoint_path().read_text())
    assert line == {"seq": written.seq, "hash": written.hash, "at": written.at,
                    "key": "k1", "mac": written.mac}  # fmt: skip
    body = json.dumps(
        {"seq": line["seq"], "hash": line["hash"], "at": line["at"], "key": line["key"]},
        sort_keys=True,
        separators=(",", ":"),
    ).encode()
    key = settings.AUDIT_HMAC_KEYS["k1"].encode()
    assert line["mac"] == hmac.new(key, body, hashlib.sha256).hexdigest()


def test_a_line_that_is_not_a_checkpoint_fails_as_one_and_blank_lines_are_skipped(chain):
    first = checkpoint_write()
    path = checkpoint_path()
    path.write_text("\n" + path.read_text() + "\n   \n" + "not json\n" + '{"seq": 1}\n')
    read = checkpoints_read()
    assert read[0] == first
    assert read[1:] == [Checkpoint(-1, "", "", "", "not a checkpoint")] * 2
    assert report_of()[1:] == (0, "a checkpoint's signature does not match")


def test_checkpoints_go_to_and_are_read_from_the_folder_given(chain, tmp_path, checkpoints):
    folder = tmp_path / "elsewhere" / "nested"
    written = checkpoint_write(folder=folder)
    assert written is not None
    assert checkpoint_write(folder=folder) is None  # unchanged since the last one there
    assert checkpoints_read(folder=folder) == [written]
    assert not checkpoint_path().exists()
    as_owner(
        ("DELETE FROM decisions_event WHERE seq = %s", [chain[-1].seq]),
        ("UPDATE decisions_auditchainhead SET last_seq = %s, last_hash = %s WHERE id = 1",
         [chain[-2].seq, chain[-2].hash]),
    )  # fmt: skip
    assert verify_chain().ok  # nothing in the default folder vouches for the deleted event
    assert "the newest events were deleted" in verify_chain(checkpoint_folder=folder).reason


def test_no_checkpoint_for_an_empty_chain(db, checkpoints):
    assert checkpoint_write() is None
    # A head row that has not moved (a fresh PostgreSQL database may already hold it).
    AuditChainHead.objects.get_or_create(pk=1)
    assert AuditChainHead.objects.get(pk=1).last_seq == 0
    assert checkpoint_write() is None
    assert not checkpoint_path().exists()
