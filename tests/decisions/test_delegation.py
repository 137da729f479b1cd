"""Out of office: a reviewer delegates sign-off rights to a colleague for a date range."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import Event
from core.errors import DomainError, NotAllowed
from decisions import selectors, services
from stakeholders import services as stakeholder_services
from stakeholders.models import Delegation
from tests.factories import make_proposal

pytestmark = pytest.mark.django_db


def delegate(org, *, delegator, delegate, days=(0, 5), department=None):
    today = timezone.localdate()
    return stakeholder_services.delegation_create(
        delegator=delegator,
        delegate=delegate,
        department=department,
        starts_on=today + dt.timedelta(days=days[0]),
        ends_on=today + dt.timedelta(days=days[1]),
        reason="Holiday",
    )


def test_a_delegate_signs_on_behalf_of_the_reviewer(org):
    delegate(org, delegator=org.hr_reviewer, delegate=org.outsider)
    proposal = make_proposal(requester=org.requester, submit=True)
    signoff = proposal.signoffs.get(department__code="HR")
    assert signoff in selectors.signoffs_actionable_by(user=org.outsider)
    services.signoff_decide(signoff=signoff, actor=org.outsider, outcome="approved")
    signoff.refresh_from_db()
    assert signoff.reviewer == org.outsider
    assert signoff.on_behalf_of == org.hr_reviewer
    event = Event.objects.filter(kind="signoff.approved").get()
    assert event.actor == org.outsider
    assert event.payload["on_behalf_of"] == org.hr_reviewer.username


def test_the_page_says_signed_by_x_on_behalf_of_y(client, org):
    delegate(org, delegator=org.it_reviewer, delegate=org.outsider)
    proposal = make_proposal(requester=org.requester, submit=True)
    signoff = proposal.signoffs.get(department__code="IT")
    client.force_login(org.outsider)
    page = client.get(reverse("proposal-detail", args=[proposal.reference]))
    assert "You sign on behalf of" in page.text
    client.post(
        reverse("signoff-decide", args=[signoff.pk]), {f"s{signoff.pk}-outcome": "approved"}
    )
    page = client.get(reverse("proposal-detail", args=[proposal.reference]))
    name = org.it_reviewer.get_full_name()
    assert f"on behalf of {name}" in page.text


def test_a_delegation_only_counts_within_its_dates(org):
    delegate(org, delegator=org.hr_reviewer, delegate=org.outsider, days=(3, 6))
    proposal = make_proposal(requester=org.requester, submit=True)
    signoff = proposal.signoffs.get(department__code="HR")
    with pytest.raises(NotAllowed):
        services.signoff_decide(signoff=signoff, actor=org.outsider, outcome="approved")
    assert not selectors.signoffs_actionable_by(user=org.outsider).exists()


def test_a_department_delegation_does_not_cover_other_departments(org):
    from tests.factories import MembershipFactory

    MembershipFactory(user=org.hr_reviewer, department=org.departments["MKT"])
    delegate(org, delegator=org.hr_reviewer, delegate=org.outsider,
             department=org.departments["HR"])  # fmt: skip
    proposal = make_proposal(requester=org.requester, submit=True)
    with pytest.raises(NotAllowed):
        services.signoff_decide(signoff=proposal.signoffs.get(department__code="MKT"),
                                actor=org.outsider, outcome="approved")  # fmt: skip


def test_a_delegate_gets_no_more_than_the_delegators_limit(org):
    delegate(org, delegator=org.hr_reviewer, delegate=org.outsider)
    proposal = make_proposal(requester=org.requester, submit=True, one_off_cost=150000)
    with pytest.raises(NotAllowed):
        services.signoff_decide(signoff=proposal.signoffs.get(department__code="HR"),
                                actor=org.outsider, outcome="approved")  # fmt: skip


def test_the_requester_cannot_sign_their_own_proposal_by_delegation(org):
    delegate(org, delegator=org.hr_reviewer, delegate=org.requester)
    proposal = make_proposal(requester=org.requester, submit=True)
    with pytest.raises(NotAllowed):
        services.signoff_decide(signoff=proposal.signoffs.get(department__code="HR"),
                                actor=org.requester, outcome="approved")  # fmt: skip


def test_only_people_with_signing_rights_can_delegate(org):
    with pytest.raises(DomainError, match="no sign-off rights"):
        delegate(org, delegator=org.outsider, delegate=org.hr_reviewer)
    with pytest.raises(DomainError, match="yourself"):
        delegate(org, delegator=org.hr_reviewer, delegate=org.hr_reviewer)


def test_revoking_ends_the_delegation(client, org):
    started = delegate(org, delegator=org.hr_reviewer, delegate=org.outsider, days=(-2, 5))
    future = delegate(org, delegator=org.hr_reviewer, delegate=org.it_reviewer, days=(2, 5))
    client.force_login(org.outsider)
    assert client.post(reverse("delegation-revoke", args=[started.pk])).status_code == 404
    client.force_login(org.hr_reviewer)
    client.post(reverse("delegation-revoke", args=[started.pk]))
    client.post(reverse("delegation-revoke", args=[future.pk]))
    started.refresh_from_db()
    assert started.ends_on == timezone.localdate() - dt.timedelta(days=1)
    assert not Delegation.objects.filter(pk=future.pk).exists()
    proposal = make_proposal(requester=org.requester, submit=True)
    with pytest.raises(NotAllowed):
        services.signoff_decide(signoff=proposal.signoffs.get(department__code="HR"),
                                actor=org.outsider, outcome="approved")  # fmt: skip


def test_the_out_of_office_page_creates_a_delegation(client, org):
    client.force_login(org.hr_reviewer)
    today = timezone.localdate()
    response = client.post(
        reverse("delegations"),
        {"delegate": org.hr_head.pk, "starts_on": today, "ends_on": today + dt.timedelta(days=3)},
    )
    assert response.status_code == 302
    assert Delegation.objects.filter(delegator=org.hr_reviewer, delegate=org.hr_head).exists()
    response = client.post(
        reverse("delegations"),
        {"delegate": org.hr_head.pk, "starts_on": today, "ends_on": today - dt.timedelta(days=3)},
    )
    assert response.status_code == 400
    assert "cannot end before it starts" in response.text
