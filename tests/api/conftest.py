"""What the API tests share: a JSON client per persona, by session or by token."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from django.test import Client

from api.models import TokenScope
from api.services import api_token_create, api_token_revoke


@dataclass
class Api:
    """A JSON client: signed in as a user, carrying a token, or anonymous."""

    client: Client
    token: str | None = None

    def request(self, method: str, url: str, body=None, *, raw: str | None = None, **headers):
        if self.token:
            headers.setdefault("HTTP_AUTHORIZATION", f"Bearer {self.token}")
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        kwargs = {"content_type": "application/json"} if data is not None else {}
        return getattr(self.client, method.lower())(url, data=data, **kwargs, **headers)

    def get(self, url, **headers):
        return self.request("GET", url, **headers)

    def post(self, url, body=None, **kw):
        return self.request("POST", url, body, **kw)

    def patch(self, url, body=None, **kw):
        return self.request("PATCH", url, body, **kw)

    def delete(self, url, **kw):
        return self.request("DELETE", url, **kw)


def session_api(user) -> Api:
    client = Client()
    client.force_login(user)
    return Api(client)


def token_api(user, *, scope: str = TokenScope.FULL) -> Api:
    _token, plaintext = api_token_create(user=user, name=f"{scope} token", scope=scope)
    return Api(Client(), token=plaintext)


def revoked_token_api(user) -> Api:
    token, plaintext = api_token_create(user=user, name="old", scope=TokenScope.FULL)
    api_token_revoke(token=token, actor=user)
    return Api(Client(), token=plaintext)


@pytest.fixture
def api_as():
    """api_as(user) signs in; api_as(None) is anonymous."""

    def make(user=None) -> Api:
        return session_api(user) if user is not None else Api(Client())

    return make


def proposal_body(**overrides) -> dict:
    body = {
        "title": "Onboarding portal",
        "problem": "New hires wait a week for accounts and answers.",
        "rationale": "One place for the first 90 days.",
        "requesting_department": "HR",
        "paying_department": "HR",
        "new_vendor_name": "Welcomely",
        "new_solution_name": "Welcomely Onboard",
        "category": "engagement",
        "one_off_cost": {"amount": "1500.00", "currency": "EUR"},
        "recurring_cost": {"amount": "300.00", "currency": "EUR"},
        "recurring_period": "monthly",
        "term_months": 24,
        "employees_affected": 120,
    }
    body.update(overrides)
    return body


def pytest_collection_modifyitems(config, items):
    """The budgets' fuzzing as the CDO (test_budgets_api.py) is about the budgets' operations
    only: schemathesis makes one test per operation of the schema, and the others would each
    generate their examples for nothing (tests/api/test_schemathesis.py fuzzes them)."""
    kept, dropped = [], []
    for item in items:
        budgets_fuzz = item.name.startswith("test_the_budgets_api_conforms_to_its_schema")
        (dropped if budgets_fuzz and "/api/v1/budgets/" not in item.name else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
