"""The weighted comparison of a proposal's options (the proposed solution and its alternatives)
on the criteria of the departments that sign its current round, and who may score them.

How it is computed: a department's total for an option is the weighted average of its scores,
Σ(weight * score) / Σ(weight) over the department's active criteria, on the 1-5 scale; it
counts only once every one of those criteria is scored for that option. The overall total is
the plain average of the department totals, over the departments that scored every option in
full (each department weighs the same, however many criteria it keeps), so that all options are
compared on the same departments. Options rank by overall total, highest first; equal totals
share a rank."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from decisions.models import (
    AlternativeScore,
    Proposal,
    ProposalAlternative,
    ProposalStatus,
    ScoringCriterion,
    SignOff,
)
from decisions.rights import is_owner
from stakeholders.models import ROLE_RANK, Department, Role
from stakeholders.selectors import memberships_held

PROPOSED = "proposed"
METHOD = _(
    "A department's total for an option is Σ(weight * score) / Σ(weight) over its criteria, "
    "once every one is scored. The overall total is the average of the totals of the "
    "departments that scored every option in full; the highest ranks first."
)
TWO_PLACES = Decimal("0.01")

# While the requester may add or remove alternatives, and while reviewers score.
ALTERNATIVE_STATES = frozenset(
    {ProposalStatus.DRAFT, ProposalStatus.CHANGES_REQUESTED, ProposalStatus.IN_REVIEW}
)
SCORING_STATES = frozenset({ProposalStatus.IN_REVIEW})


@dataclass
class Option:
    key: str
    label: str
    alternative: ProposalAlternative | None = None

    @property
    def is_proposed(self) -> bool:
        return self.key == PROPOSED


@dataclass
class DepartmentScoring:
    department: Department
    criteria: list[ScoringCriterion]
    # scores[option key][criterion id] = score
    scores: dict[str, dict[int, int]] = field(default_factory=dict)
    totals: dict[str, Decimal | None] = field(default_factory=dict)
    options: list[Option] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Whether the department scored every option on every criterion of its own."""
        return bool(self.criteria) and all(t is not None for t in self.totals.values())

    @property
    def rows(self) -> list[tuple[ScoringCriterion, list[int | None]]]:
        """Each criterion with its score per option, in the options' order."""
        return [
            (c, [self.scores.get(o.key, {}).get(c.pk) for o in self.options]) for c in self.criteria
        ]

    @property
    def total_cells(self) -> list[Decimal | None]:
        return [self.totals.get(o.key) for o in self.options]


@dataclass
class Comparison:
    options: list[Option]
    departments: list[DepartmentScoring]
    overall: dict[str, Decimal | None]
    ranks: dict[str, int | None]

    @property
    def counted(self) -> list[DepartmentScoring]:
        return [d for d in self.departments if d.complete]

    @property
    def has_result(self) -> bool:
        return any(v is not None for v in self.overall.values())

    def overall_cells(self) -> list[tuple[Decimal | None, int | None]]:
        return [(self.overall.get(o.key), self.ranks.get(o.key)) for o in self.options]

    @property
    def proposed_ranked_first(self) -> bool | None:
        """Whether the proposed solution ranks first (sharing it counts); None: no result."""
        if not self.has_result:
            return None
        return self.ranks.get(PROPOSED) == 1

    def snapshot(self) -> dict[str, Any]:
        """What the CDO's decision keeps of the comparison (JSON)."""
        return {
            "method": "weighted-average-per-department; overall = mean of complete departments",
            "options": [
                {
                    "key": o.key,
                    "label": o.label,
                    "overall": _num(self.overall.get(o.key)),
                    "rank": self.ranks.get(o.key),
                }
                for o in self.options
            ],
            "departments": [
                {
                    "code": d.department.code,
                    "counted": d.complete,
                    "criteria": [
                        {"name": c.name, "weight": c.weight, "scores": s} for c, s in d.rows
                    ],
                    "totals": {k: _num(v) for k, v in d.totals.items()},
                }
                for d in self.departments
            ],
            "proposed_ranked_first": self.proposed_ranked_first,
        }


def _num(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def weighted_total(pairs: list[tuple[int, int | None]]) -> Decimal | None:
    """Σ(weight * score) / Σ(weight) over (weight, score) pairs, to two places; None when any
    score is missing or there is nothing to weigh."""
    if not pairs or any(score is None for _w, score in pairs):
        return None
    weights = sum(w for w, _s in pairs)
    if weights <= 0:
        return None
    total = Decimal(sum(w * s for w, s in pairs if s is not None)) / Decimal(weights)
    return total.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def rank(overall: dict[str, Decimal | None]) -> dict[str, int | None]:
    """Competition ranking ("1, 1, 3"), highest first; None for an option without a total."""
    ranked: dict[str, int | None] = {}
    for key, value in overall.items():
        if value is None:
            ranked[key] = None
        else:
            ranked[key] = 1 + sum(1 for v in overall.values() if v is not None and v > value)
    return ranked


def options_of(proposal: Proposal) -> list[Option]:
    """The proposed solution, then the alternatives in the order they were added."""
    return comparisons([proposal])[proposal.pk].options


def compare(proposal: Proposal) -> Comparison:
    """The comparison of one proposal (comparisons: four queries)."""
    return comparisons([proposal])[proposal.pk]


def comparisons(proposals: list[Proposal]) -> dict[int, Comparison]:
    """The comparison of each proposal, by id: four queries however many proposals, options,
    criteria or scores (the CDO's page shows one per card)."""
    ids = [p.pk for p in proposals]
    alternatives: dict[int, list[ProposalAlternative]] = defaultdict(list)
    for a in ProposalAlternative.objects.filter(proposal__in=ids).select_related(
        "solution", "solution__vendor"
    ):
        alternatives[a.proposal_id].append(a)
    rounds = {p.pk: p.round for p in proposals}
    departments: dict[int, list[Department]] = defaultdict(list)
    for signoff in (
        SignOff.objects.filter(proposal__in=ids)
        .select_related("department")
        .order_by("department__code")
    ):
        if signoff.round == rounds[signoff.proposal_id]:
            departments[signoff.proposal_id].append(signoff.department)
    wanted = {d.pk for ds in departments.values() for d in ds}
    criteria: dict[int, list[ScoringCriterion]] = defaultdict(list)
    for c in ScoringCriterion.objects.filter(department__in=wanted, is_active=True).order_by(
        "position", "pk"
    ):
        criteria[c.department_id].append(c)
    scores: dict[int, dict[int, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for s in AlternativeScore.objects.filter(proposal__in=ids).values(
        "proposal_id", "alternative_id", "criterion_id", "score"
    ):
        key = PROPOSED if s["alternative_id"] is None else str(s["alternative_id"])
        scores[s["proposal_id"]][s["criterion_id"]][key] = s["score"]
    return {
        p.pk: _compare(
            p,
            alternatives[p.pk],
            departments[p.pk],
            criteria,
            scores[p.pk],
        )
        for p in proposals
    }


def _compare(
    proposal: Proposal,
    alternatives: list[ProposalAlternative],
    departments: list[Department],
    criteria: dict[int, list[ScoringCriterion]],
    by_criterion: dict[int, dict[str, int]],
) -> Comparison:
    options = [Option(PROPOSED, proposal.provider_name)] + [
        Option(str(a.pk), a.label, a) for a in alternatives
    ]
    scorings = []
    for d in departments:
        mine = criteria.get(d.pk, [])
        scores = {
            o.key: {
                c.pk: by_criterion[c.pk][o.key] for c in mine if o.key in by_criterion.get(c.pk, {})
            }
            for o in options
        }
        totals = {
            o.key: weighted_total([(c.weight, scores[o.key].get(c.pk)) for c in mine])
            for o in options
        }
        scorings.append(DepartmentScoring(d, mine, scores, totals, options))
    counted = [d for d in scorings if d.complete]
    overall: dict[str, Decimal | None] = {}
    for o in options:
        values = [d.totals[o.key] for d in counted]
        overall[o.key] = (
            (sum(v for v in values if v is not None) / Decimal(len(values))).quantize(
                TWO_PLACES, rounding=ROUND_HALF_UP
            )
            if values
            else None
        )
    return Comparison(options, scorings, overall, rank(overall))


def scoring_department_ids(*, user: Any, proposal: Proposal) -> set[int]:
    """The departments on whose criteria `user` scores this proposal now: it is in review, the
    department signs its current round, and `user` reviews or heads it (or is delegated to);
    never the requester or whoever filed it."""
    if not getattr(user, "is_authenticated", False) or proposal.status not in SCORING_STATES:
        return set()
    if is_owner(user=user, proposal=proposal):
        return set()
    signing = set(
        SignOff.objects.filter(proposal=proposal, round=proposal.round).values_list(
            "department_id", flat=True
        )
    )
    return {
        m.department_id
        for m, delegator in memberships_held(user=user)
        if m.department_id in signing
        and (delegator is not None or ROLE_RANK[Role(m.role)] >= ROLE_RANK[Role.REVIEWER])
        and (delegator is None or not is_owner(user=delegator, proposal=proposal))
    }


def criteria_departments(user: Any) -> Any:
    """The departments whose criteria `user` keeps: those they head (all active ones for an
    administrator)."""
    active = Department.objects.filter(is_active=True).order_by("code")
    if not getattr(user, "is_authenticated", False):
        return active.none()
    if user.is_superuser:
        return active
    return active.filter(memberships__user=user, memberships__role=Role.HEAD)
