"""Budgets per fiscal year: fiscal years, committed spend spread over a contract's months into
the years it falls in, each department's budget (the year's own or the standing one), and the
warning of a proposal that would take its payer over what remains."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from audit.models import Event
from core.errors import DomainError, NotAllowed
from core.fiscal import fiscal_year_end, fiscal_year_label, fiscal_year_of, fiscal_year_start
from decisions import readmodels, services
from decisions.budgets import (
    budget_card,
    budget_line,
    committed_spend,
    committed_spend_of,
    contract_start,
    months_by_fiscal_year,
    over_budget_warning,
    proposal_spread,
    spread,
)
from decisions.models import Proposal, ProposalStatus
from stakeholders.models import DepartmentBudget
from stakeholders.services import (
    department_budget_delete,
    department_budget_set,
    department_budget_update,
)
from tests.factories import make_proposal

pytestmark = pytest.mark.django_db

D = Decimal
UTC = dt.UTC


def committed(proposal: Proposal, *, decided: dt.datetime, **fields) -> Proposal:
    """`proposal` approved on `decided` (written directly: the read model follows any write)."""
    Proposal.objects.filter(pk=proposal.pk).update(
        status=ProposalStatus.APPROVED, decided_at=decided, **fields
    )
    proposal.refresh_from_db()
    return proposal


# --- Fiscal years


def test_the_fiscal_year_is_the_calendar_year_by_default():
    assert fiscal_year_of(dt.date(2026, 1, 1)) == 2026
    assert fiscal_year_of(dt.date(2026, 12, 31)) == 2026
    assert fiscal_year_label(2026) == "2026"


def test_a_fiscal_year_starting_in_april_is_named_by_the_year_it_starts_in(settings):
    settings.FISCAL_YEAR_START_MONTH = 4
    assert fiscal_year_of(dt.date(2026, 3, 31)) == 2025
    assert fiscal_year_of(dt.date(2026, 4, 1)) == 2026
    assert fiscal_year_start(2026) == dt.date(2026, 4, 1)
    assert fiscal_year_end(2026) == dt.date(2027, 3, 31)
    assert fiscal_year_label(2026) == "2026-27"


# --- Spreading the spend


def test_a_term_starting_in_the_first_month_stays_in_one_fiscal_year():
    assert months_by_fiscal_year(dt.date(2026, 1, 1), 12) == [(2026, 12)]


def test_a_term_starting_in_the_last_month_has_one_month_in_its_first_year():
    assert months_by_fiscal_year(dt.date(2026, 12, 1), 12) == [(2026, 1), (2027, 11)]


def test_a_term_is_split_at_the_configured_fiscal_year_start(settings):
    settings.FISCAL_YEAR_START_MONTH = 4
    assert months_by_fiscal_year(dt.date(2026, 3, 1), 12) == [(2025, 1), (2026, 11)]
    assert months_by_fiscal_year(dt.date(2026, 4, 1), 12) == [(2026, 12)]
    assert months_by_fiscal_year(dt.date(2026, 4, 1), 13) == [(2026, 12), (2027, 1)]


def test_the_one_off_cost_falls_in_the_first_month_and_the_rest_is_spread_evenly():
    parts = spread(start=dt.date(2026, 5, 1), term_months=12, one_off=D("100"), tco=D("1300"))
    # 8 of the 12 months in 2026 (May to December), 4 in 2027.
    assert parts == {2026: D("900.00"), 2027: D("400.00")}


def test_the_parts_add_up_to_the_tco_to_the_cent():
    parts = spread(start=dt.date(2026, 12, 1), term_months=36, one_off=D("0"), tco=D("1000"))
    assert parts == {2026: D("27.78"), 2027: D("333.33"), 2028: D("333.33"), 2029: D("305.56")}
    assert sum(parts.values()) == D("1000")


def test_a_term_under_twelve_months_is_spread_over_twelve_like_the_tco():
    # 0 (no fixed term) and 6 months both count 12 months, as the TCO does.
    for term in (0, 6, 12):
        parts = spread(start=dt.date(2026, 7, 1), term_months=term, one_off=D("0"), tco=D("1200"))
        assert parts == {2026: D("600.00"), 2027: D("600.00")}
    parts = spread(start=dt.date(2026, 7, 1), term_months=13, one_off=D("0"), tco=D("1300"))
    assert parts == {2026: D("600.00"), 2027: D("700.00")}


def test_a_one_off_cost_larger_than_the_tco_is_capped_at_it():
    parts = spread(start=dt.date(2026, 12, 1), term_months=12, one_off=D("500"), tco=D("300"))
    assert parts == {2026: D("300"), 2027: D("0")}


def test_a_contract_starts_on_its_renewal_date_else_on_its_decision_day_in_utc(org):
    proposal = make_proposal(requester=org.requester, submit=True)
    # 00:30 on 1 February in Amsterdam is still 31 January in UTC.
    proposal.decided_at = dt.datetime(2026, 1, 31, 23, 30, tzinfo=UTC)
    assert contract_start(proposal) == dt.date(2026, 1, 1)
    proposal.renewal_date = dt.date(2026, 9, 15)
    assert contract_start(proposal) == dt.date(2026, 9, 1)
    undecided = make_proposal(requester=org.requester, submit=True)
    assert contract_start(undecided, today=dt.date(2027, 3, 4)) == dt.date(2027, 3, 1)


def test_a_proposals_spread_uses_its_costs_in_the_base_currency(org):
    # 2,000 USD one-off and 1,000 USD a month: 1,840 and 11,040 EUR.
    proposal = make_proposal(requester=org.requester, currency="USD")
    parts = proposal_spread(proposal, today=dt.date(2026, 11, 20))
    assert parts == {2026: D("1840.00") + D("1840.00"), 2027: D("9200.00")}


# --- Committed spend: the read model


def test_committed_spend_counts_approved_piloting_and_adopted_proposals_only(org):
    hr = org.departments["HR"]
    decided = dt.datetime(2026, 1, 5, 10, tzinfo=UTC)
    approved = committed(make_proposal(requester=org.requester, submit=True), decided=decided)
    assert committed_spend() == {(hr.pk, 2026): approved.tco}
    for status in (ProposalStatus.PILOTING, ProposalStatus.ADOPTED):
        Proposal.objects.filter(pk=approved.pk).update(status=status)
        assert committed_spend() == {(hr.pk, 2026): approved.tco}
    for status in (ProposalStatus.RETIRED, ProposalStatus.REJECTED, ProposalStatus.IN_REVIEW):
        Proposal.objects.filter(pk=approved.pk).update(status=status)
        assert committed_spend() == {}


def test_committed_spend_is_spread_into_the_fiscal_years_of_the_contract(org):
    hr = org.departments["HR"]
    # 2,000 one-off and 12,000 over 12 months from October: 2,000 + 3 months this year.
    committed(
        make_proposal(requester=org.requester, submit=True),
        decided=dt.datetime(2026, 10, 20, tzinfo=UTC),
    )
    assert committed_spend() == {(hr.pk, 2026): D("5000.00"), (hr.pk, 2027): D("9000.00")}
    assert readmodels.maintained() == readmodels.recomputed()


def test_the_read_model_and_a_filtered_recount_agree(org):
    for month, term in ((1, 12), (6, 24), (11, 0)):
        committed(
            make_proposal(requester=org.requester, submit=True, term_months=term),
            decided=dt.datetime(2026, month, 3, tzinfo=UTC),
        )
    committed(
        make_proposal(requester=org.requester, submit=True, currency="GBP"),
        decided=dt.datetime(2025, 12, 31, 23, tzinfo=UTC),
        renewal_date=dt.date(2026, 2, 1),
    )
    assert committed_spend() == committed_spend_of(Proposal.objects.all())


def test_committed_spend_follows_the_workflow(org):
    """Approved through sign-offs and the CDO's decision, the spend counts from that month."""
    from decisions.models import DecisionOutcome, SignOffStatus

    with time_machine.travel(dt.datetime(2026, 7, 1, 9, tzinfo=UTC)):
        proposal = make_proposal(requester=org.requester, submit=True, one_off_cost=40000)
        for code, head in org.heads.items():
            services.signoff_decide(
                signoff=proposal.signoffs.get(department__code=code),
                actor=head,
                outcome=SignOffStatus.APPROVED,
            )
        proposal.refresh_from_db()
        if proposal.status == ProposalStatus.AWAITING_DECISION:
            services.decision_take(
                proposal=proposal, actor=org.cdo, outcome=DecisionOutcome.APPROVED,
                rationale="Fits.",
            )  # fmt: skip
    line = budget_line(department=org.departments["HR"], year=2026)
    # 40,000 one-off and 6 of the 12 months of 1,000 in 2026.
    assert line.committed == D("46000.00")


# --- Budgets: the year's own, or the standing annual budget


def test_a_year_without_a_budget_uses_the_standing_annual_budget(org):
    hr = org.departments["HR"]
    line = budget_line(department=hr, year=2026)
    assert (line.budget, line.row) == (hr.annual_budget, None)


def test_a_years_budget_replaces_the_standing_one_in_the_base_currency(org):
    hr = org.departments["HR"]
    DepartmentBudget.objects.create(department=hr, fiscal_year=2026, amount=100000, currency="USD")
    assert budget_line(department=hr, year=2026).budget == D("92000.00")
    assert budget_line(department=hr, year=2027).budget == hr.annual_budget


def test_remaining_and_over_budget(org):
    hr = org.departments["HR"]
    DepartmentBudget.objects.create(department=hr, fiscal_year=2026, amount=14000)
    committed(
        make_proposal(requester=org.requester, submit=True),
        decided=dt.datetime(2026, 1, 5, tzinfo=UTC),
    )
    line = budget_line(department=hr, year=2026)
    assert (line.committed, line.remaining, line.over, line.share) == (
        D("14000.00"), D("0.00"), False, 100.0,
    )  # fmt: skip
    DepartmentBudget.objects.filter(department=hr).update(amount=D("13999.99"))
    line = budget_line(department=hr, year=2026)
    assert (line.remaining, line.over) == (D("-0.01"), True)


# --- The warning of the proposal form


def _budget(org, amount, year=2026):
    DepartmentBudget.objects.create(
        department=org.departments["HR"], fiscal_year=year, amount=amount
    )


def test_no_warning_when_the_proposal_uses_exactly_what_remains(org):
    _budget(org, 14000)
    proposal = make_proposal(requester=org.requester)  # 2,000 + 12 months of 1,000
    assert over_budget_warning(proposal, today=dt.date(2026, 1, 20)) is None


def test_a_warning_one_cent_over_what_remains(org):
    _budget(org, D("13999.99"))
    proposal = make_proposal(requester=org.requester)
    line, part = over_budget_warning(proposal, today=dt.date(2026, 1, 20))
    assert (line.fiscal_year, part, line.remaining) == (2026, D("14000.00"), D("13999.99"))


def test_the_warning_names_the_year_the_spend_would_overrun(org):
    # In November: 2,000 + 2 months this year (fits 5,000), 10 months next year.
    _budget(org, 5000)
    _budget(org, 10000, year=2027)
    proposal = make_proposal(requester=org.requester)
    assert over_budget_warning(proposal, today=dt.date(2026, 11, 20)) is None
    DepartmentBudget.objects.filter(fiscal_year=2027).update(amount=D("9999.99"))
    line, part = over_budget_warning(proposal, today=dt.date(2026, 11, 20))
    assert (line.fiscal_year, part) == (2027, D("10000.00"))


def test_committed_spend_reduces_what_remains(org):
    _budget(org, 20000)
    committed(
        make_proposal(requester=org.requester, submit=True),
        decided=dt.datetime(2026, 1, 5, tzinfo=UTC),
    )  # 14,000 committed: 6,000 remain
    assert over_budget_warning(make_proposal(requester=org.requester), today=dt.date(2026, 2, 1))


def test_no_warning_without_a_budget_or_once_committed(org):
    _budget(org, 0)
    proposal = make_proposal(requester=org.requester)
    assert over_budget_warning(proposal, today=dt.date(2026, 1, 20)) is None
    DepartmentBudget.objects.update(amount=1)
    approved = committed(proposal, decided=dt.datetime(2026, 1, 5, tzinfo=UTC))
    assert over_budget_warning(approved, today=dt.date(2026, 1, 20)) is None


def test_the_decision_card_compares_this_years_part_with_this_years_budget(org):
    _budget(org, 28000)
    proposal = make_proposal(requester=org.requester, submit=True)
    card = budget_card(proposal, today=dt.date(2026, 10, 2))
    # October: 2,000 + 3 months of 1,000 this year, 5,000 of 28,000.
    assert (card.year, card.part, card.share, card.over) == ("2026", D("5000.00"), 17.9, False)
    DepartmentBudget.objects.update(amount=D("5000"))
    assert not budget_card(proposal, today=dt.date(2026, 10, 2)).over  # exactly what remains
    DepartmentBudget.objects.update(amount=D("4999.99"))
    assert budget_card(proposal, today=dt.date(2026, 10, 2)).over


def test_committed_spend_can_be_read_for_some_departments(org):
    it = org.departments["IT"]
    committed(
        make_proposal(requester=org.requester, submit=True),
        decided=dt.datetime(2026, 1, 5, tzinfo=UTC),
    )
    assert committed_spend(department_ids=[it.pk]) == {}
    assert committed_spend(department_ids=[org.departments["HR"].pk])


# --- Setting budgets: the services


def test_the_cdo_sets_changes_and_removes_a_budget_with_an_audit_event_each(org):
    hr = org.departments["HR"]
    budget, created = department_budget_set(
        actor=org.cdo, department=hr, fiscal_year=2026, amount=D("250000"), currency="EUR"
    )
    assert created
    again, created = department_budget_set(
        actor=org.cdo, department=hr, fiscal_year=2026, amount=D("250000"), currency="EUR"
    )
    assert (again.pk, created) == (budget.pk, False)
    department_budget_update(actor=org.superuser, budget=budget, amount=D("300000"))
    department_budget_delete(actor=org.cdo, budget=budget)
    events = list(Event.objects.filter(kind__startswith="budget.").order_by("seq"))
    assert [e.kind for e in events] == ["budget.created", "budget.changed", "budget.deleted"]
    assert events[1].payload == {
        "department": "HR", "fiscal_year": 2026, "amount": "300000", "currency": "EUR",
        "previous_amount": "250000.00", "previous_currency": "EUR",
    }  # fmt: skip
    assert not DepartmentBudget.objects.exists()


@pytest.mark.parametrize("persona", ["requester", "hr_head", "viewer", "outsider"])
def test_only_the_cdo_and_administrators_set_budgets(org, persona):
    with pytest.raises(NotAllowed):
        department_budget_set(
            actor=getattr(org, persona), department=org.departments["HR"], fiscal_year=2026,
            amount=D("1"), currency="EUR",
        )  # fmt: skip
    assert not DepartmentBudget.objects.exists()
    assert not Event.objects.filter(kind__startswith="budget.").exists()


@pytest.mark.parametrize(
    ("year", "amount", "currency", "field"),
    [
        (1999, D("1"), "EUR", "fiscal_year"),
        (2101, D("1"), "EUR", "fiscal_year"),
        (2026, D("-0.01"), "EUR", "amount"),
        (2026, D("1000000000000"), "EUR", "amount"),
        (2026, D("1"), "XYZ", "currency"),
    ],
)
def test_a_budget_out_of_bounds_is_refused(org, year, amount, currency, field):
    with pytest.raises(DomainError) as refused:
        department_budget_set(
            actor=org.cdo, department=org.departments["HR"], fiscal_year=year, amount=amount,
            currency=currency,
        )  # fmt: skip
    assert refused.value.field == field
    assert not DepartmentBudget.objects.exists()


def test_the_bounds_themselves_are_accepted(org):
    hr = org.departments["HR"]
    for year, amount in ((2000, D("0")), (2100, D("999999999999.99"))):
        department_budget_set(
            actor=org.cdo, department=hr, fiscal_year=year, amount=amount, currency="EUR"
        )
    assert DepartmentBudget.objects.count() == 2


# --- The page


def test_the_page_shows_each_department_budget_committed_and_remaining(client, org):
    _budget(org, 20000)
    committed(
        make_proposal(requester=org.requester, submit=True),
        decided=dt.datetime(2026, 1, 5, tzinfo=UTC),
    )
    client.force_login(org.cdo)
    page = client.get(reverse("budgets"), {"year": "2026"}).text
    row = page[page.index('id="budget-HR"') :]
    row = row[: row.index("</tr>")]
    for amount in ("20,000.00 EUR", "14,000.00 EUR", "6,000.00 EUR"):
        assert amount in row
    assert "70.0%" in row
    it_row = page[page.index('id="budget-IT"') :]
    assert "standing annual budget" in it_row[: it_row.index("</tr>")]


def test_the_cdo_sets_a_budget_from_the_page_without_javascript(client, org):
    client.force_login(org.cdo)
    data = {"department": "HR", "fiscal_year": "2027", "amount": "123456.78", "currency": "EUR"}
    response = client.post(reverse("budget-set"), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("budgets") + "?year=2027"
    budget = DepartmentBudget.objects.get()
    assert (budget.department.code, budget.fiscal_year, budget.amount) == (
        "HR",
        2027,
        D("123456.78"),
    )


def test_with_htmx_the_table_is_replaced_in_place(client, org):
    client.force_login(org.superuser)
    data = {"department": "IT", "fiscal_year": "2026", "amount": "5000", "currency": "EUR"}
    response = client.post(reverse("budget-set"), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section class="card" id="budgets-table"')
    assert "Budget of IT Operations for fiscal year 2026 saved." in response.text


@pytest.mark.parametrize("amount", ["-1", "abc", "1" * 40, "1e400", "0.001", "NaN", "Infinity", ""])
def test_bad_amounts_are_refused_on_the_page_and_nothing_changes(client, org, amount):
    client.force_login(org.cdo)
    data = {"department": "HR", "fiscal_year": "2026", "amount": amount, "currency": "EUR"}
    response = client.post(reverse("budget-set"), data)
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.text
    assert not DepartmentBudget.objects.exists()


def test_others_may_not_see_or_set_budgets(client, org):
    client.force_login(org.hr_head)
    assert client.get(reverse("budgets")).status_code == 403
    data = {"department": "HR", "fiscal_year": "2026", "amount": "1", "currency": "EUR"}
    assert client.post(reverse("budget-set"), data).status_code == 403
    assert not DepartmentBudget.objects.exists()


def test_an_unreadable_year_shows_this_year(client, org):
    client.force_login(org.cdo)
    with time_machine.travel(dt.datetime(2026, 6, 1, 9, tzinfo=UTC)):
        for year in ("abc", "1999", "20266", ""):
            page = client.get(reverse("budgets"), {"year": year}).text
            assert "Budgets, fiscal year 2026" in page


def test_the_page_costs_the_same_queries_at_any_number_of_proposals(
    client, org, django_assert_max_num_queries
):
    client.force_login(org.cdo)
    client.get(reverse("budgets"))  # warm the session and the caches
    for n in (1, 8):
        for _ in range(n):
            committed(
                make_proposal(requester=org.requester, submit=True),
                decided=dt.datetime(2026, 1, 5, tzinfo=UTC),
            )
        with django_assert_max_num_queries(12):
            assert client.get(reverse("budgets")).status_code == 200


# --- The admin


def test_an_administrator_keeps_budgets_in_the_admin_through_the_service(client, org):
    client.force_login(org.superuser)
    hr = org.departments["HR"]
    add = reverse("admin:stakeholders_departmentbudget_add")
    data = {"department": hr.pk, "fiscal_year": 2026, "amount": "75000", "currency": "EUR"}
    assert client.post(add, data).status_code == 302
    budget = DepartmentBudget.objects.get()
    change = reverse("admin:stakeholders_departmentbudget_change", args=[budget.pk])
    assert client.post(change, {"amount": "80000", "currency": "GBP"}).status_code == 302
    budget.refresh_from_db()
    assert (budget.amount, budget.currency) == (D("80000"), "GBP")
    refused = client.post(add, {**data, "fiscal_year": 1999})
    assert refused.status_code == 200  # the form again, with the reason
    assert DepartmentBudget.objects.count() == 1
    delete = reverse("admin:stakeholders_departmentbudget_delete", args=[budget.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    kinds = list(Event.objects.filter(kind__startswith="budget.").values_list("kind", flat=True))
    assert kinds == ["budget.created", "budget.changed", "budget.deleted"]


def test_the_admin_is_closed_to_staff_who_do_not_keep_budgets(client, org):
    org.hr_head.is_staff = True
    org.hr_head.save()
    client.force_login(org.hr_head)
    response = client.get(reverse("admin:stakeholders_departmentbudget_changelist"))
    assert response.status_code == 403
