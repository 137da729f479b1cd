"""The CDO dashboard's monthly trends: median days from submission to decision and the approval
rate, per calendar month of the last twelve (decisions.trends)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from decisions import services
from decisions.dashboard import dashboard_filters
from decisions.trends import dashboard_trends, month_starts, monthly_decisions
from tests.factories import SolutionFactory, make_proposal

pytestmark = pytest.mark.django_db

TODAY = dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC)


def decided(org, *, submitted: dt.datetime, on: dt.datetime, outcome: str = "approved", **data):
    """A proposal submitted at `submitted` and decided by the CDO at `on` (a Medium one: every
    department signs, then the CDO decides)."""
    with time_machine.travel(submitted, tick=False):
        proposal = make_proposal(
            requester=org.requester, submit=True, solution=SolutionFactory(), one_off_cost=40000,
            **data,
        )  # fmt: skip
    with time_machine.travel(on, tick=False):
        for signoff in proposal.signoffs.filter(round=proposal.round, status="pending"):
            services.signoff_decide(
                signoff=signoff, actor=org.heads[signoff.department.code], outcome="approved"
            )
        proposal.refresh_from_db()
        services.decision_take(proposal=proposal, actor=org.cdo, outcome=outcome, rationale="R")
    return proposal


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def september_and_november(org) -> None:
    """September: 4, 10 and 20 days, one of them rejected; October: nothing; November: 6 days."""
    decided(org, submitted=utc(2026, 9, 1, 10), on=utc(2026, 9, 5, 10))
    decided(org, submitted=utc(2026, 9, 2, 10), on=utc(2026, 9, 12, 10), outcome="rejected")
    decided(org, submitted=utc(2026, 9, 10, 10), on=utc(2026, 9, 30, 10))
    decided(org, submitted=utc(2026, 10, 28, 10), on=utc(2026, 11, 3, 10))


def test_the_twelve_months_end_with_the_current_one():
    starts = month_starts(dt.date(2026, 2, 14))
    assert starts[0] == dt.date(2025, 3, 1)
    assert starts[-1] == dt.date(2026, 2, 1)
    assert len(starts) == 12


def test_it_computes_the_median_and_the_approval_rate_per_month(org):
    september_and_november(org)
    with time_machine.travel(TODAY, tick=False):
        months = {m.month: m for m in monthly_decisions(filters=dashboard_filters({}))}
    assert next(iter(months)) == dt.date(2025, 12, 1)
    september = months[dt.date(2026, 9, 1)]
    assert (september.decided, september.approved, september.median_days) == (3, 2, 10.0)
    assert september.approval_rate == 66.7
    november = months[dt.date(2026, 11, 1)]
    assert (november.decided, november.median_days, november.approval_rate) == (1, 6.0, 100.0)


def test_a_month_without_decisions_is_a_gap_not_a_zero(org):
    september_and_november(org)
    with time_machine.travel(TODAY, tick=False):
        trends = dashboard_trends(filters=dashboard_filters({}))
    october = next(m for m in trends.months if m.month == dt.date(2026, 10, 1))
    assert (october.decided, october.median_days, october.approval_rate) == (0, None, None)
    column = next(c for c in trends.cycle.columns if c.figures is october)
    assert column.value is None
    assert column.height == 0


def test_months_are_the_sites_calendar_months_and_older_decisions_are_left_out(org):
    # 22:30 UTC on 31 July is 00:30 on 1 August in Amsterdam.
    decided(org, submitted=utc(2026, 7, 27, 22, 30), on=utc(2026, 7, 31, 22, 30))
    decided(org, submitted=utc(2025, 11, 1, 10), on=utc(2025, 11, 20, 10))  # 13 months ago
    with time_machine.travel(TODAY, tick=False):
        months = {m.month: m for m in monthly_decisions(filters=dashboard_filters({}))}
    assert months[dt.date(2026, 8, 1)].decided == 1
    assert months[dt.date(2026, 7, 1)].decided == 0
    assert sum(m.decided for m in months.values()) == 1


def test_the_dashboards_filters_apply_to_the_trends(org):
    september_and_november(org)
    decided(org, submitted=utc(2026, 10, 1, 10), on=utc(2026, 10, 3, 10), category="learning")
    with time_machine.travel(TODAY, tick=False):
        months = monthly_decisions(filters=dashboard_filters({"category": "learning"}))
    assert [(m.month, m.decided, m.median_days) for m in months if m.decided] == [
        (dt.date(2026, 10, 1), 1, 2.0)
    ]


def test_the_page_draws_the_charts_and_lists_the_figures_in_a_table(client, org):
    september_and_november(org)
    client.force_login(org.cdo)
    cache.clear()
    with time_machine.travel(TODAY, tick=False):
        page = client.get(reverse("dashboard")).text
    assert 'class="trend-chart trend-cycle"' in page
    assert 'class="trend-chart trend-approval"' in page
    assert "style=" not in page.split('id="dashboard-body"')[1]  # the CSP forbids inline styles
    rows = {
        re.sub(r"<[^>]+>", "|", row).replace("||", "|")
        for row in re.findall(r"<tr><th scope=\"row\">.*?</tr>", page)
    }
    assert "|Sept. 2026|10|3|" in rows  # month, median days, decided
    assert "|Sept. 2026|66.7%|2|3|" in rows  # month, approval rate, approved, decided
    assert "|Oct. 2026|—|0|" in rows
    assert "|Oct. 2026|—|0|0|" in rows
    # A column per month with decisions (September, November) in each chart; gaps have none.
    assert page.count('<rect class="col"') == 2 * 2


def test_the_trends_speak_dutch_and_french(client, org):
    september_and_november(org)
    client.force_login(org.cdo)
    cache.clear()
    with time_machine.travel(TODAY, tick=False):
        dutch = client.get(reverse("dashboard"), headers={"accept-language": "nl"}).text
        cache.clear()
        french = client.get(reverse("dashboard"), headers={"accept-language": "fr"}).text
    assert "Goedkeuringspercentage per maand" in dutch
    assert "66,7%" in dutch
    assert "Taux d'approbation par mois" in french
    assert "66,7%" in french
    assert re.search(r'<rect class="col" x="\d+\.\d"', french)  # SVG numbers stay numbers


def test_an_empty_result_offers_to_clear_the_filters(client, org):
    september_and_november(org)
    client.force_login(org.cdo)
    with time_machine.travel(TODAY, tick=False):
        page = client.get(reverse("dashboard"), {"category": "learning"}).text
    assert "No decisions in the last 12 months for these filters." in page
    empty = page.split("No decisions in the last 12 months for these filters.")[1][:200]
    assert f'<a href="{reverse("dashboard")}">Clear filters</a>' in empty


def test_the_trends_cost_the_same_queries_for_3_or_30_decisions(
    client, org, django_assert_max_num_queries
):
    def decide(n: int) -> None:
        for i in range(n):
            day = utc(2026, 1 + i % 11, 1 + i % 27, 10)
            decided(org, submitted=day, on=day + dt.timedelta(days=1 + i % 9),
                    outcome="rejected" if i % 4 == 0 else "approved")  # fmt: skip

    client.force_login(org.cdo)
    decide(3)
    with time_machine.travel(TODAY, tick=False):
        cache.clear()
        with CaptureQueriesContext(connection) as small:
            assert client.get(reverse("dashboard")).status_code == 200
        with django_assert_max_num_queries(2):
            monthly_decisions(filters=dashboard_filters({}))
    decide(27)
    with time_machine.travel(TODAY, tick=False):
        cache.clear()
        # + 2: on PostgreSQL the 90-day median reads the band(s) of durations holding its middle
        # rank(s) (decisions.readmodels), at most two whatever the rows; the 3 decisions of the
        # first count are older than 90 days, so it read none of them.
        with django_assert_max_num_queries(len(small) + 2):
            assert client.get(reverse("dashboard")).status_code == 200
        with django_assert_max_num_queries(2):
            months = monthly_decisions(filters=dashboard_filters({}))
    assert sum(m.decided for m in months) == 30
