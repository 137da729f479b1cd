"""API tokens: stored hashed, refused when revoked or expired, scoped, last use recorded at
most once a minute; managed by their owner in the browser, the API and the admin."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from decisions.errors import DomainError, NotAllowed
from stakeholders.models import ApiToken, TokenScope
from stakeholders.services import api_token_create, api_token_revoke
from tests.api.conftest import Api, session_api

pytestmark = pytest.mark.django_db


def bearer(plaintext: str) -> Api:
    return Api(Client(), token=plaintext)


def test_it_stores_only_a_hash_of_the_secret(org):
    token, plaintext = api_token_create(user=org.requester, name="ci", scope=TokenScope.FULL)
    assert len(plaintext) > 40 and plaintext.startswith("hgt_")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM stakeholders_apitoken")
        rows = cursor.fetchall()
    dump = repr(rows)
    assert plaintext not in dump
    assert plaintext[len("hgt_") + 12 :] not in dump  # not even the secret part
    assert token.prefix in dump  # the public prefix is what finds the row


def test_it_authenticates_a_bearer_and_a_token_header(org):
    _token, plaintext = api_token_create(user=org.requester, name="ci")
    assert bearer(plaintext).get("/api/v1/proposals/").status_code == 200
    client = Client()
    response = client.get("/api/v1/proposals/", HTTP_AUTHORIZATION=f"Token {plaintext}")
    assert response.status_code == 200


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer a b", "Bearer hgt_short", "Bearer nothgt_0123456789abcdefgh"],
)
def test_it_refuses_malformed_or_unknown_tokens_with_401(org, header):
    response = Client().get("/api/v1/proposals/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_it_refuses_a_token_with_a_right_prefix_and_a_wrong_secret(org):
    _token, plaintext = api_token_create(user=org.requester, name="ci")
    forged = plaintext[:-4] + ("AAAA" if not plaintext.endswith("AAAA") else "BBBB")
    response = bearer(forged).get("/api/v1/proposals/")
    assert response.status_code == 401
    assert response.json()["message"] == "Invalid token."


def test_it_refuses_a_revoked_token_at_once(org):
    token, plaintext = api_token_create(user=org.requester, name="ci")
    assert bearer(plaintext).get("/api/v1/proposals/").status_code == 200
    api_token_revoke(token=token, actor=org.requester)
    response = bearer(plaintext).get("/api/v1/proposals/")
    assert response.status_code == 401
    assert "revoked" in response.json()["message"]


def test_it_refuses_an_expired_token(org):
    expires = timezone.now() + dt.timedelta(days=1)
    _token, plaintext = api_token_create(user=org.requester, name="ci", expires_at=expires)
    assert bearer(plaintext).get("/api/v1/proposals/").status_code == 200
    with time_machine.travel(expires + dt.timedelta(seconds=1)):
        response = bearer(plaintext).get("/api/v1/proposals/")
    assert response.status_code == 401
    assert "expired" in response.json()["message"]


def test_it_refuses_the_token_of_an_inactive_user(org):
    _token, plaintext = api_token_create(user=org.requester, name="ci")
    org.requester.is_active = False
    org.requester.save()
    assert bearer(plaintext).get("/api/v1/proposals/").status_code == 401


def test_it_records_last_use_at_most_once_a_minute(org):
    token, plaintext = api_token_create(user=org.requester, name="ci")
    api = bearer(plaintext)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        api.get("/api/v1/departments/")
    token.refresh_from_db()
    assert token.last_used_at == start
    with (
        time_machine.travel(start + dt.timedelta(seconds=30), tick=False),
        CaptureQueriesContext(connection) as captured,
    ):
        api.get("/api/v1/departments/")
    assert not any("UPDATE" in q["sql"] for q in captured.captured_queries)
    token.refresh_from_db()
    assert token.last_used_at == start
    later = start + dt.timedelta(seconds=61)
    with time_machine.travel(later, tick=False):
        api.get("/api/v1/departments/")
    token.refresh_from_db()
    assert token.last_used_at == later


def test_a_catalog_token_reads_the_catalog_but_not_proposals(org):
    _token, plaintext = api_token_create(user=org.requester, name="feed", scope="catalog")
    api = bearer(plaintext)
    assert api.get("/api/v1/solutions/").status_code == 200
    assert api.get("/api/v1/vendors/").status_code == 200
    refused = api.get("/api/v1/proposals/")
    assert refused.status_code == 403
    assert "catalog" in refused.json()["message"]
    assert api.post("/api/v1/proposals/", {"title": "x"}).status_code == 403


def test_only_the_owner_or_staff_revokes_a_token(org):
    token, _plaintext = api_token_create(user=org.requester, name="ci")
    with pytest.raises(NotAllowed):
        api_token_revoke(token=token, actor=org.outsider)
    org.outsider.is_staff = True
    org.outsider.save()
    api_token_revoke(token=token, actor=org.outsider)
    token.refresh_from_db()
    assert token.revoked_at is not None


@pytest.mark.parametrize(
    ("name", "scope", "expires_at"),
    [
        ("", "full", None),
        ("ci", "admin", None),
        ("ci", "full", timezone.now() - dt.timedelta(days=1)),
    ],
)
def test_it_refuses_bad_token_requests(org, name, scope, expires_at):
    with pytest.raises(DomainError):
        api_token_create(user=org.requester, name=name, scope=scope, expires_at=expires_at)


def test_the_api_lists_creates_and_revokes_only_my_tokens(org):
    api_token_create(user=org.outsider, name="not mine")
    api = session_api(org.requester)
    created = api.post("/api/v1/tokens/", {"name": "sync", "scope": "catalog"})
    assert created.status_code == 201
    secret = created.json()["token"]
    assert bearer(secret).get("/api/v1/solutions/").status_code == 200
    listed = api.get("/api/v1/tokens/").json()["results"]
    assert [t["name"] for t in listed] == ["sync"]
    assert "token" not in listed[0]  # the secret is shown once, at creation
    theirs = ApiToken.objects.get(name="not mine")
    assert api.delete(f"/api/v1/tokens/{theirs.pk}/").status_code == 404
    assert api.delete(f"/api/v1/tokens/{listed[0]['id']}/").status_code == 204
    assert bearer(secret).get("/api/v1/solutions/").status_code == 401
    assert api.get("/api/v1/tokens/").json()["results"][0]["is_active"] is False


def test_a_token_cannot_mint_tokens(org):
    _token, plaintext = api_token_create(user=org.requester, name="ci")
    response = bearer(plaintext).post("/api/v1/tokens/", {"name": "escalate"})
    assert response.status_code == 403


def test_session_writes_need_the_csrf_token(org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.requester)
    response = client.post("/api/v1/tokens/", data='{"name": "x"}', content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["message"]


class TestTokenPage:
    def test_it_shows_the_secret_once_and_lists_my_tokens(self, org):
        client = Client()
        client.force_login(org.requester)
        response = client.post("/api-tokens/", {"name": "laptop script", "scope": "full"})
        assert response.status_code == 200
        html = response.content.decode()
        secret = re.search(r'value="(hgt_[^"]+)"', html).group(1)
        assert response.headers["Cache-Control"] == "no-store"
        assert bearer(secret).get("/api/v1/departments/").status_code == 200
        again = client.get("/api-tokens/").content.decode()
        assert "laptop script" in again and secret not in again

    def test_it_revokes_with_a_post_form(self, org):
        token, plaintext = api_token_create(user=org.requester, name="old")
        client = Client()
        client.force_login(org.requester)
        response = client.post(f"/api-tokens/{token.pk}/revoke/")
        assert response.status_code == 302
        assert bearer(plaintext).get("/api/v1/departments/").status_code == 401

    def test_it_does_not_revoke_someone_elses_token(self, org):
        token, _plaintext = api_token_create(user=org.outsider, name="theirs")
        client = Client()
        client.force_login(org.requester)
        assert client.post(f"/api-tokens/{token.pk}/revoke/").status_code == 404
        token.refresh_from_db()
        assert token.revoked_at is None

    def test_it_refuses_an_expiry_in_the_past(self, org):
        client = Client()
        client.force_login(org.requester)
        response = client.post(
            "/api-tokens/", {"name": "x", "scope": "full", "expires_on": "2001-01-01"}
        )
        assert response.status_code == 400
        assert not ApiToken.objects.exists()

    def test_it_needs_a_sign_in(self, db):
        response = Client().get("/api-tokens/")
        assert response.status_code == 302


class TestTokenAdmin:
    def test_an_admin_creates_a_token_and_sees_the_secret_once(self, org, admin_client):
        response = admin_client.post(
            "/admin/stakeholders/apitoken/add/",
            {"user": org.requester.pk, "name": "procurement", "scope": "catalog"},
            follow=True,
        )
        assert response.status_code == 200
        token = ApiToken.objects.get(name="procurement")
        text = response.content.decode()
        secret = re.search(r"(hgt_[A-Za-z0-9_\-]+)", text).group(1)
        assert secret.startswith(f"hgt_{token.prefix}")
        assert bearer(secret).get("/api/v1/solutions/").status_code == 200

    def test_an_admin_revokes_tokens_with_the_action(self, org, admin_client):
        token, plaintext = api_token_create(user=org.requester, name="x")
        response = admin_client.post(
            "/admin/stakeholders/apitoken/",
            {"action": "revoke", "_selected_action": [token.pk]},
        )
        assert response.status_code == 302
        assert bearer(plaintext).get("/api/v1/departments/").status_code == 401

    def test_the_admin_lists_tokens(self, org, admin_client):
        api_token_create(user=org.requester, name="listed")
        response = admin_client.get("/admin/stakeholders/apitoken/")
        assert response.status_code == 200
        assert "listed" in response.content.decode()
