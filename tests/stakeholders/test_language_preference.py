"""The language a person reads: chosen with the header's buttons, kept for a signed-in person (and
only for them), restored when they sign in anywhere; read by what is written to them while they
are away (stakeholders.selectors.language_of / languages_of)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from stakeholders.models import Preference
from stakeholders.selectors import language_of, language_preference, languages_of
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

COOKIE = settings.LANGUAGE_COOKIE_NAME


def choose(client, language, next_url="/proposals/", **extra):
    return client.post(reverse("set_language"), {"language": language, "next": next_url}, **extra)


def sign_in(client, username, password="pw"):
    return client.post(reverse("login"), {"username": username, "password": password})


def stored(user) -> str | None:
    preference = Preference.objects.filter(user=user).first()
    return preference.language if preference else None


# --- The header's buttons ----------------------------------------------------------------------


def test_it_keeps_a_signed_in_persons_choice_and_sets_the_cookie(client, org):
    client.force_login(org.it_reviewer)
    answer = choose(client, "nl")
    assert answer.status_code == 302
    assert answer["Location"] == "/proposals/"
    assert answer.cookies[COOKIE].value == "nl"
    assert stored(org.it_reviewer) == "nl"
    page = client.get(reverse("proposal-list"))
    assert page.headers["Content-Language"] == "nl"
    choose(client, "fr")
    assert stored(org.it_reviewer) == "fr"
    assert Preference.objects.count() == 1  # one row a person, updated
    assert stored(org.cdo) is None  # nobody else's


def test_an_anonymous_visitor_keeps_only_the_cookie(client, org):
    answer = choose(client, "fr", next_url="/accounts/login/")
    assert answer.status_code == 302
    assert answer.cookies[COOKIE].value == "fr"
    assert not Preference.objects.exists()
    page = client.get(reverse("login"))
    assert page.headers["Content-Language"] == "fr"
    assert '<html lang="fr"' in page.text


@pytest.mark.parametrize("language", ["de", "xx", "", "nl-BE", "<script>"])
@pytest.mark.parametrize("signed_in", [True, False])
def test_a_language_we_do_not_offer_is_a_clear_400_and_changes_nothing(
    client, org, language, signed_in
):
    if signed_in:
        client.force_login(org.requester)
        choose(client, "nl")
    answer = choose(client, language)
    assert answer.status_code == 400
    # In the language the page was read in: the person's Dutch, else English.
    assert ("Onbekende taal" if signed_in else "Unknown language") in answer.text
    assert "<script>" not in answer.text
    assert COOKIE not in answer.cookies
    assert stored(org.requester) == ("nl" if signed_in else None)


def test_it_never_sends_anyone_off_site(client, org):
    client.force_login(org.requester)
    for hostile in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        answer = choose(client, "nl", next_url=hostile)
        assert answer.status_code == 302
        assert answer["Location"] == "/"
    assert stored(org.requester) == "nl"


def test_a_get_changes_nothing(client, org):
    client.force_login(org.requester)
    answer = client.get(reverse("set_language"), {"language": "fr", "next": "/proposals/"})
    assert answer.status_code == 302
    assert COOKIE not in answer.cookies
    assert stored(org.requester) is None


# --- Signing in ----------------------------------------------------------------------------------


def test_signing_in_restores_the_stored_language_over_the_devices_cookie(client, org):
    Preference.objects.create(user=org.cdo, language="fr")
    choose(client, "en", next_url="/accounts/login/")  # this device last read English
    answer = sign_in(client, "carla.cdo")
    assert answer.status_code == 302
    assert answer.cookies[COOKIE].value == "fr"
    page = client.get(reverse("proposal-list"))
    assert page.headers["Content-Language"] == "fr"


def test_signing_in_without_a_choice_follows_the_browser(client, org):
    answer = sign_in(client, "rita.requester")
    assert answer.status_code == 302
    assert COOKIE not in answer.cookies
    page = client.get(reverse("proposal-list"), HTTP_ACCEPT_LANGUAGE="nl-BE,nl;q=0.9")
    assert page.headers["Content-Language"] == "nl"


def test_a_wrong_password_restores_nothing(client, org):
    Preference.objects.create(user=org.cdo, language="fr")
    answer = sign_in(client, "carla.cdo", "wrong")
    assert answer.status_code == 200
    assert COOKIE not in answer.cookies


# --- The selectors -----------------------------------------------------------------------------


def test_languages_of_many_people_costs_one_query(org, django_assert_num_queries):
    Preference.objects.create(user=org.hr_reviewer, language="nl")
    Preference.objects.create(user=org.cdo, language="fr")
    Preference.objects.create(user=org.it_reviewer, language="")  # follows the browser
    Preference.objects.create(user=org.mkt_reviewer, language="de")  # no longer offered
    many = [UserFactory() for _ in range(20)]
    people = [org.hr_reviewer, org.cdo, org.it_reviewer, org.mkt_reviewer, *many]
    with django_assert_num_queries(1):
        languages = languages_of(people)
    assert languages[org.hr_reviewer.pk] == "nl"
    assert languages[org.cdo.pk] == "fr"
    assert languages[org.it_reviewer.pk] == settings.LANGUAGE_CODE
    assert languages[org.mkt_reviewer.pk] == settings.LANGUAGE_CODE
    assert {languages[u.pk] for u in many} == {settings.LANGUAGE_CODE}
    assert languages_of([org.cdo.pk]) == {org.cdo.pk: "fr"}
    with django_assert_num_queries(0):
        assert languages_of([]) == {}


def test_language_of_one_person(org, django_assert_num_queries):
    Preference.objects.create(user=org.cdo, language="fr")
    assert language_of(org.cdo) == "fr"
    assert language_of(org.requester) == settings.LANGUAGE_CODE
    assert language_preference(user=org.requester) == ""
    cdo = type(org.cdo).objects.select_related("preference").get(pk=org.cdo.pk)
    with django_assert_num_queries(0):
        assert language_of(cdo) == "fr"


def test_the_admin_shows_each_persons_language(client, org):
    Preference.objects.create(user=org.cdo, language="fr")
    client.force_login(org.superuser)
    page = client.get(reverse("admin:stakeholders_preference_changelist"))
    assert page.status_code == 200
    assert "carla.cdo" in page.text
    assert "French" in page.text
    form = client.get(reverse("admin:stakeholders_preference_change", args=[org.cdo.pk]))
    assert form.status_code == 200


def test_the_admin_names_a_preference_by_its_person_and_language(org):
    chosen = Preference.objects.create(user=org.it_reviewer, language="nl")
    following_the_browser = Preference.objects.create(user=org.cdo, language="")
    assert str(chosen) == f"{org.it_reviewer}: nl"
    assert str(following_the_browser) == f"{org.cdo}: —"


def test_auto_forgets_the_choice_and_follows_the_browser_again(client, org):
    client.force_login(org.it_reviewer)
    choose(client, "fr")
    page = client.get(reverse("proposal-list"), HTTP_ACCEPT_LANGUAGE="nl")
    assert page.headers["Content-Language"] == "fr"
    assert 'value="auto"' in page.text  # offered once a language was chosen
    answer = choose(client, "auto")
    assert answer.status_code == 302
    assert answer["Location"] == "/proposals/"
    assert answer.cookies[COOKIE].value == ""  # deleted
    assert stored(org.it_reviewer) == ""
    page = client.get(reverse("proposal-list"), HTTP_ACCEPT_LANGUAGE="nl")
    assert page.headers["Content-Language"] == "nl"
    assert 'value="auto"' not in page.text
    # Signing in again restores nothing: the browser still decides.
    client.logout()
    sign_in(client, org.it_reviewer.username)
    assert (
        client.get(reverse("proposal-list"), HTTP_ACCEPT_LANGUAGE="nl").headers["Content-Language"]
        == "nl"
    )


def test_auto_without_signing_in_only_drops_the_cookie(client):
    choose(client, "nl", next_url="/accounts/login/")
    answer = choose(client, "auto", next_url="/accounts/login/")
    assert answer.status_code == 302
    assert answer.cookies[COOKIE].value == ""
    assert Preference.objects.count() == 0
