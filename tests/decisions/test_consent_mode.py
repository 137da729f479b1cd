"""Consent mode (an option of the tier): a department's sign-off is presumed given unless it
objects by the due date; objections go to the dissent log and the CDO breaks the tie.

A Medium proposal submitted on Monday 2 March 2026 is due Monday 9 March (5 business days): the
last day to object is the 9th, the consent is presumed from Tuesday the 10th."""

from __future__ import annotations

import datetime as dt
import logging
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command

from audit.models import Event
from audit.selectors import verify_chain
from core.errors import DomainError, InvalidTransition
from decisions import consent, services, sla, tasks
from decisions.models import (
    Notification,
    NotificationKind,
    Proposal,
    ProposalStatus,
    SignOff,
    SignOffStatus,
)
from decisions.services.consent import signoff_presume, signoffs_presumption_due
from decisions.services.signoffs import RoundState, round_state
from stakeholders.models import Membership
from tests.factories import make_proposal
from webhooks.models import WebhookDelivery, WebhookSubscription

pytestmark = pytest.mark.django_db

TZ = ZoneInfo(settings.TIME_ZONE)
MONDAY = dt.datetime(2026, 3, 2, 9, 0, tzinfo=TZ)
DUE = dt.date(2026, 3, 9)


def at(day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=TZ)


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def consent_tiers(org):
    for tier in org.tiers.values():
        tier.consent_mode = True
        tier.save()
    return org.tiers


@pytest.fixture
def proposal(org, clock, consent_tiers):
    """A Medium proposal in consent mode, in review, its three sign-offs pending."""
    return make_proposal(requester=org.requester, submit=True)


def signoff_of(proposal, code: str) -> SignOff:
    return proposal.signoffs.get(department__code=code, round=proposal.round)


def presume_all(capture, *, now=None) -> list[int]:
    """What the periodic task does: every consent due, presumed (twice, as two beats would)."""
    presumed = []
    for _ in range(2):
        with capture(execute=True):
            for pk in signoffs_presumption_due(now=now):
                result = signoff_presume(signoff_id=pk, now=now)
                if result and result.presumed:
                    presumed.append(pk)
    return presumed


# --- The rules, at their boundaries -------------------------------------------------------


def _signoff(**fields) -> SignOff:
    return SignOff(**{"consent_mode": True, "due_on": DUE, **fields})


def test_the_consent_is_presumed_the_day_after_the_due_date():
    assert consent.presumed_on(_signoff()) == dt.date(2026, 3, 10)
    assert consent.presumed_on(_signoff(consent_mode=False)) is None
    assert consent.presumed_on(_signoff(due_on=None)) is None


def test_an_objection_is_taken_up_to_and_including_the_due_date():
    signoff = _signoff()
    assert consent.objection_open(signoff, today=dt.date(2026, 3, 8))
    assert consent.objection_open(signoff, today=DUE)
    assert not consent.objection_open(signoff, today=dt.date(2026, 3, 10))
    assert consent.objection_open(_signoff(due_on=None), today=dt.date(2026, 3, 10))


def test_only_a_no_in_consent_mode_is_an_objection():
    assert consent.is_objection(_signoff(status=SignOffStatus.REJECTED))
    assert consent.is_objection(_signoff(status=SignOffStatus.CHANGES_REQUESTED))
    assert not consent.is_objection(_signoff(status=SignOffStatus.APPROVED))
    assert not consent.is_objection(_signoff(status=SignOffStatus.CANCELLED))
    assert not consent.is_objection(_signoff(status=SignOffStatus.PENDING))
    assert not consent.is_objection(_signoff(status=SignOffStatus.REJECTED, consent_mode=False))


def test_a_round_is_open_while_one_signoff_is_pending_and_goes_to_the_cdo_on_an_objection():
    approved = _signoff(status=SignOffStatus.APPROVED)
    pending = _signoff(status=SignOffStatus.PENDING)
    objected = _signoff(status=SignOffStatus.REJECTED)
    cancelled = _signoff(status=SignOffStatus.CANCELLED)
    assert round_state([approved, pending, objected]) == RoundState.OPEN
    assert round_state([approved, objected]) == RoundState.DISSENT
    assert round_state([approved, approved]) == RoundState.APPROVED
    assert round_state([approved, cancelled]) == RoundState.CLOSED


def test_the_dissent_log_lists_the_objections_of_every_round_oldest_first():
    later = _signoff(pk=1, status=SignOffStatus.REJECTED, decided_at=at(5), round=2)
    earlier = _signoff(pk=2, status=SignOffStatus.CHANGES_REQUESTED, decided_at=at(3), round=1)
    approved = _signoff(pk=3, status=SignOffStatus.APPROVED, decided_at=at(4), round=2)
    assert consent.dissent_log([later, approved, earlier]) == [earlier, later]


# --- Submission ----------------------------------------------------------------------------


def test_each_signoff_of_the_round_keeps_the_tiers_consent_mode(org, proposal, consent_tiers):
    assert {s.consent_mode for s in proposal.signoffs.all()} == {True}
    assert Event.objects.get(kind="proposal.submitted").payload["consent_mode"] is True
    # A tier changed in the admin meanwhile does not change the running round.
    consent_tiers["medium"].consent_mode = False
    consent_tiers["medium"].save()
    assert signoffs_presumption_due(now=at(10)) != []


def test_a_tier_without_consent_mode_presumes_nothing(
    org, clock, django_capture_on_commit_callbacks
):
    make_proposal(requester=org.requester, submit=True)
    assert not SignOff.objects.filter(consent_mode=True).exists()
    assert presume_all(django_capture_on_commit_callbacks, now=at(20)) == []
    assert not SignOff.objects.filter(presumed=True).exists()


# --- Presumption ----------------------------------------------------------------------------


def test_nothing_is_presumed_on_the_due_date_itself_even_at_its_last_minute(
    proposal, django_capture_on_commit_callbacks
):
    assert presume_all(django_capture_on_commit_callbacks, now=at(9, 23, 59)) == []
    assert proposal.signoffs.filter(status=SignOffStatus.PENDING).count() == 3


def test_the_consent_is_presumed_on_the_first_run_after_the_due_date(
    org, proposal, clock, mailoutbox, django_capture_on_commit_callbacks
):
    clock.move_to(at(10, 0, 1))
    for _ in range(2):  # two beats
        with django_capture_on_commit_callbacks(execute=True):
            tasks.run_signoff_sla()
    it = signoff_of(proposal, "IT")
    assert it.status == SignOffStatus.APPROVED
    assert it.presumed
    assert it.reviewer is None
    assert it.decided_at == at(10, 0, 1)
    events = Event.objects.filter(kind="signoff.presumed")
    assert events.count() == 3  # each once, though the task ran twice
    event = events.get(payload__department="IT")
    assert event.actor is None
    assert event.payload["presumed"] is True
    assert event.payload["due_on"] == "2026-03-09"
    # Medium: every department's consent in, the CDO decides.
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.AWAITING_DECISION
    told = Notification.objects.filter(kind=NotificationKind.CONSENT, proposal=proposal)
    assert sorted(told.values_list("user__username", flat=True)) == [
        "hanna.hr",
        "henk.hrhead",
        "iris.ithead",
        "ivan.it",
        "max.mkthead",
        "mia.mkt",
    ]
    it_text = told.get(user=org.it_reviewer).message
    assert "No objection from IT Operations by" in it_text
    assert "is presumed" in it_text
    presumed_mail = [m for m in mailoutbox if "Consent presumed" in m.subject]
    assert len(presumed_mail) == 6  # one per reviewer, none twice
    assert verify_chain().ok


def test_a_due_date_on_friday_is_presumed_on_saturday(
    org, clock, consent_tiers, django_capture_on_commit_callbacks
):
    consent_tiers["medium"].sla_days = 4
    consent_tiers["medium"].save()
    proposal = make_proposal(requester=org.requester, submit=True)
    friday = dt.date(2026, 3, 6)
    assert signoff_of(proposal, "HR").due_on == friday
    capture = django_capture_on_commit_callbacks
    assert presume_all(capture, now=at(6, 23, 59)) == []
    assert len(presume_all(capture, now=at(7, 0, 0))) == 3


def test_a_small_proposal_whose_consent_is_presumed_everywhere_is_approved(
    org, clock, consent_tiers, mailoutbox, django_capture_on_commit_callbacks
):
    proposal = make_proposal(
        requester=org.requester, submit=True, recurring_cost="100", one_off_cost="0"
    )
    assert proposal.tier == consent_tiers["small"]
    presume_all(django_capture_on_commit_callbacks, now=at(6))  # due Thursday the 5th
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.APPROVED
    decided = Notification.objects.get(kind=NotificationKind.DECISION, user=org.requester)
    assert "is approved: no department objected" in decided.message


def test_a_signed_signoff_is_not_presumed_and_the_round_waits_for_the_others(
    org, proposal, django_capture_on_commit_callbacks
):
    services.signoff_decide(
        signoff=signoff_of(proposal, "HR"), actor=org.hr_reviewer, outcome="approved"
    )
    result = signoff_presume(signoff_id=signoff_of(proposal, "HR").pk, now=at(10))
    assert result is not None
    assert not result.presumed
    assert not signoff_of(proposal, "HR").presumed
    presumed = signoff_presume(signoff_id=signoff_of(proposal, "IT").pk, now=at(10))
    assert presumed is not None
    assert presumed.presumed
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.IN_REVIEW  # Marketing's consent is not in yet


def test_an_unknown_signoff_is_nothing_to_presume(db):
    assert signoff_presume(signoff_id=987654) is None


def test_a_withdrawn_proposal_has_no_consent_to_presume(
    org, proposal, django_capture_on_commit_callbacks
):
    services.proposal_withdraw(proposal=proposal, actor=org.requester)
    assert presume_all(django_capture_on_commit_callbacks, now=at(20)) == []
    assert not Event.objects.filter(kind="signoff.presumed").exists()


def test_the_periodic_task_presumes_once_however_often_it_runs(
    proposal, clock, mailoutbox, django_capture_on_commit_callbacks
):
    clock.move_to(at(10))
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            tasks.run_signoff_sla()
    assert Event.objects.filter(kind="signoff.presumed").count() == 3
    assert len([m for m in mailoutbox if "Consent presumed" in m.subject]) == 6
    # A retry of one task finds it presumed and sends nothing again.
    assert tasks.signoff_presume(signoff_of(proposal, "IT").pk) == 0
    assert len([m for m in mailoutbox if "Consent presumed" in m.subject]) == 6


def test_a_retry_emails_the_reviewers_the_first_attempt_left_unemailed(
    org, proposal, mailoutbox, django_capture_on_commit_callbacks
):
    """The first attempt presumed the consent and told the reviewers in the app, then died before
    their emails went out: the task's retry, finding the consent presumed, emails them."""
    it = signoff_of(proposal, "IT")
    first = signoff_presume(signoff_id=it.pk, now=at(10))
    assert first is not None
    assert first.presumed
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.signoff_presume(it.pk) == 0  # presumed before: nobody newly told
    presumed_mail = [m for m in mailoutbox if "Consent presumed" in m.subject]
    assert sorted(address for m in presumed_mail for address in m.to) == sorted(
        [org.it_head.email, org.it_reviewer.email]
    )


def test_the_audit_trail_says_on_the_proposal_whose_consent_was_presumed_and_why(org, proposal):
    signoff_presume(signoff_id=signoff_of(proposal, "IT").pk, now=at(10))
    event = Event.objects.get(kind="signoff.presumed")
    assert event.proposal_id == proposal.pk
    assert event.actor is None
    assert event.payload == {
        "department": "IT",
        "round": proposal.round,
        "due_on": "2026-03-09",
        "presumed": True,
        "why": "no objection by the due date (consent mode)",
    }


def test_a_presumption_is_logged_as_a_warning_only_when_nobody_can_be_told(org, proposal, caplog):
    Membership.objects.filter(department=org.departments["IT"]).delete()
    with caplog.at_level(logging.WARNING, logger="decisions.services.consent"):
        told = signoff_presume(signoff_id=signoff_of(proposal, "HR").pk, now=at(10))
    assert told is not None
    assert told.presumed
    assert told.notifications != []
    assert "has nobody to tell" not in caplog.text
    with caplog.at_level(logging.WARNING, logger="decisions.services.consent"):
        untold = signoff_presume(signoff_id=signoff_of(proposal, "IT").pk, now=at(10))
    assert untold is not None
    assert untold.presumed
    assert untold.notifications == []
    assert f"sign-off {signoff_of(proposal, 'IT').pk} has nobody to tell" in caplog.text


def test_consent_mode_has_no_reminders_or_escalations(proposal, clock):
    clock.move_to(at(20))
    assert sla.signoffs_sla_due() == []
    result = sla.signoff_sla_step(signoff_id=signoff_of(proposal, "IT").pk, step=sla.Step.REMIND)
    assert result is not None
    assert not result.claimed


def test_finding_the_consents_due_is_one_query_however_many(
    org, clock, consent_tiers, django_assert_num_queries
):
    for _ in range(4):
        make_proposal(requester=org.requester, submit=True)
    with django_assert_num_queries(1):
        due = signoffs_presumption_due(now=at(10))
    assert len(due) == 12


def test_the_command_presumes_and_says_so(proposal, clock):
    clock.move_to(at(10))
    out = StringIO()
    call_command("run_sla", "--dry-run", stdout=out)
    assert f"due: sign-off {signoff_of(proposal, 'IT').pk}: presume consent" in out.getvalue()
    assert not SignOff.objects.filter(presumed=True).exists()
    out = StringIO()
    call_command("run_sla", stdout=out)
    assert f"presumed: {proposal.reference} IT (due 2026-03-09)" in out.getvalue()
    assert "3 consent(s) presumed." in out.getvalue()
    out = StringIO()
    call_command("run_sla", stdout=out)
    assert "No consent to presume." in out.getvalue()


# --- Objections ---------------------------------------------------------------------------


def test_an_objection_goes_to_the_dissent_log_and_the_round_goes_on(org, proposal, clock):
    clock.move_to(at(9, 23, 59))  # the last minute of the due date
    signoff = services.signoff_decide(
        signoff=signoff_of(proposal, "IT"),
        actor=org.it_reviewer,
        outcome="rejected",
        comment="No SSO: we cannot support it.",
    )
    assert signoff.status == SignOffStatus.REJECTED
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.IN_REVIEW
    assert signoff_of(proposal, "HR").status == SignOffStatus.PENDING  # not cancelled
    event = Event.objects.get(kind="signoff.objected")
    assert event.payload["outcome"] == "rejected"
    assert event.payload["comment"] == "No SSO: we cannot support it."
    assert not Event.objects.filter(kind="signoff.rejected").exists()
    assert consent.dissent_log(proposal.signoffs.all()) == [signoff]


def test_after_an_objection_the_cdo_decides_even_where_the_tier_does_not_ask_them(
    org, clock, consent_tiers, django_capture_on_commit_callbacks
):
    proposal = make_proposal(
        requester=org.requester, submit=True, recurring_cost="100", one_off_cost="0"
    )
    assert not proposal.tier.cdo_decision_required
    with django_capture_on_commit_callbacks(execute=True):
        services.signoff_decide(
            signoff=signoff_of(proposal, "MKT"),
            actor=org.mkt_reviewer,
            outcome="changes_requested",
            comment="Tell us how candidates see it.",
        )
        services.signoff_decide(
            signoff=signoff_of(proposal, "HR"), actor=org.hr_reviewer, outcome="approved"
        )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.IN_REVIEW  # IT may still object until the 5th
    presume_all(django_capture_on_commit_callbacks, now=at(6))
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.AWAITING_DECISION
    change = Event.objects.filter(kind="proposal.status_changed").last()
    assert change.payload["to"] == "awaiting_decision"
    assert change.payload["dissent"] is True
    needed = Notification.objects.get(kind=NotificationKind.DECISION_NEEDED, user=org.cdo)
    assert "Marketing objected (consent mode)" in needed.message
    # The CDO breaks the tie: approving over the objection.
    services.decision_take(
        proposal=proposal, actor=org.cdo, outcome="approved", rationale="Brand risk is small."
    )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.APPROVED


def test_an_objection_the_day_after_the_due_date_is_refused_and_changes_nothing(
    org, proposal, clock
):
    clock.move_to(at(10, 0, 0))  # the task has not run yet: refused all the same
    before = Event.objects.count()
    with pytest.raises(InvalidTransition, match="The time to object ended on"):
        services.signoff_decide(
            signoff=signoff_of(proposal, "IT"),
            actor=org.it_reviewer,
            outcome="rejected",
            comment="Too late.",
        )
    assert signoff_of(proposal, "IT").status == SignOffStatus.PENDING
    assert Event.objects.count() == before
    # Approving is still taken: the same outcome as the presumption, by a person.
    signoff = services.signoff_decide(
        signoff=signoff_of(proposal, "IT"), actor=org.it_reviewer, outcome="approved"
    )
    assert signoff.status == SignOffStatus.APPROVED
    assert not signoff.presumed


def test_an_objection_needs_a_reason(org, proposal):
    with pytest.raises(DomainError, match="a comment is required"):
        services.signoff_decide(
            signoff=signoff_of(proposal, "IT"), actor=org.it_reviewer, outcome="rejected"
        )
    assert signoff_of(proposal, "IT").status == SignOffStatus.PENDING


def test_a_signoff_after_the_presumption_is_told_the_consent_was_presumed(org, proposal, clock):
    signoff_presume(signoff_id=signoff_of(proposal, "IT").pk, now=at(10))
    with pytest.raises(InvalidTransition, match="was presumed on"):
        services.signoff_decide(
            signoff=signoff_of(proposal, "IT"), actor=org.it_reviewer, outcome="approved"
        )


def test_outside_consent_mode_a_rejection_still_rejects_at_once(org, clock):
    proposal = make_proposal(requester=org.requester, submit=True)
    services.signoff_decide(
        signoff=signoff_of(proposal, "IT"),
        actor=org.it_reviewer,
        outcome="rejected",
        comment="No.",
    )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.REJECTED
    assert Event.objects.filter(kind="signoff.rejected").exists()
    assert consent.dissent_log(proposal.signoffs.all()) == []


# --- Guards and what the outside is told ----------------------------------------------------


def test_a_pending_signoff_of_a_proposal_no_longer_in_review_is_not_presumed(org, proposal):
    # Defensive: every transition out of review closes the round, but the task checks anyway.
    Proposal.objects.filter(pk=proposal.pk).update(status=ProposalStatus.AWAITING_DECISION)
    assert signoffs_presumption_due(now=at(10)) == []
    result = signoff_presume(signoff_id=signoff_of(proposal, "IT").pk, now=at(10))
    assert result is not None
    assert not result.presumed
    assert not Event.objects.filter(kind="signoff.presumed").exists()


def test_a_pending_signoff_of_an_earlier_round_is_not_presumed(org, proposal):
    Proposal.objects.filter(pk=proposal.pk).update(round=proposal.round + 1)
    assert signoffs_presumption_due(now=at(10)) == []
    result = signoff_presume(signoff_id=signoff_of(proposal, "IT").pk, now=at(10))
    assert result is not None
    assert not result.presumed


def test_webhook_subscribers_hear_of_a_presumed_consent_and_of_an_objection(org, proposal):
    WebhookSubscription.objects.create(
        name="Procurement", url="https://hooks.example/in", events=["signoff.decided"]
    )
    object_it = services.signoff_decide(
        signoff=signoff_of(proposal, "IT"),
        actor=org.it_reviewer,
        outcome="rejected",
        comment="No SSO.",
    )
    signoff_presume(signoff_id=signoff_of(proposal, "HR").pk, now=at(10))
    payloads = {
        d.payload["signoff"]["department"]: d.payload
        for d in WebhookDelivery.objects.filter(kind="signoff.decided")
    }
    assert object_it.status == SignOffStatus.REJECTED
    assert payloads["IT"]["signoff"]["objection"] is True
    assert payloads["IT"]["signoff"]["presumed"] is False
    assert payloads["IT"]["status"] == ProposalStatus.IN_REVIEW  # no decision: the round goes on
    assert payloads["HR"]["signoff"]["presumed"] is True
    assert payloads["HR"]["signoff"]["objection"] is False
    assert payloads["HR"]["actor"] is None
    assert not WebhookDelivery.objects.filter(kind="decision.taken").exists()


def test_the_consents_due_come_oldest_due_date_first(org, clock, consent_tiers):
    later = make_proposal(requester=org.requester, submit=True, new_vendor_name="Later")
    clock.move_to(at(3))  # submitted on Tuesday: due a day later than the first
    earlier_due = make_proposal(
        requester=org.requester, submit=True, new_vendor_name="Sooner", recurring_cost="100"
    )  # Small: 3 business days, due Friday the 6th
    due = signoffs_presumption_due(now=at(20))
    by_pk = dict(SignOff.objects.filter(pk__in=due).values_list("pk", "due_on"))
    assert [by_pk[pk] for pk in due] == sorted(by_pk[pk] for pk in due)
    assert SignOff.objects.get(pk=due[0]).proposal_id == earlier_due.pk
    assert SignOff.objects.get(pk=due[-1]).proposal_id == later.pk


def test_only_the_consents_due_are_listed_for_the_periodic_task(org, clock, proposal):
    """signoffs_presumption_due lists what is due, not every pending sign-off it would then
    find nothing to do for (on the due date itself; a later proposal's not yet)."""
    assert signoffs_presumption_due(now=at(9, 23, 59)) == []
    clock.move_to(at(5))
    make_proposal(requester=org.requester, submit=True, title="Later")
    due = {signoff_of(proposal, code).pk for code in ("HR", "IT", "MKT")}
    assert set(signoffs_presumption_due(now=at(10))) == due
