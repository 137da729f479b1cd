"""The dashboard's monthly charts in a browser, on a laptop and a phone: drawn without inline
styles (the CSP), their tables open and readable, nothing wider than the screen, axe-checked."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from decisions import services
from decisions.models import Proposal
from tests.factories import SolutionFactory, make_proposal

pytestmark = pytest.mark.browser


def decide(org, outcome: str) -> Proposal:
    proposal = make_proposal(requester=org.requester, submit=True, solution=SolutionFactory(),
                             one_off_cost=40000)  # fmt: skip
    for signoff in proposal.signoffs.all():
        services.signoff_decide(signoff=signoff, actor=org.heads[signoff.department.code],
                                outcome="approved")  # fmt: skip
    services.decision_take(proposal=proposal, actor=org.cdo, outcome=outcome, rationale="R")
    return proposal


@pytest.mark.parametrize("width", [1366, 375])
def test_the_cdo_reads_the_monthly_charts_and_their_tables(org, browser_for, width):
    decide(org, "approved")
    decide(org, "rejected")
    earlier = decide(org, "approved")
    # Two months back (the triggers keep the read models in step with the update).
    decided_at = timezone.now() - dt.timedelta(days=62)
    Proposal.objects.filter(pk=earlier.pk).update(
        submitted_at=decided_at - dt.timedelta(days=12), decided_at=decided_at
    )
    session = browser_for(org.cdo.username)
    page = session.page
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/dashboard/")
    cycle = page.locator("figure.trend").filter(has=page.locator("svg.trend-cycle"))
    approval = page.locator("figure.trend").filter(has=page.locator("svg.trend-approval"))
    expect(cycle.locator("rect.col")).to_have_count(2)  # two months with decisions
    expect(approval.locator("text.gap")).to_have_count(10)  # and ten gaps
    for figure in (cycle, approval):
        figure.get_by_text("The figures as a table").click()
    month = timezone.localdate().strftime("%Y")
    expect(approval.locator("tbody tr").last).to_contain_text(month)
    expect(approval.locator("tbody tr").last).to_contain_text("50%")
    expect(cycle.locator("tbody tr").filter(has_text="12")).to_have_count(1)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    session.screenshot(f"dashboard-trends-{width}")
