"""The access rules of decisions/rights.py one by one: who is the CDO, who only reads, who sees
a draft, who steers the lifecycle, and when a CDO is tied to a proposal."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Permission
from django.contrib.contenttypes.models import ContentType

from decisions.models import Proposal
from decisions.rights import (
    can_see,
    can_steer_lifecycle,
    cdo_conflicts,
    cdo_group,
    is_cdo,
    is_read_only,
    proposals_visible_to,
)
from stakeholders.models import Department, Membership, Role
from tests.factories import DepartmentFactory, MembershipFactory, UserFactory, make_proposal

pytestmark = pytest.mark.django_db


def test_the_cdo_is_whoever_holds_the_permission_directly_or_by_group_and_is_active(org):
    direct = UserFactory(username="dina.direct")
    direct.user_permissions.add(Permission.objects.get(codename="decide_proposal"))
    inactive = UserFactory(username="ian.inactive", is_active=False)
    inactive.groups.add(*org.cdo.groups.all())
    assert is_cdo(org.cdo)
    assert is_cdo(direct)
    assert not is_cdo(inactive)
    assert not is_cdo(org.superuser)
    assert not is_cdo(org.hr_head)
    assert not is_cdo(AnonymousUser())
    assert not is_cdo(None)


def test_the_cdo_group_holds_the_decisions_permission_though_another_app_has_a_namesake(org):
    namesake = Permission.objects.create(
        codename="decide_proposal",
        name="Decide a department's proposal",
        content_type=ContentType.objects.get_for_model(Department),
    )
    group = cdo_group()  # as the demo data and the admin get it again
    assert list(group.permissions.all()) == [
        Permission.objects.get(content_type__app_label="decisions", codename="decide_proposal")
    ]
    assert namesake not in group.permissions.all()
    newcomer = UserFactory(username="nora.newcdo")
    newcomer.groups.add(group)
    assert is_cdo(type(newcomer).objects.get(pk=newcomer.pk))


def test_read_only_is_a_viewer_and_nothing_more(org):
    assert is_read_only(org.viewer)
    assert not is_read_only(org.requester)
    assert not is_read_only(org.outsider)  # no membership: nothing to read as Finance
    assert not is_read_only(AnonymousUser())
    assert not is_read_only(org.superuser)
    cdo_viewer = org.cdo
    MembershipFactory(user=cdo_viewer, department=org.departments["FIN"], role=Role.VIEWER)
    assert not is_read_only(cdo_viewer)
    # A member elsewhere writes there too.
    MembershipFactory(user=org.viewer, department=org.departments["MKT"], role=Role.MEMBER)
    assert not is_read_only(org.viewer)


def test_a_membership_of_a_closed_department_does_not_count_against_read_only(org):
    closed = DepartmentFactory(code="OLD", name="Old", is_active=False)
    MembershipFactory(user=org.viewer, department=closed, role=Role.MEMBER)
    assert is_read_only(org.viewer)


def test_a_draft_is_seen_by_its_requester_and_administrators_only(org):
    draft = make_proposal(requester=org.requester)
    submitted = make_proposal(requester=org.requester, submit=True, title="Submitted")
    for user, sees_draft in ((org.requester, True), (org.superuser, True),
                             (org.hr_head, False), (org.cdo, False)):  # fmt: skip
        assert can_see(user=user, proposal=draft) is sees_draft
        assert can_see(user=user, proposal=submitted)
        visible = set(Proposal.objects.filter(proposals_visible_to(user)))
        assert visible == ({draft, submitted} if sees_draft else {submitted})
    assert set(Proposal.objects.filter(proposals_visible_to(AnonymousUser()))) == {submitted}


def test_the_requester_and_the_cdo_steer_the_lifecycle_nobody_else(org):
    proposal = make_proposal(requester=org.requester, submit=True)
    assert can_steer_lifecycle(user=org.requester, proposal=proposal)
    assert can_steer_lifecycle(user=org.cdo, proposal=proposal)
    assert not can_steer_lifecycle(user=org.hr_head, proposal=proposal)
    assert not can_steer_lifecycle(user=AnonymousUser(), proposal=proposal)


def test_a_cdo_who_signed_as_someones_delegate_is_tied_to_the_proposal(org):
    from decisions.models import SignOff

    proposal = make_proposal(requester=org.requester, submit=True)
    other = make_proposal(requester=org.requester, submit=True, title="Other")
    SignOff.objects.filter(pk=proposal.signoffs.get(department__code="HR").pk).update(
        reviewer=org.hr_member, on_behalf_of=org.cdo
    )
    conflicts = cdo_conflicts(user=org.cdo, proposals=[proposal, other])
    assert list(conflicts) == [proposal.pk]
    assert "signed this proposal off" in conflicts[proposal.pk]
    assert cdo_conflicts(user=org.cdo, proposals=[]) == {}
    # Heading another department than the paying one ties nobody.
    MembershipFactory(user=org.cdo, department=org.departments["MKT"], role=Role.HEAD)
    MembershipFactory(user=org.cdo, department=org.departments["IT"], role=Role.REVIEWER)
    assert cdo_conflicts(user=org.cdo, proposals=[other]) == {}


def test_a_cdo_who_is_a_member_but_not_the_head_of_the_paying_department_still_decides(org):
    proposal = make_proposal(requester=org.requester, submit=True)
    MembershipFactory(user=org.cdo, department=org.departments["HR"], role=Role.REVIEWER)
    assert cdo_conflicts(user=org.cdo, proposals=[proposal]) == {}
    Membership.objects.filter(user=org.cdo, department=org.departments["HR"]).update(role=Role.HEAD)
    assert (
        "You head the department that pays"
        in cdo_conflicts(user=org.cdo, proposals=[proposal])[proposal.pk]
    )
