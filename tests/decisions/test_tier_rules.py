"""Pricing and tiers at the edges: which tier an amount falls in when tiers overlap or leave a
gap, what counts towards the same vendor's total, and which cost is blamed for a TCO too large."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.errors import DomainError
from core.money import MAX_AMOUNT
from decisions import services
from decisions.models import Proposal
from decisions.pricing import (
    proposal_tco_exceeds_limit,
    proposal_tco_limit_field,
    tier_for,
)
from stakeholders.models import ApprovalTier
from tests.factories import TierFactory, make_proposal

pytestmark = pytest.mark.django_db


def test_an_amount_falls_in_the_tier_with_the_highest_start_below_it(tiers):
    TierFactory(name="Special", min_tco=Decimal("5000"), max_tco=Decimal("20000"))
    assert tier_for(Decimal("4999.99")).name == "Small"
    assert tier_for(Decimal("5000")).name == "Special"
    assert tier_for(Decimal("9999.99")).name == "Special"
    assert tier_for(Decimal("10000")).name == "Medium"  # both cover it: Medium starts higher


def test_an_amount_in_no_tier_is_refused_with_the_reason(tiers):
    ApprovalTier.objects.filter(name="Medium").delete()
    with pytest.raises(DomainError, match="No approval tier covers 50000"):
        tier_for(Decimal("50000"))
    assert tier_for(Decimal("100000")).name == "Large"


@pytest.mark.parametrize(
    ("status_after", "counted"),
    [("in_review", True), ("awaiting", True), ("approved", True), ("withdrawn", False),
     ("rejected", False), ("draft", False)],
)  # fmt: skip
def test_only_proposals_in_flight_or_committed_count_for_the_vendor(org, status_after, counted):
    first = make_proposal(requester=org.requester, one_off_cost=12000, recurring_cost=0,
                          new_vendor_name="Splitco", submit=status_after != "draft")  # fmt: skip
    if status_after in ("awaiting", "approved", "rejected"):
        outcome = "rejected" if status_after == "rejected" else "approved"
        for signoff in first.signoffs.all():
            services.signoff_decide(signoff=signoff, actor=org.heads[signoff.department.code],
                                    outcome=outcome, comment="Why")  # fmt: skip
            if outcome == "rejected":
                break
        first.refresh_from_db()
        if status_after == "approved":
            services.decision_take(proposal=first, actor=org.cdo, outcome="approved",
                                   rationale="Fine")  # fmt: skip
    elif status_after == "withdrawn":
        services.proposal_withdraw(proposal=first, actor=org.requester)
    second = make_proposal(requester=org.requester, submit=True, one_off_cost=1000,
                           recurring_cost=0, new_vendor_name="splitco")  # fmt: skip
    assert second.tier_basis == (Decimal("13000.00") if counted else Decimal("1000.00"))


def test_a_proposal_does_not_count_towards_its_own_vendor_total(org):
    proposal = make_proposal(requester=org.requester, submit=True, one_off_cost=8000,
                             recurring_cost=0, new_vendor_name="Splitco")  # fmt: skip
    services.signoff_decide(signoff=proposal.signoffs.get(department__code="HR"),
                            actor=org.hr_head, outcome="changes_requested",
                            comment="Again")  # fmt: skip
    proposal.refresh_from_db()
    again = services.proposal_submit(proposal=proposal, actor=org.requester)
    assert again.tier_basis == Decimal("8000.00")


def unsaved(**costs) -> Proposal:
    data = {"currency": "EUR", "one_off_cost": Decimal("0"), "recurring_cost": Decimal("0"),
            "recurring_period": "monthly", "term_months": 12} | costs  # fmt: skip
    return Proposal(**data)


def test_the_cost_blamed_for_a_tco_too_large(db):
    assert proposal_tco_limit_field(proposal=unsaved(one_off_cost=Decimal("1000"))) is None
    too_much = MAX_AMOUNT + 1
    assert proposal_tco_limit_field(proposal=unsaved(one_off_cost=too_much)) == "one_off_cost"
    recurring = unsaved(one_off_cost=Decimal("1"), recurring_cost=MAX_AMOUNT / 12)
    assert proposal_tco_limit_field(proposal=recurring) == "recurring_cost"
    both = unsaved(one_off_cost=too_much, recurring_cost=Decimal("5"))
    assert proposal_tco_limit_field(proposal=both) == "one_off_cost"
    exactly = unsaved(one_off_cost=MAX_AMOUNT)
    assert not proposal_tco_exceeds_limit(proposal=exactly)
    # The one-off cost at the limit fits by itself: what recurs on top takes the blame.
    at_the_limit = unsaved(one_off_cost=MAX_AMOUNT, recurring_cost=Decimal("1"))
    assert proposal_tco_limit_field(proposal=at_the_limit) == "recurring_cost"
    assert proposal_tco_exceeds_limit(proposal=unsaved(one_off_cost=MAX_AMOUNT + Decimal("0.01")))


def test_a_currency_without_a_rate_is_not_called_too_large(db, settings):
    settings.FX_RATES = {"EUR": Decimal("1")}
    proposal = unsaved(currency="USD", one_off_cost=MAX_AMOUNT + 1)
    assert not proposal_tco_exceeds_limit(proposal=proposal)


# --- The whole proposal's rules (decisions.rules.proposal_errors)


def rule_errors(**fields) -> dict[str, str]:
    from decisions.rules import proposal_errors

    data = {"new_solution_name": "Hirely ATS", "category": "talent_acquisition"} | fields
    return proposal_errors(unsaved(**data))


def test_a_pilot_may_end_on_the_day_it_starts_but_not_before(db):
    import datetime as dt

    day = dt.date(2027, 3, 1)
    assert "pilot_end" not in rule_errors(pilot_start=day, pilot_end=day)
    before = rule_errors(pilot_start=day, pilot_end=day - dt.timedelta(days=1))
    assert before["pilot_end"] == "The pilot cannot end before it starts."


def test_a_cost_left_blank_is_not_checked_against_the_limit(db):
    # Blank is the form's own error to give ("required"); the TCO is not computed from it.
    assert rule_errors(recurring_cost=None) == {}
    assert rule_errors(one_off_cost=None, recurring_cost=MAX_AMOUNT) == {}


def test_only_a_retirement_is_refused_a_retirement_day_in_the_past(db):
    import datetime as dt

    from django.utils import timezone

    yesterday = timezone.localdate() - dt.timedelta(days=1)
    assert "retire_on" not in rule_errors(retire_on=yesterday)  # a new tool's: not its field


# --- assess_tier at the largest amount a proposal can record, and the rule it names


def _earlier_splitco(org, tco: Decimal) -> None:
    make_proposal(requester=org.requester, submit=True, one_off_cost=tco, recurring_cost=0,
                  new_vendor_name="Splitco")  # fmt: skip


def _assess(one_off: Decimal, **fields):
    from django.utils import timezone

    from decisions.pricing import assess_tier

    proposal = unsaved(one_off_cost=one_off, new_vendor_name="Splitco", **fields)
    return assess_tier(proposal=proposal, at=timezone.now())


def test_a_tco_of_exactly_the_largest_amount_is_tiered_and_a_cent_more_is_refused(org):
    assessment = _assess(MAX_AMOUNT)
    assert (assessment.tco, assessment.basis, assessment.tier.name) == (
        MAX_AMOUNT,
        MAX_AMOUNT,
        "Large",
    )
    with pytest.raises(DomainError, match=r"cannot exceed 999,999,999,999\.99 EUR"):
        _assess(MAX_AMOUNT + Decimal("0.01"))


def test_the_vendor_total_of_exactly_the_largest_amount_is_tiered_and_a_cent_more_is_refused(org):
    _earlier_splitco(org, Decimal("12000"))
    assessment = _assess(MAX_AMOUNT - Decimal("12000"))
    assert (assessment.earlier, assessment.basis) == (Decimal("12000.00"), MAX_AMOUNT)
    with pytest.raises(DomainError, match="for the same vendor in the last 12 months exceeds"):
        _assess(MAX_AMOUNT - Decimal("12000") + Decimal("0.01"))


def test_the_rule_names_the_vendor_total_only_when_there_is_one(org):
    from decisions.models import TierRule

    alone = _assess(Decimal("5000"))
    assert (alone.rule, alone.earlier, alone.basis) == (TierRule.TCO, 0, Decimal("5000"))
    _earlier_splitco(org, Decimal("12000"))
    with_earlier = _assess(Decimal("5000"))
    assert (with_earlier.rule, with_earlier.basis) == (TierRule.VENDOR_12_MONTHS, Decimal("17000"))


def test_a_retirement_is_tiered_on_its_own_cost_whatever_the_vendor_spent(org):
    from decisions.models import ProposalKind, TierRule

    _earlier_splitco(org, Decimal("12000"))
    retirement = _assess(Decimal("500"), kind=ProposalKind.RETIREMENT)
    assert (retirement.earlier, retirement.basis, retirement.rule) == (
        0,
        Decimal("500"),
        TierRule.TCO,
    )
