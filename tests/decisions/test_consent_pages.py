"""Consent mode in the browser and the API: the reviewer's queue says when the consent will be
presumed, the proposal page shows the presumption and the dissent log, the CDO's card puts the
objections in front of them, and the API carries the same facts and refuses the same way."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from audit.models import Event
from decisions import services
from decisions.models import ProposalStatus, SignOffStatus
from decisions.services.consent import signoff_presume
from tests.api.conftest import session_api, token_api
from tests.factories import make_proposal

pytestmark = pytest.mark.django_db

TZ = ZoneInfo(settings.TIME_ZONE)
MONDAY = dt.datetime(2026, 3, 2, 9, 0, tzinfo=TZ)


def at(day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, 0, tzinfo=TZ)


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def consent_org(org):
    for tier in org.tiers.values():
        tier.consent_mode = True
        tier.save()
    return org


@pytest.fixture
def proposal(consent_org, clock):
    return make_proposal(requester=consent_org.requester, submit=True)


def signoff_of(proposal, code: str):
    return proposal.signoffs.get(department__code=code, round=proposal.round)


def object_it(org, proposal, comment="No SSO: we cannot support it."):
    return services.signoff_decide(
        signoff=signoff_of(proposal, "IT"),
        actor=org.it_reviewer,
        outcome="rejected",
        comment=comment,
    )


# --- Pages --------------------------------------------------------------------------------


def test_the_queue_says_when_the_consent_is_presumed_unless_i_object(client, consent_org, proposal):
    client.force_login(consent_org.it_reviewer)
    page = client.get(reverse("queue")).text
    assert "presumed on March 10, 2026 unless you object" in page


@pytest.mark.parametrize("size", [2, 8])
def test_the_queue_costs_the_same_with_more_consent_signoffs(
    client, consent_org, clock, size, django_assert_max_num_queries
):
    for i in range(size):
        make_proposal(requester=consent_org.requester, submit=True, new_vendor_name=f"V{i}")
    client.force_login(consent_org.hr_reviewer)
    with django_assert_max_num_queries(16):  # as tests/test_query_counts.py
        response = client.get(reverse("queue"))
    assert response.text.count("unless you object") == size


def test_the_proposal_page_shows_consent_mode_the_presumption_and_the_dissent_log(
    client, consent_org, proposal
):
    org = consent_org
    client.force_login(org.it_reviewer)
    page = client.get(reverse("proposal-detail", args=[proposal.reference])).text
    assert "Consent mode" in page
    assert "presumed on March 10, 2026 unless the department objects" in page
    assert "Rejecting or requesting changes records an objection" in page
    assert "Dissent log" not in page

    object_it(org, proposal)
    signoff_presume(signoff_id=signoff_of(proposal, "HR").pk, now=at(10))
    page = client.get(reverse("proposal-detail", args=[proposal.reference])).text
    assert "Dissent log" in page
    assert "No SSO: we cannot support it." in page
    assert "consent presumed on March 10, 2026: no objection by the due date" in page


def test_an_objection_through_the_page_lands_in_the_dissent_log_with_and_without_htmx(
    client, consent_org, proposal
):
    org = consent_org
    client.force_login(org.it_reviewer)
    signoff = signoff_of(proposal, "IT")
    url = reverse("signoff-decide", args=[signoff.pk])
    data = {f"s{signoff.pk}-outcome": "rejected", f"s{signoff.pk}-comment": "Not supportable."}
    response = client.post(url, data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "Dissent log" in response.text
    assert "Not supportable." in response.text
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.IN_REVIEW

    client.force_login(org.mkt_reviewer)
    mkt = signoff_of(proposal, "MKT")
    plain = client.post(
        reverse("signoff-decide", args=[mkt.pk]),
        {f"s{mkt.pk}-outcome": "changes_requested", f"s{mkt.pk}-comment": "Brand check."},
    )
    assert plain.status_code == 302
    page = client.get(plain.url).text
    assert page.count('id="dissent-') == 2


def test_a_late_objection_through_the_page_is_refused_in_place_and_changes_nothing(
    client, consent_org, proposal, clock
):
    clock.move_to(at(10))
    client.force_login(consent_org.it_reviewer)
    signoff = signoff_of(proposal, "IT")
    before = Event.objects.count()
    response = client.post(
        reverse("signoff-decide", args=[signoff.pk]),
        {f"s{signoff.pk}-outcome": "rejected", f"s{signoff.pk}-comment": "Late."},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 409
    assert "The time to object ended on" in response.text
    assert "the time to object ended on March 9, 2026" in response.text  # the form's note
    assert Event.objects.count() == before
    assert signoff_of(proposal, "IT").status == SignOffStatus.PENDING


def test_the_cdo_card_puts_the_dissent_in_front_of_the_cdo(client, consent_org, proposal):
    org = consent_org
    object_it(org, proposal)
    for code in ("HR", "MKT"):
        services.signoff_decide(
            signoff=signoff_of(proposal, code), actor=org.reviewers[code], outcome="approved"
        )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.AWAITING_DECISION
    client.force_login(org.cdo)
    page = client.get(reverse("cdo-decisions")).text
    assert "Consent mode: you break the tie" in page
    assert "Dissent log" in page
    assert "No SSO: we cannot support it." in page


def test_the_preview_says_the_tier_is_in_consent_mode(client, consent_org):
    client.force_login(consent_org.requester)
    draft = make_proposal(requester=consent_org.requester)
    page = client.get(reverse("proposal-detail", args=[draft.reference])).text
    assert "Consent mode" in page


# --- API ----------------------------------------------------------------------------------


def test_the_api_carries_consent_mode_the_presumption_and_the_dissent(consent_org, proposal):
    org = consent_org
    object_it(org, proposal)
    signoff_presume(signoff_id=signoff_of(proposal, "HR").pk, now=at(10))
    body = session_api(org.requester).get(f"/api/v1/proposals/{proposal.reference}/").json()
    assert body["who_decides"]["consent_mode"] is True
    assert body["who_decides"]["tier"]["consent_mode"] is True
    by_code = {s["department"]["code"]: s for s in body["signoffs"]}
    assert by_code["HR"]["presumed"] is True
    assert by_code["HR"]["reviewer"] is None
    assert by_code["HR"]["presumed_on"] == "2026-03-10"
    assert by_code["IT"]["objection"] is True
    assert by_code["HR"]["objection"] is False
    assert by_code["MKT"]["presumed_on"] == "2026-03-10"
    assert by_code["MKT"]["presumed"] is False
    assert [(d["department"]["code"], d["status"], d["comment"]) for d in body["dissent"]] == [
        ("IT", "rejected", "No SSO: we cannot support it.")
    ]


def test_outside_consent_mode_the_api_has_no_presumption(org, clock):
    proposal = make_proposal(requester=org.requester, submit=True)
    body = session_api(org.requester).get(f"/api/v1/proposals/{proposal.reference}/").json()
    assert body["who_decides"]["consent_mode"] is False
    assert {s["presumed_on"] for s in body["signoffs"]} == {None}
    assert body["dissent"] == []


def test_an_objection_through_the_api_goes_to_the_dissent_log(consent_org, proposal):
    api = token_api(consent_org.it_reviewer)
    response = api.post(
        f"/api/v1/signoffs/{signoff_of(proposal, 'IT').pk}/reject/", {"comment": "No SSO."}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["objection"] is True
    assert response.json()["proposal"]["status"] == "in_review"


def test_a_late_objection_through_the_api_is_409_in_the_error_shape(consent_org, proposal, clock):
    clock.move_to(at(10))
    response = token_api(consent_org.it_reviewer).post(
        f"/api/v1/signoffs/{signoff_of(proposal, 'IT').pk}/request-changes/",
        {"comment": "Late."},
    )
    assert response.status_code == 409
    assert "The time to object ended on" in response.json()["message"]
    assert signoff_of(proposal, "IT").status == SignOffStatus.PENDING


@pytest.mark.parametrize("comment", ["No\x00SSO", "bad \ud800 surrogate"])
def test_an_objection_with_hostile_text_is_a_clean_400(consent_org, proposal, comment):
    response = token_api(consent_org.it_reviewer).post(
        f"/api/v1/signoffs/{signoff_of(proposal, 'IT').pk}/reject/", {"comment": comment}
    )
    assert response.status_code == 400
    assert "message" in response.json()
    assert signoff_of(proposal, "IT").status == SignOffStatus.PENDING


def test_the_start_page_marks_the_signoffs_in_consent_mode(client, consent_org, proposal):
    client.force_login(consent_org.it_reviewer)
    page = client.get(reverse("home")).text
    assert proposal.reference in page
    assert 'class="badge consent-mode"' in page
