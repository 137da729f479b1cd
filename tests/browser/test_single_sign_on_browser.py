"""Single sign-on in a real browser, with and without JavaScript: the sign-in page offers the
provider, its button leads to the real test provider's sign-in (tests/oidc_idp/), and the person
comes back signed in, with the membership their group at the provider gives. Every page of ours
is checked with axe-core and under the strict CSP."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from stakeholders.models import IdentityGroupMapping, Membership, Role
from tests.browser.conftest import Session

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_person_signs_in_with_the_identity_provider_and_gets_their_membership(
    org, chromium, axe_twin, live_server, sso, javascript
):
    sso.allow_redirect_uri(f"{live_server.url}/oidc/callback/")
    IdentityGroupMapping.objects.create(
        claim_value="hr-reviewers", department=org.departments["HR"], role=Role.REVIEWER,
        approval_limit=Decimal("20000"),
    )  # fmt: skip
    username = f"lotte.bakker{'' if javascript else '.nojs'}"
    sso.add_user(username, "pw", "hr-reviewers")
    session = Session(chromium, live_server.url, axe_twin, javascript=javascript)
    try:
        page = session.page
        page.goto("/accounts/login/?next=/delegations/")
        button = page.get_by_role("link", name="Sign in with Test IdP")
        expect(button).to_be_visible()
        session.screenshot("single-sign-on/sign-in-page")
        button.click()
        # At the provider: its own sign-in form.
        expect(page).to_have_url(re.compile(rf"^{re.escape(sso.url)}/accounts/login/"))
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill("pw")
        page.get_by_role("button", name="Sign in").click()
        # Back here, signed in, on the page asked for.
        expect(page).to_have_url(f"{live_server.url}/delegations/")
        expect(page.get_by_role("link", name=re.compile("^Lotte Bakker"))).to_be_visible()
        session.screenshot("single-sign-on/signed-in")
        membership = Membership.objects.get(user__username=username)
        assert (membership.department.code, membership.role, membership.approval_limit) == (
            "HR", Role.REVIEWER, Decimal("20000.00"),
        )  # fmt: skip
        assert membership.from_identity_provider
    finally:
        session.close()
    csp = [e for e in session.console_errors if "Content Security Policy" in e]
    assert not csp, csp
    assert not session.checker_errors, session.checker_errors
    ours = [v for v in session.a11y_violations if v.url.startswith(live_server.url)]
    assert not ours, ours
