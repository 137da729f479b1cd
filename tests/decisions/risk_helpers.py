"""Vendor risk questions the permission matrices share: one a catalog fact answers yes for
their proposals (no personal data), weighing 3, and one open question weighing 1 — a medium
rating unanswered, so nobody's signing role changes."""

from __future__ import annotations

from dataclasses import dataclass

from decisions.models import RiskCategory, RiskFact, RiskQuestion


@dataclass
class RiskQuestions:
    by_fact: RiskQuestion
    open: RiskQuestion


def risk_questions() -> RiskQuestions:
    return RiskQuestions(
        by_fact=RiskQuestion.objects.create(
            text="Does it process no personal data?",
            category=RiskCategory.PRIVACY,
            weight=3,
            fact=RiskFact.NO_PERSONAL_DATA,
        ),
        open=RiskQuestion.objects.create(
            text="Is there a tested backup?", category=RiskCategory.CONTINUITY, weight=1
        ),
    )
