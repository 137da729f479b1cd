"""The schema is exact: schemathesis generates requests for every operation from the served
OpenAPI schema and checks, in-process over WSGI, that the API never answers with a server error,
that every status it answers is documented, and that every body conforms to its schema.

Authenticated with a full-scope token of a requester who has proposals in several states, so
the reads return real data. Bounded to a few examples per operation (well under two minutes)."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from api.services import api_token_create
from decisions import services
from decisions.models import SignOffStatus
from hrtech_gov.wsgi import application
from tests.factories import GoalFactory, SolutionFactory, make_proposal
from tests.handoff import approved_with_checklist
from tests.scoring import scored_proposal

MAX_EXAMPLES = 12


@pytest.fixture
def api_data(org):
    """Proposals in draft, in review, awaiting the CDO and decided; a catalog; a token."""
    GoalFactory(code="hiring", title="Hire faster")
    for i in range(3):
        SolutionFactory(in_use=bool(i % 2))
    make_proposal(requester=org.requester)
    make_proposal(requester=org.requester, submit=True, new_vendor_name="Second")
    # Priced by a model: the TCO breakdown with two scenarios.
    make_proposal(requester=org.requester, new_vendor_name="Usage", cost_model="on_demand",
                  usage_expected=100, usage_high=300, unit_price=2)  # fmt: skip
    awaiting = make_proposal(requester=org.requester, submit=True, new_vendor_name="Third")
    for code, reviewer in org.reviewers.items():
        services.signoff_decide(
            signoff=awaiting.signoffs.get(department__code=code),
            actor=reviewer,
            outcome=SignOffStatus.APPROVED,
        )
    # An approved small tool with its onboarding checklist (the onboarding-task operations).
    approved_with_checklist(org, new_vendor_name="Fourth", new_solution_name="Fourth")
    # A proposal in review with an alternative and criteria (the scoring operations).
    scored_proposal(org)
    _token, plaintext = api_token_create(user=org.requester, name="schemathesis")
    return plaintext


def load_schema():
    with connections_kept_open():
        return schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)


@contextmanager
def connections_kept_open():
    """Raw WSGI calls fire request_started/finished, whose close_old_connections would close
    the test's connection (and its transaction); Django's test client detaches it the same
    way, per request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def wsgi_calls():
    with connections_kept_open():
        yield


# Loaded when the module is collected (the schema view needs no database), so that every
# operation becomes a test of its own. schemathesis.pytest.from_fixture would load it lazily,
# but its lazy runner does not work with pytest 9 (it reads a private attribute that is gone).
schema = load_schema()


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_conforms_to_its_schema(case, api_data, wsgi_calls):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {api_data}"},
    )
