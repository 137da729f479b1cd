"""API tokens: stored hashed, refused when revoked or expired, scoped, last use recorded at
most once a minute; managed by their owner in the browser, the API and the admin."""

from __future__ import annotations

import datetime as dt
import re
import threading
import time

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api import services
from api.models import ApiToken, TokenScope
from api.permissions import SCOPE_CATALOG, SCOPE_FULL, SCOPE_SESSION, SCOPE_USAGE
from api.services import api_token_create, api_token_revoke
from core.errors import DomainError, NotAllowed
from tests.api.conftest import Api, session_api
from tests.services import need_postgres

pytestmark = pytest.mark.django_db


def bearer(plaintext: str) -> Api:
    return Api(Client(), token=plaintext)


def test_it_stores_only_a_hash_of_the_secret(org):
    token, plaintext = api_token_create(user=org.requester, name="ci", scope=TokenScope.FULL)
    assert len(plaintext) > 40
    assert plaintext.startswith("hgt_")
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
    assert "limited to the catalog" in refused.json()["message"]
    assert "usage" not in refused.json()["message"]
    assert api.post("/api/v1/proposals/", {"title": "x"}).status_code == 403


def test_a_usage_token_is_told_it_is_limited_to_usage_reports(org):
    _token, plaintext = api_token_create(user=org.requester, name="meter", scope="usage")
    refused = bearer(plaintext).get("/api/v1/proposals/")
    assert refused.status_code == 403
    assert "limited to usage reports (scope usage)" in refused.json()["message"]
    assert "catalog" not in refused.json()["message"]


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


# Each kind of endpoint, by the scope its view requires: a GET that answers 200 to whoever may.
ENDPOINT_OF_SCOPE = {
    SCOPE_CATALOG: "/api/v1/solutions/",
    SCOPE_USAGE: "/api/v1/tools/{tool}/usage/",
    SCOPE_FULL: "/api/v1/proposals/",
    SCOPE_SESSION: "/api/v1/tokens/",
}


def endpoint(scope: str) -> str:
    from tests.factories import ToolFactory

    url = ENDPOINT_OF_SCOPE[scope]
    return url.format(tool=ToolFactory().pk) if "{tool}" in url else url


CATALOG_REFUSAL = (
    "This token is limited to the catalog (scope catalog) and cannot use this endpoint."
)
USAGE_REFUSAL = "This token is limited to usage reports (scope usage) and cannot use this endpoint."
SESSION_ONLY = "This endpoint is only available to a signed-in browser session."


@pytest.mark.parametrize(
    ("token_scope", "endpoint_scope", "refusal"),
    [
        (SCOPE_FULL, SCOPE_FULL, None),
        (SCOPE_FULL, SCOPE_CATALOG, None),
        (SCOPE_FULL, SCOPE_USAGE, None),
        (SCOPE_FULL, SCOPE_SESSION, SESSION_ONLY),
        (SCOPE_CATALOG, SCOPE_CATALOG, None),
        (SCOPE_CATALOG, SCOPE_FULL, CATALOG_REFUSAL),
        (SCOPE_CATALOG, SCOPE_USAGE, CATALOG_REFUSAL),
        (SCOPE_CATALOG, SCOPE_SESSION, SESSION_ONLY),
        (SCOPE_USAGE, SCOPE_USAGE, None),
        (SCOPE_USAGE, SCOPE_FULL, USAGE_REFUSAL),
        (SCOPE_USAGE, SCOPE_CATALOG, USAGE_REFUSAL),
        (SCOPE_USAGE, SCOPE_SESSION, SESSION_ONLY),
    ],
)
def test_each_token_scope_reaches_the_endpoints_of_its_scope_only(
    org, token_scope, endpoint_scope, refusal
):
    """The scope table (api.permissions.TokenScopePermission): a full token reaches every
    endpoint but the session-only ones, a catalog or usage token only its own; each refusal
    says which limit applies. IT Operations' reviewer owns the tokens: their user may read
    everything here, so only the scope decides."""
    _token, plaintext = api_token_create(user=org.it_reviewer, name="t", scope=token_scope)
    response = bearer(plaintext).get(endpoint(endpoint_scope))
    if refusal is None:
        assert response.status_code == 200, response.content
    else:
        assert response.status_code == 403
        assert response.json()["message"] == refusal


@pytest.mark.parametrize("endpoint_scope", [SCOPE_CATALOG, SCOPE_USAGE, SCOPE_FULL, SCOPE_SESSION])
def test_a_signed_in_session_is_not_limited_by_scopes(org, endpoint_scope):
    response = session_api(org.it_reviewer).get(endpoint(endpoint_scope))
    assert response.status_code == 200, response.content


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


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form_nonce(client: Client) -> str:
    """The one-time nonce of the create form, as the page renders it."""
    html = client.get("/api-tokens/").content.decode()
    return re.search(r'name="nonce" value="([^"]+)"', html).group(1)


def shown_secret(html: str) -> str | None:
    found = re.search(r'id="new-token"[^>]*value="(hgt_[^"]+)"', html)
    return found.group(1) if found else None


class TestTokenPage:
    def test_it_redirects_after_creating_and_shows_the_secret_once(self, org):
        client = signed_in(org.requester)
        nonce = form_nonce(client)
        response = client.post(
            "/api-tokens/", {"name": "laptop script", "scope": "full", "nonce": nonce}
        )
        assert response.status_code == 302
        assert response.url == f"/api-tokens/?created={nonce}"
        assert "hgt_" not in response.content.decode()  # not in the redirect either
        page = client.get(response.url)
        assert page.status_code == 200
        assert page.headers["Cache-Control"] == "no-store"
        html = page.content.decode()
        secret = shown_secret(html)
        assert secret
        assert secret.startswith("hgt_")
        assert "laptop script" in html
        assert bearer(secret).get("/api/v1/departments/").status_code == 200

        # A reload of that page: no secret, a note why, and no second token.
        again = client.get(response.url).content.decode()
        assert shown_secret(again) is None
        assert secret not in again
        assert "shown once and is not shown again" in again
        assert "laptop script" in again
        assert ApiToken.objects.filter(user=org.requester).count() == 1

    def test_a_double_submitted_form_creates_one_token_and_still_shows_its_secret(self, org):
        client = signed_in(org.requester)
        nonce = form_nonce(client)
        data = {"name": "twice", "scope": "full", "nonce": nonce}
        first = client.post("/api-tokens/", data)
        second = client.post("/api-tokens/", data)  # the browser follows this one
        assert first.status_code == second.status_code == 302
        assert second.url == first.url
        assert ApiToken.objects.filter(user=org.requester).count() == 1
        html = client.get(second.url).content.decode()
        assert shown_secret(html) is not None
        assert "already sent: no second token was created" in html

    @pytest.mark.django_db(transaction=True)
    def test_two_simultaneous_posts_of_one_form_create_one_token(self, org):
        """A double click sends both POSTs at once: the nonce claim (an atomic cache add) lets
        exactly one create, and both answer with the same redirect."""
        need_postgres()
        nonce = form_nonce(signed_in(org.requester))
        clients = [signed_in(org.requester) for _ in range(4)]
        barrier = threading.Barrier(len(clients))
        answers: list = []

        def post(client: Client) -> None:
            try:
                barrier.wait()
                answers.append(
                    client.post("/api-tokens/", {"name": "race", "scope": "full", "nonce": nonce})
                )
            finally:
                connection.close()

        threads = [threading.Thread(target=post, args=(c,)) for c in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [a.status_code for a in answers] == [302] * len(clients)
        assert {a.url for a in answers} == {f"/api-tokens/?created={nonce}"}
        assert ApiToken.objects.filter(user=org.requester).count() == 1
        assert shown_secret(clients[0].get(answers[0].url).content.decode())

    def test_each_rendering_of_the_form_gets_a_fresh_nonce(self, org):
        client = signed_in(org.requester)
        first, second = form_nonce(client), form_nonce(client)
        assert first != second
        client.post("/api-tokens/", {"name": "a", "scope": "full", "nonce": first})
        client.post("/api-tokens/", {"name": "b", "scope": "full", "nonce": second})
        assert sorted(ApiToken.objects.values_list("name", flat=True)) == ["a", "b"]

    def test_a_form_without_a_nonce_still_creates_a_token(self, org):
        client = signed_in(org.requester)
        response = client.post("/api-tokens/", {"name": "script", "scope": "catalog"})
        assert response.status_code == 302
        secret = shown_secret(client.get(response.url).content.decode())
        assert bearer(secret).get("/api/v1/solutions/").status_code == 200

    def test_it_refuses_a_malformed_nonce(self, org):
        client = signed_in(org.requester)
        response = client.post("/api-tokens/", {"name": "x", "scope": "full", "nonce": "<x>"})
        assert response.status_code == 400
        assert "reload the page" in response.content.decode()
        assert not ApiToken.objects.exists()

    def test_nobody_else_sees_my_new_secret(self, org):
        client = signed_in(org.requester)
        nonce = form_nonce(client)
        response = client.post("/api-tokens/", {"name": "mine", "scope": "full", "nonce": nonce})
        theirs = signed_in(org.outsider).get(response.url).content.decode()
        assert shown_secret(theirs) is None
        assert "mine" not in theirs
        assert shown_secret(client.get(response.url).content.decode()) is not None

    def test_the_secret_waits_in_the_cache_only_encrypted(self, org):
        """Between the POST and the GET the secret sits in the cache: XOR-ed with a pad that
        only the redirect URL's nonce yields, under a key that is a hash of the nonce."""
        from django.core.cache import cache

        client = signed_in(org.requester)
        nonce = form_nonce(client)
        response = client.post("/api-tokens/", {"name": "x", "scope": "full", "nonce": nonce})
        raw = cached_bytes(cache)
        secret = shown_secret(client.get(response.url).content.decode())
        assert secret
        assert secret.encode() not in raw
        assert secret[16:].encode() not in raw
        assert nonce.encode() not in raw

    def test_the_secret_is_gone_after_the_reveal_period(self, org, monkeypatch):
        # A real wait on a short period: Redis expires keys on its own clock, not time_machine's.
        monkeypatch.setattr(services, "API_TOKEN_REVEAL_SECONDS", 1)
        client = signed_in(org.requester)
        nonce = form_nonce(client)
        response = client.post("/api-tokens/", {"name": "x", "scope": "full", "nonce": nonce})
        time.sleep(1.5)
        html = client.get(response.url).content.decode()
        assert shown_secret(html) is None
        assert "shown once and is not shown again" in html

    def test_an_htmx_post_is_told_where_to_go(self, org):
        client = signed_in(org.requester)
        nonce = form_nonce(client)
        response = client.post(
            "/api-tokens/",
            {"name": "htmx", "scope": "full", "nonce": nonce},
            HTTP_HX_REQUEST="true",
        )
        assert response.status_code == 200
        assert response.headers["HX-Redirect"] == f"/api-tokens/?created={nonce}"
        assert shown_secret(client.get(response.headers["HX-Redirect"]).content.decode())

    def test_it_shows_the_authorization_header_example_escaped(self, org):
        html = signed_in(org.requester).get("/api-tokens/").content.decode()
        assert "Authorization: Bearer &lt;token&gt;" in html
        assert "<token>" not in html

    def test_it_lists_many_tokens_in_a_constant_number_of_queries(
        self, org, django_assert_max_num_queries
    ):
        client = signed_in(org.requester)
        api_token_create(user=org.requester, name="first")
        with django_assert_max_num_queries(12) as captured:
            client.get("/api-tokens/")
        few = len(captured)
        for i in range(20):
            api_token_create(user=org.requester, name=f"t{i}")
        with django_assert_max_num_queries(few):
            response = client.get("/api-tokens/")
        assert response.content.decode().count("Revoke") >= 21

    def test_it_revokes_with_a_post_form(self, org):
        token, plaintext = api_token_create(user=org.requester, name="old")
        client = signed_in(org.requester)
        response = client.post(f"/api-tokens/{token.pk}/revoke/")
        assert response.status_code == 302
        assert bearer(plaintext).get("/api/v1/departments/").status_code == 401

    def test_it_does_not_revoke_someone_elses_token(self, org):
        token, _plaintext = api_token_create(user=org.outsider, name="theirs")
        client = signed_in(org.requester)
        assert client.post(f"/api-tokens/{token.pk}/revoke/").status_code == 404
        token.refresh_from_db()
        assert token.revoked_at is None

    def test_it_refuses_an_expiry_in_the_past(self, org):
        client = signed_in(org.requester)
        nonce = form_nonce(client)
        response = client.post(
            "/api-tokens/",
            {"name": "x", "scope": "full", "expires_on": "2001-01-01", "nonce": nonce},
        )
        assert response.status_code == 400
        assert "must be in the future" in response.content.decode()
        assert not ApiToken.objects.exists()
        # The refused form did not use up its nonce: corrected, it goes through.
        response = client.post("/api-tokens/", {"name": "x", "scope": "full", "nonce": nonce})
        assert response.status_code == 302
        assert ApiToken.objects.count() == 1

    def test_it_needs_a_sign_in(self, db):
        response = Client().get("/api-tokens/")
        assert response.status_code == 302


def cached_bytes(cache) -> bytes:
    """Every key and value the default cache holds, raw, whichever backend the run uses."""
    if hasattr(cache, "_cache") and isinstance(cache._cache, dict):  # local memory
        return b"".join(str(k).encode() + bytes(v) for k, v in cache._cache.items())
    client = cache._cache.get_client(None)  # Redis
    return b"".join(k + (client.get(k) or b"") for k in client.scan_iter())


class TestTokenAdmin:
    def test_an_admin_creates_a_token_and_sees_the_secret_once(self, org, admin_client):
        response = admin_client.post(
            "/admin/api/apitoken/add/",
            {"user": org.requester.pk, "name": "procurement", "scope": "catalog"},
            follow=True,
        )
        assert response.status_code == 200
        token = ApiToken.objects.get(name="procurement")
        text = response.content.decode()
        secret = re.search(r"(hgt_[A-Za-z0-9_\-]+)", text).group(1)
        assert secret.startswith(f"hgt_{token.prefix}")
        assert bearer(secret).get("/api/v1/solutions/").status_code == 200

    def test_it_refuses_a_token_for_an_inactive_user_with_a_clear_message(self, org, admin_client):
        org.requester.is_active = False
        org.requester.save()
        response = admin_client.post(
            "/admin/api/apitoken/add/",
            {"user": org.requester.pk, "name": "procurement", "scope": "catalog"},
        )
        assert response.status_code == 200  # the form again, not a 500
        assert "only an active user can hold an API token" in response.content.decode()
        assert response.context["adminform"].form.errors["user"]
        assert not ApiToken.objects.exists()

    def test_it_refuses_an_expiry_in_the_past_beside_the_field(self, org, admin_client):
        response = admin_client.post(
            "/admin/api/apitoken/add/",
            {
                "user": org.requester.pk,
                "name": "old",
                "scope": "full",
                "expires_at_0": "2001-01-01",
                "expires_at_1": "00:00:00",
            },
        )
        assert response.status_code == 200
        assert response.context["adminform"].form.errors["expires_at"]
        assert not ApiToken.objects.exists()

    def test_a_user_deactivated_after_the_form_check_gets_a_message_not_a_500(
        self, org, admin_user, rf
    ):
        """The form checks first; should the user be deactivated in between, save_model
        creates nothing and the admin goes back to the form with the reason."""
        from django.contrib import admin as django_admin
        from django.contrib.messages import get_messages
        from django.contrib.messages.storage.fallback import FallbackStorage
        from django.contrib.sessions.backends.db import SessionStore

        from api.admin import ApiTokenAdmin

        org.requester.is_active = False
        org.requester.save()
        request = rf.post("/admin/api/apitoken/add/")
        request.user = admin_user
        request.session = SessionStore()
        request._messages = FallbackStorage(request)
        model_admin = ApiTokenAdmin(ApiToken, django_admin.site)
        obj = ApiToken(user=org.requester, name="late", scope="full")
        model_admin.save_model(request, obj, form=None, change=False)
        model_admin.log_addition(request, obj, "")
        response = model_admin.response_add(request, obj)
        assert response.status_code == 302
        assert response.url == "/admin/api/apitoken/add/"
        assert [str(m) for m in get_messages(request)] == [
            "rita.requester's account is not active: only an active user can hold an API token."
        ]
        assert not ApiToken.objects.exists()

    def test_an_admin_revokes_tokens_with_the_action(self, org, admin_client):
        token, plaintext = api_token_create(user=org.requester, name="x")
        response = admin_client.post(
            "/admin/api/apitoken/",
            {"action": "revoke", "_selected_action": [token.pk]},
        )
        assert response.status_code == 302
        assert bearer(plaintext).get("/api/v1/departments/").status_code == 401

    def test_the_admin_lists_tokens(self, org, admin_client):
        api_token_create(user=org.requester, name="listed")
        response = admin_client.get("/admin/api/apitoken/")
        assert response.status_code == 200
        assert "listed" in response.content.decode()
