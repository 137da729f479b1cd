"""Employee voice: anyone who can see a proposal in review — not only approvers — would use it or
raises a concern; one voice a person; a concern may be shown without the name (the audit trail
keeps it); the DMU card, the CDO's card and the API show counts and concerns."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings
from django.urls import reverse

from audit.models import Event
from core.errors import DomainError, InvalidTransition, NotAllowed
from decisions import services
from decisions.models import Voice
from tests.api.conftest import session_api
from tests.factories import UserFactory, make_proposal

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_review(org):
    return make_proposal(requester=org.requester, submit=True)


def test_anyone_who_sees_it_may_endorse_or_raise_a_concern_but_not_the_requester(org, in_review):
    employee = UserFactory(username="eve.employee")  # in no department, signs nothing
    services.voice_give(proposal=in_review, actor=employee, kind="endorse")
    services.voice_give(proposal=in_review, actor=org.viewer, kind="concern",
                        reason="Yet another login.")  # fmt: skip
    with pytest.raises(NotAllowed):
        services.voice_give(proposal=in_review, actor=org.requester, kind="endorse")
    assert sorted(Voice.objects.values_list("kind", flat=True)) == ["concern", "endorse"]


def test_one_voice_a_person_changed_then_taken_back_each_in_the_audit_trail(org, in_review):
    services.voice_give(proposal=in_review, actor=org.hr_member, kind="endorse")
    services.voice_give(proposal=in_review, actor=org.hr_member, kind="concern",
                        reason="Training time", anonymous=True)  # fmt: skip
    voice = Voice.objects.get()
    assert (voice.kind, voice.reason, voice.anonymous) == ("concern", "Training time", True)
    assert services.voice_withdraw(proposal=in_review, actor=org.hr_member)
    assert not Voice.objects.exists()
    assert not services.voice_withdraw(proposal=in_review, actor=org.hr_member)
    events = Event.objects.filter(kind__startswith="voice.").order_by("seq")
    assert [(e.kind, e.actor) for e in events] == [
        ("voice.given", org.hr_member), ("voice.given", org.hr_member),
        ("voice.withdrawn", org.hr_member)]  # fmt: skip
    assert events[1].payload["anonymous"] is True


@pytest.mark.parametrize(("kind", "reason", "field"), [
    ("concern", "   ", "reason"), ("maybe", "", "kind"), ("concern", "bad\x00", "reason"),
    ("concern", "x" * 1001, "reason")])  # fmt: skip
def test_a_bad_voice_names_its_field_and_saves_nothing(org, in_review, kind, reason, field):
    with pytest.raises(DomainError) as refused:
        services.voice_give(proposal=in_review, actor=org.hr_member, kind=kind, reason=reason)
    assert refused.value.field == field
    assert not Voice.objects.exists()


def test_voices_are_heard_only_while_the_proposal_is_decided(org):
    draft = make_proposal(requester=org.requester)
    with pytest.raises(NotAllowed):  # another's draft is not theirs to see
        services.voice_give(proposal=draft, actor=org.hr_member, kind="endorse")
    withdrawn = make_proposal(requester=org.requester, submit=True)
    services.proposal_withdraw(proposal=withdrawn, actor=org.requester)
    with pytest.raises(InvalidTransition):
        services.voice_give(proposal=withdrawn, actor=org.hr_member, kind="endorse")


@pytest.mark.parametrize("debug", [True, False])
def test_the_page_shows_counts_and_concerns_without_the_names_asked_hidden(
    client, org, in_review, debug
):
    services.voice_give(proposal=in_review, actor=org.hr_member, kind="endorse")
    services.voice_give(proposal=in_review, actor=org.viewer, kind="concern",
                        reason="Shift workers have no laptop.", anonymous=True)  # fmt: skip
    services.voice_give(proposal=in_review, actor=org.mkt_reviewer, kind="concern",
                        reason="Brand templates?")  # fmt: skip
    client.force_login(org.it_reviewer)
    with override_settings(DEBUG=debug):
        page = client.get(reverse("proposal-detail", args=[in_review.reference]))
        assert "1 would use it" in page.text
        assert "2 concerns" in page.text
        assert "Shift workers have no laptop." in page.text
        assert "an employee" in page.text
        assert org.viewer.get_full_name() not in page.text  # nor in the timeline
        trail = client.get(reverse("proposal-timeline", args=[in_review.reference]))
        assert org.viewer.get_full_name() not in trail.text
        assert "Employee voice given" in trail.text
        # Without JavaScript: a plain form, then the page again.
        response = client.post(reverse("voice-give", args=[in_review.reference]),
                               {"kind": "concern", "reason": ""})  # fmt: skip
        assert response.status_code == 400
        assert "Say what worries you" in response.text
        assert "<nav" in response.text
        response = client.post(reverse("voice-give", args=[in_review.reference]),
                               {"kind": "endorse"})  # fmt: skip
        assert response.status_code == 302
    assert Voice.objects.filter(person=org.it_reviewer, kind="endorse").exists()
    # The audit chain keeps who: an administrator's view of the trail names them.
    client.force_login(org.superuser)
    trail = client.get(reverse("proposal-timeline", args=[in_review.reference]))
    assert org.viewer.get_full_name() in trail.text


def test_the_cdo_card_shows_the_voice(client, org):
    proposal = make_proposal(requester=org.requester, submit=True)
    services.voice_give(proposal=proposal, actor=org.hr_member, kind="concern",
                        reason="Too many tools already.")  # fmt: skip
    for code, reviewer in org.reviewers.items():
        services.signoff_decide(signoff=proposal.signoffs.get(department__code=code),
                                actor=reviewer, outcome="approved")  # fmt: skip
    client.force_login(org.cdo)
    page = client.get(reverse("cdo-decisions"))
    assert "Too many tools already." in page.text
    assert "1 concern" in page.text


def test_the_api_gives_takes_back_and_hides_names_asked_hidden(org, in_review):
    api = session_api(org.hr_member)
    url = f"/api/v1/proposals/{in_review.reference}/voice/"
    body = api.post(url, {"kind": "concern", "reason": "Cost", "anonymous": True}).json()
    assert body["voice"] == {"endorsements": 0, "concerns": [
        {"reason": "Cost", "by": None, "at": body["voice"]["concerns"][0]["at"]}]}  # fmt: skip
    assert api.post(url, {"kind": "concern"}).status_code == 400
    raw = json.dumps({"kind": "concern", "reason": "MARK"}).replace("MARK", "\\ud800")
    assert "reason" in api.post(url, raw=raw).json()["errors"]
    assert api.delete(url).json()["voice"] == {"endorsements": 0, "concerns": []}
    assert session_api(org.requester).post(url, {"kind": "endorse"}).status_code == 403
