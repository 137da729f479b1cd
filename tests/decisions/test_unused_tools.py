"""The CDO dashboard's "unused tools": each flagged tool with its adoption trend and yearly cost,
and the total spent on tools nobody uses, in the base currency."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from landscape.models import Lifecycle, ToolUsage
from tests.factories import SolutionFactory, ToolFactory

pytestmark = pytest.mark.django_db


def unused(org, name: str, *, cost, currency="EUR", lifecycle=Lifecycle.ADOPTED):
    tool = ToolFactory(
        owner_department=org.departments["HR"],
        solution=SolutionFactory(name=name),
        seats=100,
        yearly_cost=cost,
        currency=currency,
        lifecycle=lifecycle,
        shelfware_since=dt.date(2026, 11, 2),
    )
    for month, active in (("2026-08", 20), ("2026-09", 12), ("2026-10", 8)):
        ToolUsage.objects.create(
            tool=tool, month=dt.date.fromisoformat(f"{month}-01"), source="api", active_users=active
        )
    return tool


def dashboard(org) -> str:
    client = Client()
    client.force_login(org.cdo)
    response = client.get("/dashboard/")
    assert response.status_code == 200
    return response.content.decode()


def test_it_lists_unused_tools_with_their_trend_and_totals_their_cost(org, settings):
    settings.FX_RATES = {**settings.FX_RATES, "USD": Decimal("0.5")}
    unused(org, "Chatter", cost=Decimal("12000"))
    unused(org, "Wiki Plus", cost=Decimal("2000"), currency="USD")
    unused(org, "Free Board", cost=None)
    unused(org, "Gone Tool", cost=Decimal("99999"), lifecycle=Lifecycle.RETIRED)
    ToolFactory(solution=SolutionFactory(name="Busy Tool"), yearly_cost=Decimal("5000"))
    page = dashboard(org)
    section = page[page.index('id="unused-tools"') :]
    assert "Chatter" in section
    assert "Wiki Plus" in section
    assert "Busy Tool" not in section
    assert "Gone Tool" not in section  # retired: nobody pays for it any more
    assert "13,000.00 EUR</strong> a year" in section  # 12,000 + 2,000 USD at 0.5
    assert "1 tool without a known yearly cost is not counted." in section
    assert 'aria-label="Adoption by month: 2026-08 20%, 2026-09 12%, 2026-10 8%"' in section


def test_no_unused_tool_says_so(org):
    assert "No tool is flagged as unused." in dashboard(org)
