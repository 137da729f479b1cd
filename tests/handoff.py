"""An approved new tool with its onboarding checklist, for the handoff's tests and the
permission matrices."""

from __future__ import annotations

from decimal import Decimal

from decisions import services
from decisions.handoff import load_default_templates
from decisions.models import DecisionOutcome, ProposalStatus, SignOffStatus
from tests.factories import make_proposal

# Small enough for the small tier: approved by the departments, without the CDO.
SMALL = {"one_off_cost": Decimal("1000"), "recurring_cost": Decimal("100")}


def approve_by_departments(org, proposal):
    for code, reviewer in org.reviewers.items():
        services.signoff_decide(
            signoff=proposal.signoffs.get(department__code=code, round=proposal.round),
            actor=reviewer,
            outcome=SignOffStatus.APPROVED,
        )
    proposal.refresh_from_db()
    return proposal


def approved_with_checklist(org, **overrides):
    """A small new tool's proposal of the requester's (HR), approved (by the CDO too where the
    tiers ask): its
    checklist made from the default templates (IT 3, HR 2, Marketing 1)."""
    load_default_templates()
    proposal = make_proposal(requester=org.requester, submit=True, **{**SMALL, **overrides})
    proposal = approve_by_departments(org, proposal)
    if proposal.status == ProposalStatus.AWAITING_DECISION:  # tiers where the CDO decides
        services.decision_take(
            proposal=proposal, actor=org.cdo, outcome=DecisionOutcome.APPROVED, rationale="Go."
        )
        proposal.refresh_from_db()
    return proposal
