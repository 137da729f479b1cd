"""The demo's scoring of alternatives: each department's weighted criteria (set by its head,
only for a department that keeps none yet), and one story: the data academy on Coursera, in
review, compared with Udemy Business (from the catalog) and DataCamp (a named vendor), scored
by the reviewers of the departments that sign it. The story is skipped once the proposal has
any alternative: running twice adds nothing."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from decisions.models import Proposal, ProposalAlternative, ProposalStatus, ScoringCriterion
from decisions.scoring import PROPOSED, compare, scoring_department_ids
from decisions.services.scoring import alternative_add, criterion_save, scores_set
from stakeholders.models import Department
from vendors.models import Solution

HEADS = {"HR": "head.hr", "IT": "head.it", "MKT": "head.mkt"}
REVIEWERS = {"HR": "reviewer.hr", "IT": "reviewer.it", "MKT": "reviewer.mkt"}
CRITERIA = {
    "HR": [("Fits our HR processes", 5), ("Adoption by employees", 3), ("Cost per employee", 2)],
    "IT": [("Security and single sign-on", 5), ("Integration effort", 3)],
    "MKT": [("Employer brand", 3), ("Content quality", 2)],
}
STORY = "Data academy on Coursera"
# Scores per option (proposed, Udemy Business, DataCamp), criterion by criterion.
SCORES = {
    "HR": [(5, 3, 4), (4, 5, 3), (3, 5, 4)],
    "IT": [(5, 4, 3), (4, 4, 3)],
    "MKT": [(5, 3, 3), (4, 4, 3)],
}


def seed_demo_scoring() -> list[str]:
    lines = []
    users = {u.username: u for u in get_user_model().objects.filter(
        username__in=[*HEADS.values(), *REVIEWERS.values(), "requester.hr"])}  # fmt: skip
    kept = set(ScoringCriterion.objects.values_list("department__code", flat=True).distinct())
    missing = [code for code in CRITERIA if code not in kept and HEADS[code] in users]
    made = 0
    for department in Department.objects.filter(code__in=missing, is_active=True):
        for position, (name, weight) in enumerate(CRITERIA[department.code]):
            criterion_save(actor=users[HEADS[department.code]], department=department,
                           name=name, weight=weight, position=position)  # fmt: skip
            made += 1
    if made:
        lines.append(f"Scoring criteria: {made} created.")
    proposal = (
        Proposal.objects.filter(title=STORY, status=ProposalStatus.IN_REVIEW)
        .exclude(pk__in=ProposalAlternative.objects.values("proposal_id"))
        .first()
    )
    requester = users.get("requester.hr")
    if proposal is None or requester is None or proposal.requester_id != requester.pk:
        return lines
    udemy = Solution.objects.filter(name="Udemy Business").first()
    options = [PROPOSED]
    if udemy is not None:
        options.append(str(alternative_add(proposal=proposal, actor=requester, solution=udemy).pk))
    datacamp = alternative_add(proposal=proposal, actor=requester, name="DataCamp for Business",
                               vendor_name="DataCamp")  # fmt: skip
    options.append(str(datacamp.pk))
    result = compare(proposal)
    for scoring in result.departments:
        code = scoring.department.code
        reviewer = users.get(REVIEWERS.get(code, ""))
        if reviewer is None or code not in SCORES:
            continue
        if scoring.department.pk not in scoring_department_ids(user=reviewer, proposal=proposal):
            continue
        scores = {}
        for criterion, row in zip(scoring.criteria, SCORES[code], strict=False):
            chosen = row if udemy is not None else (row[0], row[2])
            scores.update({(o, criterion.pk): s for o, s in zip(options, chosen, strict=True)})
        scores_set(proposal=proposal, actor=reviewer, department=scoring.department,
                   scores=scores)  # fmt: skip
    lines.append(
        f"Scoring story: {proposal.reference} compared with {len(options) - 1} alternatives."
    )
    return lines
