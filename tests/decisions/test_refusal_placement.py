"""Where a refusal on the proposal page says why: by the form that was refused (a sign-off's
buttons, the CDO's "Record decision"), as an alert that takes the focus and describes the
buttons; with htmx in place and without JavaScript on the whole page, DEBUG on and off. And
where the header's language buttons go back to after such a page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from decisions import services
from decisions.models import SignOffStatus
from tests.factories import make_proposal

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal(org):
    return make_proposal(requester=org.requester, submit=True)


def signoff_form(html: str, signoff) -> str:
    """The sign-off's own form, from its action to its end."""
    start = html.index(f'action="{reverse("signoff-decide", args=[signoff.pk])}"')
    return html[start : html.index("</form>", start)]


def language_next(html: str) -> str:
    form = html[html.index('class="languages"') :]
    match = re.search(r'name="next" value="([^"]*)"', form)
    assert match, "the language form has no next"
    return match.group(1)


@pytest.mark.parametrize("debug", [True, False], ids=["DEBUG on", "DEBUG off"])
@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "without JavaScript"])
def test_a_refused_sign_off_says_why_by_its_buttons_and_takes_the_focus(
    client, org, proposal, settings, debug, htmx
):
    settings.DEBUG = debug
    signoff = proposal.signoffs.get(department__code="HR")
    client.force_login(org.hr_reviewer)
    response = client.post(
        reverse("signoff-decide", args=[signoff.pk]),
        {f"s{signoff.pk}-outcome": "changes_requested", f"s{signoff.pk}-comment": " "},
        headers={"HX-Request": "true"} if htmx else {},
    )
    assert response.status_code == 400
    html = response.text
    assert ("<html" in html) is not htmx  # htmx: the panel; a plain post: the whole page
    form = signoff_form(html, signoff)
    error_id = f"signoff-error-{signoff.pk}"
    alert = re.search(rf'<p [^>]*id="{error_id}"[^>]*>([^<]*)</p>', form)
    assert alert, "the reason is not in the sign-off's form"
    assert "a comment is required" in alert.group(1)
    for attribute in ('role="alert"', 'tabindex="-1"', "autofocus"):
        assert attribute in alert.group(0)
    # Before the buttons, which it describes; once, not again at the top of the panel.
    assert form.index(error_id) < form.index("Request changes")
    assert form.count(f'aria-describedby="{error_id}"') == 3
    assert html.count("a comment is required") == 1
    assert 'id="workflow-error"' not in html
    signoff.refresh_from_db()
    assert signoff.status == SignOffStatus.PENDING


def test_an_approval_without_an_outcome_keeps_what_was_typed_by_the_buttons(client, org, proposal):
    signoff = proposal.signoffs.get(department__code="HR")
    client.force_login(org.hr_reviewer)
    response = client.post(
        reverse("signoff-decide", args=[signoff.pk]),
        {f"s{signoff.pk}-outcome": "maybe", f"s{signoff.pk}-comment": "Half a thought"},
    )
    assert response.status_code == 400
    form = signoff_form(response.text, signoff)
    assert "Choose approve, request changes or reject." in form
    assert "Half a thought" in form


def test_a_refusal_whose_form_the_page_no_longer_shows_is_at_the_top_of_the_panel(
    client, org, proposal
):
    """Someone who may not sign gets no sign-off form: the reason stands by the actions."""
    signoff = proposal.signoffs.get(department__code="HR")
    client.force_login(org.outsider)
    response = client.post(
        reverse("signoff-decide", args=[signoff.pk]), {f"s{signoff.pk}-outcome": "approved"}
    )
    assert response.status_code == 403
    top = re.search(r'<p [^>]*id="workflow-error"[^>]*>([^<]*)</p>', response.text)
    assert top
    assert "You may not sign for Human Resources" in top.group(1)
    assert "autofocus" in top.group(0)


def test_a_refused_decision_on_the_proposal_page_says_why_by_its_button(client, org, proposal):
    for signoff in proposal.signoffs.all():
        services.signoff_decide(
            signoff=signoff, actor=org.reviewers[signoff.department.code], outcome="approved"
        )
    client.force_login(org.cdo)
    response = client.post(
        reverse("decision-take", args=[proposal.reference]),
        {"outcome": "rejected", "rationale": "", "conditions": "Only with SSO"},
    )
    assert response.status_code == 400
    html = response.text
    form = html[html.index('class="decide-form"') :]
    form = form[: form.index("</form>")]
    alert = re.search(r'<p [^>]*id="decision-error"[^>]*>([^<]*)</p>', form)
    assert alert
    assert "rationale" in alert.group(1)
    assert form.index('id="decision-error"') < form.index("Record decision")
    assert 'aria-describedby="decision-error"' in form
    assert "Only with SSO" in form  # what the CDO typed comes back
    assert 'id="workflow-error"' not in html


def test_the_language_buttons_come_back_to_the_proposal_after_a_refused_plain_post(
    client, org, proposal
):
    signoff = proposal.signoffs.get(department__code="HR")
    client.force_login(org.hr_reviewer)
    page = reverse("proposal-detail", args=[proposal.reference])
    response = client.post(
        reverse("signoff-decide", args=[signoff.pk]),
        {f"s{signoff.pk}-outcome": "changes_requested"},
    )
    assert response.status_code == 400
    assert language_next(response.text) == page
    switched = client.post(reverse("set_language"), {"language": "nl", "next": page})
    assert switched.status_code == 302
    assert switched.url == page
    assert client.get(page).status_code == 200


def test_the_language_buttons_come_back_to_the_decisions_page_after_a_refused_plain_post(
    client, org, proposal
):
    for signoff in proposal.signoffs.all():
        services.signoff_decide(
            signoff=signoff, actor=org.reviewers[signoff.department.code], outcome="approved"
        )
    client.force_login(org.cdo)
    response = client.post(
        reverse("decision-take", args=[proposal.reference]),
        {"from": "decisions", "outcome": "rejected", "rationale": ""},
    )
    assert response.status_code == 400
    assert language_next(response.text) == reverse("cdo-decisions")
    # The decisions page itself, fetched with GET, comes back to itself with its page number.
    assert language_next(client.get(reverse("cdo-decisions") + "?page=1").text) == (
        reverse("cdo-decisions") + "?page=1"
    )


def test_the_language_buttons_come_back_to_the_page_a_form_was_posted_from(client, org):
    """A page rendered in answer to a POST the view knows no page for: the page the form was
    posted from (same origin only), else home."""
    client.force_login(org.requester)
    url = reverse("proposal-create")
    posted = client.post(url, {"title": ""}, headers={"referer": f"http://testserver{url}?x=1"})
    assert posted.status_code == 400
    assert language_next(posted.text) == f"{url}?x=1"
    elsewhere = client.post(url, {"title": ""}, headers={"referer": "https://evil.example/"})
    assert language_next(elsewhere.text) == "/"
    assert language_next(client.post(url, {"title": ""}).text) == "/"
    assert language_next(client.get(url + "?retire=").text) == url + "?retire="


def test_the_decision_card_says_who_decides_and_whose_sign_offs_are_in(client, org, proposal):
    for signoff in proposal.signoffs.all():
        services.signoff_decide(
            signoff=signoff, actor=org.reviewers[signoff.department.code], outcome="approved"
        )
    client.force_login(org.cdo)
    html = client.get(reverse("cdo-decisions")).text
    card = html[html.index('class="who-decides"') :]
    card = card[: card.index("</dd>")]
    assert "You, the Chief Digital Officer" in card
    assert "on the sign-offs of" in card
    for name in ("Human Resources", "IT Operations", "Marketing"):
        assert name in card
    total = proposal.signoffs.count()
    assert f"{total} of {total} sign-offs in" in card
