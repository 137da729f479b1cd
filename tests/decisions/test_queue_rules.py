"""Whose queue holds which sign-off (the rule decisions.rights.signable_q, read by
decisions.selectors.signoffs_actionable_by): the department of each membership held, every
membership a person holds, the approval limit up to and including it, and a delegate never
given the delegator's own proposals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from decisions.selectors import signoffs_actionable_by
from stakeholders.models import ROLE_RANK, Delegation, Membership, Role
from stakeholders.selectors import roles_signable_with
from tests.factories import UserFactory, make_proposal

pytestmark = pytest.mark.django_db


def queue(user) -> set[tuple[str, str]]:
    return {(s.proposal.title, s.department.code) for s in signoffs_actionable_by(user=user)}


def submitted(org, title: str, *, requester=None, one_off: str = "2000"):
    # 2,000 once + 1,000 a month for 12 months: a TCO of 14,000 (the medium tier: reviewers).
    return make_proposal(requester=requester or org.requester, submit=True, title=title,
                         one_off_cost=Decimal(one_off))  # fmt: skip


def test_a_role_satisfies_the_sign_offs_that_require_it_or_a_lower_role():
    # roles_signable_with, what the queue asks: a reviewer signs what needs a reviewer (the
    # rank itself included), a head everything, and nobody what needs a higher role.
    for role in Role:
        signable = set(roles_signable_with(role))
        assert role in signable
        assert signable == {r for r in Role if ROLE_RANK[r] <= ROLE_RANK[role]}


def test_a_reviewer_is_given_the_sign_offs_of_their_own_department_only(org):
    submitted(org, "ATS")
    assert queue(org.hr_reviewer) == {("ATS", "HR")}
    assert queue(org.it_reviewer) == {("ATS", "IT")}


def test_someone_in_two_departments_is_given_the_sign_offs_of_both(org):
    Membership.objects.create(user=org.hr_reviewer, department=org.departments["IT"],
                              role=Role.REVIEWER, approval_limit=Decimal("100000"))  # fmt: skip
    submitted(org, "ATS")
    assert queue(org.hr_reviewer) == {("ATS", "HR"), ("ATS", "IT")}


def test_the_approval_limit_holds_up_to_and_including_it(org):
    signer = UserFactory(username="lena.limit")
    Membership.objects.create(user=signer, department=org.departments["MKT"],
                              role=Role.REVIEWER, approval_limit=Decimal("14000"))  # fmt: skip
    submitted(org, "At the limit")  # TCO 14,000.00
    submitted(org, "A cent over", one_off="2000.01")  # TCO 14,000.01
    assert queue(signer) == {("At the limit", "MKT")}


def test_a_delegate_is_given_the_delegators_department_but_not_the_delegators_proposals(org):
    today = timezone.localdate()
    Delegation.objects.create(delegator=org.hr_reviewer, delegate=org.hr_member,
                              department=org.departments["HR"], starts_on=today,
                              ends_on=today + dt.timedelta(days=3))  # fmt: skip
    submitted(org, "Rita's ATS")
    submitted(org, "Hanna's own", requester=org.hr_reviewer)
    assert queue(org.hr_member) == {("Rita's ATS", "HR")}
