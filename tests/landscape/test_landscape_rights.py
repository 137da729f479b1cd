"""Who governs the landscape and who looks after a tool (landscape.rights): IT Operations'
reviewers and head, a tool's owners — never through an inactive department, an inactive
account or nobody signed in; the memberships read once per person."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from landscape.rights import can_edit_tool, governs_landscape, owns_tool
from tests.factories import ToolFactory

pytestmark = pytest.mark.django_db


def test_it_operations_reviewers_and_head_govern_and_no_one_else(org):
    assert governs_landscape(org.it_reviewer)
    assert governs_landscape(org.it_head)
    for person in (org.hr_reviewer, org.hr_head, org.cdo, org.superuser, org.outsider,
                   org.requester, AnonymousUser(), None):  # fmt: skip
        assert not governs_landscape(person)


def test_an_inactive_account_governs_nothing_and_owns_nothing(org):
    tool = ToolFactory(owner_department=org.departments["HR"], business_owner=org.it_reviewer)
    org.it_reviewer.is_active = False
    org.it_reviewer.save()
    assert not governs_landscape(org.it_reviewer)
    assert not owns_tool(org.it_reviewer, tool)
    assert not can_edit_tool(user=org.it_reviewer, tool=tool)


def test_a_membership_of_an_inactive_department_gives_no_right(org):
    it = org.departments["IT"]
    it.is_active = False
    it.save()
    assert not governs_landscape(org.it_reviewer)
    hr = org.departments["HR"]
    tool = ToolFactory(owner_department=hr)
    assert owns_tool(org.hr_head, tool)
    hr.is_active = False
    hr.save()
    head = type(org.hr_head).objects.get(pk=org.hr_head.pk)  # a new request: nothing remembered
    assert not owns_tool(head, tool)


def test_the_memberships_are_read_once_per_person(org, django_assert_num_queries):
    tools = [ToolFactory(owner_department=org.departments["HR"]) for _ in range(3)]
    with django_assert_num_queries(1):
        for tool in tools:
            can_edit_tool(user=org.hr_head, tool=tool)
