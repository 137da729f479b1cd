"""Who may file for which department and on whose behalf, which delegations are active on a
given day, and which memberships someone signs with (stakeholders.selectors)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from stakeholders.models import Delegation, Role
from stakeholders.selectors import (
    active_delegations,
    departments_proposable_by,
    memberships_held,
    people_proposable_for,
)
from tests.factories import DepartmentFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def held_as(held) -> list[tuple[str, str, str | None]]:
    """(department, whose membership, delegator) for each held membership, sorted."""
    return sorted((m.department.code, m.user.username, d.username if d else None) for m, d in held)


# --- Delegations: from the first day to the last ------------------------------------------------


def test_a_delegation_is_active_from_its_first_day_to_its_last_day_included(org):
    first, last = dt.date(2030, 7, 1), dt.date(2030, 7, 14)
    away = Delegation.objects.create(
        delegator=org.hr_reviewer, delegate=org.hr_member, starts_on=first, ends_on=last
    )

    def active(on: dt.date) -> list[Delegation]:
        return list(active_delegations(user=org.hr_member, on=on))

    assert active(first - dt.timedelta(days=1)) == []
    assert active(first) == [away]
    assert active(last) == [away]
    assert active(last + dt.timedelta(days=1)) == []


def test_only_the_delegations_one_receives_are_active_for_one(org):
    today = timezone.localdate()
    mine = Delegation.objects.create(
        delegator=org.hr_reviewer, delegate=org.hr_member, starts_on=today, ends_on=today
    )
    Delegation.objects.create(
        delegator=org.hr_head, delegate=org.requester, starts_on=today, ends_on=today
    )

    assert list(active_delegations(user=org.hr_member)) == [mine]
    assert list(active_delegations(user=org.outsider)) == []


# --- Memberships signed with --------------------------------------------------------------------


def test_the_memberships_held_on_a_day_count_the_delegations_of_that_day(org):
    first = timezone.localdate() + dt.timedelta(days=10)
    Delegation.objects.create(
        delegator=org.hr_reviewer,
        delegate=org.hr_member,
        starts_on=first,
        ends_on=first + dt.timedelta(days=4),
    )

    assert held_as(memberships_held(user=org.hr_member, on=first)) == [
        ("HR", "hanna.hr", "hanna.hr"),
        ("HR", "hugo.hrmember", None),
    ]
    assert held_as(memberships_held(user=org.hr_member)) == [("HR", "hugo.hrmember", None)]


def test_a_delegation_for_one_department_carries_none_of_the_delegators_others(org):
    it = org.departments["IT"]
    MembershipFactory(user=org.hr_reviewer, department=it, role=Role.REVIEWER)
    MembershipFactory(user=org.hr_member, department=it, role=Role.MEMBER)
    today = timezone.localdate()
    Delegation.objects.create(
        delegator=org.hr_reviewer,
        delegate=org.hr_member,
        department=org.departments["HR"],
        starts_on=today,
        ends_on=today,
    )

    assert held_as(memberships_held(user=org.hr_member)) == [
        ("HR", "hanna.hr", "hanna.hr"),
        ("HR", "hugo.hrmember", None),
        ("IT", "hugo.hrmember", None),
    ]


def test_a_delegate_holds_the_delegators_rights_only_where_they_are_a_member_themselves(org):
    # Hanna signs for HR and IT and hands both over; Hugo works in HR only.
    MembershipFactory(user=org.hr_reviewer, department=org.departments["IT"], role=Role.REVIEWER)
    today = timezone.localdate()
    Delegation.objects.create(
        delegator=org.hr_reviewer, delegate=org.hr_member, starts_on=today, ends_on=today
    )

    assert held_as(memberships_held(user=org.hr_member)) == [
        ("HR", "hanna.hr", "hanna.hr"),
        ("HR", "hugo.hrmember", None),
    ]


def test_the_memberships_held_cost_two_queries_three_with_delegators_however_many(
    org, django_assert_num_queries
):
    with django_assert_num_queries(2):
        held = memberships_held(user=org.hr_member)
    assert [(m.department_id, d) for m, d in held] == [(org.departments["HR"].pk, None)]

    today = timezone.localdate()
    for delegator in (org.hr_reviewer, org.hr_head):
        Delegation.objects.create(
            delegator=delegator, delegate=org.hr_member, starts_on=today, ends_on=today
        )

    with django_assert_num_queries(3):  # the delegators come with their memberships
        held = memberships_held(user=org.hr_member)
        delegators = sorted(d.username for _m, d in held if d is not None)

    assert delegators == ["hanna.hr", "henk.hrhead"]


# --- Filing: for which department, on whose behalf ----------------------------------------------


def test_a_closed_department_is_filed_for_no_more(org):
    it = org.departments["IT"]
    MembershipFactory(user=org.requester, department=it, role=Role.MEMBER)
    it.is_active = False
    it.save()

    assert [d.code for d in departments_proposable_by(user=org.requester)] == ["HR"]
    assert org.it_reviewer not in set(people_proposable_for(filer=org.requester))


def test_one_files_on_behalf_of_active_members_never_viewers_or_people_who_left(org):
    hr = org.departments["HR"]
    viewer = UserFactory(username="val.viewer")
    MembershipFactory(user=viewer, department=hr, role=Role.VIEWER)
    gone = UserFactory(username="gus.gone", is_active=False)
    MembershipFactory(user=gone, department=hr, role=Role.MEMBER)

    people = {u.username for u in people_proposable_for(filer=org.requester)}

    assert people == {"hanna.hr", "henk.hrhead", "hugo.hrmember"}


def test_the_people_one_files_for_are_listed_by_first_name_last_name_then_username(db):
    ops = DepartmentFactory(code="OPS")
    filer = UserFactory(username="fay.filer", first_name="Fay", last_name="Filer")
    MembershipFactory(user=filer, department=ops, role=Role.MEMBER)
    # Created out of order, so that no order but the promised one lists them so.
    for username, first, last in (
        ("bob.aa", "Bram", "Aa"),
        ("zzz.twin", "Anna", "Berg"),
        ("aaa.zed", "Anna", "Zed"),
        ("aaa.twin", "Anna", "Berg"),
    ):
        user = UserFactory(username=username, first_name=first, last_name=last)
        MembershipFactory(user=user, department=ops, role=Role.MEMBER)

    people = [u.username for u in people_proposable_for(filer=filer)]

    assert people == ["aaa.twin", "zzz.twin", "aaa.zed", "bob.aa"]


@pytest.mark.parametrize("nobody", [None, AnonymousUser()], ids=["none", "anonymous"])
def test_without_anyone_signed_in_nothing_and_nobody_is_proposable_nor_queried(
    org, nobody, django_assert_num_queries
):
    with django_assert_num_queries(0):
        assert list(departments_proposable_by(user=nobody)) == []
        assert list(people_proposable_for(filer=nobody)) == []
