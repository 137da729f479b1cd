"""Adoption against promise: landscape.adoption's rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from decisions.models import COMMITTED_STATES, Proposal, ProposalKind, ProposalStatus
from landscape import adoption
from landscape.adoption import (
    AdoptionPoint,
    adoption_latest,
    adoption_latest_many,
    adoption_trend,
    promised_users,
)
from landscape.models import ToolUsage
from tests.factories import ToolFactory, make_proposal

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("org")]


def usage(tool, month: str, active: int, seats: int | None = None, source: str = "api"):
    year, mon = (int(part) for part in month.split("-"))
    return ToolUsage.objects.create(
        tool=tool,
        month=dt.date(year, mon, 1),
        source=source,
        active_users=active,
        licensed_seats=seats,
    )


def promise(tool, *, seats=None, employees=0, status=ProposalStatus.ADOPTED) -> Proposal:
    proposal = make_proposal(requester=get_user_model().objects.get(username="rita.requester"))
    Proposal.objects.filter(pk=proposal.pk).update(
        tool=tool, status=status, seats=seats, employees_affected=employees
    )
    return proposal


def test_the_promise_states_are_the_workflows_committed_states_and_retired():
    assert set(adoption.PROMISE_STATES) == {*COMMITTED_STATES, ProposalStatus.RETIRED}
    assert adoption.PROMISE_KIND == ProposalKind.NEW


def test_it_promises_the_proposals_seats_first_then_its_employees_then_the_tools_seats():
    tool = ToolFactory(seats=50)
    assert promised_users(tool) == 50
    promise(tool, employees=400)
    assert promised_users(tool) == 400
    promise(tool, seats=120, employees=400)  # the latest approved proposal counts
    assert promised_users(tool) == 120


def test_it_ignores_proposals_that_were_never_approved_and_retirements():
    tool = ToolFactory(seats=None)
    promise(tool, seats=900, status=ProposalStatus.REJECTED)
    retirement = promise(tool, seats=800)
    Proposal.objects.filter(pk=retirement.pk).update(kind=ProposalKind.RETIREMENT)
    assert promised_users(tool) is None


def test_the_latest_month_takes_the_largest_figure_of_its_sources():
    tool = ToolFactory(seats=200)
    usage(tool, "2026-08", 190)
    usage(tool, "2026-09", 40, seats=250, source="okta")
    usage(tool, "2026-09", 50, seats=240, source="csv")
    point = adoption_latest(tool)
    assert point == AdoptionPoint(
        month=dt.date(2026, 9, 1),
        active_users=50,
        licensed_seats=250,
        promised_users=200,
        ratio=Decimal("0.2500"),
    )
    assert point.percent == 25


def test_without_any_promise_it_judges_against_the_licensed_seats_or_not_at_all():
    tool = ToolFactory(seats=None)
    usage(tool, "2026-09", 30, seats=120)
    assert adoption_latest(tool).ratio == Decimal("0.2500")
    other = ToolFactory(seats=None)
    usage(other, "2026-09", 30)
    assert adoption_latest(other).ratio is None
    assert adoption_latest(ToolFactory()) is None


def test_latest_many_answers_in_constant_queries(django_assert_num_queries):
    tools = [ToolFactory(seats=100) for _ in range(5)]
    for index, tool in enumerate(tools):
        usage(tool, "2026-07", 10 + index)
        usage(tool, "2026-08", 20 + index)
        promise(tool, seats=10)
    with django_assert_num_queries(2):
        points = adoption_latest_many(tools)
    assert {tool_id: point.active_users for tool_id, point in points.items()} == {
        tool.pk: 20 + index for index, tool in enumerate(tools)
    }
    assert points[tools[0].pk].ratio == Decimal("2.0000")


def test_the_trend_lists_the_months_with_usage_within_the_window_oldest_first():
    tool = ToolFactory(seats=100)
    usage(tool, "2025-01", 90)
    usage(tool, "2025-11", 80)
    usage(tool, "2026-01", 70)
    usage(tool, "2026-03", 20)
    trend = adoption_trend(tool, months=6)
    assert [(p.month, p.active_users) for p in trend] == [
        (dt.date(2025, 11, 1), 80),
        (dt.date(2026, 1, 1), 70),
        (dt.date(2026, 3, 1), 20),
    ]
    assert adoption_trend(ToolFactory()) == []


def test_a_month_is_its_first_day_and_a_source_reports_it_once():
    tool = ToolFactory()
    usage(tool, "2026-09", 5)
    with pytest.raises(IntegrityError), transaction.atomic():
        usage(tool, "2026-09", 6)
    with pytest.raises(IntegrityError), transaction.atomic():
        ToolUsage.objects.create(tool=tool, month=dt.date(2026, 9, 2), source="x", active_users=1)


def test_month_add_crosses_years():
    assert adoption.month_add(dt.date(2026, 1, 1), -1) == dt.date(2025, 12, 1)
    assert adoption.month_add(dt.date(2025, 11, 1), 14) == dt.date(2027, 1, 1)
