"""The pages' query counts do not grow with the rows they show."""

from __future__ import annotations

import pytest
from django.urls import reverse

from decisions import services
from tests.factories import SolutionFactory, make_proposal

pytestmark = pytest.mark.django_db


def fill(org, n: int):
    for i in range(n):
        solution = SolutionFactory(name=f"Tool {i}", in_use=i % 2 == 0)
        proposal = make_proposal(requester=org.requester, submit=True, solution=solution)
        services.comment_add(proposal=proposal, actor=org.hr_reviewer, body=f"Question {i}?")


@pytest.mark.parametrize("size", [2, 12])
@pytest.mark.parametrize(
    ("persona", "url_name", "bound"),
    [
        ("hr_reviewer", "queue", 16),  # 15 + the bell's unread count
        ("requester", "catalog", 12),
        ("requester", "proposal-list", 12),
        ("requester", "home", 15),  # + what needs their action
    ],
)
def test_list_pages_cost_the_same_at_any_size(
    client, org, size, persona, url_name, bound, django_assert_max_num_queries
):
    fill(org, size)
    client.force_login(getattr(org, persona))
    with django_assert_max_num_queries(bound):
        response = client.get(reverse(url_name))
    assert response.status_code == 200


@pytest.mark.parametrize("rounds", [1, 3])
def test_the_proposal_page_costs_the_same_with_more_rounds_and_comments(
    client, org, rounds, django_assert_max_num_queries
):
    proposal = make_proposal(requester=org.requester, submit=True)
    for i in range(rounds - 1):
        signoff = proposal.signoffs.get(round=proposal.round, department__code="IT")
        services.signoff_decide(signoff=signoff, actor=org.it_reviewer,
                                outcome="changes_requested", comment=f"Round {i}")  # fmt: skip
        proposal = services.proposal_submit(proposal=proposal, actor=org.requester)
    for i in range(rounds * 3):
        services.comment_add(proposal=proposal, actor=org.hr_reviewer, body=f"Q{i}")
    client.force_login(org.hr_reviewer)
    # +4: the scoring's comparison (alternatives, the round's departments, criteria, scores).
    with django_assert_max_num_queries(28):
        response = client.get(reverse("proposal-detail", args=[proposal.reference]))
    assert response.status_code == 200
    assert response.text.count('class="comment"') == rounds * 3


def test_the_catalog_filters_by_certification_and_personal_data(client, org):
    SolutionFactory(name="Certified", iso27001=True, processes_personal_data=True)
    SolutionFactory(name="Plain", iso27001=False, processes_personal_data=False)
    client.force_login(org.requester)
    page = client.get(reverse("catalog"), {"certification": "iso27001"})
    assert "Certified" in page.text
    assert ">Plain<" not in page.text
    page = client.get(reverse("catalog"), {"personal_data": "no"})
    assert ">Plain<" in page.text
    assert ">Certified<" not in page.text
    partial = client.get(reverse("catalog"), {"q": "cert"}, headers={"HX-Request": "true"})
    assert partial.text.lstrip().startswith('<div id="results">')
    assert "1 solution" in partial.text


def test_the_catalog_pages_through_results(client, org):
    for i in range(55):
        SolutionFactory(name=f"Item {i:02d}")
    client.force_login(org.requester)
    first = client.get(reverse("catalog"))
    assert "Page 1 of 2" in first.text
    second = client.get(reverse("catalog"), {"page": 2})
    assert "Item 54" in second.text
    assert "Item 00" not in second.text


def grow(org, n: int) -> None:
    """n more proposals in each state a page shows: in review, awaiting the CDO, decided."""
    for i in range(n):
        make_proposal(requester=org.requester, submit=True, title=f"In review {i}")
        awaiting = make_proposal(requester=org.requester, submit=True, one_off_cost=50000)
        for signoff in awaiting.signoffs.all():
            services.signoff_decide(
                signoff=signoff, actor=org.heads[signoff.department.code], outcome="approved"
            )
        rejected = make_proposal(requester=org.requester, submit=True)
        services.signoff_decide(
            signoff=rejected.signoffs.get(department__code="IT"), actor=org.it_head,
            outcome="rejected", comment="Not now.",
        )  # fmt: skip


@pytest.mark.parametrize(
    ("persona", "path"),
    [
        ("cdo", "/dashboard/"),
        ("cdo", "/decisions/"),
        ("hr_reviewer", "/queue/"),
        ("hr_reviewer", "/"),
        ("requester", "/proposals/"),
        ("requester", "/api/v1/proposals/"),
        ("hr_reviewer", "/api/v1/signoffs/"),
        ("requester", "/api/v1/decisions/"),
        ("cdo", "/budgets/"),
        ("cdo", "/api/v1/budgets/"),
    ],
)
def test_query_counts_do_not_grow_with_the_rows(client, org, persona, path):
    """The same number of queries, cold (cache cleared), with 3 or 15 proposals behind the
    page: a page costs what it shows, not what the history holds."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(getattr(org, persona))

    def queries() -> int:
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    grow(org, 1)
    small = queries()
    grow(org, 4)
    assert queries() == small


def test_the_dashboards_unused_tools_cost_the_same_at_any_number(client, org):
    """The unused tools on the CDO dashboard: the same queries for 2 flagged tools as for 8."""
    import datetime as dt

    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from landscape.models import ToolUsage
    from tests.factories import ToolFactory

    def flag(n: int) -> None:
        for _ in range(n):
            tool = ToolFactory(seats=50, yearly_cost=1000, shelfware_since=dt.date(2026, 11, 1))
            for month in (8, 9, 10):
                ToolUsage.objects.create(
                    tool=tool, month=dt.date(2026, month, 1), source="api", active_users=3
                )

    client.force_login(org.cdo)

    def queries() -> int:
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/dashboard/")
        assert response.status_code == 200
        return len(captured)

    flag(2)
    small = queries()
    flag(6)
    assert queries() == small
