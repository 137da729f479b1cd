"""The budgets API: the CDO and administrators list, set, change and remove departments'
budgets per fiscal year, each with the spend committed in its year and what remains."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from audit.models import Event
from decisions.models import Proposal, ProposalStatus
from stakeholders.models import DepartmentBudget
from tests.api.conftest import session_api, token_api
from tests.factories import make_proposal

pytestmark = pytest.mark.django_db

URL = "/api/v1/budgets/"


def _set(api, **overrides):
    body = {"department": "HR", "fiscal_year": 2026, "amount": "20000.00", **overrides}
    return api.post(URL, body)


def test_the_cdo_sets_a_budget_then_changes_it(org):
    api = session_api(org.cdo)
    created = _set(api)
    assert created.status_code == 201, created.json()
    data = created.json()
    assert data["department"]["code"] == "HR"
    assert data["amount"] == {"amount": "20000.00", "currency": "EUR"}
    assert data["remaining"] == {"amount": "20000.00", "currency": "EUR"}
    changed = _set(api, amount="25000", currency="USD")
    assert changed.status_code == 200
    assert changed.json()["id"] == data["id"]
    assert changed.json()["budget"] == {"amount": "23000.00", "currency": "EUR"}
    assert DepartmentBudget.objects.count() == 1


def test_a_budget_comes_with_the_spend_committed_in_its_year(org):
    proposal = make_proposal(requester=org.requester, submit=True)
    Proposal.objects.filter(pk=proposal.pk).update(
        status=ProposalStatus.ADOPTED, decided_at=dt.datetime(2026, 10, 20, tzinfo=dt.UTC)
    )
    api = session_api(org.superuser)
    _set(api, amount="4000")
    _set(api, fiscal_year=2027, amount="50000")
    rows = {r["fiscal_year"]: r for r in api.get(URL + "?department=HR").json()["results"]}
    # 2,000 one-off + 3 of 12 months of 1,000 in 2026; the other 9 months in 2027.
    assert rows[2026]["committed"]["amount"] == "5000.00"
    assert rows[2026]["remaining"]["amount"] == "-1000.00"
    assert rows[2027]["committed"]["amount"] == "9000.00"
    only = api.get(URL + "?fiscal_year=2027").json()["results"]
    assert [r["fiscal_year"] for r in only] == [2027]


def test_patch_and_delete(org):
    api = session_api(org.cdo)
    pk = _set(api).json()["id"]
    patched = api.patch(f"{URL}{pk}/", {"amount": "1.50"})
    assert patched.status_code == 200
    assert patched.json()["amount"]["amount"] == "1.50"
    assert api.get(f"{URL}{pk}/").json()["amount"]["amount"] == "1.50"
    assert api.delete(f"{URL}{pk}/").status_code == 204
    assert api.get(f"{URL}{pk}/").status_code == 404
    kinds = list(Event.objects.filter(kind__startswith="budget.").values_list("kind", flat=True))
    assert kinds == ["budget.created", "budget.changed", "budget.deleted"]


@pytest.mark.parametrize(
    "body",
    [
        {"amount": "-0.01"},
        {"amount": "1000000000000.00"},
        {"amount": "1e400"},
        {"amount": 10**400},
        {"amount": "NaN"},
        {"fiscal_year": 1999},
        {"fiscal_year": 2**63},
        {"department": "NOPE"},
        {"department": "H\u0000R"},
        {"department": "\ud800"},
        {"currency": "XYZ"},
        {"surprise": 1},
    ],
)
def test_bad_input_is_refused_and_nothing_changes(org, body):
    api = session_api(org.cdo)
    response = _set(api, **body)
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"message", "errors"}
    assert not DepartmentBudget.objects.exists()


def test_a_lone_surrogate_in_the_raw_body_is_refused(org):
    api = session_api(org.cdo)
    raw = '{"department": "\\ud800", "fiscal_year": 2026, "amount": "1"}'
    response = api.request("POST", URL, raw=raw)
    assert response.status_code == 400
    assert not DepartmentBudget.objects.exists()


@pytest.mark.parametrize("persona", ["requester", "hr_head", "viewer", "outsider"])
def test_others_may_neither_read_nor_set_budgets(org, persona):
    api = session_api(getattr(org, persona))
    for response in (api.get(URL), _set(api)):
        assert response.status_code == 403
        assert set(response.json()) == {"message", "errors"}
    assert not DepartmentBudget.objects.exists()


def test_a_token_acts_as_its_owner(org):
    assert token_api(org.requester).get(URL).status_code == 403
    assert _set(token_api(org.cdo)).status_code == 201


def test_the_list_costs_the_same_queries_at_any_number_of_rows(org, django_assert_max_num_queries):
    api = session_api(org.cdo)
    for n, years in ((1, range(2026, 2027)), (9, range(2027, 2036))):
        for year in years:
            for code in ("HR", "IT", "MKT"):
                _set(api, department=code, fiscal_year=year, amount=str(Decimal(year)))
        with django_assert_max_num_queries(8):
            response = api.get(URL)
        assert response.status_code == 200
        assert len(response.json()["results"]) >= n * 3


# The budgets' operations fuzzed as the CDO, who may use them (the whole schema's fuzzing runs
# as a requester, who is refused them).
from hypothesis import HealthCheck, settings  # noqa: E402

from tests.api.test_schemathesis import MAX_EXAMPLES, connections_kept_open, schema  # noqa: E402


@pytest.fixture
def cdo_token(org):
    from api.services import api_token_create
    from stakeholders.services import department_budget_set

    department_budget_set(
        actor=org.cdo, department=org.departments["HR"], fiscal_year=2026,
        amount=Decimal("400000"), currency="EUR",
    )  # fmt: skip
    _token, plaintext = api_token_create(user=org.cdo, name="schemathesis")
    return plaintext


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)
def test_the_budgets_api_conforms_to_its_schema_for_the_cdo(case, request):
    # Only the budgets' operations run (tests/api/conftest.py leaves out the others).
    token = request.getfixturevalue("cdo_token")
    with connections_kept_open():
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"})
