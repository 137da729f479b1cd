from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from decisions import services
from decisions.dashboard import dashboard_filters, figures
from decisions.models import ProposalStatus, SignOff
from tests.factories import SolutionFactory, make_proposal

pytestmark = pytest.mark.django_db


def approve_all(org, proposal):
    for signoff in proposal.signoffs.filter(round=proposal.round, status="pending"):
        services.signoff_decide(signoff=signoff, actor=org.heads[signoff.department.code],
                                outcome="approved")  # fmt: skip
    proposal.refresh_from_db()
    return proposal


def fill(org, n: int):
    """n proposals in review, n approved (with the CDO's decision) and n rejected."""
    for i in range(n):
        make_proposal(requester=org.requester, submit=True, title=f"Open {i}")
        approved = make_proposal(
            requester=org.requester, submit=True, solution=SolutionFactory(), one_off_cost=40000
        )
        approve_all(org, approved)
        services.decision_take(
            proposal=approved, actor=org.cdo, outcome="approved", rationale="Fine"
        )
        rejected = make_proposal(requester=org.requester, submit=True)
        # Heads sign: same-vendor proposals add up and may lift the tier to Large.
        services.signoff_decide(
            signoff=rejected.signoffs.get(department__code="IT"),
            actor=org.it_head,
            outcome="rejected",
            comment="No",
        )


def test_the_figures_add_up(org):
    with time_machine.travel(dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC)):
        fill(org, 2)
        f = figures(filters=dashboard_filters({}))
    assert f.open_proposals == 2
    assert f.decided_90d == 4
    assert f.approval_rate == 50.0
    assert f.median_cycle_days is not None
    assert f.median_cycle_days >= 0
    hr = next(b for b in f.spend_by_payer if b.label == "Human Resources")
    # Two approved proposals of 40,000 + 12,000 a year, decided in March: in this fiscal year
    # the one-off 40,000 and 10 of the 12 months (10,000), 50,000 each.
    assert hr.value == Decimal("100000.00")
    assert hr.limit == org.departments["HR"].annual_budget
    assert [b.label for b in f.spend_by_category] == ["Talent acquisition"]
    assert [b.label for b in f.spend_by_pricing] == ["Per-seat subscription"]


def test_overdue_signoffs_are_counted_per_department(org):
    with time_machine.travel(dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)):
        make_proposal(requester=org.requester, submit=True)
    with time_machine.travel(dt.datetime(2026, 11, 24, 9, tzinfo=dt.UTC)):
        f = figures(filters=dashboard_filters({}))
    assert {b.label: int(b.value) for b in f.overdue_by_department} == {
        "Human Resources": 1, "IT Operations": 1, "Marketing": 1,
    }  # fmt: skip


def test_filters_narrow_every_figure(org):
    fill(org, 1)
    make_proposal(requester=org.requester, submit=True, category="learning")
    f = figures(filters=dashboard_filters({"category": "learning"}))
    assert f.open_proposals == 1
    assert f.decided_90d == 0


def test_the_dashboard_is_the_cdos(client, org):
    client.force_login(org.hr_head)
    assert client.get(reverse("dashboard")).status_code == 403
    client.force_login(org.cdo)
    assert client.get(reverse("dashboard")).status_code == 200


def test_the_dashboard_filters_in_place_and_keep_unknown_values_out(client, org):
    fill(org, 1)
    client.force_login(org.cdo)
    response = client.get(reverse("dashboard"), {"status": "in_review", "tier": "nope"},
                          headers={"HX-Request": "true"})  # fmt: skip
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="dashboard-body">')
    page = client.get(reverse("dashboard"), {"department": "IT"})
    assert '<option value="IT" selected>' in page.text
    assert "Sign-off matrix" in page.text


@pytest.mark.parametrize("size", [1, 6])
def test_the_dashboard_queries_do_not_grow_with_the_rows(
    client, org, size, django_assert_max_num_queries
):
    fill(org, size)
    client.force_login(org.cdo)
    with django_assert_max_num_queries(24):  # constant: see tests/test_query_counts.py
        response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert response.text.count('class="cell status-') >= size * 3


def test_the_matrix_shows_each_departments_status(client, org):
    proposal = make_proposal(requester=org.requester, submit=True)
    services.signoff_decide(signoff=proposal.signoffs.get(department__code="HR"),
                            actor=org.hr_reviewer, outcome="approved")  # fmt: skip
    client.force_login(org.cdo)
    page = client.get(reverse("dashboard"))
    assert proposal.reference in page.text
    assert 'class="cell status-approved" title="Approved — ' in page.text
    assert page.text.count('class="cell status-pending') == 2
    # Each cell names its department (the phone layout shows it above the status).
    assert page.text.count('data-dept="HR"') == 1
    assert page.text.count('data-dept="IT"') == 1
    assert ProposalStatus.IN_REVIEW.label


def test_a_matrix_cell_says_how_long_it_waits_and_whether_it_is_overdue(client, org):
    proposal = make_proposal(requester=org.requester, submit=True)
    hr = proposal.signoffs.get(department__code="HR")
    SignOff.objects.filter(pk=hr.pk).update(
        created_at=timezone.now() - dt.timedelta(days=9),
        due_on=timezone.localdate() - dt.timedelta(days=2),
    )
    client.force_login(org.cdo)
    page = client.get(reverse("dashboard")).text
    assert 'class="cell status-pending overdue-cell" title="Pending"' in page
    assert "<small>9 days, overdue</small>" in page
    assert "<small>0 days</small>" in page  # the other two, asked today and not yet due


def test_the_dashboard_is_fresh_after_any_change(client, org, django_capture_on_commit_callbacks):
    client.force_login(org.cdo)
    with django_capture_on_commit_callbacks(execute=True):
        proposal = make_proposal(requester=org.requester, submit=True)
    first = client.get(reverse("dashboard"))
    assert first.text.count('class="cell status-pending') == 3
    with django_capture_on_commit_callbacks(execute=True):
        services.signoff_decide(signoff=proposal.signoffs.get(department__code="HR"),
                                actor=org.hr_reviewer, outcome="approved")  # fmt: skip
    second = client.get(reverse("dashboard"))
    assert second.text.count('class="cell status-pending') == 2
    assert 'class="cell status-approved"' in second.text


# --- Fresh after changes that are not workflow events (the data version, core/dataversion.py)


def spend_by_pricing(page) -> str:
    """The spend-by-pricing-model chart of a dashboard page."""
    text = page.content.decode()
    start = text.index('id="pricing-t"')
    return text[start : text.index("</figure>", start)]


def test_a_catalog_sync_shows_on_the_next_dashboard_view(
    client, org, django_capture_on_commit_callbacks
):
    from tests.vendors.sync_helpers import payload, syncing_user, token_client
    from vendors.models import Solution

    feed = token_client(syncing_user())
    with django_capture_on_commit_callbacks(execute=True):
        assert feed.post("/api/v1/catalog/sync/", payload(1, 1), format="json").status_code == 200
    solution = Solution.objects.get(external_id="s-0")
    with django_capture_on_commit_callbacks(execute=True):
        proposal = approve_all(
            org, make_proposal(requester=org.requester, submit=True, solution=solution)
        )
        services.decision_take(proposal=proposal, actor=org.cdo, outcome="approved", rationale="Ok")
    client.force_login(org.cdo)
    assert "Per-seat subscription" in spend_by_pricing(client.get(reverse("dashboard")))

    changed = payload(1, 1)
    changed["solutions"][0]["pricing_model"] = "on_demand"
    with django_capture_on_commit_callbacks(execute=True):
        assert feed.post("/api/v1/catalog/sync/", changed, format="json").status_code == 200

    chart = spend_by_pricing(client.get(reverse("dashboard")))
    assert "On demand / usage" in chart
    assert "Per-seat subscription" not in chart


def test_an_admin_edit_shows_on_the_next_dashboard_view(
    client, admin_client, org, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        approve_all(org, make_proposal(requester=org.requester, submit=True))
    client.force_login(org.cdo)
    assert "Human Resources" in client.get(reverse("dashboard")).text
    hr = org.departments["HR"]
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:stakeholders_department_change", args=[hr.pk]),
            {
                "code": "HR",
                # The admin shows the name once per language (modeltranslation).
                "name_en": "People and Culture",
                "name_nl": "",
                "name_fr": "",
                "annual_budget": "500000",
                "currency": "EUR",
                "signoff_required": "on",
                "is_active": "on",
                "memberships-TOTAL_FORMS": "0",
                "memberships-INITIAL_FORMS": "0",
                "checklist_questions-TOTAL_FORMS": "0",
                "checklist_questions-INITIAL_FORMS": "0",
            },
        )
    assert response.status_code == 302, response.content
    page = client.get(reverse("dashboard")).text
    assert "People and Culture" in page
    assert "Human Resources" not in page


@time_machine.travel(dt.datetime(2026, 1, 12, 9, tzinfo=dt.UTC))
def test_budget_bars_say_the_share_of_the_budget(client, org):
    proposal = make_proposal(requester=org.requester, submit=True, one_off_cost=50000)
    for signoff in proposal.signoffs.all():
        services.signoff_decide(signoff=signoff, actor=org.heads[signoff.department.code],
                                outcome="approved")  # fmt: skip
    proposal.refresh_from_db()
    if proposal.status == ProposalStatus.AWAITING_DECISION:
        services.decision_take(proposal=proposal, actor=org.cdo, outcome="approved",
                               rationale="Fits.")  # fmt: skip
    proposal.refresh_from_db()
    # Decided in January on a 12-month term: all of it falls in this fiscal year.
    share = round(proposal.tco / proposal.paying_department.annual_budget * 100)
    client.force_login(org.cdo)
    page = client.get(reverse("dashboard")).text
    assert f'<span class="share">{share}%</span>' in page


def test_an_empty_filter_result_offers_to_clear_the_filters(client, org):
    client.force_login(org.cdo)
    page = client.get(reverse("dashboard"), {"category": "crm"}).text
    assert "Nothing is in review." in page
    assert f'<a href="{reverse("dashboard")}">Clear filters</a>' in page
    assert "Clear filters" not in client.get(reverse("dashboard")).text
