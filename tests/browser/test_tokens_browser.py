"""The API-token page in a real browser: create a token, see its secret once, call the API with
it, reload (nothing new, no secret), revoke it, and the API refuses it. Under the strict CSP (the
browser_for fixture fails the test on any violation)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from api.models import ApiToken

pytestmark = pytest.mark.browser


def test_a_user_creates_uses_and_revokes_a_token_in_the_browser(
    org, browser_for, chromium, live_server
):
    requester = browser_for(org.requester.username)
    page = requester.page
    page.get_by_role("link", name="API tokens").click()
    expect(page).to_have_url(re.compile(r"/api-tokens/$"))
    # The header example reads as text, not as a swallowed <token> tag.
    expect(page.locator("main")).to_contain_text("Authorization: Bearer <token>")

    page.get_by_label("Name").fill("Procurement sync")
    page.get_by_label("Scope").select_option(value="full")
    page.get_by_role("button", name="Create token").click()

    # Post/Redirect/Get: the browser is on a GET page that shows the secret.
    expect(page).to_have_url(re.compile(r"/api-tokens/\?created=[A-Za-z0-9_-]+$"))
    secret_box = page.get_by_label("Your new token")
    expect(secret_box).to_have_value(re.compile(r"^hgt_"))
    secret = secret_box.input_value()
    requester.screenshot("api-token-created")

    # A client with no cookies at all: only the token authenticates it.
    machine = chromium.new_context(base_url=live_server.url)
    try:
        call = machine.request.get(
            "/api/v1/departments/", headers={"Authorization": f"Bearer {secret}"}
        )
        assert call.status == 200, call.text()
        assert "Human Resources" in call.text()
        assert machine.request.get("/api/v1/departments/").status == 401

        # Reloading the page neither creates a second token nor shows the secret again.
        page.reload()
        expect(page.get_by_label("Your new token")).to_have_count(0)
        expect(page.locator("main")).to_contain_text("shown once and is not shown again")
        assert secret not in page.content()
        assert ApiToken.objects.filter(user=org.requester).count() == 1

        my_tokens = page.locator("section", has=page.get_by_role("heading", name="My tokens"))
        token = my_tokens.locator("li", has_text="Procurement sync")
        expect(token).to_have_count(1)
        token.get_by_role("button", name="Revoke").click()
        expect(page).to_have_url(re.compile(r"/api-tokens/$"))
        expect(page.locator("main")).to_contain_text("Token “Procurement sync” revoked.")
        expect(token).to_contain_text("revoked")
        expect(token.get_by_role("button", name="Revoke")).to_have_count(0)
        requester.screenshot("api-token-revoked")

        refused = machine.request.get(
            "/api/v1/departments/", headers={"Authorization": f"Bearer {secret}"}
        )
        assert refused.status == 401
        assert "revoked" in refused.json()["message"]
    finally:
        machine.close()
