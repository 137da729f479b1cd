"""What the pages, the API and the renewal page read of a pilot: the employees' scores (the
promoter score from "how likely would you recommend it to a colleague", 0 to 10, and the 1 to 5
average per success criterion) and the pilot's state for one viewer. Writes are in
decisions.services.pilots."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Avg, Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from decisions.models import (
    PilotCriterion,
    PilotRating,
    PilotReview,
    Proposal,
    SignOff,
)
from decisions.rights import SigningRight, cdo_conflicts, signing_right
from stakeholders.models import Department, Role
from stakeholders.selectors import memberships_held

MAX_CRITERIA = 10

# The promoter score's bands: 9 and 10 promote, 7 and 8 are passive, 0 to 6 detract.
PROMOTER_FROM = 9
PASSIVE_FROM = 7


def promoter_score(values: Iterable[int]) -> int | None:
    """% promoters minus % detractors, rounded half away from zero (-100 to 100);
    None when nobody answered."""
    values = list(values)
    if not values:
        return None
    promoters = sum(1 for v in values if v >= PROMOTER_FROM)
    detractors = sum(1 for v in values if v < PASSIVE_FROM)
    return _percent_difference(promoters, detractors, len(values))


def _percent_difference(promoters: int, detractors: int, answers: int) -> int:
    share = Decimal(100 * (promoters - detractors)) / Decimal(answers)
    return int(share.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class CriterionScore:
    criterion: PilotCriterion
    average: Decimal | None  # 1 to 5, one decimal; None when nobody scored it
    answers: int


@dataclass(frozen=True)
class PilotScores:
    round: int
    answers: int = 0
    promoters: int = 0
    passives: int = 0
    detractors: int = 0
    promoter_score: int | None = None
    criteria: list[CriterionScore] = field(default_factory=list)


def pilot_scores(proposal: Proposal, round_number: int | None = None) -> PilotScores:
    """The employees' scores of a pilot round (the current one by default): two queries."""
    round_number = round_number or proposal.pilot_round
    return pilot_scores_of([(proposal.pk, round_number)])[(proposal.pk, round_number)]


def pilot_scores_of(rounds: Iterable[tuple[int, int]]) -> dict[tuple[int, int], PilotScores]:
    """pilot_scores for several (proposal id, round) at once: two queries, however many."""
    rounds = list(dict.fromkeys(rounds))
    if not rounds:
        return {}
    which = Q(pk__in=[])
    for proposal_id, round_number in rounds:
        which |= Q(proposal_id=proposal_id, round=round_number)
    counts = {
        (r["proposal_id"], r["round"]): r
        for r in PilotRating.objects.filter(which)
        .values("proposal_id", "round")
        .annotate(
            answers=Count("pk"),
            promoters=Count("pk", filter=Q(recommend__gte=PROMOTER_FROM)),
            detractors=Count("pk", filter=Q(recommend__lt=PASSIVE_FROM)),
        )
        .order_by()
    }
    criteria: dict[tuple[int, int], list[PilotCriterion]] = {key: [] for key in rounds}
    for c in (
        PilotCriterion.objects.filter(which)
        .annotate(score_avg=Avg("scores__score"), score_n=Count("scores"))
        # An aggregate ignores Meta.ordering: the criteria's order is said again.
        .order_by("position", "pk")
    ):
        criteria[(c.proposal_id, c.round)].append(c)
    scores = {}
    for key in rounds:
        row = counts.get(key) or {"answers": 0, "promoters": 0, "detractors": 0}
        answers, promoters, detractors = row["answers"], row["promoters"], row["detractors"]
        scores[key] = PilotScores(
            round=key[1],
            answers=answers,
            promoters=promoters,
            passives=answers - promoters - detractors,
            detractors=detractors,
            promoter_score=_percent_difference(promoters, detractors, answers) if answers else None,
            criteria=[
                CriterionScore(
                    criterion=c,
                    average=_one_decimal(c.score_avg),  # type: ignore[attr-defined]
                    answers=c.score_n,  # type: ignore[attr-defined]
                )
                for c in criteria[key]
            ],
        )
    return scores


def _one_decimal(value: float | None) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def pilot_has_ended(proposal: Proposal, *, today: dt.date | None = None) -> bool:
    """Whether the pilot's end date has passed (the end day itself still belongs to it)."""
    today = today or timezone.localdate()
    return proposal.pilot_end is not None and proposal.pilot_end < today


def pilot_review(proposal: Proposal, round_number: int | None = None) -> PilotReview | None:
    """The review of a pilot round, with its verdicts (None before it is opened)."""
    return (
        PilotReview.objects.filter(proposal=proposal, round=round_number or proposal.pilot_round)
        .select_related("decided_by", "opened_by")
        .prefetch_related("verdicts__department", "verdicts__user")
        .first()
    )


def rating_of(
    proposal: Proposal, *, user: Any, round_number: int | None = None
) -> PilotRating | None:
    """`user`'s rating of a pilot round, with their scores by criterion id as `by_criterion`."""
    if not getattr(user, "is_authenticated", False):
        return None
    rating = (
        PilotRating.objects.filter(
            proposal=proposal, round=round_number or proposal.pilot_round, user=user
        )
        .prefetch_related("scores")
        .first()
    )
    if rating is not None:
        rating.by_criterion = {s.criterion_id: s.score for s in rating.scores.all()}  # type: ignore[attr-defined]
    return rating


# --- Who --------------------------------------------------------------------------------------


def is_pilot_owner(*, user: Any, proposal: Proposal) -> bool:
    """The pilot's owner: the requester, or the business owner of the tool being piloted."""
    if not getattr(user, "is_authenticated", False):
        return False
    if proposal.requester_id == user.pk:
        return True
    tool = proposal.tool if proposal.tool_id else None
    return tool is not None and tool.business_owner_id == user.pk


def review_departments() -> list[Department]:
    """The departments that give a verdict: those whose sign-off every proposal needs (HR, IT
    Operations and Marketing), so that a new one joins without code."""
    return list(Department.objects.filter(is_active=True, signoff_required=True).order_by("code"))


def verdict_right(*, user: Any, proposal: Proposal, department: Department) -> SigningRight | None:
    """The right that lets `user` give `department`'s verdict: the one they would sign the
    proposal with for that department (same role as its last sign-off asked, same limit, the
    requester never), through decisions.rights.signing_right."""
    return verdict_rights(user=user, proposal=proposal, departments=[department])[department.pk]


def verdict_rights(
    *, user: Any, proposal: Proposal, departments: list[Department]
) -> dict[int, SigningRight | None]:
    """verdict_right for several departments, by department id: three queries at most."""
    # In round order: the last round's role wins.
    roles: dict[int, str] = dict(
        SignOff.objects.filter(proposal=proposal, department__in=departments)
        .order_by("round", "pk")
        .values_list("department_id", "required_role")
    )
    held = memberships_held(user=user) if getattr(user, "is_authenticated", False) else []
    rights = {}
    for department in departments:
        probe = SignOff(
            proposal=proposal,
            department=department,
            required_role=roles.get(department.pk, Role.REVIEWER),
        )
        rights[department.pk] = signing_right(user=user, signoff=probe, held=held)
    return rights


# --- The Pilot panel of the proposal page -------------------------------------------------------


@dataclass
class VerdictRow:
    department: Any
    verdict: Any = None  # the PilotVerdict, once given
    can_give: bool = False
    on_behalf_of: Any = None


@dataclass
class PilotPanel:
    proposal: Proposal
    round: int
    scores: PilotScores
    participants: list[Any]
    review: PilotReview | None
    earlier_reviews: list[PilotReview]
    ended: bool
    is_owner: bool = False
    is_participant: bool = False
    my_rating: PilotRating | None = None
    can_edit: bool = False
    can_measure: bool = False
    can_open_review: bool = False
    can_rate: bool = False
    verdicts: list[VerdictRow] = field(default_factory=list)
    disagreement: bool = False
    can_decide: bool = False
    decide_conflict: str | None = None
    # The forms' rows, filled with what was typed when a post was refused.
    plan_rows: list[dict[str, Any]] = field(default_factory=list)
    measure_rows: list[tuple[PilotCriterion, str]] = field(default_factory=list)
    rate_rows: list[tuple[PilotCriterion, str]] = field(default_factory=list)
    participant_names: str = ""
    recommend_choices: tuple[str, ...] = tuple(str(n) for n in range(11))
    score_choices: tuple[str, ...] = ("1", "2", "3", "4", "5")

    @property
    def criteria(self) -> list[CriterionScore]:
        return self.scores.criteria

    @property
    def all_measured(self) -> bool:
        return bool(self.criteria) and all(c.criterion.measured is not None for c in self.criteria)


PLAN_ROWS_EMPTY = 2  # blank rows the plan form offers for new criteria


def pilot_panel(
    proposal: Proposal, *, user: Any, typed: dict[str, str] | None = None, always: bool = False
) -> PilotPanel | None:
    """What the Pilot panel shows `user`, or None when the proposal has no pilot to show (a
    pilot is shown while the tool is piloted and afterwards, once it had criteria or a review).
    A constant number of queries, however many criteria, participants and ratings."""
    from decisions.models import PilotParticipant, ProposalKind, ProposalStatus
    from decisions.rights import cdo_conflict, is_cdo

    if not always and (
        proposal.kind != ProposalKind.NEW
        # Only a tool piloted, or whose pilot ended, has a pilot to show: no query for others.
        or proposal.status
        not in (ProposalStatus.PILOTING, ProposalStatus.ADOPTED, ProposalStatus.RETIRED)
    ):
        return None
    reviews = list(
        PilotReview.objects.filter(proposal=proposal)
        .select_related("decided_by")
        .prefetch_related("verdicts__department", "verdicts__user")
        .order_by("round")
    )
    piloting = proposal.status == ProposalStatus.PILOTING
    scores = pilot_scores(proposal)
    if not always and not piloting and not reviews and not scores.criteria:
        return None
    review = next((r for r in reviews if r.round == proposal.pilot_round), None)
    participants = [
        p.user for p in PilotParticipant.objects.filter(proposal=proposal).select_related("user")
    ]
    ended = pilot_has_ended(proposal)
    signed = bool(getattr(user, "is_authenticated", False))
    panel = PilotPanel(
        proposal=proposal,
        round=proposal.pilot_round,
        scores=scores,
        participants=participants,
        review=review,
        earlier_reviews=[r for r in reviews if r.round != proposal.pilot_round],
        ended=ended,
    )
    if not signed:
        return panel
    panel.is_owner = is_pilot_owner(user=user, proposal=proposal)
    panel.is_participant = any(u.pk == user.pk for u in participants)
    open_review = review is not None and review.status == "open"
    if panel.is_participant:
        panel.my_rating = rating_of(proposal, user=user)
        panel.can_rate = (
            piloting
            and panel.my_rating is None
            and bool(scores.criteria)
            and (open_review or (review is None and ended))
        )
    if panel.is_owner and piloting and review is None:
        panel.can_edit = panel.can_measure = True
        panel.can_open_review = ended
    if review is not None:
        given = {v.department_id: v for v in review.verdicts.all()}
        departments = review_departments()
        waiting = [d for d in departments if d.pk not in given]
        rights = (
            verdict_rights(user=user, proposal=proposal, departments=departments)
            if open_review and proposal.requester_id != user.pk
            else {}
        )
        for department in departments:
            row = VerdictRow(department=department, verdict=given.get(department.pk))
            right = rights.get(department.pk) if department in waiting else None
            row.can_give = right is not None
            row.on_behalf_of = right.on_behalf_of if right else None
            panel.verdicts.append(row)
        complete = len(given) == len(departments)
        panel.disagreement = complete and len({v.verdict for v in given.values()}) > 1
        if open_review and panel.disagreement and is_cdo(user):
            panel.decide_conflict = cdo_conflict(user=user, proposal=proposal)
            if panel.decide_conflict is None and any(v.user_id == user.pk for v in given.values()):
                panel.decide_conflict = _("You gave a department's verdict: another CDO decides.")
            panel.can_decide = panel.decide_conflict is None
    _form_rows(panel, typed)
    return panel


def _form_rows(panel: PilotPanel, typed: dict[str, str] | None) -> None:
    criteria = [c.criterion for c in panel.criteria]
    if typed:
        panel.plan_rows = [
            {
                "i": i,
                **{k: typed.get(f"{k}_{i}", "") for k in ("metric", "target", "unit", "how")},
                "direction": typed.get(f"direction_{i}", "higher"),
            }
            for i in range(MAX_CRITERIA + PLAN_ROWS_EMPTY)
            if i < len(criteria) + PLAN_ROWS_EMPTY or typed.get(f"metric_{i}")
        ]
    else:
        panel.plan_rows = [
            {
                "i": i,
                "metric": c.metric,
                "target": format(c.target.normalize(), "f"),
                "unit": c.unit,
                "how": c.how_measured,
                "direction": c.direction,
            }
            for i, c in enumerate(criteria)
        ] + [
            {"i": i, "metric": "", "target": "", "unit": "", "how": "", "direction": "higher"}
            for i in range(len(criteria), min(len(criteria) + PLAN_ROWS_EMPTY, MAX_CRITERIA))
        ]
    typed = typed or {}
    panel.measure_rows = [
        (c, typed.get(f"measured_{c.pk}", "" if c.measured is None else str(c.measured)))
        for c in criteria
    ]
    panel.rate_rows = [(c, typed.get(f"score_{c.pk}", "")) for c in criteria]
    panel.participant_names = typed.get(
        "participants", "\n".join(u.get_username() for u in panel.participants)
    )


def pilots_awaiting_cdo() -> list[PilotReview]:
    """Open pilot reviews whose departments have all given their verdict and disagree: what
    waits on the CDO's Decisions page, each with its `scores`. A constant number of queries."""
    needed = len(review_departments())
    reviews: list[PilotReview] = list(
        PilotReview.objects.filter(status="open")
        .annotate(given=Count("verdicts"), kinds=Count("verdicts__verdict", distinct=True))
        .filter(given__gte=needed, kinds__gt=1)
        .select_related("proposal__requester", "proposal__tool__solution")
        .prefetch_related("verdicts__department")
        .order_by("opened_at", "pk")
    )
    scores = pilot_scores_of((r.proposal_id, r.round) for r in reviews)
    for review in reviews:
        review.scores = scores[(review.proposal_id, review.round)]  # type: ignore[attr-defined]
    return reviews


def pilot_reviews_for_cdo(user: Any) -> list[PilotReview]:
    """pilots_awaiting_cdo, each with `decide_conflict`: why this CDO may not decide it."""
    reviews = pilots_awaiting_cdo()
    conflicts = cdo_conflicts(user=user, proposals=[r.proposal for r in reviews])
    for review in reviews:
        conflict = conflicts.get(review.proposal_id)
        if conflict is None and any(v.user_id == user.pk for v in review.verdicts.all()):
            conflict = _("You gave a department's verdict: another CDO decides.")
        review.decide_conflict = conflict  # type: ignore[attr-defined]
    return reviews
