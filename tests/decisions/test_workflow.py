from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from audit.models import Event
from core.calendar import add_business_days
from core.errors import InvalidTransition
from decisions import services
from decisions.models import Notification, ProposalStatus, SignOffStatus
from tests.factories import SolutionFactory, VendorFactory, make_proposal

pytestmark = pytest.mark.django_db


def approve_all(org, proposal, *, except_code=None):
    for signoff in proposal.signoffs.filter(round=proposal.round, status=SignOffStatus.PENDING):
        if signoff.department.code != except_code:
            services.signoff_decide(
                signoff=signoff, actor=org.heads[signoff.department.code], outcome="approved"
            )


@pytest.mark.parametrize(
    ("one_off", "tier"),
    [("9999.99", "Small"), ("10000", "Medium"), ("99999.99", "Medium"), ("100000", "Large")],
)
def test_it_picks_the_tier_at_the_boundaries(org, one_off, tier):
    proposal = make_proposal(
        requester=org.requester, submit=True, one_off_cost=Decimal(one_off), recurring_cost=0
    )
    assert proposal.tier.name == tier
    assert tier in proposal.tier_reason


def test_it_counts_at_least_twelve_months_of_recurring_cost(org):
    # 900 a month "on demand" with a 1-month term would be 900; the floor makes it 10,800.
    proposal = make_proposal(
        requester=org.requester, submit=True, one_off_cost=0, recurring_cost=900, term_months=1
    )
    assert proposal.tco == Decimal("10800.00")
    assert proposal.tier.name == "Medium"


def test_it_converts_costs_to_the_base_currency(org, settings):
    settings.FX_RATES = {"EUR": Decimal("1"), "USD": Decimal("0.5")}
    proposal = make_proposal(
        requester=org.requester, submit=True, currency="USD", one_off_cost=15000, recurring_cost=0
    )
    assert proposal.tco == Decimal("7500.00")
    assert proposal.tier.name == "Small"


def test_it_adds_up_proposals_for_the_same_vendor_within_twelve_months(org):
    vendor = VendorFactory(name="Splitco")
    first = SolutionFactory(vendor=vendor)
    second = SolutionFactory(vendor=vendor)
    make_proposal(
        requester=org.requester, submit=True, solution=first, one_off_cost=8000, recurring_cost=0
    )
    split = make_proposal(
        requester=org.requester, submit=True, solution=second, one_off_cost=8000, recurring_cost=0
    )
    assert split.tco == Decimal("8000.00")
    assert split.tier_basis == Decimal("16000.00")
    assert split.tier.name == "Medium"
    assert "same vendor" in split.tier_reason
    # A free-text vendor of the same name counts too.
    named = make_proposal(
        requester=org.requester,
        submit=True,
        new_vendor_name="splitco",
        one_off_cost=1000,
        recurring_cost=0,
    )
    assert named.tier_basis == Decimal("17000.00")


def test_it_ignores_same_vendor_proposals_older_than_twelve_months(org):
    vendor = VendorFactory(name="Oldco")
    with time_machine.travel(dt.datetime(2025, 1, 10, tzinfo=dt.UTC)):
        make_proposal(
            requester=org.requester,
            submit=True,
            solution=SolutionFactory(vendor=vendor),
            one_off_cost=8000,
            recurring_cost=0,
        )
    with time_machine.travel(dt.datetime(2026, 3, 1, tzinfo=dt.UTC)):
        later = make_proposal(
            requester=org.requester,
            submit=True,
            solution=SolutionFactory(vendor=vendor),
            one_off_cost=8000,
            recurring_cost=0,
        )
    assert later.tier.name == "Small"


def test_it_does_not_count_withdrawn_proposals_for_the_vendor_total(org):
    vendor = VendorFactory(name="Goneco")
    first = make_proposal(
        requester=org.requester,
        submit=True,
        solution=SolutionFactory(vendor=vendor),
        one_off_cost=8000,
        recurring_cost=0,
    )
    services.proposal_withdraw(proposal=first, actor=org.requester)
    second = make_proposal(
        requester=org.requester,
        submit=True,
        solution=SolutionFactory(vendor=vendor),
        one_off_cost=8000,
        recurring_cost=0,
    )
    assert second.tier.name == "Small"


def test_it_sets_due_dates_in_business_days(org):
    with time_machine.travel(dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC)):  # a Friday
        proposal = make_proposal(
            requester=org.requester, submit=True, one_off_cost=20000, recurring_cost=0
        )
    # Medium: 5 business days after Friday 20 November is Friday 27 November.
    assert {s.due_on for s in proposal.signoffs.all()} == {dt.date(2026, 11, 27)}
    assert add_business_days(dt.date(2026, 11, 20), 1) == dt.date(2026, 11, 23)


def test_any_rejection_rejects_the_proposal(org):
    proposal = make_proposal(requester=org.requester, submit=True)
    hr = proposal.signoffs.get(department__code="HR")
    services.signoff_decide(signoff=hr, actor=org.hr_reviewer, outcome="approved")
    it = proposal.signoffs.get(department__code="IT")
    services.signoff_decide(
        signoff=it, actor=org.it_reviewer, outcome="rejected", comment="No SSO, no deal."
    )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.REJECTED
    assert proposal.signoffs.get(department__code="MKT").status == SignOffStatus.CANCELLED


def test_it_needs_a_comment_to_reject(org):
    proposal = make_proposal(requester=org.requester, submit=True)
    it = proposal.signoffs.get(department__code="IT")
    with pytest.raises(Exception, match="comment is required"):
        services.signoff_decide(signoff=it, actor=org.it_reviewer, outcome="rejected")


def test_changes_requested_returns_it_and_resubmission_starts_a_new_round(org):
    proposal = make_proposal(requester=org.requester, submit=True)
    mkt = proposal.signoffs.get(department__code="MKT")
    services.signoff_decide(
        signoff=mkt,
        actor=org.mkt_reviewer,
        outcome="changes_requested",
        comment="Add the candidate-facing branding plan.",
    )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.CHANGES_REQUESTED
    services.proposal_update(
        proposal=proposal, actor=org.requester, data={"rationale": "Branding plan attached."}
    )
    proposal = services.proposal_submit(proposal=proposal, actor=org.requester)
    assert proposal.round == 2
    assert proposal.signoffs.filter(round=2, status=SignOffStatus.PENDING).count() == 3
    # The first round stays visible.
    assert proposal.signoffs.get(round=1, department__code="MKT").status == "changes_requested"
    with pytest.raises(InvalidTransition):
        services.signoff_decide(signoff=mkt, actor=org.mkt_head, outcome="approved")
    approve_all(org, proposal)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.AWAITING_DECISION  # Medium tier: the CDO decides


def test_the_cdo_can_return_a_proposal_for_changes(org):
    proposal = make_proposal(requester=org.requester, submit=True, one_off_cost=50000)
    approve_all(org, proposal)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.AWAITING_DECISION
    services.decision_take(
        proposal=proposal,
        actor=org.cdo,
        outcome="returned",
        rationale="Negotiate a three-year price first.",
    )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.CHANGES_REQUESTED
    proposal = services.proposal_submit(proposal=proposal, actor=org.requester)
    approve_all(org, proposal)
    decision = services.decision_take(
        proposal=proposal,
        actor=org.cdo,
        outcome="approved",
        rationale="Better price.",
        conditions="Review after a year.",
    )
    assert decision.round == 2
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.APPROVED


def test_withdrawal_cancels_pending_signoffs_and_stops_signing(org):
    proposal = make_proposal(requester=org.requester, submit=True)
    services.proposal_withdraw(proposal=proposal, actor=org.requester, reason="Budget cut")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.WITHDRAWN
    assert set(proposal.signoffs.values_list("status", flat=True)) == {SignOffStatus.CANCELLED}
    with pytest.raises(InvalidTransition):
        services.signoff_decide(
            signoff=proposal.signoffs.first(), actor=org.hr_reviewer, outcome="approved"
        )
    with pytest.raises(InvalidTransition):
        services.proposal_withdraw(proposal=proposal, actor=org.requester)


def test_withdrawal_keeps_the_signoffs_given_and_leaves_other_proposals_alone(org):
    other = make_proposal(requester=org.requester, submit=True, title="Other")
    proposal = make_proposal(requester=org.requester, submit=True)
    hr = proposal.signoffs.get(department__code="HR")
    services.signoff_decide(signoff=hr, actor=org.hr_reviewer, outcome="approved")
    services.proposal_withdraw(proposal=proposal, actor=org.requester, reason="Budget cut")
    statuses = dict(proposal.signoffs.values_list("department__code", "status"))
    assert statuses.pop("HR") == SignOffStatus.APPROVED
    assert set(statuses.values()) == {SignOffStatus.CANCELLED}
    assert set(other.signoffs.values_list("status", flat=True)) == {SignOffStatus.PENDING}


def test_a_withdrawal_is_recorded_with_who_and_why_and_dated(org):
    proposal = make_proposal(requester=org.requester, submit=True)
    services.proposal_withdraw(proposal=proposal, actor=org.requester, reason="Budget cut")
    proposal.refresh_from_db()
    assert proposal.decided_at is not None
    event = Event.objects.filter(kind="proposal.status_changed", proposal_id=proposal.pk).last()
    assert (event.actor, event.payload["to"], event.payload["reason"]) == (
        org.requester,
        ProposalStatus.WITHDRAWN,
        "Budget cut",
    )
    quiet = make_proposal(requester=org.requester, title="Quiet")
    services.proposal_withdraw(proposal=quiet, actor=org.requester)
    event = Event.objects.filter(kind="proposal.status_changed", proposal_id=quiet.pk).last()
    assert event.payload["reason"] == ""


def test_a_comment_is_stored_trimmed_and_recorded_in_the_audit_trail(org):
    proposal = make_proposal(requester=org.requester, submit=True)
    comment = services.comment_add(
        proposal=proposal, actor=org.hr_reviewer, body="  Which data leaves the EU?  "
    )
    comment.refresh_from_db()
    assert (comment.proposal, comment.author, comment.body) == (
        proposal,
        org.hr_reviewer,
        "Which data leaves the EU?",
    )
    event = Event.objects.get(kind="comment.added")
    assert (event.actor, event.proposal_id, event.payload) == (
        org.hr_reviewer,
        proposal.pk,
        {"comment": comment.pk},
    )


def test_the_cdos_decision_is_recorded_with_who_the_round_the_rationale_and_conditions(
    org, django_capture_on_commit_callbacks
):
    proposal = make_proposal(requester=org.requester, submit=True, one_off_cost=50000)
    approve_all(org, proposal)
    proposal.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        decision = services.decision_take(
            proposal=proposal, actor=org.cdo, outcome="approved", rationale="Fits the plan."
        )
    assert decision.conditions == ""
    event = Event.objects.get(kind="decision.approved")
    assert (event.actor, event.proposal_id, event.payload) == (
        org.cdo,
        proposal.pk,
        {"round": 1, "rationale": "Fits the plan.", "conditions": ""},
    )
    status = Event.objects.filter(kind="proposal.status_changed", proposal_id=proposal.pk).last()
    assert (status.actor, status.payload["to"]) == (org.cdo, ProposalStatus.APPROVED)
    # Once committed, the requester is told of this round's decision.
    key = f"decision_taken:{proposal.pk}:1"
    told = Notification.objects.get(dedupe_key=key, user=org.requester)
    assert told.proposal == proposal


def test_references_count_up_per_year(org):
    with time_machine.travel(dt.datetime(2026, 6, 1, tzinfo=dt.UTC)):
        a = make_proposal(requester=org.requester)
        b = make_proposal(requester=org.requester)
    with time_machine.travel(dt.datetime(2027, 1, 2, tzinfo=dt.UTC)):
        c = make_proposal(requester=org.requester)
    assert (a.reference, b.reference, c.reference) == (
        "TP-2026-0001",
        "TP-2026-0002",
        "TP-2027-0001",
    )


def test_only_required_departments_sign(org):
    proposal = make_proposal(requester=org.requester, submit=True)
    assert "FIN" not in set(proposal.signoffs.values_list("department__code", flat=True))


def test_creating_a_proposal_is_recorded_with_its_author_reference_and_title(org):
    """services.proposal_create writes the trail's first entry: who, which proposal, what."""
    proposal = services.proposal_create(
        requester=org.requester,
        data={"title": "Shift planning", "requesting_department": org.departments["HR"],
              "paying_department": org.departments["HR"], "new_vendor_name": "Planit",
              "new_solution_name": "Planit Shifts", "category": "workforce_management",
              "one_off_cost": Decimal("0"), "recurring_cost": Decimal("100"),
              "recurring_period": "monthly", "term_months": 12},
    )  # fmt: skip
    event = Event.objects.get(kind="proposal.created", proposal_id=proposal.pk)
    assert event.actor_id == org.requester.pk
    assert event.payload == {"reference": proposal.reference, "title": "Shift planning"}


def test_the_signoff_requests_leave_when_the_submission_commits(
    org, django_capture_on_commit_callbacks
):
    """The services queue their tasks with queue_after_commit: nothing is sent before the
    commit, each department's request once it is done."""
    proposal = make_proposal(requester=org.requester)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        services.proposal_submit(proposal=proposal, actor=org.requester)
    assert queued
    assert not Notification.objects.filter(kind="signoff_requested").exists()
    for callback in queued:
        callback()
    told = Notification.objects.filter(proposal=proposal, kind="signoff_requested")
    assert told.exists()
