"""A proposal in review with criteria in HR and IT and one alternative, for the scoring's tests
and the permission matrices."""

from __future__ import annotations

from decisions.models import ScoringCriterion
from decisions.services import scoring
from tests.factories import make_proposal


def with_criteria(org):
    """HR: Fit (weight 3), Cost (1); IT: Security (2). Marketing keeps none."""
    hr, it = org.departments["HR"], org.departments["IT"]
    return {
        "fit": ScoringCriterion.objects.create(department=hr, name="Fit", weight=3),
        "cost": ScoringCriterion.objects.create(department=hr, name="Cost", weight=1),
        "security": ScoringCriterion.objects.create(department=it, name="Security", weight=2),
    }


def scored_proposal(org):
    """A proposal in review with one alternative ("Other ATS" by Acme)."""
    criteria = with_criteria(org)
    proposal = make_proposal(requester=org.requester)
    alternative = scoring.alternative_add(
        proposal=proposal, actor=org.requester, name="Other ATS", vendor_name="Acme"
    )
    from decisions import services

    proposal = services.proposal_submit(proposal=proposal, actor=org.requester)
    return proposal, alternative, criteria
