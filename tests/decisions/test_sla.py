"""The sign-off SLA with a frozen clock: nothing before the due date, then a reminder, later the
head escalation, later the CDO escalation — each once, however often and however concurrently the
periodic task runs."""

from __future__ import annotations

import datetime as dt
import threading
import time
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from audit.models import Event
from audit.selectors import verify_chain
from decisions import services, sla, tasks
from decisions.models import Notification, NotificationKind, SignOff
from hrtech_gov.celery import app as celery_app
from tests.decisions.test_celery_worker import worker  # noqa: F401 (a fixture)
from tests.factories import make_proposal
from tests.services import need_postgres

pytestmark = pytest.mark.django_db

TZ = ZoneInfo(settings.TIME_ZONE)
MONDAY = dt.datetime(2026, 3, 2, 9, 0, tzinfo=TZ)  # submitted; Medium tier: due in 5 business days


def at(day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, 0, tzinfo=TZ)


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def late_it(org, clock):
    """A Medium proposal submitted on Monday 2 March, due Monday 9 March; HR and Marketing sign
    in time, IT Operations does not."""
    proposal = make_proposal(requester=org.requester, submit=True)
    for code in ("HR", "MKT"):
        services.signoff_decide(
            signoff=proposal.signoffs.get(department__code=code),
            actor=org.reviewers[code],
            outcome="approved",
        )
    signoff = proposal.signoffs.get(department__code="IT")
    assert signoff.due_on == dt.date(2026, 3, 9)
    Notification.objects.all().delete()  # the submission's own notifications are not the SLA's
    return signoff


def run(capture, outbox) -> list:
    """Run the periodic task twice, as two beats (or a beat and a restart) would; return the
    emails this sent."""
    before = len(outbox)
    for _ in range(2):
        with capture(execute=True):
            tasks.run_signoff_sla()
    return outbox[before:]


def sla_rows(kind):
    return Notification.objects.filter(kind=kind)


def test_it_reminds_then_escalates_to_the_head_then_to_the_cdo_each_once(
    org, clock, late_it, mailoutbox, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks

    clock.move_to(at(9, 18))  # due today: not overdue yet
    assert run(capture, mailoutbox) == []

    clock.move_to(at(10))  # overdue: remind IT's reviewers (the reviewer and the head)
    sent = run(capture, mailoutbox)
    assert sorted(m.to[0] for m in sent) == sorted([org.it_reviewer.email, org.it_head.email])
    assert all("Overdue sign-off" in m.subject for m in sent)
    assert {n.user.username for n in sla_rows(NotificationKind.REMINDER)} == {
        "ivan.it",
        "iris.ithead",
    }

    clock.move_to(at(11))  # the reminder is one business day old: wait
    assert run(capture, mailoutbox) == []

    clock.move_to(at(12))  # two business days: escalate to IT's head
    sent = run(capture, mailoutbox)
    assert [m.to for m in sent] == [[org.it_head.email]]
    assert "Escalated to you" in sent[0].subject
    assert "head of IT Operations" in sla_rows(NotificationKind.ESCALATION).get().message

    clock.move_to(at(13))  # Friday: one business day after the head escalation
    assert run(capture, mailoutbox) == []

    clock.move_to(at(16))  # Monday: two business days, so the CDO
    sent = run(capture, mailoutbox)
    assert [m.to for m in sent] == [[org.cdo.email]]
    assert "Escalated to the CDO" in sent[0].subject
    cdo_row = sla_rows(NotificationKind.ESCALATION).get(user=org.cdo)
    assert "IT Operations has not signed off" in cdo_row.message

    clock.move_to(at(30))  # nothing is ever sent twice
    assert run(capture, mailoutbox) == []

    late_it.refresh_from_db()
    assert late_it.reminded_at == at(10)
    assert late_it.escalated_head_at == at(12)
    assert late_it.escalated_cdo_at == at(16)
    events = Event.objects.filter(kind__in=["signoff.reminded", "signoff.escalated"])
    assert [(e.kind, e.payload["step"], e.payload["recipients"]) for e in events] == [
        ("signoff.reminded", "remind", ["iris.ithead", "ivan.it"]),
        ("signoff.escalated", "escalate_head", ["iris.ithead"]),
        ("signoff.escalated", "escalate_cdo", ["carla.cdo"]),
    ]
    assert all(e.actor is None and e.payload["department"] == "IT" for e in events)
    assert verify_chain().ok
    # Nobody else heard about it: not HR or Marketing, who signed, nor the requester.
    told = set(Notification.objects.values_list("user__username", flat=True))
    assert told == {"ivan.it", "iris.ithead", "carla.cdo"}


def test_it_takes_one_step_per_run_after_the_scheduler_was_down(
    org, clock, late_it, mailoutbox, django_capture_on_commit_callbacks
):
    clock.move_to(at(30))  # three weeks late: still the reminder first, and only that
    sent = run(django_capture_on_commit_callbacks, mailoutbox)
    assert len(sent) == 2
    assert all("Overdue sign-off" in m.subject for m in sent)
    late_it.refresh_from_db()
    assert late_it.reminded_at is not None
    assert late_it.escalated_head_at is None
    assert sla.signoffs_sla_due() == []


def test_it_never_escalates_to_the_cdo_before_the_head(org, clock, late_it):
    clock.move_to(at(30))
    # The head escalation needs a reminder first, the CDO's needs the head's.
    assert not sla.signoff_sla_step(signoff_id=late_it.pk, step=sla.Step.ESCALATE_HEAD).claimed
    assert not sla.signoff_sla_step(signoff_id=late_it.pk, step=sla.Step.ESCALATE_CDO).claimed
    assert sla.signoff_sla_step(signoff_id=late_it.pk, step=sla.Step.REMIND).claimed
    assert not sla.signoff_sla_step(signoff_id=late_it.pk, step=sla.Step.ESCALATE_CDO).claimed
    late_it.refresh_from_db()
    assert late_it.escalated_head_at is None
    assert late_it.escalated_cdo_at is None


def test_it_leaves_signed_and_withdrawn_signoffs_alone(
    org, clock, mailoutbox, django_capture_on_commit_callbacks
):
    withdrawn = make_proposal(requester=org.requester, submit=True)
    services.proposal_withdraw(proposal=withdrawn, actor=org.requester)
    signed = make_proposal(requester=org.requester, submit=True, title="Signed in time")
    for signoff in signed.signoffs.all():
        services.signoff_decide(
            signoff=signoff, actor=org.reviewers[signoff.department.code], outcome="approved"
        )
    mailoutbox.clear()
    clock.move_to(at(20))
    assert run(django_capture_on_commit_callbacks, mailoutbox) == []
    assert not Notification.objects.filter(kind=NotificationKind.REMINDER).exists()


def test_it_rejects_an_unknown_step(late_it):
    with pytest.raises(ValueError, match="Unknown SLA step"):
        sla.signoff_sla_step(signoff_id=late_it.pk, step="shout")
    assert sla.signoff_sla_step(signoff_id=999999, step=sla.Step.REMIND) is None


@pytest.mark.parametrize("size", [1, 6])
def test_it_finds_the_due_steps_in_one_query_at_any_size(
    org, clock, size, django_assert_num_queries
):
    for i in range(size):
        make_proposal(requester=org.requester, submit=True, title=f"Tool {i}")
    clock.move_to(at(10))
    with django_assert_num_queries(1):
        due = sla.signoffs_sla_due()
    assert len(due) == size * 3
    assert {step for _, step in due} == {sla.Step.REMIND}


def test_the_command_takes_the_steps_and_says_what_it_did(org, clock, late_it, mailoutbox):
    clock.move_to(at(10))
    out = StringIO()
    call_command("run_sla", "--dry-run", stdout=out)
    assert f"due: sign-off {late_it.pk}: remind" in out.getvalue()
    assert not SignOff.objects.filter(reminded_at__isnull=False).exists()

    out = StringIO()
    call_command("run_sla", stdout=out)
    text = out.getvalue()
    reference = late_it.proposal.reference
    assert f"remind: {reference} IT (due 2026-03-09) → iris.ithead, ivan.it" in text
    assert "1 SLA step(s) taken." in text
    assert len(mailoutbox) == 2

    out = StringIO()
    call_command("run_sla", stdout=out)
    assert "No sign-off has an SLA step due." in out.getvalue()
    assert len(mailoutbox) == 2


def test_beat_runs_the_sla_every_fifteen_minutes():
    entry = settings.CELERY_BEAT_SCHEDULE["run-signoff-sla"]
    assert entry["schedule"] == 15 * 60
    assert entry["task"] in celery_app.tasks
    assert celery_app.tasks[entry["task"]].name == tasks.run_signoff_sla.name


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_take_each_step_once(org):
    need_postgres()
    with time_machine.travel(MONDAY, tick=False) as clock:
        proposal = make_proposal(requester=org.requester, submit=True)
        clock.move_to(at(10))
        signoffs = list(proposal.signoffs.values_list("pk", flat=True))
        barrier = threading.Barrier(4)
        results: list = []
        errors: list = []

        def claim_all():
            try:
                barrier.wait(timeout=10)
                results.extend(
                    sla.signoff_sla_step(signoff_id=pk, step=sla.Step.REMIND) for pk in signoffs
                )
            except Exception as error:  # reported by the assertion below
                errors.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=claim_all) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    assert errors == []
    claimed = [r for r in results if r.claimed]
    assert len(results) == 12
    assert len(claimed) == 3
    assert Event.objects.filter(kind="signoff.reminded").count() == 3
    assert Notification.objects.filter(kind=NotificationKind.REMINDER).count() == 6
    assert verify_chain().ok


@pytest.mark.celery_worker
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_reminds_once_through_the_broker(org, worker):  # noqa: F811
    """The production path: the periodic task on a Celery worker with Redis fans out one task per
    step and one per email; queued twice (two beats), it still sends each reminder once."""
    mail_dir, log = worker
    proposal = make_proposal(requester=org.requester, submit=True)  # 3 request emails
    proposal.signoffs.filter(department__code="IT").update(due_on=dt.date(2020, 1, 6))
    tasks.run_signoff_sla.delay()
    tasks.run_signoff_sla.delay()

    def mail_text() -> str:
        if not mail_dir.exists():
            return ""
        return "\n".join(p.read_text() for p in mail_dir.iterdir())

    # Long subjects are folded onto the next line: count their text, not "Subject:" lines.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and mail_text().count("] Overdue sign-off:") < 2:
        time.sleep(0.5)
    time.sleep(2)  # a duplicate would arrive by now
    text = mail_text()
    assert text.count("] Overdue sign-off:") == 2, f"{text}\nworker log:\n{log.read_text()}"
    assert "To: ivan.it@example.com" in text
    assert "To: iris.ithead@example.com" in text
    assert Event.objects.filter(kind="signoff.reminded").count() == 1
    assert not Notification.objects.filter(
        kind=NotificationKind.REMINDER, emailed_at__isnull=True
    ).exists()


def test_the_command_also_sends_again_the_notifications_whose_task_was_lost(org, mailoutbox):
    proposal = make_proposal(requester=org.requester, submit=True)  # callbacks not run: lost
    SignOff.objects.filter(proposal=proposal).update(
        created_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=30)
    )

    out = StringIO()
    call_command("run_sla", "--dry-run", stdout=out)
    assert "3 lost notification task(s) or email(s) to send again." in out.getvalue()
    assert mailoutbox == []

    out = StringIO()
    call_command("run_sla", stdout=out)
    assert "3 lost notification task(s) or email(s) sent again." in out.getvalue()
    assert len(mailoutbox) == 3  # one per department
    assert not SignOff.objects.filter(notified_at__isnull=True).exists()

    out = StringIO()
    call_command("run_sla", stdout=out)
    assert "sent again" not in out.getvalue()
    assert len(mailoutbox) == 3
