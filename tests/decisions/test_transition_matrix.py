"""Every transition service against every persona: allowed, or refused with NotAllowed and nothing
changed. The states are reached through the services, as a user would reach them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from audit.models import Event
from core.errors import NotAllowed
from decisions import services
from decisions.models import ProposalStatus, SignOffStatus
from tests.factories import make_proposal

pytestmark = pytest.mark.django_db

PERSONAS = [
    "requester",
    "hr_reviewer",
    "it_reviewer",
    "mkt_reviewer",
    "hr_head",
    "it_head",
    "cdo",
    "outsider",
]

# 2,000 one-off + 1,000 a month over 12 months = 14,000 EUR: the Medium tier (reviewers sign,
# the CDO decides).
MEDIUM = {"one_off_cost": Decimal("2000"), "recurring_cost": Decimal("1000")}


def draft(org):
    return make_proposal(requester=org.requester, **MEDIUM)


def in_review(org):
    return make_proposal(requester=org.requester, submit=True, **MEDIUM)


def awaiting_decision(org):
    proposal = in_review(org)
    for signoff in proposal.signoffs.all():
        services.signoff_decide(
            signoff=signoff, actor=org.reviewers[signoff.department.code], outcome="approved"
        )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.AWAITING_DECISION
    return proposal


def approved(org):
    proposal = awaiting_decision(org)
    services.decision_take(proposal=proposal, actor=org.cdo, outcome="approved", rationale="Go.")
    proposal.refresh_from_db()
    return proposal


def hr_signoff(proposal):
    return proposal.signoffs.get(department__code="HR", round=proposal.round)


def sign_hr(outcome):
    def act(proposal, actor):
        comment = "" if outcome == "approved" else "Not like this."
        services.signoff_decide(
            signoff=hr_signoff(proposal), actor=actor, outcome=outcome, comment=comment
        )

    return act


def decide(outcome):
    def act(proposal, actor):
        services.decision_take(
            proposal=proposal, actor=actor, outcome=outcome, rationale="Weighed it."
        )

    return act


def advance(action):
    def act(proposal, actor):
        services.proposal_advance(proposal=proposal, actor=actor, action=action)

    return act


def edit(proposal, actor):
    services.proposal_update(proposal=proposal, actor=actor, data={"title": "Renamed"})


def submit(proposal, actor):
    services.proposal_submit(proposal=proposal, actor=actor)


def withdraw(proposal, actor):
    services.proposal_withdraw(proposal=proposal, actor=actor)


HR_SIGNERS = {"hr_reviewer", "hr_head"}
REQUESTER = {"requester"}
STEERS_LIFECYCLE = {"requester", "cdo"}

# (transition, the state it starts from, the action, the personas allowed, the status after it)
MATRIX = [
    ("edit a draft", draft, edit, REQUESTER, ProposalStatus.DRAFT),
    ("submit", draft, submit, REQUESTER, ProposalStatus.IN_REVIEW),
    ("withdraw in review", in_review, withdraw, REQUESTER, ProposalStatus.WITHDRAWN),
    ("withdraw awaiting the CDO", awaiting_decision, withdraw, REQUESTER, ProposalStatus.WITHDRAWN),
    ("approve HR's sign-off", in_review, sign_hr("approved"), HR_SIGNERS, ProposalStatus.IN_REVIEW),
    ("reject HR's sign-off", in_review, sign_hr("rejected"), HR_SIGNERS, ProposalStatus.REJECTED),
    (
        "request changes on HR's sign-off",
        in_review,
        sign_hr("changes_requested"),
        HR_SIGNERS,
        ProposalStatus.CHANGES_REQUESTED,
    ),
    ("CDO approves", awaiting_decision, decide("approved"), {"cdo"}, ProposalStatus.APPROVED),
    ("CDO rejects", awaiting_decision, decide("rejected"), {"cdo"}, ProposalStatus.REJECTED),
    (
        "CDO returns it",
        awaiting_decision,
        decide("returned"),
        {"cdo"},
        ProposalStatus.CHANGES_REQUESTED,
    ),
    (
        "start the pilot",
        approved,
        advance("start_pilot"),
        STEERS_LIFECYCLE,
        ProposalStatus.PILOTING,
    ),
    ("adopt", approved, advance("adopt"), STEERS_LIFECYCLE, ProposalStatus.ADOPTED),
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("start", "action", "allowed", "after"),
    [pytest.param(*row[1:], id=row[0]) for row in MATRIX],
)
def test_each_transition_is_allowed_exactly_to_its_personas(
    org, persona, start, action, allowed, after
):
    proposal = start(org)
    status_before = proposal.status
    events_before = Event.objects.count()
    actor = getattr(org, persona)

    if persona in allowed:
        action(proposal, actor)
        proposal.refresh_from_db()
        assert proposal.status == after
        assert Event.objects.count() > events_before, "every transition is audited"
    else:
        with pytest.raises(NotAllowed):
            action(proposal, actor)
        proposal.refresh_from_db()
        assert proposal.status == status_before
        assert Event.objects.count() == events_before, "a refusal records nothing"
        assert not proposal.signoffs.exclude(
            status__in=[SignOffStatus.PENDING, SignOffStatus.APPROVED]
        ).exists()
