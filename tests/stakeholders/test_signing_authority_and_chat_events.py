"""What a membership may sign (its role and its approval limit, to the cent), and which of a
department's chat channels are told of an event."""

from __future__ import annotations

from decimal import Decimal

import pytest

from stakeholders.models import ChatChannel, Department, Membership, Role
from stakeholders.selectors import chat_channels_for
from tests.factories import MembershipFactory, UserFactory
from webhooks.models import WebhookSubscription


@pytest.mark.parametrize(
    ("role", "required", "covered"),
    [
        (Role.HEAD, Role.HEAD, True),
        (Role.HEAD, Role.REVIEWER, True),
        (Role.REVIEWER, Role.REVIEWER, True),
        (Role.REVIEWER, Role.HEAD, False),
        (Role.MEMBER, Role.REVIEWER, False),
        (Role.VIEWER, Role.MEMBER, False),
    ],
)
def test_a_membership_signs_for_its_own_role_and_those_below(role, required, covered):
    membership = Membership(role=role, approval_limit=None)
    assert membership.covers(role=required, amount=Decimal("1000000.00")) is covered


def test_an_approval_limit_covers_amounts_up_to_it_to_the_cent():
    membership = Membership(role=Role.REVIEWER, approval_limit=Decimal("25000.00"))
    assert membership.covers(role=Role.REVIEWER, amount=Decimal("24999.99")) is True
    assert membership.covers(role=Role.REVIEWER, amount=Decimal("25000.00")) is True
    assert membership.covers(role=Role.REVIEWER, amount=Decimal("25000.01")) is False
    # A higher role does not lift the limit.
    head = Membership(role=Role.HEAD, approval_limit=Decimal("25000.00"))
    assert head.covers(role=Role.REVIEWER, amount=Decimal("25000.01")) is False


@pytest.mark.django_db
def test_memberships_with_a_role_at_least_leave_out_the_lower_ones(org):
    hr = org.departments["HR"]
    MembershipFactory(user=UserFactory(username="vic.viewer"), department=hr, role=Role.VIEWER)

    def who(role):
        found = Membership.objects.filter(department=hr).with_role_at_least(role)
        return sorted(m.user.username for m in found)

    assert who(Role.HEAD) == ["henk.hrhead"]
    assert who(Role.REVIEWER) == ["hanna.hr", "henk.hrhead"]
    assert who(Role.MEMBER) == ["hanna.hr", "henk.hrhead", "hugo.hrmember", "rita.requester"]


def channel(department: Department, name: str, events: list[str], active: bool = True):
    subscription = WebhookSubscription.objects.create(
        name=name,
        platform="slack",
        url=f"https://hooks.slack.com/services/{name}",
        is_active=active,
    )
    return ChatChannel.objects.create(
        department=department, subscription=subscription, events=events
    )


@pytest.mark.django_db
def test_an_event_reaches_the_departments_active_channels_that_asked_for_it(org):
    hr, it = org.departments["HR"], org.departments["IT"]
    channel(hr, "hr-all", ["signoff_requested", "reminder", "decision"])
    channel(hr, "hr-decisions", ["decision"])
    channel(hr, "hr-off", ["decision"], active=False)
    channel(it, "it-all", ["signoff_requested", "reminder", "decision"])

    def told(department, event):
        return sorted(c.subscription.name for c in chat_channels_for(department.pk, event))

    assert told(hr, "decision") == ["hr-all", "hr-decisions"]
    assert told(hr, "reminder") == ["hr-all"]
    assert told(it, "signoff_requested") == ["it-all"]
    assert told(org.departments["MKT"], "decision") == []
