"""The catalog endpoints (filters, tombstones, ETags), query counts of every list that do not
grow with its rows, throttling, and the interactive docs under the strict CSP."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.test import Client

from api.services import api_token_create
from decisions import services
from decisions.models import DecisionOutcome, SignOffStatus
from tests.api.conftest import Api, session_api, token_api
from tests.factories import GoalFactory, SolutionFactory, VendorFactory, make_proposal

pytestmark = pytest.mark.django_db


class TestCatalog:
    def test_it_filters_solutions(self, org):
        acme = VendorFactory(name="Acme")
        wanted = SolutionFactory(
            vendor=acme, name="Acme Learn", category="learning", iso27001=True, in_use=True
        )
        SolutionFactory(vendor=acme, name="Acme CRM", category="crm")
        SolutionFactory(name="Other Learn", category="learning")
        gone = SolutionFactory(
            vendor=acme, name="Acme Old", category="learning", source="feed", external_id="9"
        )
        gone.is_deleted = True
        gone.save()
        api = token_api(org.requester, scope="catalog")

        def names(query):
            response = api.get(f"/api/v1/solutions/{query}")
            assert response.status_code == 200, response.json()
            return [s["name"] for s in response.json()["results"]]

        assert names("?category=learning&iso27001=true") == ["Acme Learn"]
        assert names("?in_use=true") == ["Acme Learn"]
        assert names(f"?vendor={acme.pk}") == ["Acme CRM", "Acme Learn"]
        assert names("?search=acme") == ["Acme CRM", "Acme Learn"]
        assert names("?search=acme&ordering=-name") == ["Acme Learn", "Acme CRM"]
        assert names("?is_deleted=true") == ["Acme Old"]
        assert names("?source=feed&is_deleted=true") == ["Acme Old"]
        assert names("?pricing_model=free") == []
        response = api.get(f"/api/v1/solutions/{gone.pk}/")  # a tombstone is still readable
        assert response.status_code == 200
        assert response.json()["is_deleted"] is True
        detail = api.get(f"/api/v1/solutions/{wanted.pk}/").json()
        assert detail["list_price"] == {"amount": "12.00", "currency": "EUR"}
        assert detail["vendor"] == {"id": acme.pk, "name": "Acme"}
        bad = api.get("/api/v1/solutions/?category=astrology")
        assert bad.status_code == 400
        assert "category" in bad.json()["errors"]

    def test_solution_and_vendor_details_answer_etags(self, org):
        solution = SolutionFactory()
        api = token_api(org.requester, scope="catalog")
        for url in (f"/api/v1/solutions/{solution.pk}/", f"/api/v1/vendors/{solution.vendor_id}/"):
            first = api.get(url)
            etag = first.headers["ETag"]
            assert api.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
            assert api.get(url, HTTP_IF_NONE_MATCH='"other"').status_code == 200
        solution.vendor.name = "Renamed"
        solution.vendor.save()
        # The solution shows its vendor's name, so its ETag changes with it.
        url = f"/api/v1/solutions/{solution.pk}/"
        assert api.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200

    def test_catalog_writes_are_not_offered_here(self, org):
        api = token_api(org.requester)
        assert api.post("/api/v1/solutions/", {"name": "x"}).status_code == 405
        assert api.delete(f"/api/v1/solutions/{SolutionFactory().pk}/").status_code == 405


def build(org, n: int):
    """n of everything a list shows: proposals in review with sign-offs, decisions, catalog."""
    for i in range(n):
        GoalFactory()
        SolutionFactory(in_use=True)
        proposal = make_proposal(
            requester=org.requester, submit=True, new_vendor_name=f"Vendor {n}-{i}"
        )
        if i % 2:
            for code, reviewer in org.reviewers.items():
                services.signoff_decide(
                    signoff=proposal.signoffs.get(department__code=code),
                    actor=reviewer,
                    outcome=SignOffStatus.APPROVED,
                )
            services.decision_take(
                proposal=proposal,
                actor=org.cdo,
                outcome=DecisionOutcome.APPROVED,
                rationale="ok",
            )
        api_token_create(user=org.hr_reviewer, name=f"t{i}")


LISTS = [
    "/api/v1/proposals/",
    "/api/v1/signoffs/",
    "/api/v1/decisions/",
    "/api/v1/solutions/",
    "/api/v1/vendors/",
    "/api/v1/departments/",
    "/api/v1/goals/",
    "/api/v1/tokens/",
]


@pytest.mark.parametrize("url", LISTS)
def test_list_query_counts_do_not_grow_with_rows(org, url, django_assert_max_num_queries):
    api = session_api(org.hr_reviewer)
    build(org, 2)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        response = api.get(url)
    assert response.status_code == 200
    small_count = len(small.captured_queries)
    assert response.json()["results"]
    build(org, 8)
    with django_assert_max_num_queries(small_count):
        response = api.get(url)
    assert response.status_code == 200
    assert len(response.json()["results"]) > 2 or url in (
        "/api/v1/departments/",
        "/api/v1/signoffs/",
    )


def test_proposal_detail_queries_are_bounded(org, django_assert_max_num_queries):
    proposal = make_proposal(requester=org.requester, submit=True)
    api = session_api(org.requester)
    with django_assert_max_num_queries(14):
        assert api.get(f"/api/v1/proposals/{proposal.reference}/").status_code == 200


def test_it_throttles_per_token_with_the_error_shape(org, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api": "3/min"},
    }
    cache.clear()
    first = token_api(org.requester)
    second = token_api(org.requester)  # same user, another token: its own budget
    for _ in range(3):
        assert first.get("/api/v1/departments/").status_code == 200
    throttled = first.get("/api/v1/departments/")
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"]
    assert throttled.json()["message"].startswith("Too many requests")
    assert second.get("/api/v1/departments/").status_code == 200
    # A session user has a budget of their own too.
    session = session_api(org.requester)
    for _ in range(3):
        assert session.get("/api/v1/departments/").status_code == 200
    assert session.get("/api/v1/departments/").status_code == 429


class TestDocs:
    def test_the_docs_page_serves_local_assets_and_no_inline_code(self, db):
        response = Client().get("/api/docs/")
        assert response.status_code == 200
        html = response.content.decode()
        csp = response.headers["Content-Security-Policy"]
        assert "'unsafe-inline'" not in csp
        assert "<style" not in html
        # Every script is a file of this site; none is inline.
        scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
        assert scripts
        assert all('src="/' in attrs and not body.strip() for attrs, body in scripts)
        assert "cdn" not in html.lower()
        assert "https://" not in html
        # Each asset is a static file of this site (collectstatic gathers them for production).
        assets = re.findall(r'(?:src|href)="/static/([^"]+)"', html)
        assert len(assets) >= 4
        for asset in assets:
            assert finders.find(asset), asset

    def test_the_init_script_is_a_separate_javascript_file(self, db):
        response = Client().get("/api/docs/?script=")
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("application/javascript")
        assert b"/api/v1/schema/" in response.content

    def test_the_schema_is_public_and_lists_error_responses(self, db):
        response = Client().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
        assert response.status_code == 200
        schema = response.json()
        op = schema["paths"]["/api/v1/proposals/{reference}/"]["patch"]
        assert {"200", "400", "401", "403", "404", "409", "412", "413", "429"} <= set(
            op["responses"]
        )
        assert schema["components"]["securitySchemes"]["tokenAuth"]["scheme"] == "bearer"
        assert "Error" in schema["components"]["schemas"]


def test_anonymous_api_requests_get_401_with_a_challenge(db):
    response = Api(Client()).get("/api/v1/proposals/")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="api"'
