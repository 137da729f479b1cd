"""The SLA steps one by one: which sign-offs are due and in what order, what one step claims,
who is told (never the requester), and what a step taken before returns."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
import time_machine

from audit.models import Event
from decisions import services, sla
from decisions.models import Notification, SignOff
from stakeholders.models import Membership, Role
from tests.decisions.test_sla import MONDAY, at
from tests.factories import MembershipFactory, UserFactory, cdo_group, make_proposal

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


def late(org, department="IT", **overrides) -> SignOff:
    """A submitted proposal whose other departments signed; `department` did not."""
    proposal = make_proposal(requester=overrides.pop("requester", org.requester), submit=True,
                             **overrides)  # fmt: skip
    for signoff in proposal.signoffs.exclude(department__code=department):
        services.signoff_decide(signoff=signoff, actor=org.heads[signoff.department.code],
                                outcome="approved")  # fmt: skip
    return proposal.signoffs.get(department__code=department)


def test_due_steps_are_listed_oldest_due_date_first(org, clock):
    # The one due later is created first: the order is the due date's, not the row's.
    clock.move_to(MONDAY + dt.timedelta(days=1))
    later = late(org, "MKT", title="Another")
    clock.move_to(MONDAY)
    earlier = late(org, "IT")
    assert later.due_on > earlier.due_on
    assert later.pk < earlier.pk
    clock.move_to(at(30))
    assert sla.signoffs_sla_due() == [(earlier.pk, sla.Step.REMIND), (later.pk, sla.Step.REMIND)]


def test_nothing_is_due_on_the_due_date_itself(org, clock):
    signoff = late(org)
    clock.move_to(dt.datetime.combine(signoff.due_on, dt.time(23), tzinfo=MONDAY.tzinfo))
    assert sla.signoffs_sla_due() == []
    assert not sla.signoff_sla_step(signoff_id=signoff.pk, step=sla.Step.REMIND).claimed


def test_a_step_listed_as_due_is_the_next_one_only_until_the_last(org, clock):
    signoff = late(org)
    for day, step in ((10, sla.Step.REMIND), (12, sla.Step.ESCALATE_HEAD),
                      (16, sla.Step.ESCALATE_CDO)):  # fmt: skip
        clock.move_to(at(day))
        assert sla.signoffs_sla_due() == [(signoff.pk, step)]
        assert sla.signoff_sla_step(signoff_id=signoff.pk, step=step).claimed
        # Taken: nothing is due until the next step's time.
        assert sla.signoffs_sla_due() == []
    clock.move_to(at(31))
    assert sla.signoffs_sla_due() == []


def test_the_head_escalation_is_not_due_the_day_after_the_reminder(org, clock):
    signoff = late(org)
    clock.move_to(at(10))
    sla.signoff_sla_step(signoff_id=signoff.pk, step=sla.Step.REMIND)
    clock.move_to(at(11, 23))
    assert sla.signoffs_sla_due() == []
    result = sla.signoff_sla_step(signoff_id=signoff.pk, step=sla.Step.ESCALATE_HEAD)
    assert not result.claimed
    clock.move_to(at(12, 0))
    assert sla.signoffs_sla_due() == [(signoff.pk, sla.Step.ESCALATE_HEAD)]


def test_the_cdo_escalation_waits_two_business_days_after_the_heads(org, clock):
    signoff = late(org)
    for day, step in ((10, sla.Step.REMIND), (12, sla.Step.ESCALATE_HEAD)):
        clock.move_to(at(day))
        sla.signoff_sla_step(signoff_id=signoff.pk, step=step)
    clock.move_to(at(13, 23))  # Friday: one business day
    assert not sla.signoff_sla_step(signoff_id=signoff.pk, step=sla.Step.ESCALATE_CDO).claimed
    clock.move_to(at(16, 0))  # Monday: two
    assert sla.signoff_sla_step(signoff_id=signoff.pk, step=sla.Step.ESCALATE_CDO).claimed


def test_a_step_is_taken_at_the_time_given(org, clock):
    signoff = late(org)
    # The clock says Monday 2 March; the step is asked for as of the 10th.
    result = sla.signoff_sla_step(signoff_id=signoff.pk, step=sla.Step.REMIND, now=at(10))
    assert result.claimed
    signoff.refresh_from_db()
    assert signoff.reminded_at == at(10)
    assert sla.signoffs_sla_due(now=at(12)) == [(signoff.pk, sla.Step.ESCALATE_HEAD)]
    assert sla.signoffs_sla_due(now=at(11)) == []


def test_taking_a_step_for_one_signoff_claims_no_other(org, clock):
    first = late(org, "IT")
    second = late(org, "MKT", title="Another")
    clock.move_to(at(30))
    assert sla.signoff_sla_step(signoff_id=first.pk, step=sla.Step.REMIND).claimed
    second.refresh_from_db()
    assert second.reminded_at is None
    assert sla.signoffs_sla_due() == [(second.pk, sla.Step.REMIND)]


def test_a_step_taken_before_returns_its_notifications_for_a_retry(org, clock):
    signoff = late(org)
    clock.move_to(at(10))
    taken = sla.signoff_sla_step(signoff_id=signoff.pk, step=sla.Step.REMIND)
    again = sla.signoff_sla_step(signoff_id=signoff.pk, step=sla.Step.REMIND)
    assert (taken.claimed, again.claimed) == (True, False)
    assert (again.signoff, again.step) == (signoff, sla.Step.REMIND)
    assert again.recipients == taken.recipients == ["iris.ithead", "ivan.it"]
    assert sorted(n.pk for n in again.notifications) == sorted(n.pk for n in taken.notifications)
    assert taken.step == sla.Step.REMIND


def test_no_step_for_a_signed_or_unknown_signoff(org, clock):
    signoff = late(org)
    clock.move_to(at(10))
    sla.signoff_sla_step(signoff_id=signoff.pk, step=sla.Step.REMIND)
    services.signoff_decide(signoff=signoff, actor=org.it_head, outcome="approved")
    clock.move_to(at(30))
    assert sla.signoffs_sla_due() == []
    assert not sla.signoff_sla_step(signoff_id=signoff.pk, step=sla.Step.ESCALATE_HEAD).claimed
    assert sla.signoff_sla_step(signoff_id=999_999, step=sla.Step.REMIND) is None


def test_a_signoff_of_an_earlier_round_is_never_due(org, clock):
    signoff = late(org)
    # Left pending in round 1 as a stale row would be (the services close them: belt and braces).
    SignOff.objects.filter(pk=signoff.pk).update(round=0)
    clock.move_to(at(30))
    assert sla.signoffs_sla_due() == []


def test_escalations_never_go_to_the_requester_even_as_head_or_cdo(org, clock):
    # The requester heads IT and is a CDO too: IT's late sign-off escalates to IT's other head
    # and the other CDO, never to the requester.
    boss = org.requester
    MembershipFactory(user=boss, department=org.departments["IT"], role=Role.HEAD,
                      approval_limit=None)  # fmt: skip
    Membership.objects.filter(user=boss, department=org.departments["HR"]).update(role=Role.MEMBER)
    from tests.factories import cdo_group

    boss.groups.add(cdo_group())
    signoff = late(org, requester=boss)
    for day, step, told in (
        (12, sla.Step.ESCALATE_HEAD, ["iris.ithead"]),
        (16, sla.Step.ESCALATE_CDO, ["carla.cdo"]),
    ):
        if step == sla.Step.ESCALATE_HEAD:
            clock.move_to(at(10))
            sla.signoff_sla_step(signoff_id=signoff.pk, step=sla.Step.REMIND)
        clock.move_to(at(day))
        assert sla.signoff_sla_step(signoff_id=signoff.pk, step=step).recipients == told


def test_escalations_never_go_to_who_filed_it_for_the_requester(org, clock):
    # Ines files for an HR colleague; she is an HR member, IT's other head and a CDO too. IT's
    # late sign-off escalates to IT's head and the CDO, never to her: who filed it signs nothing
    # of it, so no escalation asks her to.
    filer = UserFactory(username="ines.filer")
    MembershipFactory(user=filer, department=org.departments["HR"], role=Role.MEMBER)
    MembershipFactory(user=filer, department=org.departments["IT"], role=Role.HEAD,
                      approval_limit=None)  # fmt: skip
    filer.groups.add(cdo_group())
    signoff = late(org, requester=filer, on_behalf_of=org.requester)
    assert signoff.proposal.filed_by == filer
    clock.move_to(at(10))
    sla.signoff_sla_step(signoff_id=signoff.pk, step=sla.Step.REMIND)
    clock.move_to(at(12))
    assert sla.signoff_sla_step(signoff_id=signoff.pk, step=sla.Step.ESCALATE_HEAD).recipients == [
        "iris.ithead"
    ]
    clock.move_to(at(16))
    assert sla.signoff_sla_step(signoff_id=signoff.pk, step=sla.Step.ESCALATE_CDO).recipients == [
        "carla.cdo"
    ]


def test_each_step_is_recorded_with_its_details(org, clock):
    signoff = late(org)
    clock.move_to(at(10))
    sla.signoff_sla_step(signoff_id=signoff.pk, step=sla.Step.REMIND)
    event = Event.objects.get(kind="signoff.reminded")
    assert event.proposal_id == signoff.proposal_id
    assert event.actor is None
    assert event.payload == {
        "department": "IT",
        "round": 1,
        "due_on": signoff.due_on.isoformat(),
        "step": "remind",
        "recipients": ["iris.ithead", "ivan.it"],
    }
    notification = Notification.objects.filter(dedupe_key=f"reminder:{signoff.pk}").first()
    assert notification.proposal_id == signoff.proposal_id


def test_a_step_with_nobody_to_tell_is_taken_and_logged(org, clock, caplog):
    signoff = late(org)
    Membership.objects.filter(department=org.departments["IT"], role=Role.HEAD).delete()
    clock.move_to(at(10))
    sla.signoff_sla_step(signoff_id=signoff.pk, step=sla.Step.REMIND)
    clock.move_to(at(12))
    with caplog.at_level(logging.WARNING, logger="decisions.sla"):
        result = sla.signoff_sla_step(signoff_id=signoff.pk, step=sla.Step.ESCALATE_HEAD)
    assert result.claimed
    assert result.notifications == []
    assert "has nobody to tell" in caplog.text


def test_a_step_told_to_someone_logs_no_warning(org, clock, caplog):
    signoff = late(org)
    clock.move_to(at(10))
    with caplog.at_level(logging.WARNING, logger="decisions.sla"):
        result = sla.signoff_sla_step(signoff_id=signoff.pk, step=sla.Step.REMIND)
    assert result.recipients == ["iris.ithead", "ivan.it"]
    assert "has nobody to tell" not in caplog.text


def test_a_step_and_its_retry_cost_a_fixed_number_of_queries(org, clock):
    """The sign-off comes with its proposal's requester and its department, a retry's
    notifications with their people: reading them asks the database nothing more."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    signoff = late(org)
    clock.move_to(at(10))
    with CaptureQueriesContext(connection) as taken:
        result = sla.signoff_sla_step(signoff_id=signoff.pk, step=sla.Step.REMIND)
        assert (result.signoff.proposal.requester.pk, result.signoff.department.code) == (
            org.requester.pk,
            "IT",
        )
    with CaptureQueriesContext(connection) as retried:
        again = sla.signoff_sla_step(signoff_id=signoff.pk, step=sla.Step.REMIND)
        assert again.recipients == ["iris.ithead", "ivan.it"]
        assert (again.signoff.proposal.requester.pk, again.signoff.department.code) == (
            org.requester.pk,
            "IT",
        )
    # The claim, the sign-off, the recipients, their language, the notifications, the audit
    # event (its chain head, number and row), the department's chat channels…; a retry: the
    # claim, the sign-off, the notifications with their people.
    assert len(taken) == 12
    assert len(retried) == 5


def test_the_cdo_escalation_is_taken_once_and_never_for_a_settled_signoff(org, clock):
    first, second = late(org, "IT"), late(org, "MKT", title="Another")
    for signoff in (first, second):
        clock.move_to(at(10))
        sla.signoff_sla_step(signoff_id=signoff.pk, step=sla.Step.REMIND)
        clock.move_to(at(12))
        sla.signoff_sla_step(signoff_id=signoff.pk, step=sla.Step.ESCALATE_HEAD)
    services.signoff_decide(signoff=second, actor=org.heads["MKT"], outcome="approved")
    clock.move_to(at(16))
    assert sla.signoff_sla_step(signoff_id=first.pk, step=sla.Step.ESCALATE_CDO).claimed
    assert not sla.signoff_sla_step(signoff_id=first.pk, step=sla.Step.ESCALATE_CDO).claimed
    assert not sla.signoff_sla_step(signoff_id=second.pk, step=sla.Step.ESCALATE_CDO).claimed
    assert Event.objects.filter(kind="signoff.escalated", payload__step="escalate_cdo").count() == 1


@pytest.mark.parametrize(
    ("today", "first_day_too_late"),
    [
        (dt.date(2026, 12, 2), dt.date(2026, 12, 1)),  # Wednesday: Monday's step is two days old
        (dt.date(2026, 12, 5), dt.date(2026, 12, 3)),  # Saturday: Wednesday's is (Thu, Fri)
        (dt.date(2026, 12, 6), dt.date(2026, 12, 3)),  # Sunday: the same
        (dt.date(2026, 12, 7), dt.date(2026, 12, 4)),  # Monday: Thursday's is (Fri, Mon)
    ],
)
def test_two_business_days_are_counted_on_every_day_of_the_week(today, first_day_too_late):
    """A step taken on day X is two business days old once X + 2 business days is today: on a
    weekend, Wednesday's step is, Thursday's is not."""
    from django.utils import timezone

    assert sla.old_enough_before(today=today, business_days=2) == timezone.make_aware(
        dt.datetime.combine(first_day_too_late, dt.time.min)
    )
