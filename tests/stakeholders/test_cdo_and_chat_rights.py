"""Who takes the CDO's decisions, who keeps a department's chat channels and its budgets, and
which events a chat channel may ask for."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from core.errors import DomainError
from stakeholders.models import ChatChannel, Department, Role, validate_chat_events
from stakeholders.selectors import (
    budgets_may_manage,
    chat_channels_may_manage,
    chat_channels_of,
    chat_departments_managed_by,
    delegates_eligible,
    is_cdo,
)
from stakeholders.services import chat_channel_check
from tests.factories import DepartmentFactory, MembershipFactory, UserFactory
from webhooks.models import WebhookSubscription

pytestmark = pytest.mark.django_db

EVENTS_REFUSED = "Choose one or more of: signoff_requested, reminder, decision."


def fresh(user):
    """The user as a new request would load them: nothing remembered on the object."""
    return type(user).objects.get(pk=user.pk)


def decide_proposal_of_another_app() -> Permission:
    """A permission that only shares the CDO's codename: it belongs to another app."""
    return Permission.objects.create(
        codename="decide_proposal",
        name="Decide a department's proposal",
        content_type=ContentType.objects.get_for_model(Department),
    )


# --- The CDO ----------------------------------------------------------------------------------


def test_the_cdo_holds_decide_proposal_through_the_group_or_of_their_own(org):
    own = UserFactory(username="olga.own")
    own.user_permissions.add(
        Permission.objects.get(content_type__app_label="decisions", codename="decide_proposal")
    )
    assert is_cdo(fresh(org.cdo)) is True
    assert is_cdo(fresh(own)) is True
    # The administrator administers: being a superuser does not make them decide.
    assert is_cdo(fresh(org.superuser)) is False
    assert is_cdo(fresh(org.hr_head)) is False
    assert is_cdo(AnonymousUser()) is False


def test_an_inactive_cdo_decides_nothing(org):
    org.cdo.is_active = False
    org.cdo.save()
    assert is_cdo(fresh(org.cdo)) is False


def test_another_decisions_permission_or_another_apps_decide_proposal_is_not_the_cdos(org):
    other_decisions = Permission.objects.filter(content_type__app_label="decisions").exclude(
        codename="decide_proposal"
    )
    assert other_decisions.exists()
    editor = UserFactory(username="eddy.editor")
    editor.user_permissions.add(*other_decisions)
    group = Group.objects.create(name="Proposal editors")
    group.permissions.add(*other_decisions)
    grouped = UserFactory(username="gina.grouped")
    grouped.groups.add(group)
    namesake = UserFactory(username="nina.namesake")
    namesake.user_permissions.add(decide_proposal_of_another_app())
    assert is_cdo(fresh(editor)) is False
    assert is_cdo(fresh(grouped)) is False
    assert is_cdo(fresh(namesake)) is False


@pytest.mark.parametrize("persona", ["cdo", "hr_head"])
def test_whether_someone_is_the_cdo_costs_one_query_however_often_asked(
    org, persona, django_assert_num_queries
):
    user = fresh(getattr(org, persona))
    with django_assert_num_queries(1):
        answers = {is_cdo(user) for _ in range(3)}
    assert answers == {persona == "cdo"}


def test_a_namesake_of_the_cdos_permission_may_still_hold_a_colleagues_rights(org):
    hr = org.departments["HR"]
    org.hr_member.user_permissions.add(decide_proposal_of_another_app())
    eligible = [u.username for u in delegates_eligible(delegator=org.hr_reviewer, department=hr)]
    assert sorted(eligible) == ["henk.hrhead", "hugo.hrmember", "rita.requester"]


# --- Chat channels: who keeps them ------------------------------------------------------------


def test_a_departments_chat_channels_are_kept_by_its_head_the_cdo_and_the_administrator(org):
    hr, it = org.departments["HR"], org.departments["IT"]
    assert chat_channels_may_manage(org.hr_head, hr) is True
    assert chat_channels_may_manage(org.hr_head, it) is False
    assert chat_channels_may_manage(org.cdo, hr) is True
    assert chat_channels_may_manage(org.cdo, it) is True
    assert chat_channels_may_manage(org.superuser, it) is True
    for someone in (org.hr_reviewer, org.hr_member, org.requester, org.outsider, org.viewer):
        assert chat_channels_may_manage(someone, hr) is False, someone.username


def test_nobody_signed_out_or_inactive_keeps_chat_channels(org):
    hr = org.departments["HR"]
    assert chat_channels_may_manage(AnonymousUser(), hr) is False
    for user in (org.hr_head, org.cdo, org.superuser):
        user.is_active = False
        user.save()
        assert chat_channels_may_manage(fresh(user), hr) is False, user.username


def test_the_cdo_and_the_administrator_keep_every_active_departments_channels(org):
    DepartmentFactory(code="OLD", name="Closed department", is_active=False)
    every_active = ["FIN", "HR", "IT", "MKT"]
    assert [d.code for d in chat_departments_managed_by(org.superuser)] == every_active
    assert [d.code for d in chat_departments_managed_by(fresh(org.cdo))] == every_active


def test_a_head_keeps_the_channels_of_the_departments_they_head_only(org):
    MembershipFactory(user=org.hr_head, department=org.departments["IT"], role=Role.REVIEWER)
    MembershipFactory(
        user=org.hr_head, department=org.departments["MKT"], role=Role.HEAD, approval_limit=None
    )
    assert [d.code for d in chat_departments_managed_by(org.hr_head)] == ["HR", "MKT"]
    assert [d.code for d in chat_departments_managed_by(org.it_head)] == ["IT"]


def test_nobody_else_keeps_any_departments_channels(org):
    for someone in (org.hr_reviewer, org.hr_member, org.outsider, org.viewer, AnonymousUser()):
        assert list(chat_departments_managed_by(someone)) == [], str(someone)
    for user in (org.hr_head, org.cdo, org.superuser):
        user.is_active = False
        user.save()
        assert list(chat_departments_managed_by(fresh(user))) == [], user.username


def channel(department: Department, name: str) -> ChatChannel:
    subscription = WebhookSubscription.objects.create(
        name=name, platform="slack", url=f"https://hooks.slack.com/services/{name}"
    )
    return ChatChannel.objects.create(department=department, subscription=subscription)


def test_a_departments_channels_are_listed_with_their_webhook_in_one_query(
    org, django_assert_num_queries
):
    hr, it = org.departments["HR"], org.departments["IT"]
    channel(hr, "hr-buying")
    channel(hr, "hr-decisions")
    channel(it, "it-ops")
    with django_assert_num_queries(1):
        listed = [
            (c.department.code, c.subscription.name, c.subscription.is_active)
            for c in chat_channels_of(hr)
        ]
    assert listed == [("HR", "hr-buying", True), ("HR", "hr-decisions", True)]


# --- Budgets: who sets them -------------------------------------------------------------------


def test_budgets_are_set_by_the_cdo_and_the_administrator_only(org):
    assert budgets_may_manage(fresh(org.cdo)) is True
    assert budgets_may_manage(org.superuser) is True
    for someone in (org.hr_head, org.hr_reviewer, org.requester, org.outsider, org.viewer):
        assert budgets_may_manage(fresh(someone)) is False, someone.username
    assert budgets_may_manage(AnonymousUser()) is False


def test_an_inactive_cdo_or_administrator_sets_no_budget(org):
    for user in (org.cdo, org.superuser):
        user.is_active = False
        user.save()
        assert budgets_may_manage(fresh(user)) is False, user.username


# --- Chat channels: the events they ask for ---------------------------------------------------


@pytest.mark.parametrize(
    "events",
    [
        ["signoff_requested"],
        ["decision", "reminder"],
        ["signoff_requested", "reminder", "decision"],
    ],
)
def test_a_channel_asks_for_one_or_more_known_events(events):
    validate_chat_events(events)
    chat_channel_check({"events": events})


@pytest.mark.parametrize(
    "events",
    [
        [],
        None,
        "decision",
        {"decision": True},
        ["nonsense"],
        ["decision", "nonsense"],
        ["Decision"],
        [3],
        [["decision"]],
    ],
)
def test_a_channel_asking_for_no_event_or_an_unknown_one_is_refused_naming_the_known_ones(
    events,
):
    with pytest.raises(ValidationError) as refused:
        validate_chat_events(events)
    # The code lets a form or a field word the refusal its own way (error_messages).
    assert refused.value.code == "chat_events"
    assert refused.value.messages == [EVENTS_REFUSED]
    with pytest.raises(DomainError) as through_the_service:
        chat_channel_check({"events": events})
    assert through_the_service.value.message == EVENTS_REFUSED
    assert through_the_service.value.field == "events"
