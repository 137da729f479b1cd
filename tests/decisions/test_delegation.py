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
from stakeholders.models import Delegation, Role
from tests.factories import MembershipFactory, UserFactory, make_proposal

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
    delegate(org, delegator=org.hr_reviewer, delegate=org.hr_member)
    proposal = make_proposal(requester=org.requester, submit=True)
    signoff = proposal.signoffs.get(department__code="HR")
    assert signoff in selectors.signoffs_actionable_by(user=org.hr_member)
    services.signoff_decide(signoff=signoff, actor=org.hr_member, outcome="approved")
    signoff.refresh_from_db()
    assert signoff.reviewer == org.hr_member
    assert signoff.on_behalf_of == org.hr_reviewer
    event = Event.objects.filter(kind="signoff.approved").get()
    assert event.actor == org.hr_member
    assert event.payload["on_behalf_of"] == org.hr_reviewer.username


def test_the_page_says_signed_by_x_on_behalf_of_y(client, org):
    it_colleague = UserFactory(username="ines.it")
    MembershipFactory(user=it_colleague, department=org.departments["IT"], role=Role.MEMBER)
    delegate(org, delegator=org.it_reviewer, delegate=it_colleague)
    proposal = make_proposal(requester=org.requester, submit=True)
    signoff = proposal.signoffs.get(department__code="IT")
    client.force_login(it_colleague)
    page = client.get(reverse("proposal-detail", args=[proposal.reference]))
    assert "You sign on behalf of" in page.text
    client.post(
        reverse("signoff-decide", args=[signoff.pk]), {f"s{signoff.pk}-outcome": "approved"}
    )
    page = client.get(reverse("proposal-detail", args=[proposal.reference]))
    name = org.it_reviewer.get_full_name()
    assert f"on behalf of {name}" in page.text


def test_a_delegation_only_counts_within_its_dates(org):
    delegate(org, delegator=org.hr_reviewer, delegate=org.hr_member, days=(3, 6))
    proposal = make_proposal(requester=org.requester, submit=True)
    signoff = proposal.signoffs.get(department__code="HR")
    with pytest.raises(NotAllowed):
        services.signoff_decide(signoff=signoff, actor=org.hr_member, outcome="approved")
    assert not selectors.signoffs_actionable_by(user=org.hr_member).exists()


def test_a_department_delegation_does_not_cover_other_departments(org):
    MembershipFactory(user=org.hr_reviewer, department=org.departments["MKT"])
    MembershipFactory(user=org.hr_member, department=org.departments["MKT"], role=Role.MEMBER)
    delegate(org, delegator=org.hr_reviewer, delegate=org.hr_member,
             department=org.departments["HR"])  # fmt: skip
    proposal = make_proposal(requester=org.requester, submit=True)
    with pytest.raises(NotAllowed):
        services.signoff_decide(signoff=proposal.signoffs.get(department__code="MKT"),
                                actor=org.hr_member, outcome="approved")  # fmt: skip


def test_a_delegate_gets_no_more_than_the_delegators_limit(org):
    delegate(org, delegator=org.hr_reviewer, delegate=org.hr_member)
    proposal = make_proposal(requester=org.requester, submit=True, one_off_cost=150000)
    with pytest.raises(NotAllowed):
        services.signoff_decide(signoff=proposal.signoffs.get(department__code="HR"),
                                actor=org.hr_member, outcome="approved")  # fmt: skip


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
    started = delegate(org, delegator=org.hr_reviewer, delegate=org.hr_member, days=(-2, 5))
    future = delegate(org, delegator=org.hr_reviewer, delegate=org.hr_head, days=(2, 5))
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
                                actor=org.hr_member, outcome="approved")  # fmt: skip


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


# --- Only to someone who could hold the right


@pytest.mark.parametrize(
    ("who", "why"),
    [
        ("outsider", "a member of no department"),
        ("it_reviewer", "a member of another department"),
        ("viewer", "a read-only member elsewhere"),
        ("cdo", "the CDO, who would sign and then decide"),
    ],
)
def test_it_refuses_a_delegate_who_could_not_hold_the_right(org, who, why):
    with pytest.raises(NotAllowed, match="cannot hold your signing rights") as refused:
        delegate(org, delegator=org.hr_reviewer, delegate=getattr(org, who))
    assert refused.value.field == "delegate", why
    assert not Delegation.objects.exists()


def test_a_cdo_who_is_also_a_member_of_the_department_is_still_refused(org):
    MembershipFactory(user=org.cdo, department=org.departments["HR"], role=Role.MEMBER)
    with pytest.raises(NotAllowed):
        delegate(org, delegator=org.hr_reviewer, delegate=org.cdo)


def test_all_my_departments_needs_a_delegate_in_each_of_them(org):
    MembershipFactory(user=org.hr_reviewer, department=org.departments["MKT"])
    with pytest.raises(NotAllowed, match="every department you sign for"):
        delegate(org, delegator=org.hr_reviewer, delegate=org.hr_member)
    MembershipFactory(user=org.hr_member, department=org.departments["MKT"], role=Role.MEMBER)
    assert delegate(org, delegator=org.hr_reviewer, delegate=org.hr_member).department is None


def test_a_delegate_who_left_the_department_signs_nothing_more(org):
    delegate(org, delegator=org.hr_reviewer, delegate=org.hr_member)
    org.hr_member.memberships.all().delete()
    proposal = make_proposal(requester=org.requester, submit=True)
    assert not selectors.signoffs_actionable_by(user=org.hr_member).exists()
    with pytest.raises(NotAllowed):
        services.signoff_decide(signoff=proposal.signoffs.get(department__code="HR"),
                                actor=org.hr_member, outcome="approved")  # fmt: skip


def test_the_form_lists_only_the_people_who_could_hold_the_right(client, org):
    client.force_login(org.hr_reviewer)
    page = client.get(reverse("delegations")).text
    for eligible in (org.hr_member, org.hr_head, org.requester):
        assert f'value="{eligible.pk}"' in page
    for ineligible in (org.outsider, org.it_reviewer, org.cdo, org.viewer, org.hr_reviewer):
        assert f'value="{ineligible.pk}"' not in page
    response = client.post(
        reverse("delegations"),
        {
            "delegate": org.cdo.pk,
            "starts_on": timezone.localdate(),
            "ends_on": timezone.localdate() + dt.timedelta(days=3),
        },
    )
    assert response.status_code == 400  # not a choice the page offers
    assert not Delegation.objects.exists()
