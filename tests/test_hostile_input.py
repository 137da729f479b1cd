"""Input no page or query can use — NUL, lone surrogates, NaN, line breaks in names, paths and
parameters the API does not know — answered 4xx in the error shape, never a 500, and nothing
saved. Each case on PostgreSQL too (it refuses NUL in any query; it cannot encode a surrogate)."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from decisions.models import Proposal
from tests.api.conftest import proposal_body, session_api
from tests.factories import make_proposal
from tests.vendors.sync_helpers import SOURCE, payload, syncing_user, token_client
from vendors.models import Solution, Vendor

pytestmark = pytest.mark.django_db


def assert_error_shape(response, status=400):
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert set(body) == {"message", "errors"}, body
    assert body["message"]
    return body


# --- NUL in a path, a query string, a form, a JSON field


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/proposals/TP-2026-%00/",
        "/api/v1/proposals/?search=a%00b",
        "/api/v1/glossary/?search=a%00b",
        "/api/v1/solutions/?source=%00",
        "/api/v1/catalog/changes/?cursor=%00",
        "/api/v1/catalog/changes/?source=a%00",
        "/api/v1/catalog/snapshot/?source=%00&type=vendor",
    ],
)
def test_a_nul_in_an_api_address_is_a_400_in_the_error_shape(org, url):
    assert_error_shape(session_api(org.requester).get(url))


@pytest.mark.parametrize(
    "url",
    [
        "/proposals/TP-2026-%00/",
        "/proposals/?status=%00",
        "/catalog/?q=%00",
        "/catalog/solutions/options/?solution_q=x%00",
        "/dashboard/?category=%00",
        "/glossary/?q=%00",
        "/glossary/a%00b/",
    ],
)
def test_a_nul_in_a_page_address_is_a_400_page(client, org, url):
    client.force_login(org.cdo)
    response = client.get(url)
    assert response.status_code == 400
    assert "cannot be used" in response.text


def test_a_nul_in_a_form_field_is_refused_and_saves_nothing(client, org):
    client.force_login(org.requester)
    proposal = make_proposal(requester=org.requester, submit=True)
    response = client.post(
        reverse("comment-add", args=[proposal.reference]), {"body": "Hello\x00world"}
    )
    assert response.status_code == 400
    assert not proposal.comments.exists()


def test_a_nul_in_a_json_field_names_the_field(org):
    body = proposal_body(title="Bad\x00title")
    response = session_api(org.requester).post("/api/v1/proposals/", body)
    assert "title" in assert_error_shape(response)["errors"]
    assert not Proposal.objects.exists()


def test_a_nul_in_a_bearer_token_is_an_invalid_token(org):
    client = Client()
    response = client.get(
        "/api/v1/departments/", HTTP_AUTHORIZATION="Bearer hgt_abc\x00defghijklmnopqrstuvwxyz"
    )
    assert_error_shape(response, 401)


# --- Lone surrogates and NaN in JSON


def raw_post(api, url, text):
    return api.post(url, raw=text)


def test_a_lone_surrogate_in_a_proposal_field_names_the_field(org):
    body = json.dumps(proposal_body(title="TITLE")).replace("TITLE", "\\ud800 broken")
    response = raw_post(session_api(org.requester), "/api/v1/proposals/", body)
    errors = assert_error_shape(response)["errors"]
    assert "not valid Unicode" in errors["title"][0]
    assert not Proposal.objects.exists()


def test_a_lone_surrogate_in_an_object_key_is_a_400(org):
    response = raw_post(session_api(org.requester), "/api/v1/proposals/", '{"\\udc00": 1}')
    assert_error_shape(response)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(org, constant):
    response = raw_post(
        session_api(org.requester),
        "/api/v1/proposals/",
        '{"title": "x", "term_months": ' + constant + "}",
    )
    assert "not valid JSON" in assert_error_shape(response)["message"]


@pytest.mark.parametrize("field", ["name", "external_id", "vendor", "description"])
def test_a_lone_surrogate_makes_one_sync_item_invalid_and_the_others_land(field):
    feed = token_client(syncing_user())
    body = payload(vendors=2, solutions=3)
    body["solutions"][1][field] = "MARK"
    text = json.dumps(body).replace("MARK", "bad \\udfff here")
    response = feed.post("/api/v1/catalog/sync/", text, content_type="application/json")
    assert response.status_code == 200, response.content[:300]
    report = response.json()
    assert report["counts"] == {
        "created": 4, "updated": 0, "unchanged": 0, "invalid": 1, "deleted": 0
    }  # fmt: skip
    bad = [i for i in report["items"] if i["status"] == "invalid"]
    assert len(bad) == 1
    assert "not valid Unicode" in json.dumps(bad[0]["errors"])
    assert Solution.objects.count() == 2
    assert Vendor.objects.count() == 2


@pytest.mark.parametrize("field", ["source", "sync_id"])
def test_a_lone_surrogate_in_the_sync_request_itself_is_a_400(field):
    feed = token_client(syncing_user())
    body = payload(vendors=1, solutions=0, mode="full")
    body[field] = "MARK"
    text = json.dumps(body).replace("MARK", "\\ud83d")
    response = feed.post("/api/v1/catalog/sync/", text, content_type="application/json")
    assert field in assert_error_shape(response)["errors"]
    assert not Vendor.objects.exists()


# --- Line breaks in single-line fields


def test_a_line_break_in_a_title_is_refused_in_the_api_and_the_form(client, org):
    response = session_api(org.requester).post(
        "/api/v1/proposals/", proposal_body(title="Line one\nBcc: everyone@example.com")
    )
    assert "Line breaks" in assert_error_shape(response)["errors"]["title"][0]
    client.force_login(org.requester)
    page = client.post(reverse("proposal-create"), {"title": "One\r\nTwo"})
    assert page.status_code == 400
    assert "Line breaks are not allowed here." in page.text
    assert not Proposal.objects.exists()


def test_a_line_break_in_a_synced_name_makes_the_item_invalid(client):
    feed = token_client(syncing_user())
    body = payload(vendors=1, solutions=1)
    body["vendors"][0]["name"] = "Acme\r\nInjected"
    body["solutions"][0]["description"] = "Several\nlines are fine in a description."
    report = feed.post("/api/v1/catalog/sync/", body, format="json").json()
    statuses = {(i["type"], i["status"]) for i in report["items"]}
    assert ("vendor", "invalid") in statuses
    assert ("solution", "invalid") in statuses  # its vendor is invalid in this request


# --- Every error under /api/ in the error shape


def test_an_unknown_api_path_is_a_404_in_the_error_shape(org):
    assert_error_shape(session_api(org.requester).get("/api/v1/no-such-thing/"), 404)


def test_an_unknown_proposal_is_a_404_in_the_error_shape(org):
    assert_error_shape(session_api(org.requester).get("/api/v1/proposals/TP-1999-0001/"), 404)


def test_a_method_the_api_does_not_take_is_a_405_in_the_error_shape(org):
    response = session_api(org.requester).request("PUT", "/api/v1/departments/", {})
    assert_error_shape(response, 405)


def test_a_body_that_is_not_json_is_a_415_in_the_error_shape(org):
    client = Client()
    client.force_login(org.requester)
    response = client.post("/api/v1/proposals/", "title=x", content_type="text/plain")
    assert_error_shape(response, 415)


@pytest.mark.parametrize("value", ["null", "0", "-1", "ten", "1.5", ""])
def test_a_page_size_that_is_not_a_positive_number_is_a_400(org, value):
    response = session_api(org.requester).get(f"/api/v1/proposals/?page_size={value}")
    if value == "":
        assert response.status_code == 200  # empty: not given
    else:
        assert "page_size" in assert_error_shape(response)["errors"]


def test_an_unknown_ordering_is_a_400_naming_it(org):
    response = session_api(org.requester).get("/api/v1/proposals/?ordering=password")
    assert "ordering" in assert_error_shape(response)["errors"]
    ok = session_api(org.requester).get("/api/v1/proposals/?ordering=-title,reference")
    assert ok.status_code == 200


def test_a_crash_under_the_api_is_a_500_in_the_error_shape(org, settings, monkeypatch):
    from decisions import selectors

    def crash(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(selectors, "proposals_for_api", crash)
    client = Client(raise_request_exception=False)
    client.force_login(org.requester)
    response = client.get("/api/v1/proposals/")
    assert_error_shape(response, 500)
    assert SOURCE  # the sync helpers imported above are in use
