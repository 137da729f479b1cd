"""What the pilot tests share: a pilot running with criteria and participants, and the steps
that end it (ratings, measurements, the review, the departments' verdicts)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from decisions import services
from decisions.models import PilotCriterion
from decisions.services import pilots
from tests.factories import SolutionFactory, UserFactory, make_proposal

START, END = dt.date(2026, 3, 2), dt.date(2026, 4, 30)
AFTER = dt.date(2026, 5, 4)  # a few days after the end


def _approved(org, **overrides):
    proposal = make_proposal(
        requester=org.requester,
        submit=True,
        one_off_cost=0,
        recurring_cost=100,
        pilot_start=START,
        pilot_end=END,
        **overrides,
    )
    for signoff in proposal.signoffs.all():
        services.signoff_decide(
            signoff=signoff, actor=org.reviewers[signoff.department.code], outcome="approved"
        )
    proposal.refresh_from_db()
    return proposal


@pytest.fixture
def pilot(org):
    """A tool piloted from START to END with two criteria and three participants."""
    with time_machine.travel(dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC), tick=False):
        proposal = _approved(org, solution=SolutionFactory())
        services.proposal_advance(proposal=proposal, actor=org.requester, action="start_pilot")
        org.anna, org.ben, org.cleo = (UserFactory(username=n) for n in ("anna", "ben", "cleo"))
        pilots.pilot_update(
            proposal=proposal,
            actor=org.requester,
            criteria=[
                {
                    "metric": "Time to hire",
                    "target": "30",
                    "unit": "days",
                    "how_measured": "ATS report",
                    "direction": "lower",
                },
                {"metric": "Recruiters active weekly", "target": "80", "unit": "%"},
            ],
            participants=[org.anna, org.ben, org.cleo],
        )
    proposal.refresh_from_db()
    return proposal


def _criteria(proposal, round_number=None):
    return list(
        PilotCriterion.objects.filter(
            proposal=proposal, round=round_number or proposal.pilot_round
        ).order_by("position")
    )


def _rate(proposal, user, recommend, score=4):
    return pilots.pilot_rate(
        proposal=proposal,
        actor=user,
        recommend=recommend,
        scores={c.pk: score for c in _criteria(proposal)},
    )


def _measure_and_open(org, proposal, values=("25", "85")):
    pilots.pilot_measure(
        proposal=proposal,
        actor=org.requester,
        values={c.pk: v for c, v in zip(_criteria(proposal), values, strict=True)},
    )
    return pilots.pilot_review_open(proposal=proposal, actor=org.requester)


def _verdicts(org, proposal, verdicts):
    for code, verdict in verdicts.items():
        extra = {}
        if verdict != "keep":
            extra["reason"] = "Adoption is too thin."
        if verdict == "extend":
            extra["new_end"] = AFTER + dt.timedelta(days=30)
        pilots.pilot_verdict_give(
            proposal=proposal,
            actor=org.reviewers[code],
            department=org.departments[code],
            verdict=verdict,
            **extra,
        )


def ended_pilot(org, *, vendor: str, participants, stage: str = "ended"):
    """A small purchase from its own vendor (other proposals never add up to its tier), piloted
    until yesterday with one criterion: "ended", "measured", "in_review" or "disputed"."""
    from django.utils import timezone

    proposal = make_proposal(requester=org.requester, submit=True, one_off_cost=0,
                             recurring_cost=100, new_vendor_name=vendor)  # fmt: skip
    for code, reviewer in org.reviewers.items():
        services.signoff_decide(signoff=proposal.signoffs.get(department__code=code),
                                actor=reviewer, outcome="approved")  # fmt: skip
    services.proposal_advance(proposal=proposal, actor=org.requester, action="start_pilot")
    today = timezone.localdate()
    pilots.pilot_update(
        proposal=proposal,
        actor=org.requester,
        criteria=[{"metric": "Weekly users", "target": "40", "unit": "%"}],
        participants=participants,
        start=today - dt.timedelta(days=30),
        end=today - dt.timedelta(days=1),
    )
    if stage == "ended":
        return proposal
    criterion = proposal.pilot_criteria.get()
    pilots.pilot_measure(proposal=proposal, actor=org.requester, values={criterion.pk: "45"})
    if stage == "measured":
        return proposal
    pilots.pilot_review_open(proposal=proposal, actor=org.requester)
    if stage == "in_review":
        return proposal
    for code, verdict in (("HR", "keep"), ("IT", "stop"), ("MKT", "keep")):
        reason = "" if verdict == "keep" else "No SSO yet."
        pilots.pilot_verdict_give(proposal=proposal, actor=org.reviewers[code],
                                  department=org.departments[code], verdict=verdict,
                                  reason=reason)  # fmt: skip
    return proposal
