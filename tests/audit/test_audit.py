from __future__ import annotations

import itertools

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from audit.models import AppendOnlyError, Event
from audit.selectors import verify_chain
from tests.factories import make_proposal
from tests.services import need_postgres

pytestmark = pytest.mark.django_db


def test_each_event_links_to_the_one_before(org):
    make_proposal(requester=org.requester, submit=True)
    events = list(Event.objects.order_by("seq"))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[0].prev_hash == ""
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash
    assert verify_chain().ok


def test_the_model_refuses_updates_and_deletes(org):
    make_proposal(requester=org.requester)
    event = Event.objects.first()
    event.kind = "forged"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        Event.objects.update(kind="forged")
    with pytest.raises(AppendOnlyError):
        Event.objects.all().delete()


def test_verify_audit_reports_a_tampered_event(org, capsys):
    make_proposal(requester=org.requester, submit=True)
    call_command("verify_audit")
    assert "Audit chain intact" in capsys.readouterr().out
    victim = Event.objects.order_by("seq")[1]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A superuser bypassing the trigger: exactly what the hash chain is there to catch.
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(
            "UPDATE decisions_event SET payload = %s WHERE id = %s", ['{"round": 99}', victim.pk]
        )
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = origin")
    with pytest.raises(CommandError, match=f"broken at event #{victim.seq}"):
        call_command("verify_audit")


def test_postgresql_refuses_update_and_delete_on_events(org):
    need_postgres()
    make_proposal(requester=org.requester)
    for sql in ("UPDATE decisions_event SET kind = 'forged'", "DELETE FROM decisions_event"):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    assert verify_chain().ok


def test_the_timeline_page_lists_every_event_with_its_actor(client, org):
    proposal = make_proposal(requester=org.requester, submit=True)
    client.force_login(org.outsider)
    page = client.get(f"/proposals/{proposal.reference}/timeline/")
    assert page.status_code == 200
    assert "Proposal created" in page.text
    assert "Submitted for review" in page.text
    assert org.requester.get_full_name() in page.text
    assert Event.objects.filter(proposal_id=proposal.pk).last().hash in page.text
