"""The whole proposal's rules (decisions.rules), which the form, the API and the services share:
what follows from other fields (the retired tool's solution, the catalog's category, a renewal's
date), and what is refused at its edges (the retirement day, the switching cost, the reason a
standard tool does not serve)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from decisions.models import Proposal, ProposalKind, ProposalStatus
from decisions.rules import proposal_errors, proposal_fill_derived
from decisions.tco import ALL_MODEL_FIELDS
from landscape.models import Lifecycle
from tests.factories import SolutionFactory, ToolFactory, make_proposal

# The tools belong to a department (HR).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("departments")]

D = Decimal


def unsaved(**fields) -> Proposal:
    data = {
        "new_solution_name": "Hirely ATS",
        "category": "talent_acquisition",
        "currency": "EUR",
        "one_off_cost": D("0"),
        "recurring_cost": D("100"),
        "recurring_period": "monthly",
        "term_months": 12,
    } | fields
    return Proposal(**data)


def retirement(tool, **fields) -> Proposal:
    data = {
        "kind": ProposalKind.RETIREMENT,
        "tool": tool,
        "new_solution_name": "",
        "category": "",
    } | fields
    return unsaved(**data)


@pytest.fixture
def standard():
    """Slack, the standard tool for engagement and communication."""
    solution = SolutionFactory(name="Slack", category="engagement", in_use=True)
    return ToolFactory(solution=solution, standard_since=timezone.now())


# --- The standard tool of the category


def test_a_reason_given_answers_the_standard_tool(standard):
    asked = proposal_errors(unsaved(category="engagement"))
    assert asked["standard_why_not"] == (
        "A standard tool exists for this job: Slack. Say why it does not serve."
    )
    assert "standard_why_not" in proposal_errors(
        unsaved(category="engagement", standard_why_not="   ")
    )
    answered = unsaved(category="engagement", standard_why_not="Store staff have no e-mail.")
    assert proposal_errors(answered) == {}


def test_retiring_a_tool_beside_the_standard_is_not_asked_why_not_the_standard(standard):
    other = ToolFactory(solution=SolutionFactory(name="Chatterly", category="engagement"))
    errors = proposal_errors(retirement(other))
    assert "standard_why_not" not in errors
    assert errors == {}


# --- What follows from other fields


def test_retiring_a_tool_proposes_that_tools_solution_and_category():
    tool = ToolFactory(solution=SolutionFactory(name="Old ATS", category="learning"))
    proposal = retirement(tool)
    assert proposal_errors(proposal) == {}
    assert (proposal.solution, proposal.category) == (tool.solution, "learning")


def test_a_catalog_solution_gives_its_category_only_when_none_was_chosen():
    solution = SolutionFactory(category="learning")
    blank = unsaved(solution=solution, new_solution_name="", category="")
    assert proposal_errors(blank) == {}
    assert blank.category == "learning"
    chosen = unsaved(solution=solution, new_solution_name="", category="engagement")
    proposal_fill_derived(chosen)
    assert chosen.category == "engagement"


def test_a_new_tools_proposal_keeps_no_renewal_action_or_date(org):
    proposal = make_proposal(
        requester=org.requester, renewal_action="renew", renewal_date=dt.date(2027, 1, 1)
    )
    proposal.refresh_from_db()
    assert (proposal.kind, proposal.renewal_action, proposal.renewal_date) == ("new", "", None)


@time_machine.travel(dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC), tick=False)
def test_a_draft_renewal_is_for_the_tools_next_renewal_and_a_decided_one_keeps_its_date():
    # Renews on 2026-08-10 (a yearly contract), notice 30 days: the deadline is still ahead.
    tool = ToolFactory(contract_start=dt.date(2025, 8, 10), term_months=12, notice_days=30)
    draft = unsaved(
        kind=ProposalKind.RENEWAL,
        tool=tool,
        new_solution_name="",
        category="",
        renewal_action="renew",
        recurring_period="monthly",
    )
    assert proposal_errors(draft) == {}
    assert (draft.renewal_date, draft.recurring_period) == (dt.date(2026, 8, 10), "yearly")
    # Approved last year for the term that renewed on 2025-08-10: its date is history.
    decided = unsaved(
        kind=ProposalKind.RENEWAL,
        tool=tool,
        renewal_action="renew",
        status=ProposalStatus.APPROVED,
        renewal_date=dt.date(2025, 8, 10),
    )
    proposal_fill_derived(decided)
    assert decided.renewal_date == dt.date(2025, 8, 10)


@pytest.mark.parametrize(
    "inputs",
    [
        {"cost_model": "per_seat", "seats": 10, "seat_price": 5, "seat_growth_pct": 10},
        {
            "cost_model": "on_demand",
            "usage_expected": 1000,
            "usage_high": 3000,
            "unit_price": D("0.05"),
        },
    ],
    ids=["per_seat", "on_demand"],
)
def test_the_service_returns_a_models_inputs_as_the_database_gives_them_back(org, inputs):
    # Amounts given as whole numbers are held as Decimals; usage counts stay whole numbers.
    proposal = make_proposal(requester=org.requester, **inputs)
    stored = Proposal.objects.get(pk=proposal.pk)
    given = [name for name in ALL_MODEL_FIELDS if getattr(stored, name) is not None]
    assert given
    for name in given:
        held, read = getattr(proposal, name), getattr(stored, name)
        assert (name, type(held), held) == (name, type(read), read)


# --- Refused at the edges


def test_a_retirement_may_be_planned_for_today_but_not_for_yesterday():
    tool = ToolFactory(lifecycle=Lifecycle.ADOPTED)
    today = timezone.localdate()
    assert proposal_errors(retirement(tool, retire_on=today)) == {}
    past = proposal_errors(retirement(tool, retire_on=today - dt.timedelta(days=1)))
    assert past == {"retire_on": "The retirement day cannot be in the past."}


@pytest.mark.parametrize(
    ("amount", "refused"), [(D("0"), False), (D("0.50"), False), (D("-0.01"), True)]
)
def test_a_switching_cost_may_be_zero_but_not_negative(amount, refused):
    errors = proposal_errors(unsaved(switching_cost=amount))
    assert errors == ({"switching_cost": "A switching cost cannot be negative."} if refused else {})
