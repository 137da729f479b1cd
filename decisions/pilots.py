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

from decisions.models import (
    PilotCriterion,
    PilotRating,
    PilotReview,
    Proposal,
)

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
    counts = PilotRating.objects.filter(proposal=proposal, round=round_number).aggregate(
        answers=Count("pk"),
        promoters=Count("pk", filter=Q(recommend__gte=PROMOTER_FROM)),
        detractors=Count("pk", filter=Q(recommend__lt=PASSIVE_FROM)),
    )
    answers, promoters, detractors = counts["answers"], counts["promoters"], counts["detractors"]
    criteria = list(
        PilotCriterion.objects.filter(proposal=proposal, round=round_number)
        .annotate(score_avg=Avg("scores__score"), score_n=Count("scores"))
        # An aggregate ignores Meta.ordering: the criteria's order is said again.
        .order_by("position", "pk")
    )
    return PilotScores(
        round=round_number,
        answers=answers,
        promoters=promoters,
        passives=answers - promoters - detractors,
        detractors=detractors,
        promoter_score=_percent_difference(promoters, detractors, answers) if answers else None,
        criteria=[
            CriterionScore(
                criterion=c,
                average=Decimal(str(c.score_avg)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
                if c.score_avg is not None
                else None,
                answers=c.score_n,
            )
            for c in criteria
        ],
    )


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
