"""The notification rules one by one: read and emailed marks are set once and touch nothing
else, inactive people and administrators are not told, and what the sweeper finds again."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from decisions import notifications, services
from decisions.models import Notification, NotificationKind, ProposalStatus, SignOff
from stakeholders import services as stakeholder_services
from stakeholders.models import Role
from tests.factories import MembershipFactory, UserFactory, make_proposal

pytestmark = pytest.mark.django_db


def notify(users, proposal, key):
    return notifications.notifications_create(
        users=users, kind=NotificationKind.DECISION, proposal=proposal, key=key, message="m"
    )


@pytest.fixture
def proposal(org):
    return make_proposal(requester=org.requester)


def test_it_creates_one_notification_per_user_under_a_key_however_often(org, proposal):
    key = f"decision_taken:{proposal.pk}:1"
    first = notify([org.requester, org.hr_head, org.requester], proposal, key)
    again = notify([org.hr_head, org.requester], proposal, key)
    assert [n.user for n in first] == sorted([org.requester, org.hr_head], key=lambda u: u.pk)
    assert [n.pk for n in again] == [n.pk for n in first]
    assert Notification.objects.filter(dedupe_key=key).count() == 2
    assert first[0].url == f"/proposals/{proposal.reference}/"
    assert notify([], proposal, key) == []


def test_reading_a_notification_twice_keeps_the_first_read_time(org, proposal):
    (notification,) = notify([org.requester], proposal, f"decision_taken:{proposal.pk}:1")
    with time_machine.travel(dt.datetime(2026, 5, 1, 9, tzinfo=dt.UTC), tick=False):
        notifications.notification_mark_read(user=org.requester, notification_id=notification.pk)
    with time_machine.travel(dt.datetime(2026, 5, 2, 9, tzinfo=dt.UTC), tick=False):
        again = notifications.notification_mark_read(
            user=org.requester, notification_id=notification.pk
        )
    notification.refresh_from_db()
    assert notification.read_at == again.read_at == dt.datetime(2026, 5, 1, 9, tzinfo=dt.UTC)


def test_marking_all_read_counts_and_stamps_only_the_unread(org, proposal):
    first, _second = (
        notify([org.requester], proposal, f"decision_taken:{proposal.pk}:{i}")[0] for i in (1, 2)
    )
    notifications.notification_mark_read(user=org.requester, notification_id=first.pk)
    first.refresh_from_db()
    assert notifications.notifications_mark_all_read(user=org.requester) == 1
    assert notifications.notifications_mark_all_read(user=org.requester) == 0
    read_before = first.read_at
    first.refresh_from_db()
    assert first.read_at == read_before


def test_marking_emailed_touches_only_that_key_and_those_users_once(org, proposal):
    key, other = f"decision_taken:{proposal.pk}:1", f"decision_taken:{proposal.pk}:2"
    notify([org.requester, org.hr_head], proposal, key)
    notify([org.requester], proposal, other)
    assert notifications.notifications_mark_emailed(key=key, user_ids=[org.requester.pk]) == 1
    assert notifications.notifications_mark_emailed(key=key, user_ids=[org.requester.pk]) == 0
    emailed = set(
        Notification.objects.filter(emailed_at__isnull=False).values_list("dedupe_key", "user")
    )
    assert emailed == {(key, org.requester.pk)}


def test_a_user_without_an_email_address_is_told_in_the_app_only(org, proposal, mailoutbox):
    org.requester.email = ""
    org.requester.save()
    (notification,) = notify([org.requester], proposal, f"decision_taken:{proposal.pk}:1")
    assert notifications.notification_email_send(notification_id=notification.pk) is False
    assert mailoutbox == []
    # Claimed all the same: the sweeper does not try again.
    assert (
        notifications.notifications_to_sweep(now=timezone.now() + dt.timedelta(hours=3)).emails
        == []
    )


def test_an_email_uses_the_template_of_the_keys_first_part(org, proposal, mailoutbox):
    (notification,) = notify([org.requester], proposal, f"decision_needed:{proposal.pk}:1:x")
    assert notifications.notification_email_send(notification_id=notification.pk) is True
    assert notifications.notification_email_send(notification_id=notification.pk) is False
    assert [m.subject for m in mailoutbox] == [mailoutbox[0].subject]
    assert "Your decision is needed" in mailoutbox[0].subject


def test_inactive_cdos_and_heads_and_administrators_are_not_told(org, proposal):
    UserFactory(username="root", is_superuser=True, is_staff=True)
    gone_cdo = UserFactory(username="old.cdo", is_active=False)
    gone_cdo.groups.add(*org.cdo.groups.all())
    gone_head = UserFactory(username="old.head", is_active=False)
    MembershipFactory(user=gone_head, department=org.departments["IT"], role=Role.HEAD)
    assert [u.username for u in notifications.cdo_users()] == ["carla.cdo"]
    heads = notifications.department_heads(department_id=org.departments["IT"].pk)
    assert [u.username for u in heads] == ["iris.ithead"]
    assert (
        notifications.department_heads(
            department_id=org.departments["IT"].pk, exclude_user_id=org.it_head.pk
        )
        == []
    )


def test_the_decision_taken_tells_only_this_rounds_signers(org):
    proposal = make_proposal(requester=org.requester, submit=True)
    hr, it = (proposal.signoffs.get(department__code=code) for code in ("HR", "IT"))
    services.signoff_decide(signoff=hr, actor=org.hr_reviewer, outcome="approved")
    services.signoff_decide(signoff=it, actor=org.it_reviewer, outcome="changes_requested",
                            comment="Not yet")  # fmt: skip
    proposal.refresh_from_db()
    services.proposal_submit(proposal=proposal, actor=org.requester)
    for signoff in proposal.signoffs.filter(round=2):
        services.signoff_decide(signoff=signoff, actor=org.heads[signoff.department.code],
                                outcome="approved")  # fmt: skip
    proposal.refresh_from_db()
    services.decision_take(proposal=proposal, actor=org.cdo, outcome="approved", rationale="Ok")
    # An unrelated proposal's signers are nobody here either.
    make_proposal(requester=org.requester, submit=True, title="Other")
    told = notifications.proposal_notify_decision_taken(proposal_id=proposal.pk, round_number=2)
    assert sorted(n.user.username for n in told) == sorted(
        ["rita.requester", "henk.hrhead", "iris.ithead", "max.mkthead"]
    )


def test_the_sweep_counts_what_it_found(org):
    sweep = notifications.Sweep(proposals=[("decision_taken", 1, 1)], signoffs=[2, 3], emails=[4])
    assert len(sweep) == 4


def test_the_sweep_leaves_emails_alone_until_the_grace_period_and_skips_signoff_requests(org):
    proposal = make_proposal(requester=org.requester)
    (notification,) = notify([org.requester], proposal, f"decision_taken:{proposal.pk}:1")
    notify([org.hr_head], proposal, f"signoff_requested:{proposal.pk}:1")
    now = timezone.now()
    assert notifications.notifications_to_sweep(now=now + dt.timedelta(minutes=119)).emails == []
    assert notifications.notifications_to_sweep(now=now + dt.timedelta(minutes=121)).emails == [
        notification.pk
    ]
    # Older than the sweep window (24 hours): given up.
    assert notifications.notifications_to_sweep(now=now + dt.timedelta(hours=25)).emails == []


def test_the_sweep_finds_lost_emails_oldest_first_up_to_the_limit(org):
    proposal = make_proposal(requester=org.requester)
    start = timezone.now()
    created = []
    for i in range(3):
        with time_machine.travel(start + dt.timedelta(minutes=3 - i), tick=False):
            created += notify([org.requester], proposal, f"decision_taken:{proposal.pk}:{i}")
    later = start + dt.timedelta(hours=3)
    oldest_first = [n.pk for n in reversed(created)]
    assert notifications.notifications_to_sweep(now=later).emails == oldest_first
    assert notifications.notifications_to_sweep(now=later, limit=2).emails == oldest_first[:2]


def test_a_notification_without_a_proposal_links_nowhere(org):
    (notification,) = notifications.notifications_create(
        users=[org.requester], kind=NotificationKind.DECISION, proposal=None,
        key="decision_taken:none:1", message="m",
    )  # fmt: skip
    assert notification.url == ""


def test_the_requester_is_told_the_cdo_rejected_it(org):
    proposal = make_proposal(requester=org.requester, submit=True)
    for signoff in proposal.signoffs.all():
        services.signoff_decide(signoff=signoff, actor=org.reviewers[signoff.department.code],
                                outcome="approved")  # fmt: skip
    proposal.refresh_from_db()
    services.decision_take(proposal=proposal, actor=org.cdo, outcome="rejected",
                           rationale="Not this year.")  # fmt: skip
    told = notifications.proposal_notify_decision_taken(proposal_id=proposal.pk, round_number=1)
    assert {n.message for n in told} == {
        f"The CDO rejected {proposal.reference} “{notifications.short_title(proposal)}”: "
        "Not this year."
    }


def test_an_email_states_the_amount_in_the_base_currency(org, mailoutbox, settings):
    proposal = make_proposal(requester=org.requester, submit=True)
    (notification,) = notify([org.cdo], proposal, f"decision_needed:{proposal.pk}:1")
    notifications.notification_email_send(notification_id=notification.pk)
    assert proposal.tco == Decimal("14000.00")
    assert f"14,000.00 {settings.BASE_CURRENCY}" in mailoutbox[-1].body  # as the pages write it


# --- Who is told what, round by round


def sign_all(org, proposal, *, by="heads"):
    signers = getattr(org, by)
    for signoff in proposal.signoffs.filter(round=proposal.round):
        services.signoff_decide(signoff=signoff, actor=signers[signoff.department.code],
                                outcome="approved")  # fmt: skip
    proposal.refresh_from_db()
    return proposal


def ask_changes(org, proposal, code, comment):
    signoff = proposal.signoffs.get(round=proposal.round, department__code=code)
    services.signoff_decide(signoff=signoff, actor=org.heads[code], outcome="changes_requested",
                            comment=comment)  # fmt: skip
    proposal.refresh_from_db()
    return services.proposal_submit(proposal=proposal, actor=org.requester)


def test_the_requester_is_told_who_asked_for_changes_in_that_round_and_why(org):
    proposal = make_proposal(requester=org.requester, submit=True, title="Payroll bridge")
    proposal = ask_changes(org, proposal, "HR", "Add the works council's opinion.")
    ask_changes(org, proposal, "IT", "Needs single sign-on.")
    told = notifications.proposal_notify_changes_requested(proposal_id=proposal.pk, round_number=2)
    assert [n.message for n in told] == [
        f"{org.departments['IT'].name} asked for changes to {proposal.reference} “Payroll bridge”: "
        "Needs single sign-on."
    ]
    assert (told[0].user, told[0].proposal, told[0].url) == (
        org.requester,
        proposal,
        f"/proposals/{proposal.reference}/",
    )


def test_a_request_for_changes_on_another_proposal_is_not_this_ones(org):
    other = make_proposal(requester=org.requester, submit=True, title="Other")
    sign_all(org, other)
    services.decision_take(proposal=other, actor=org.cdo, outcome="returned",
                           rationale="Wait for the budget.")  # fmt: skip
    earlier = make_proposal(requester=org.requester, submit=True, title="Earlier")
    services.signoff_decide(signoff=earlier.signoffs.get(department__code="HR"),
                            actor=org.hr_head, outcome="changes_requested",
                            comment="Not this one.")  # fmt: skip
    proposal = make_proposal(requester=org.requester, submit=True, title="Mine")
    services.signoff_decide(signoff=proposal.signoffs.get(department__code="IT"),
                            actor=org.it_head, outcome="changes_requested",
                            comment="Needs single sign-on.")  # fmt: skip
    told = notifications.proposal_notify_changes_requested(proposal_id=proposal.pk, round_number=1)
    assert [n.message for n in told] == [
        f"{org.departments['IT'].name} asked for changes to {proposal.reference} “Mine”: "
        "Needs single sign-on."
    ]


def test_a_department_asking_after_the_cdo_returned_it_is_what_the_requester_is_told(org):
    proposal = make_proposal(requester=org.requester, submit=True, title="Mine")
    sign_all(org, proposal)
    services.decision_take(proposal=proposal, actor=org.cdo, outcome="returned",
                           rationale="Wait for the budget.")  # fmt: skip
    proposal.refresh_from_db()
    proposal = services.proposal_submit(proposal=proposal, actor=org.requester)
    ask_changes(org, proposal, "IT", "Needs single sign-on.")
    first = notifications.proposal_notify_changes_requested(proposal_id=proposal.pk, round_number=1)
    second = notifications.proposal_notify_changes_requested(
        proposal_id=proposal.pk, round_number=2
    )
    assert [n.message for n in first] == [
        f"The CDO returned {proposal.reference} “Mine” for changes: Wait for the budget."
    ]
    assert [n.message for n in second] == [
        f"{org.departments['IT'].name} asked for changes to {proposal.reference} “Mine”: "
        "Needs single sign-on."
    ]


def test_the_decision_tells_the_reviewer_a_delegate_signed_for_and_links_the_proposal(org):
    today = timezone.localdate()
    stakeholder_services.delegation_create(
        delegator=org.hr_head, delegate=org.hr_member, department=None, starts_on=today,
        ends_on=today + dt.timedelta(days=5), reason="Holiday",
    )  # fmt: skip
    # Another proposal, signed in the same round, whose signers are nobody here.
    sign_all(
        org, make_proposal(requester=org.requester, submit=True, title="Other"), by="reviewers"
    )
    proposal = make_proposal(requester=org.requester, submit=True, title="Payroll bridge")
    for signoff in proposal.signoffs.all():
        code = signoff.department.code
        actor = org.hr_member if code == "HR" else org.heads[code]
        services.signoff_decide(signoff=signoff, actor=actor, outcome="approved")
    proposal.refresh_from_db()
    services.decision_take(proposal=proposal, actor=org.cdo, outcome="approved", rationale="Ok")
    told = notifications.proposal_notify_decision_taken(proposal_id=proposal.pk, round_number=1)
    signers = {s.department.code: s.reviewer.username for s in proposal.signoffs.all()}
    assert sorted(n.user.username for n in told) == sorted(
        {"rita.requester", "henk.hrhead", *signers.values()}
    )
    assert {(n.proposal, n.url) for n in told} == {(proposal, f"/proposals/{proposal.reference}/")}
    assert {n.message for n in told} == {f"The CDO approved {proposal.reference} “Payroll bridge”."}


def test_the_cdos_are_asked_to_decide_with_a_link_but_not_the_requester_become_cdo(org):
    proposal = sign_all(org, make_proposal(requester=org.requester, submit=True))
    # The requester was made a CDO after proposing it: they do not decide their own proposal.
    org.requester.groups.add(*org.cdo.groups.all())
    told = notifications.proposal_notify_decision_needed(proposal_id=proposal.pk, round_number=1)
    assert [(n.user, n.proposal) for n in told] == [(org.cdo, proposal)]
    assert told[0].url == f"/proposals/{proposal.reference}/"


def test_a_reviewer_whose_limit_is_below_the_amount_is_not_asked_to_sign(org):
    proposal = make_proposal(requester=org.requester, submit=True)
    hr = proposal.signoffs.get(department__code="HR")
    low = UserFactory(username="lou.lowlimit")
    MembershipFactory(user=low, department=org.departments["HR"], role=Role.REVIEWER,
                      approval_limit=proposal.tco - 1)  # fmt: skip
    exact = UserFactory(username="eve.exactlimit")
    MembershipFactory(user=exact, department=org.departments["HR"], role=Role.REVIEWER,
                      approval_limit=proposal.tco)  # fmt: skip
    asked = {u.username for u in notifications.signoff_reviewers(hr)}
    assert "eve.exactlimit" in asked
    assert "lou.lowlimit" not in asked


def test_a_reviewer_is_not_asked_to_sign_off_their_own_proposal(org):
    proposal = make_proposal(requester=org.hr_reviewer, submit=True)
    hr = proposal.signoffs.get(department__code="HR")
    asked = {u.username for u in notifications.signoff_reviewers(hr)}
    assert "hanna.hr" not in asked
    assert "henk.hrhead" in asked


# --- The sweeper: what it finds again, and what it leaves


def test_the_sweep_sends_again_only_pending_requests_that_have_settled(org):
    proposal = make_proposal(requester=org.requester, submit=True)
    hr = proposal.signoffs.get(department__code="HR")
    services.signoff_decide(signoff=hr, actor=org.hr_head, outcome="approved")
    pending = sorted(proposal.signoffs.exclude(pk=hr.pk).values_list("pk", flat=True))
    now = timezone.now()
    # Just created: the request's own task may still be on its way.
    assert notifications.notifications_to_sweep(now=now + dt.timedelta(minutes=5)).signoffs == []
    later = notifications.notifications_to_sweep(now=now + dt.timedelta(minutes=30))
    assert sorted(later.signoffs) == pending


def test_the_sweep_gives_up_on_a_status_change_older_than_its_window(org):
    proposal = make_proposal(requester=org.requester, submit=True)
    sign_all(org, proposal)
    now = timezone.now()
    wanted = ("decision_needed", proposal.pk, 1)
    assert notifications.notifications_to_sweep(now=now + dt.timedelta(hours=1)).proposals == [
        wanted
    ]
    assert notifications.notifications_to_sweep(now=now + dt.timedelta(hours=25)).proposals == []


def test_the_sweep_takes_200_lost_emails_at_a_time(org, proposal):
    Notification.objects.bulk_create(
        Notification(
            user=org.requester,
            kind=NotificationKind.DECISION,
            proposal=proposal,
            message="m",
            dedupe_key=f"decision_taken:{proposal.pk}:{i}",
        )
        for i in range(201)
    )
    later = timezone.now() + dt.timedelta(hours=3)
    assert len(notifications.notifications_to_sweep(now=later).emails) == 200


def test_the_sweep_finds_lost_status_changes_oldest_change_first(org):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        first = sign_all(org, make_proposal(requester=org.requester, submit=True))
        second = sign_all(org, make_proposal(requester=org.requester, submit=True, title="B"))
    # The first proposal changes again later (a comment-free edit of its status row).
    with time_machine.travel(start + dt.timedelta(minutes=5), tick=False):
        first.save(update_fields=["updated_at"])
    Notification.objects.filter(proposal__in=[first, second]).delete()
    later = start + dt.timedelta(hours=1)
    assert notifications.notifications_to_sweep(now=later).proposals == [
        ("decision_needed", second.pk, 1),
        ("decision_needed", first.pk, 1),
    ]


def test_the_sweep_looks_at_twice_its_limit_of_changed_proposals(org):
    """A changed proposal is a candidate among the oldest changes, twice the limit of them: with
    a limit of 1, the third oldest waits for the next sweep, even when the two before were told."""
    start = timezone.now()
    proposals = []
    for minute in range(3):
        with time_machine.travel(start + dt.timedelta(minutes=minute), tick=False):
            proposals.append(sign_all(org, make_proposal(requester=org.requester, submit=True,
                                                         title=f"P{minute}")))  # fmt: skip
    Notification.objects.filter(proposal__in=proposals).delete()
    for notified in proposals[:2]:
        notify([org.cdo], notified, f"decision_needed:{notified.pk}:1")
    later = start + dt.timedelta(hours=1)
    assert notifications.notifications_to_sweep(now=later, limit=1).proposals == []
    assert notifications.notifications_to_sweep(now=later, limit=2).proposals == [
        ("decision_needed", proposals[2].pk, 1)
    ]


def test_the_sweep_leaves_a_stale_pending_signoff_of_an_earlier_round(org):
    proposal = make_proposal(requester=org.requester, submit=True)
    stale = proposal.signoffs.get(department__code="IT")
    # Left pending in round 0 as a stale row would be (the services close them).
    SignOff.objects.filter(pk=stale.pk).update(round=0, notified_at=None)
    SignOff.objects.exclude(pk=stale.pk).update(notified_at=timezone.now())
    later = timezone.now() + dt.timedelta(minutes=30)
    assert notifications.notifications_to_sweep(now=later).signoffs == []


# --- Who is told, and what it costs: the rounds each notice reads


def consent_mode(org) -> None:
    for tier in org.tiers.values():
        tier.consent_mode = True
        tier.save()


def sign(org, proposal, outcomes: dict[str, tuple[str, str]]):
    """Each department of the current round signs with its head, in the order of their codes,
    until the round ends: an outcome and a comment, or approves where `outcomes` says nothing."""
    for signoff in proposal.signoffs.filter(round=proposal.round).order_by("department__code"):
        outcome, comment = outcomes.get(signoff.department.code, ("approved", ""))
        services.signoff_decide(signoff=signoff, actor=org.heads[signoff.department.code],
                                outcome=outcome, comment=comment)  # fmt: skip
        proposal.refresh_from_db()
        if proposal.status != ProposalStatus.IN_REVIEW:
            break
    return proposal


def test_the_first_account_of_an_installation_is_told_as_a_head_like_anyone(departments):
    # User 1 is whoever set the installation up; nobody is left out when nobody is excluded.
    first = UserFactory(pk=1, username="first.account")
    MembershipFactory(user=first, department=departments["IT"], role=Role.HEAD)
    assert notifications.department_heads(department_id=departments["IT"].pk) == [first]


def test_a_departments_heads_are_read_in_one_query_however_many(org, django_assert_num_queries):
    for username in ("ines.ithead", "ivo.ithead"):
        MembershipFactory(user=UserFactory(username=username), department=org.departments["IT"],
                          role=Role.HEAD)  # fmt: skip
    with django_assert_num_queries(1):
        heads = notifications.department_heads(department_id=org.departments["IT"].pk)
        assert sorted(u.username for u in heads) == ["ines.ithead", "iris.ithead", "ivo.ithead"]


def test_a_round_the_cdo_approved_tells_nobody_of_a_request_for_changes(org):
    proposal = sign_all(org, make_proposal(requester=org.requester, submit=True))
    services.decision_take(proposal=proposal, actor=org.cdo, outcome="approved", rationale="Ok")
    assert (
        notifications.proposal_notify_changes_requested(proposal_id=proposal.pk, round_number=1)
        == []
    )


def test_telling_who_asked_for_changes_costs_six_queries(org, django_assert_num_queries):
    proposal = make_proposal(requester=org.requester, submit=True, title="Mine")
    sign(org, proposal, {"IT": ("changes_requested", "Needs single sign-on.")})
    # The proposal, the request, the CDO's return, the languages, the insert, the read back.
    with django_assert_num_queries(6):
        told = notifications.proposal_notify_changes_requested(
            proposal_id=proposal.pk, round_number=1
        )
    assert [n.message for n in told] == [
        f"IT Operations asked for changes to {proposal.reference} “Mine”: Needs single sign-on."
    ]


def test_the_cdo_is_told_of_this_rounds_objections_only(org):
    consent_mode(org)
    # Another proposal's objection in the same round is not this one's.
    sign(org, make_proposal(requester=org.requester, submit=True, title="Other"),
         {"IT": ("changes_requested", "Not this one.")})  # fmt: skip
    proposal = make_proposal(requester=org.requester, submit=True, title="Mine")
    sign(org, proposal, {"MKT": ("rejected", "Brand risk.")})
    first = notifications.proposal_notify_decision_needed(proposal_id=proposal.pk, round_number=1)
    services.decision_take(proposal=proposal, actor=org.cdo, outcome="returned",
                           rationale="Answer Marketing.")  # fmt: skip
    proposal.refresh_from_db()
    sign(org, services.proposal_submit(proposal=proposal, actor=org.requester), {})
    second = notifications.proposal_notify_decision_needed(proposal_id=proposal.pk, round_number=2)
    ref = proposal.reference
    assert [n.message for n in first] == [
        f"{ref} “Mine” waits for your decision: Marketing objected (consent mode). "
        "The dissent log is on the proposal."
    ]
    assert [n.message for n in second] == [
        f"Every department approved {ref} “Mine”: it waits for your decision."
    ]


def test_asking_the_cdo_costs_the_same_however_many_departments_objected(
    org, django_assert_num_queries
):
    consent_mode(org)
    proposal = make_proposal(requester=org.requester, submit=True, title="Mine")
    sign(org, proposal, {"IT": ("rejected", "No."), "MKT": ("changes_requested", "Not yet.")})
    # The proposal, the objections, the CDOs, the languages, the insert, the read back.
    with django_assert_num_queries(6):
        told = notifications.proposal_notify_decision_needed(
            proposal_id=proposal.pk, round_number=1
        )
    assert [n.message for n in told] == [
        f"{proposal.reference} “Mine” waits for your decision: IT Operations, Marketing "
        "objected (consent mode). The dissent log is on the proposal."
    ]


def test_a_departments_rejection_is_told_though_the_cdo_approved_another_proposal(org):
    other = sign_all(org, make_proposal(requester=org.requester, submit=True, title="Other"))
    services.decision_take(proposal=other, actor=org.cdo, outcome="approved", rationale="Ok")
    proposal = make_proposal(requester=org.requester, submit=True, title="Mine")
    sign(org, proposal, {"IT": ("rejected", "No single sign-on.")})
    told = notifications.proposal_notify_decision_taken(proposal_id=proposal.pk, round_number=1)
    assert {n.message for n in told} == {
        f"IT Operations rejected {proposal.reference} “Mine”: No single sign-on."
    }


def test_telling_how_a_round_ended_costs_the_same_however_many_signed(
    org, django_assert_num_queries
):
    today = timezone.localdate()
    stakeholder_services.delegation_create(
        delegator=org.hr_head, delegate=org.hr_member, department=None, starts_on=today,
        ends_on=today + dt.timedelta(days=5), reason="Holiday",
    )  # fmt: skip
    proposal = make_proposal(requester=org.requester, submit=True, title="Mine")
    services.signoff_decide(signoff=proposal.signoffs.get(department__code="HR"),
                            actor=org.hr_member, outcome="approved")  # fmt: skip
    services.signoff_decide(signoff=proposal.signoffs.get(department__code="IT"),
                            actor=org.it_head, outcome="rejected", comment="No.")  # fmt: skip
    # The proposal, the sign-offs, the decision, the languages, the insert, the read back.
    with django_assert_num_queries(6):
        told = notifications.proposal_notify_decision_taken(proposal_id=proposal.pk, round_number=1)
    assert sorted(n.user.username for n in told) == sorted(
        ["rita.requester", org.hr_member.username, "henk.hrhead", "iris.ithead"]
    )
    assert {n.message for n in told} == {f"IT Operations rejected {proposal.reference} “Mine”: No."}


def test_a_round_still_in_review_announces_no_decision(org):
    proposal = make_proposal(requester=org.requester, submit=True)
    services.signoff_decide(signoff=proposal.signoffs.get(department__code="HR"),
                            actor=org.hr_head, outcome="approved")  # fmt: skip
    assert (
        notifications.proposal_notify_decision_taken(proposal_id=proposal.pk, round_number=1) == []
    )
    assert not Notification.objects.filter(kind=NotificationKind.DECISION).exists()


def test_a_round_that_ended_in_a_request_for_changes_announces_no_decision(org):
    proposal = make_proposal(requester=org.requester, submit=True)
    proposal = ask_changes(org, proposal, "IT", "Needs single sign-on.")
    sign_all(org, proposal)
    services.decision_take(proposal=proposal, actor=org.cdo, outcome="approved", rationale="Ok")
    assert (
        notifications.proposal_notify_decision_taken(proposal_id=proposal.pk, round_number=1) == []
    )
    assert (
        len(notifications.proposal_notify_decision_taken(proposal_id=proposal.pk, round_number=2))
        == 1 + 3
    )  # the requester and the three signers


def test_a_round_the_cdo_returned_over_an_objection_announces_no_decision(org):
    consent_mode(org)
    proposal = make_proposal(requester=org.requester, submit=True)
    sign(org, proposal, {"MKT": ("changes_requested", "Tell us how candidates see it.")})
    services.decision_take(proposal=proposal, actor=org.cdo, outcome="returned",
                           rationale="Answer Marketing.")  # fmt: skip
    assert (
        notifications.proposal_notify_decision_taken(proposal_id=proposal.pk, round_number=1) == []
    )


def test_the_cdo_approving_over_a_request_for_changes_is_announced(org):
    consent_mode(org)
    proposal = make_proposal(requester=org.requester, submit=True, title="Mine")
    sign(org, proposal, {"MKT": ("changes_requested", "Tell us how candidates see it.")})
    services.decision_take(proposal=proposal, actor=org.cdo, outcome="approved",
                           rationale="Brand risk is small.")  # fmt: skip
    told = notifications.proposal_notify_decision_taken(proposal_id=proposal.pk, round_number=1)
    assert org.requester in {n.user for n in told}
    assert {n.message for n in told} == {f"The CDO approved {proposal.reference} “Mine”."}
