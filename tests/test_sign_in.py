"""Sign-in throttling: too many wrong passwords lock an account or an address (django-axes), with
a clear message and an audit record, until the cool-off ends or an administrator unlocks it;
wrong API tokens lock an address out of the API the same way."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from audit.models import Event
from tests.api.conftest import Api

pytestmark = pytest.mark.django_db


def sign_in(client, username, password, address="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_thirty_wrong_passwords_lock_the_account_and_say_so(client, org, settings):
    for attempt in range(30):
        response = sign_in(client, "rita.requester", f"wrong-{attempt}")
        if attempt < settings.AXES_FAILURE_LIMIT - 1:
            assert response.status_code == 200  # the form again, with its error
        else:
            assert response.status_code == 429
            assert "Too many failed sign-ins" in response.text
            assert "Try again in 15 minutes" in response.text  # AXES_COOLOFF_MINUTES
    # The right password does not get in while the account is locked...
    right = sign_in(client, "rita.requester", "pw")
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session
    # ...from another address neither: the account itself is locked.
    assert sign_in(client, "rita.requester", "pw", address="10.0.0.2").status_code == 429
    locked = Event.objects.filter(kind="login.locked")
    assert locked.count() >= 1
    assert locked.first().payload == {"username": "rita.requester", "address": "10.0.0.1"}


def test_one_address_trying_many_accounts_is_locked_too(client, org, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, f"someone{n}", "guess", address="10.9.9.9")
    assert sign_in(client, "rita.requester", "pw", address="10.9.9.9").status_code == 429
    assert sign_in(client, "rita.requester", "pw", address="10.0.0.7").status_code == 302


def test_the_lock_ends_after_the_cool_off(client, org, settings, time_machine):
    time_machine.move_to("2026-12-02 09:00Z", tick=False)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "rita.requester", "wrong")
    assert sign_in(client, "rita.requester", "pw").status_code == 429
    time_machine.move_to(
        dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC) + settings.AXES_COOLOFF_TIME
        + dt.timedelta(seconds=1), tick=False
    )  # fmt: skip
    assert sign_in(client, "rita.requester", "pw").status_code == 302


def test_an_administrator_unlocks_at_once(client, admin_client, org, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "rita.requester", "wrong")
    assert sign_in(client, "rita.requester", "pw").status_code == 429
    attempts = AccessAttempt.objects.all()
    assert attempts.exists()
    response = admin_client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": [a.pk for a in attempts], "post": "yes"},
    )
    assert response.status_code == 302
    assert sign_in(client, "rita.requester", "pw").status_code == 302


def test_a_success_before_the_limit_starts_the_count_again(client, org, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "rita.requester", "wrong")
    assert sign_in(client, "rita.requester", "pw").status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "rita.requester", "wrong")
    assert sign_in(client, "rita.requester", "pw").status_code == 302


def test_wrong_api_tokens_lock_the_address_out_of_the_api(org, settings):
    from django.test import Client

    settings.API_TOKEN_FAILURE_LIMIT = 3
    guesser = Api(Client(REMOTE_ADDR="10.6.6.6"), token="hgt_0123456789abguessguessguess")
    for _ in range(3):
        assert guesser.get("/api/v1/departments/").status_code == 401
    locked = guesser.get("/api/v1/departments/")
    assert locked.status_code == 429
    assert set(locked.json()) == {"message", "errors"}
    assert "Retry-After" in locked.headers
    assert Event.objects.filter(kind="api_token.locked").count() == 1
    # Another address is not affected.
    other = Api(Client(REMOTE_ADDR="10.6.6.7"), token="hgt_0123456789abguessguessguess")
    assert other.get("/api/v1/departments/").status_code == 401
