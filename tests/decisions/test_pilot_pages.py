"""The Pilot panel of the proposal page and the pilots on the CDO's Decisions page: plain forms
(POST, redirect) and HTMX in place; refusals with their reason, DEBUG on and off."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from decisions.models import PilotRating, PilotVerdict, ProposalStatus
from decisions.services import pilots
from landscape.models import Lifecycle
from tests.pilots import AFTER, _criteria, _measure_and_open, _rate, _verdicts, pilot

__all__ = ["pilot"]  # the fixture

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def page(client, proposal):
    return client.get(reverse("proposal-detail", args=[proposal.reference]))


def rating_data(proposal, recommend="9", score="4"):
    return {"recommend": recommend, **{f"score_{c.pk}": score for c in _criteria(proposal)}}


def test_the_panel_shows_criteria_participants_and_the_owners_plan_form(client, org, pilot):
    client.force_login(org.requester)
    response = page(client, pilot)
    assert response.status_code == 200
    assert 'id="pilot"' in response.text
    assert "Time to hire" in response.text
    assert "3 participants" in response.text
    assert "No rating yet." in response.text
    assert 'name="metric_0" value="Time to hire"' in response.text
    assert 'name="target_0" value="30"' in response.text


def test_the_free_text_criteria_are_shown_when_there_are_none_measurable(client, org, pilot):
    pilot.pilot_criteria.all().delete()
    pilot.pilot_success_criteria = "Recruiters like it."
    pilot.save()
    client.force_login(org.outsider)
    assert "Recruiters like it." in page(client, pilot).text


def test_a_participant_rates_with_a_plain_form(client, org, pilot):
    client.force_login(org.anna)
    with time_machine.travel(AFTER):
        assert 'name="recommend"' in page(client, pilot).text
        response = client.post(reverse("pilot-rate", args=[pilot.reference]), rating_data(pilot))
        assert response.status_code == 302
        assert response["Location"].endswith("#pilot")
        text = page(client, pilot).text
    assert "You rated this round: 9 out of 10." in text
    assert "1 answer:" in text
    assert "1 promoter," in text
    assert "0 detractors" in text
    assert PilotRating.objects.get(user=org.anna).recommend == 9


def test_a_participant_rates_in_place_with_htmx(client, org, pilot):
    client.force_login(org.anna)
    with time_machine.travel(AFTER):
        response = client.post(
            reverse("pilot-rate", args=[pilot.reference]),
            rating_data(pilot, recommend="3"),
            headers=HTMX,
        )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section class="card pilot" id="pilot"')
    assert "1 detractor)" in response.text
    assert 'hx-swap-oob="true"' in response.text  # the timeline


@pytest.mark.parametrize("debug", [False, True])
def test_a_refused_rating_renders_in_place_with_its_reason(client, org, pilot, settings, debug):
    settings.DEBUG = debug
    client.force_login(org.outsider)
    url = reverse("pilot-rate", args=[pilot.reference])
    with time_machine.travel(AFTER):
        response = client.post(url, rating_data(pilot), headers=HTMX)
        assert response.status_code == 403
        assert "Only the pilot&#x27;s participants rate it." in response.text
        assert response.text.lstrip().startswith('<section class="card pilot"')
        plain = client.post(url, rating_data(pilot))
    assert plain.status_code == 403
    assert "<html" in plain.text
    assert "Only the pilot&#x27;s participants rate it." in plain.text
    assert not PilotRating.objects.exists()


def test_a_refused_rating_keeps_what_was_typed(client, org, pilot):
    client.force_login(org.anna)
    first = _criteria(pilot)[0]
    with time_machine.travel(AFTER):
        response = client.post(
            reverse("pilot-rate", args=[pilot.reference]),
            {"recommend": "8", f"score_{first.pk}": "2", "comment": "Slow"},
            headers=HTMX,
        )
    assert response.status_code == 400
    assert "Score every criterion" in response.text
    assert 'value="8" checked' in response.text
    assert f'name="score_{first.pk}" value="2" checked' in response.text
    assert ">Slow</textarea>" in response.text


def test_the_owner_measures_and_opens_the_review_from_the_panel(client, org, pilot):
    client.force_login(org.requester)
    first, second = _criteria(pilot)
    with time_machine.travel(AFTER):
        response = client.post(
            reverse("pilot-measure", args=[pilot.reference]),
            {f"measured_{first.pk}": "24", f"measured_{second.pk}": "82"},
        )
        assert response.status_code == 302
        response = client.post(reverse("pilot-review", args=[pilot.reference]), headers=HTMX)
    assert response.status_code == 200
    assert "The keep/stop review is open" in response.text
    assert "✓ met" in response.text


def test_the_owner_plans_the_pilot(client, org, pilot):
    client.force_login(org.requester)
    response = client.post(
        reverse("pilot-update", args=[pilot.reference]),
        {
            "start": "2026-03-02",
            "end": "2026-05-31",
            "metric_0": "Offers accepted",
            "target_0": "70",
            "unit_0": "%",
            "direction_0": "higher",
            "participants": "anna\nben@example.com",
        },
    )
    assert response.status_code == 302
    assert [c.metric for c in _criteria(pilot)] == ["Offers accepted"]
    assert {p.user.username for p in pilot.pilot_participants.all()} == {"anna", "ben"}


def test_the_plan_names_people_who_do_not_exist(client, org, pilot):
    client.force_login(org.requester)
    response = client.post(
        reverse("pilot-update", args=[pilot.reference]),
        {"metric_0": "X", "target_0": "1", "participants": "nobody.here"},
        headers=HTMX,
    )
    assert response.status_code == 400
    assert "Nobody is called nobody.here." in response.text


def test_a_department_gives_its_verdict_and_another_cannot(client, org, pilot):
    with time_machine.travel(AFTER):
        _measure_and_open(org, pilot)
        client.force_login(org.it_reviewer)
        text = page(client, pilot).text
        assert "Give the verdict of IT" in text
        assert "Give the verdict of HR" not in text
        url = reverse("pilot-verdict", args=[pilot.reference])
        refused = client.post(url, {"department": "HR", "verdict": "keep"}, headers=HTMX)
        assert refused.status_code == 403
        assert "Only those who sign for Human Resources" in refused.text
        given = client.post(url, {"department": "IT", "verdict": "keep"})
    assert given.status_code == 302
    assert PilotVerdict.objects.get().department.code == "IT"


def test_keep_by_all_departments_adopts_the_tool_from_the_panel(client, org, pilot):
    with time_machine.travel(AFTER):
        _rate(pilot, org.anna, 10)
        _measure_and_open(org, pilot)
        for code in ("HR", "IT", "MKT"):
            client.force_login(org.reviewers[code])
            client.post(
                reverse("pilot-verdict", args=[pilot.reference]),
                {"department": code, "verdict": "keep"},
            )
        assert "The departments agreed: Keep." in page(client, pilot).text
    pilot.refresh_from_db()
    assert pilot.status == ProposalStatus.ADOPTED
    assert pilot.tool.lifecycle == Lifecycle.ADOPTED


def test_the_cdo_decides_a_disagreement_from_the_decisions_page(client, org, pilot):
    with time_machine.travel(AFTER):
        _measure_and_open(org, pilot)
        _verdicts(org, pilot, {"HR": "keep", "IT": "stop", "MKT": "keep"})
        client.force_login(org.cdo)
        text = client.get(reverse("cdo-decisions")).text
        assert "1 pilot waits for your decision" in text
        assert pilot.reference in text
        assert "Adoption is too thin." in text
        response = client.post(
            reverse("pilot-decide", args=[pilot.reference]),
            {"from": "decisions", "outcome": "stop", "rationale": "IT's integration worry stands."},
        )
    assert response.status_code == 302
    assert response["Location"].endswith(reverse("cdo-decisions") + "#pilots")
    pilot.refresh_from_db()
    assert pilot.status == ProposalStatus.RETIRED
    with time_machine.travel(AFTER):
        assert "pilot waits" not in client.get(reverse("cdo-decisions")).text


def test_only_the_cdo_decides_from_the_panel(client, org, pilot):
    with time_machine.travel(AFTER):
        _measure_and_open(org, pilot)
        _verdicts(org, pilot, {"HR": "keep", "IT": "stop", "MKT": "keep"})
        client.force_login(org.hr_head)
        assert (
            "The departments disagree: the Chief Digital Officer decides."
            in page(client, pilot).text
        )
        response = client.post(
            reverse("pilot-decide", args=[pilot.reference]),
            {"outcome": "keep", "rationale": "x"},
            headers=HTMX,
        )
    assert response.status_code == 403
    pilot.refresh_from_db()
    assert pilot.status == ProposalStatus.PILOTING


def _page_queries(client, path):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_the_pilot_panel_costs_the_same_with_more_criteria_people_and_ratings(client, org):
    from tests.factories import UserFactory
    from tests.pilots import ended_pilot

    small = ended_pilot(org, vendor="Small", participants=[org.outsider], stage="in_review")
    pilots.pilot_verdict_give(
        proposal=small, actor=org.it_reviewer, department=org.departments["IT"], verdict="keep"
    )
    people = [UserFactory(username=f"rater{i}") for i in range(6)]
    big = ended_pilot(org, vendor="Big", participants=people, stage="ended")
    pilots.pilot_update(
        proposal=big,
        actor=org.requester,
        criteria=[{"metric": f"Metric {i}", "target": str(i)} for i in range(5)],
    )
    for i, person in enumerate(people):
        pilots.pilot_rate(
            proposal=big,
            actor=person,
            recommend=i + 4,
            scores={c.pk: 1 + i % 5 for c in _criteria(big)},
        )
    pilots.pilot_measure(
        proposal=big, actor=org.requester, values={c.pk: "3" for c in _criteria(big)}
    )
    pilots.pilot_review_open(proposal=big, actor=org.requester)
    pilots.pilot_verdict_give(
        proposal=big, actor=org.hr_reviewer, department=org.departments["HR"], verdict="keep"
    )
    client.force_login(org.hr_head)
    path = reverse("proposal-detail", args=[small.reference])
    assert _page_queries(client, path) == _page_queries(
        client, reverse("proposal-detail", args=[big.reference])
    )


def test_the_decisions_page_costs_the_same_with_more_disputed_pilots(client, org):
    from tests.pilots import ended_pilot

    client.force_login(org.cdo)
    ended_pilot(org, vendor="One", participants=[org.outsider], stage="disputed")
    one = _page_queries(client, reverse("cdo-decisions"))
    for name in ("Two", "Three"):
        ended_pilot(org, vendor=name, participants=[org.outsider], stage="disputed")
    assert _page_queries(client, reverse("cdo-decisions")) == one


def test_the_admin_reads_reviews_and_their_verdicts(client, org):
    from tests.pilots import ended_pilot

    proposal = ended_pilot(org, vendor="Admin", participants=[], stage="disputed")
    review = proposal.pilot_reviews.get()
    client.force_login(org.superuser)
    listing = client.get("/admin/decisions/pilotreview/")
    assert listing.status_code == 200
    assert proposal.reference in listing.text
    detail = client.get(f"/admin/decisions/pilotreview/{review.pk}/change/")
    assert detail.status_code == 200
    assert "No SSO yet." in detail.text


def test_the_last_verdict_in_place_updates_the_status_panel_too(client, org, pilot):
    with time_machine.travel(AFTER):
        _measure_and_open(org, pilot)
        _verdicts(org, pilot, {"HR": "keep", "IT": "keep"})
        client.force_login(org.mkt_reviewer)
        response = client.post(
            reverse("pilot-verdict", args=[pilot.reference]),
            {"department": "MKT", "verdict": "keep"},
            headers=HTMX,
        )
    assert response.status_code == 200
    assert "The departments agreed: Keep." in response.text
    assert 'id="workflow" hx-swap-oob="true"' in response.text
    assert "Adopted" in response.text
