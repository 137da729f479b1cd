"""The same vendor's proposals add up over 12 months (365 days before the submission, that day
included) to choose the tier: inside the window wherever they fall, not only at its edges."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from decisions.models import ProposalStatus
from tests.factories import SolutionFactory, VendorFactory, make_proposal

pytestmark = pytest.mark.django_db

START = dt.datetime(2025, 1, 15, 10, 0, tzinfo=dt.UTC)


def submit_for(org, vendor, *, at: dt.datetime, amount: str = "8000", **overrides):
    with time_machine.travel(at, tick=False):
        return make_proposal(
            requester=org.requester,
            submit=True,
            solution=SolutionFactory(vendor=vendor),
            one_off_cost=Decimal(amount),
            recurring_cost=0,
            **overrides,
        )


def second_after(org, delta: dt.timedelta):
    vendor = VendorFactory(name="Splitco")
    first = submit_for(org, vendor, at=START)
    assert first.status == ProposalStatus.IN_REVIEW
    return submit_for(org, vendor, at=START + delta)


@pytest.mark.parametrize("months", [1, 6, 11])
def test_same_vendor_proposals_months_apart_inside_the_window_add_up(org, months):
    later = second_after(org, dt.timedelta(days=30 * months))
    assert later.tco == Decimal("8000.00")
    assert later.tier_basis == Decimal("16000.00")
    assert later.tier.name == "Medium"
    assert "plus" in later.tier_reason
    assert "same vendor" in later.tier_reason


@pytest.mark.parametrize(("days", "counted"), [(364, True), (365, True), (366, False)])
def test_the_window_is_365_days_with_its_first_day_included(org, days, counted):
    later = second_after(org, dt.timedelta(days=days))
    assert later.tier_basis == (Decimal("16000.00") if counted else Decimal("8000.00"))
    assert later.tier.name == ("Medium" if counted else "Small")
    assert ("same vendor" in later.tier_reason) is counted


def test_a_free_text_vendor_adds_up_with_catalog_proposals_of_that_vendor(org):
    vendor = VendorFactory(name="Splitco")
    submit_for(org, vendor, at=START)
    with time_machine.travel(START + dt.timedelta(days=100), tick=False):
        named = make_proposal(
            requester=org.requester,
            submit=True,
            new_vendor_name="SPLITCO",
            one_off_cost=Decimal("3000"),
            recurring_cost=0,
        )
    assert named.tier_basis == Decimal("11000.00")
    # ...and a catalog proposal after it counts the free-text one.
    third = submit_for(org, vendor, at=START + dt.timedelta(days=200), amount="1000")
    assert third.tier_basis == Decimal("12000.00")


def test_another_vendor_never_adds_up(org):
    submit_for(org, VendorFactory(name="Splitco"), at=START)
    other = submit_for(org, VendorFactory(name="Othercorp"), at=START + dt.timedelta(days=30))
    assert other.tier_basis == Decimal("8000.00")
    assert other.tier.name == "Small"
    assert "same vendor" not in other.tier_reason


def test_a_proposal_without_a_vendor_adds_nothing(org):
    submit_for(org, VendorFactory(name="Splitco"), at=START)
    with time_machine.travel(START + dt.timedelta(days=30), tick=False):
        nameless = make_proposal(
            requester=org.requester,
            submit=True,
            new_vendor_name="   ",
            one_off_cost=Decimal("8000"),
            recurring_cost=0,
        )
    assert nameless.tier_basis == Decimal("8000.00")
