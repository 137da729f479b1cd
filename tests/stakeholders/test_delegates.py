"""Who may hold someone's signing rights while they are away, and what they may delegate."""

from __future__ import annotations

import pytest

from stakeholders.models import Role
from stakeholders.selectors import delegates_eligible, signing_departments_of
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def names(users) -> list[str]:
    return [u.username for u in users]


def test_a_reviewer_delegates_the_departments_they_sign_for_not_those_they_are_a_member_of(org):
    MembershipFactory(user=org.hr_reviewer, department=org.departments["IT"], role=Role.MEMBER)
    assert [d.code for d in signing_departments_of(user=org.hr_reviewer)] == ["HR"]
    assert [d.code for d in signing_departments_of(user=org.hr_member)] == []


def test_delegates_are_active_members_of_the_department_never_viewers_or_deciders(org):
    hr = org.departments["HR"]
    viewer = UserFactory(username="val.viewer")
    MembershipFactory(user=viewer, department=hr, role=Role.VIEWER)
    gone = UserFactory(username="gus.gone", is_active=False)
    MembershipFactory(user=gone, department=hr, role=Role.MEMBER)
    # A CDO by a permission of their own, not through the group.
    from django.contrib.auth.models import Permission

    decider = UserFactory(username="dora.decider")
    MembershipFactory(user=decider, department=hr, role=Role.MEMBER)
    decider.user_permissions.add(Permission.objects.get(codename="decide_proposal"))
    eligible = names(delegates_eligible(delegator=org.hr_reviewer, department=hr))
    assert sorted(eligible) == ["henk.hrhead", "hugo.hrmember", "rita.requester"]


def test_without_a_department_a_delegate_must_belong_to_each_signed_for(org):
    MembershipFactory(user=org.hr_reviewer, department=org.departments["IT"], role=Role.REVIEWER)
    MembershipFactory(user=org.hr_member, department=org.departments["IT"], role=Role.MEMBER)
    assert names(delegates_eligible(delegator=org.hr_reviewer)) == ["hugo.hrmember"]
    assert names(delegates_eligible(delegator=org.hr_member)) == []


def test_for_one_department_a_delegate_need_belong_only_to_that_one(org):
    MembershipFactory(user=org.hr_reviewer, department=org.departments["IT"], role=Role.REVIEWER)
    eligible = names(
        delegates_eligible(delegator=org.hr_reviewer, department=org.departments["IT"])
    )
    assert sorted(eligible) == ["iris.ithead", "ivan.it"]


def test_delegates_are_listed_by_first_name_then_username(org):
    hr = org.departments["HR"]
    for username, first in (("zed.b", "Anna"), ("abe.a", "Anna"), ("kim.c", "Zoe")):
        MembershipFactory(user=UserFactory(username=username, first_name=first), department=hr,
                          role=Role.MEMBER)  # fmt: skip
    eligible = list(delegates_eligible(delegator=org.hr_reviewer, department=hr))
    keys = [(u.first_name, u.username) for u in eligible]
    assert keys == sorted(keys)
    assert names(eligible).index("abe.a") < names(eligible).index("zed.b")


def test_holding_another_permission_on_proposals_does_not_make_a_decider(org):
    from django.contrib.auth.models import Permission

    MembershipFactory(user=org.outsider, department=org.departments["HR"], role=Role.MEMBER)
    org.outsider.user_permissions.add(
        Permission.objects.get(content_type__app_label="decisions", codename="view_proposal")
    )
    assert "otto.outsider" in names(
        delegates_eligible(delegator=org.hr_reviewer, department=org.departments["HR"])
    )
