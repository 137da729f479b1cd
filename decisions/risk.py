"""The vendor risk questionnaire's rules: a proposal's answers, its score and its rating, and who
may answer. A rule module (mutation-tested): every threshold is a named constant below.

Every question is asked so that yes is the safe answer. A question tied to a catalog fact
(RiskQuestion.fact) is answered by that fact wherever it is known, as the plug-in lane reads
facts (decisions.plugin.proposal_facts: the catalog's where it has them, the proposal's
otherwise); people answer the rest. A person's answer to a question whose fact is known is
refused. Only a proposal for a new tool is rated: a renewal keeps a vendor we know, a
retirement buys nothing (None).

Scoring: a question answered no, or not answered, adds its weight to the points (not knowing is
itself a risk); yes adds nothing. The score is the points as a share of every active question's
weight, in whole percent, rounded down (0 to 100). A score of HIGH_SCORE or more is high,
MEDIUM_SCORE or more medium, anything less low. With no active question nothing is rated
(None).

A high rating makes IT Operations' sign-off need its head (whatever the tier asks, as a high
lock-in does: decisions.dmu.signers) and keeps the tool out of the plug-in lane
(decisions.dmu.lane_for). Fixed at submission, and again whenever IT answers in review.

Who answers: the requester while the proposal is theirs to edit (a draft, or back for changes);
a reviewer or head of IT Operations while IT's sign-off of the current round waits (a proposal
in review, in the governed lane)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from decisions.models import (
    EDITABLE_STATES,
    Proposal,
    ProposalKind,
    ProposalStatus,
    RiskAnswer,
    RiskAnswerValue,
    RiskFact,
    RiskQuestion,
    RiskRating,
    SignOff,
    SignOffStatus,
)
from decisions.plugin import it_department_code, proposal_facts
from landscape.guardrails import Facts, data_stays_in_eu
from landscape.rights import governs_landscape

# A score (percent of the weight at risk) of this much or more is high...
HIGH_SCORE = 50
# ...of this much or more medium; below it low.
MEDIUM_SCORE = 25

# Where an answer comes from.
SOURCE_CATALOG = "catalog"
SOURCE_PROPOSAL = "proposal"
SOURCE_PERSON = "person"


@dataclass(frozen=True)
class RiskItem:
    question: RiskQuestion
    answer: str | None  # a RiskAnswerValue, or None: not answered
    source: str = ""  # SOURCE_*; "" when not answered
    by: Any = None  # the person who answered
    note: str = ""

    @property
    def points(self) -> int:
        return 0 if self.answer == RiskAnswerValue.YES else self.question.weight

    @property
    def by_fact(self) -> bool:
        """Answered by a fact (the catalog's or the proposal's): people cannot change it here."""
        return self.source in (SOURCE_CATALOG, SOURCE_PROPOSAL)


@dataclass(frozen=True)
class RiskAssessment:
    items: list[RiskItem] = field(default_factory=list)
    points: int = 0
    total: int = 0
    score: int = 0
    rating: str = RiskRating.LOW

    @property
    def is_high(self) -> bool:
        return self.rating == RiskRating.HIGH

    @property
    def rating_label(self) -> str:
        return str(RiskRating(self.rating).label)

    @property
    def unanswered(self) -> int:
        return sum(item.answer is None for item in self.items)

    def as_payload(self) -> dict[str, object]:
        """What the audit trail records."""
        return {
            "score": self.score,
            "rating": self.rating,
            "points": self.points,
            "total": self.total,
            "unanswered": self.unanswered,
        }


def score_for(points: int, total: int) -> int:
    """The points as a whole percent of the total weight, rounded down."""
    return points * 100 // total if total > 0 else 0


def rating_for(score: int) -> str:
    if score >= HIGH_SCORE:
        return RiskRating.HIGH
    if score >= MEDIUM_SCORE:
        return RiskRating.MEDIUM
    return RiskRating.LOW


def _yes_no(value: bool) -> str:
    return RiskAnswerValue.YES if value else RiskAnswerValue.NO


def fact_answer(fact: str, facts: Facts, proposal: Proposal) -> tuple[str | None, str]:
    """A fact's answer and its source; (None, "") where the fact is not known."""
    solution = proposal.solution if proposal.solution_id else None
    if fact == RiskFact.SSO:
        return _yes_no(facts.sso), facts.sso_source
    if fact == RiskFact.CERTIFIED:
        return _yes_no(facts.certified), facts.certified_source
    if fact == RiskFact.DPA_SIGNED:
        return _yes_no(facts.dpa_signed), SOURCE_PROPOSAL
    if fact == RiskFact.NO_PERSONAL_DATA:
        catalog = solution is not None and solution.processes_personal_data
        return _yes_no(not facts.personal_data), SOURCE_CATALOG if catalog else SOURCE_PROPOSAL
    if fact == RiskFact.EU_DATA:
        if not facts.data_location:
            return None, ""
        return _yes_no(data_stays_in_eu(facts.data_location)), facts.data_location_source
    if fact == RiskFact.HAS_API and solution is not None:
        return _yes_no(solution.has_api), SOURCE_CATALOG
    return None, ""


def assess(
    proposal: Proposal, *, questions: Iterable[RiskQuestion], answers: Iterable[RiskAnswer]
) -> RiskAssessment | None:
    """The proposal's assessment from the active `questions` and its stored `answers`; None
    without questions. No query of its own (select_related the proposal's solution)."""
    questions = list(questions)
    if not questions or proposal.kind != ProposalKind.NEW:
        return None
    facts = proposal_facts(proposal, integrates_with=())  # only the catalog's facts are read
    given = {a.question_id: a for a in answers}
    items = []
    for question in questions:
        value, source = fact_answer(question.fact, facts, proposal) if question.fact else (None, "")
        if value is not None:
            items.append(RiskItem(question, value, source))
        elif (answer := given.get(question.pk)) is not None:
            items.append(
                RiskItem(question, answer.answer, SOURCE_PERSON, answer.answered_by, answer.note)
            )
        else:
            items.append(RiskItem(question, None))
    points = sum(item.points for item in items)
    total = sum(q.weight for q in questions)
    score = score_for(points, total)
    return RiskAssessment(items, points, total, score, rating_for(score))


def active_questions() -> list[RiskQuestion]:
    return list(RiskQuestion.objects.filter(is_active=True).order_by("position", "pk"))


def risk_assessment(proposal: Proposal) -> RiskAssessment | None:
    """One proposal's assessment: two queries (the questions, its answers)."""
    questions = active_questions()
    if not questions or not proposal.pk:
        return assess(proposal, questions=questions, answers=[])
    answers = RiskAnswer.objects.filter(proposal=proposal).select_related("answered_by")
    return assess(proposal, questions=questions, answers=answers)


def risk_assessments(proposals: Iterable[Proposal]) -> dict[int, RiskAssessment | None]:
    """risk_assessment for several proposals at once, by id: two queries however many."""
    proposals = list(proposals)
    questions = active_questions()
    if not questions or not proposals:
        return {p.pk: None for p in proposals}
    by_proposal: dict[int, list[RiskAnswer]] = {p.pk: [] for p in proposals}
    for answer in RiskAnswer.objects.filter(proposal__in=proposals).select_related("answered_by"):
        by_proposal[answer.proposal_id].append(answer)
    return {p.pk: assess(p, questions=questions, answers=by_proposal[p.pk]) for p in proposals}


def it_head_required(*, lock_in: Any, risk: RiskAssessment | None) -> bool:
    """Whether IT Operations' head signs whatever the tier asks: a high lock-in
    (decisions.lockin) or a high vendor risk."""
    return bool(lock_in is not None and lock_in.is_high) or bool(risk is not None and risk.is_high)


def it_signoff_waiting(proposal: Proposal) -> SignOff | None:
    """IT Operations' open sign-off of the proposal's current round, if it waits for a person."""
    if proposal.status != ProposalStatus.IN_REVIEW:
        return None
    return (
        SignOff.objects.filter(
            proposal=proposal,
            round=proposal.round,
            department__code=it_department_code(),
            status=SignOffStatus.PENDING,
        )
        .select_related("department")
        .first()
    )


def keeps_risk_questions(user: Any) -> bool:
    """Who adds and changes the questions: a reviewer or head of IT Operations, and an
    administrator (superuser, who keeps them in the admin)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser) or governs_landscape(user)


def may_answer_as(*, user: Any, proposal: Proposal) -> str | None:
    """In which capacity `user` may answer the proposal's risk questions now: "requester" (while
    they may edit it), "it" (a reviewer or head of IT Operations, while IT's sign-off waits),
    or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    if proposal.requester_id == user.pk:
        return "requester" if proposal.status in EDITABLE_STATES else None
    if governs_landscape(user) and it_signoff_waiting(proposal) is not None:
        return "it"
    return None
