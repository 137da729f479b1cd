"""The start page: what needs the user's action first; the sign-off card only for those who
sign."""

from __future__ import annotations

import pytest
from django.urls import reverse

from decisions import services
from stakeholders.models import Delegation
from tests.factories import make_proposal

pytestmark = pytest.mark.django_db


def test_a_proposal_returned_for_changes_needs_the_requesters_action(client, org):
    returned = make_proposal(requester=org.requester, submit=True, title="Survey tool")
    services.signoff_decide(
        signoff=returned.signoffs.get(department__code="IT"), actor=org.it_head,
        outcome="changes_requested", comment="Which data leaves the EU?",
    )  # fmt: skip
    draft = make_proposal(requester=org.requester, title="Half-written idea")
    in_review = make_proposal(requester=org.requester, submit=True, title="Waiting calmly")
    client.force_login(org.requester)
    page = client.get(reverse("home")).text
    card = page[
        page.index("Needs your action") : page.index("</section>", page.index("Needs your action"))
    ]
    assert returned.reference in card
    assert "returned for changes" in card
    assert draft.reference in card
    assert in_review.reference not in card
    assert card.index(returned.reference) < card.index(draft.reference)  # returned first


def test_the_sign_off_card_is_for_those_who_sign(client, org):
    client.force_login(org.requester)  # a member: signs nothing here
    page = client.get(reverse("home")).text
    assert "Sign-offs waiting for you" not in page
    assert "Needs your action" not in page  # nothing to do, no empty card
    client.force_login(org.hr_reviewer)
    assert "Nothing waits for your sign-off." in client.get(reverse("home")).text


def test_a_delegate_sees_the_sign_off_card(client, org):
    import datetime as dt

    from django.utils import timezone

    Delegation.objects.create(
        delegator=org.hr_head, delegate=org.hr_member, department=org.departments["HR"],
        starts_on=timezone.localdate(), ends_on=timezone.localdate() + dt.timedelta(days=3),
    )  # fmt: skip
    client.force_login(org.hr_member)
    assert "Sign-offs waiting for you" in client.get(reverse("home")).text
