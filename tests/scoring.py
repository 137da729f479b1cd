"""A proposal in review with criteria in HR and IT and one alternative, for the scoring's tests
and the permission matrices."""

from __future__ import annotations

from decisions import services
from decisions.models import ScoringCriterion
from decisions.services import scoring
from tests.factories import make_proposal


def with_criteria(org):
    """HR: Fit (weight 3), Cost (1); IT: Security (2). Marketing keeps none."""
    hr, it = org.departments["HR"], org.departments["IT"]
    made = {}
    for key, department, name, weight in [
        ("fit", hr, "Fit", 3),
        ("cost", hr, "Cost", 1),
        ("security", it, "Security", 2),
    ]:
        made[key], _created = ScoringCriterion.objects.get_or_create(
            department=department, name=name, defaults={"weight": weight}
        )
    return made


def scored_proposal(org):
    """A proposal in review with one alternative ("Other ATS" by Acme)."""
    criteria = with_criteria(org)
    proposal = make_proposal(requester=org.requester)
    alternative = scoring.alternative_add(
        proposal=proposal, actor=org.requester, name="Other ATS", vendor_name="Acme"
    )
    proposal = services.proposal_submit(proposal=proposal, actor=org.requester)
    return proposal, alternative, criteria
