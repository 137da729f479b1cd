"""Single sign-on with OpenID Connect, against a real provider (django-oidc-provider served on a
local port, tests/oidc_idp/): the authorization code flow signs a person in, their groups at the
provider become memberships and site groups through the identity group mappings, and what the
provider no longer says is taken away at the next sign-in, while hand-made memberships stay."""

from __future__ import annotations

import re
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.auth import get_user_model
from django.urls import reverse

from audit.models import Event
from decisions.rights import cdo_group
from stakeholders.models import IdentityGroupMapping, IdentityLink, Membership, Role
from stakeholders.selectors import is_cdo
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


def to_provider(client, next_url=None):
    """Start at the site's single sign-on button: the redirect to the provider's authorize."""
    url = reverse("oidc_authentication_init")
    response = client.get(url, {"next": next_url} if next_url else {})
    assert response.status_code == 302
    return response["Location"]


def at_provider(authorize_url, username, password):
    """What a browser does at the provider: follow to its sign-in form, post it, and come back
    with the redirect to this site's callback (its address, not followed)."""
    browser = requests.Session()
    response = browser.get(authorize_url, allow_redirects=True, timeout=10)
    assert "csrfmiddlewaretoken" in response.text, response.text[:500]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text).group(1)
    nxt = re.search(r'name="next" value="([^"]*)"', response.text).group(1).replace("&amp;", "&")
    response = browser.post(
        response.url,
        {"csrfmiddlewaretoken": token, "username": username, "password": password, "next": nxt},
        headers={"Referer": response.url},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, response.text[:500]
    # The provider's authorize again, now signed in there: back to this site with a code.
    response = browser.get(
        requests.compat.urljoin(response.url, response.headers["Location"]),
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, response.text[:500]
    return response.headers["Location"]


def callback(client, location):
    parts = urlsplit(location)
    assert parts.path == reverse("oidc_authentication_callback")
    return client.get(parts.path, parse_qs(parts.query))


def sign_in(client, provider, username, password="pw", next_url=None):
    return callback(client, at_provider(to_provider(client, next_url), username, password))


def signed_in_user(client):
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


@pytest.fixture
def mappings(org):
    hr, it = org.departments["HR"], org.departments["IT"]
    return {
        "hr-reviewers": IdentityGroupMapping.objects.create(
            claim_value="hr-reviewers", department=hr, role=Role.REVIEWER,
            approval_limit=Decimal("50000"),
        ),
        "it-staff": IdentityGroupMapping.objects.create(
            claim_value="it-staff", department=it, role=Role.MEMBER
        ),
        "cdo-office": IdentityGroupMapping.objects.create(
            claim_value="cdo-office", group=cdo_group()
        ),
    }  # fmt: skip


def memberships_of(user):
    return {
        m.department.code: (m.role, m.approval_limit, m.from_identity_provider)
        for m in Membership.objects.filter(user=user).select_related("department")
    }


def test_the_sign_in_page_offers_the_provider_only_when_single_sign_on_is_on(client, settings):
    settings.OIDC_ENABLED = False
    assert "Sign in with" not in client.get(reverse("login")).text
    assert client.get(reverse("oidc_authentication_init")).status_code == 404
    assert client.get(reverse("oidc_authentication_callback")).status_code == 404
    settings.OIDC_ENABLED, settings.OIDC_PROVIDER_NAME = True, "Test IdP"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = "https://idp.example.org/authorize"
    page = client.get(reverse("login"), {"next": "/proposals/"}).text
    assert "Sign in with Test IdP" in page
    assert 'href="/oidc/authenticate/?next=/proposals/"' in page


def test_a_first_sign_in_creates_the_person_with_the_memberships_of_their_groups(
    client, sso, mappings
):
    sso.add_user("alice.jansen", "pw", "hr-reviewers", "it-staff", "unmapped-list")
    response = sign_in(client, sso, "alice.jansen")
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    user = signed_in_user(client)
    assert user.username == "alice.jansen"
    assert (user.first_name, user.last_name, user.email) == (
        "Alice", "Jansen", "alice.jansen@example.org",
    )  # fmt: skip
    assert not user.has_usable_password()
    assert memberships_of(user) == {
        "HR": (Role.REVIEWER, Decimal("50000.00"), True),
        "IT": (Role.MEMBER, None, True),
    }
    assert not is_cdo(user)
    link = IdentityLink.objects.get(user=user)
    assert link.provider_groups == ["hr-reviewers", "it-staff", "unmapped-list"]
    kinds = list(Event.objects.filter(actor=user).values_list("kind", "payload__department"))
    assert ("user.created_by_sign_in", None) in kinds
    assert ("membership.granted_by_sign_in", "HR") in kinds
    assert ("membership.granted_by_sign_in", "IT") in kinds
    # The home page answers the signed-in person.
    assert client.get(reverse("home")).status_code == 200


def test_the_next_sign_in_removes_what_a_group_gone_gave_and_keeps_hand_made_memberships(
    client, sso, mappings, org
):
    sso.add_user("bram.devries", "pw", "hr-reviewers", "it-staff", "cdo-office")
    sign_in(client, sso, "bram.devries")
    user = signed_in_user(client)
    assert is_cdo(User.objects.get(pk=user.pk))
    # An administrator adds Marketing by hand.
    MembershipFactory(
        user=user, department=org.departments["MKT"], role=Role.HEAD, approval_limit=None
    )
    # At the provider, Bram leaves IT and the CDO's office; HR now maps to head.
    sso.set_groups("bram.devries", "hr-reviewers")
    mappings["hr-reviewers"].role = Role.HEAD
    mappings["hr-reviewers"].save()
    client.logout()
    sign_in(client, sso, "bram.devries")
    assert signed_in_user(client) == user
    assert memberships_of(user) == {
        "HR": (Role.HEAD, Decimal("50000.00"), True),
        "MKT": (Role.HEAD, None, False),  # made by hand: left alone
    }
    assert not is_cdo(User.objects.get(pk=user.pk))
    events = Event.objects.filter(actor=user)
    removed = events.get(kind="membership.removed_by_sign_in")
    assert removed.payload == {
        "user": "bram.devries", "department": "IT", "role": "member", "approval_limit": None,
    }  # fmt: skip
    changed = events.get(kind="membership.changed_by_sign_in")
    assert (changed.payload["role"], changed.payload["before"]["role"]) == ("head", "reviewer")
    assert events.get(kind="group.removed_by_sign_in").payload["group"] == "Chief Digital Officer"
    assert User.objects.filter(username="bram.devries").count() == 1


def test_a_group_mapped_to_a_department_held_by_hand_leaves_the_hand_made_membership_alone(
    client, sso, mappings, org
):
    sso.add_user("carla.smit", "pw", "it-staff")
    sign_in(client, sso, "carla.smit")
    user = signed_in_user(client)
    Membership.objects.filter(user=user).update(from_identity_provider=False, role=Role.HEAD)
    client.logout()
    sso.set_groups("carla.smit")
    sign_in(client, sso, "carla.smit")
    assert memberships_of(user) == {"IT": (Role.HEAD, None, False)}


def test_a_cdo_given_by_hand_stays_cdo_when_the_provider_never_said_so(client, sso, mappings):
    sso.add_user("dirk.bakker", "pw")
    sign_in(client, sso, "dirk.bakker")
    user = signed_in_user(client)
    user.groups.add(cdo_group())
    client.logout()
    sign_in(client, sso, "dirk.bakker")
    assert is_cdo(User.objects.get(pk=user.pk))


def test_a_local_account_of_the_same_name_is_not_taken_over(client, sso, org):
    sso.add_user("rita.requester", "pw")
    sign_in(client, sso, "rita.requester")
    user = signed_in_user(client)
    assert user != org.requester
    assert user.username.startswith("rita.requester-")
    assert IdentityLink.objects.get(user=user)


def test_it_returns_to_the_page_asked_for(client, sso):
    sso.add_user("eva.visser", "pw")
    response = sign_in(client, sso, "eva.visser", next_url="/proposals/")
    assert response["Location"] == "/proposals/"
    # Another site is not a page asked for.
    client.logout()
    response = sign_in(client, sso, "eva.visser", next_url="https://evil.example.com/")
    assert response["Location"] == reverse("home")


def test_a_callback_with_another_browsers_state_signs_no_one_in(client, sso, settings):
    sso.add_user("frank.mulder", "pw")
    location = at_provider(to_provider(client), "frank.mulder", "pw")
    # An attacker's browser, which did not start this sign-in, receives the answer.
    other = client.__class__()
    response = callback(other, location)
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in other.session
    assert "was not started from this browser" in other.get(response["Location"]).text
    # The same for a state this browser never had.
    parts = urlsplit(location)
    query = {**parse_qs(parts.query), "state": ["forged-state"]}
    to_provider(client)  # this browser has a sign-in under way, with another state
    response = client.get(parts.path, query, follow=True)
    assert "_auth_user_id" not in client.session
    assert "was not started from this browser" in response.text
    assert not User.objects.filter(identity_link__isnull=False).exists()


def test_a_code_used_twice_signs_in_once(client, sso):
    sso.add_user("gert.bos", "pw")
    location = at_provider(to_provider(client), "gert.bos", "pw")
    assert callback(client, location)["Location"] == reverse("home")
    client.logout()
    response = callback(client, location)
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_a_wrong_client_secret_is_refused_by_the_provider_and_no_one_signs_in(
    client, sso, settings
):
    sso.add_user("hilde.peters", "pw")
    settings.OIDC_RP_CLIENT_SECRET = "not-the-secret"
    response = sign_in(client, sso, "hilde.peters")
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session
    page = client.get(reverse("login")).text
    assert "refused or did not answer" in page
    assert not User.objects.filter(username="hilde.peters").exists()


def test_an_id_token_for_another_client_is_refused(client, sso, settings):
    sso.add_user("ines.kok", "pw")
    location = at_provider(to_provider(client), "ines.kok", "pw")
    settings.OIDC_RP_CLIENT_ID = "another-application"
    settings.OIDC_RP_CLIENT_SECRET = "x"
    response = callback(client, location)
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_a_token_signed_with_a_key_the_provider_does_not_publish_is_refused(client, sso, settings):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    sso.add_user("jan.vos", "pw")
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    settings.OIDC_RP_IDP_SIGN_KEY = other_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    response = sign_in(client, sso, "jan.vos")
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session
    assert "could not be verified" in client.get(reverse("login")).text


def test_a_declined_sign_in_at_the_provider_says_so(client, sso):
    to_provider(client)
    state = next(iter(client.session["oidc_states"]))
    response = client.get(
        reverse("oidc_authentication_callback"),
        {"error": "access_denied", "state": state},
        follow=True,
    )
    assert "_auth_user_id" not in client.session
    assert "refused the sign-in" in response.text


def test_a_disabled_account_does_not_sign_in(client, sso):
    sso.add_user("karin.dijk", "pw")
    sign_in(client, sso, "karin.dijk")
    user = signed_in_user(client)
    client.logout()
    User.objects.filter(pk=user.pk).update(is_active=False)
    response = sign_in(client, sso, "karin.dijk")
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session
