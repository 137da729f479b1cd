"""The decision-to-implementation handoff: the onboarding checklist an approved new tool gets,
its tasks assigned, ticked off and reopened by the right people, overdue and live."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone, translation

from audit.models import Event
from core.errors import DomainError, InvalidTransition, NotAllowed
from decisions import services
from decisions.handoff import (
    DEFAULT_TEMPLATES,
    fill_default_translations,
    handoff_progress,
    load_default_templates,
    tasks_on_my_list,
)
from decisions.handoff_models import DUE_DAYS_MAX
from decisions.models import (
    DecisionOutcome,
    OnboardingTask,
    OnboardingTemplate,
    ProposalStatus,
    SignOffStatus,
)
from decisions.services.handoff import (
    handoff_create,
    onboarding_task_assign,
    onboarding_task_complete,
    onboarding_task_reopen,
    onboarding_template_save,
)
from landscape.models import Lifecycle
from stakeholders.models import Role
from tests.factories import MembershipFactory, UserFactory, make_proposal
from tests.handoff import SMALL, approve_by_departments, approved_with_checklist
from webhooks.models import WebhookDelivery, WebhookSubscription

pytestmark = pytest.mark.django_db


def _task(proposal, code: str, title: str | None = None) -> OnboardingTask:
    tasks = proposal.onboarding_tasks.filter(department__code=code).order_by("position")
    return tasks.get(title=title) if title else tasks.first()


def _subscribe(*kinds: str) -> None:
    WebhookSubscription.objects.create(
        name="tracker", url="https://tracker.example/hooks", events=list(kinds)
    )


# --- The checklist ----------------------------------------------------------------------------


def test_it_makes_a_checklist_per_department_when_the_departments_approve(org):
    proposal = approved_with_checklist(org)
    assert proposal.status == ProposalStatus.APPROVED
    titles = {
        code: list(
            proposal.onboarding_tasks.filter(department__code=code)
            .order_by("position")
            .values_list("title", flat=True)
        )
        for code in ("HR", "IT", "MKT")
    }
    assert titles == {
        code: [t.title["en"] for t in rows] for code, rows in DEFAULT_TEMPLATES.items()
    }
    sso = _task(proposal, "IT", "Set up single sign-on")
    assert sso.due_on == timezone.localdate() + dt.timedelta(days=10)
    assert sso.assignee is None
    assert sso.done_at is None
    event = Event.objects.get(kind="onboarding.checklist_created")
    assert event.proposal_id == proposal.pk
    assert len(event.payload["tasks"]) == 6


def test_it_makes_the_checklist_when_the_cdo_approves(org):
    load_default_templates()
    proposal = make_proposal(requester=org.requester, submit=True)  # medium: the CDO decides
    proposal = approve_by_departments(org, proposal)
    assert proposal.status == ProposalStatus.AWAITING_DECISION
    assert not proposal.onboarding_tasks.exists()
    services.decision_take(
        proposal=proposal, actor=org.cdo, outcome=DecisionOutcome.APPROVED, rationale="Fits."
    )
    assert proposal.onboarding_tasks.count() == 6


def test_a_rejected_proposal_gets_no_checklist(org):
    load_default_templates()
    proposal = make_proposal(requester=org.requester, submit=True, **SMALL)
    services.signoff_decide(
        signoff=proposal.signoffs.get(department__code="IT"),
        actor=org.it_reviewer,
        outcome=SignOffStatus.REJECTED,
        comment="No SSO.",
    )
    assert not OnboardingTask.objects.exists()


def test_it_makes_the_checklist_once_and_adds_only_new_templates(org):
    proposal = approved_with_checklist(org)
    from django.db import transaction

    with transaction.atomic():
        assert handoff_create(proposal, actor=org.cdo) == []
    OnboardingTemplate.objects.create(
        department=org.departments["IT"], title="Back up its data", due_days=30
    )
    with transaction.atomic():
        added = handoff_create(proposal, actor=org.cdo)
    assert [t.title for t in added] == ["Back up its data"]
    assert proposal.onboarding_tasks.count() == 7


def test_inactive_templates_and_departments_give_no_task(org):
    load_default_templates()
    OnboardingTemplate.objects.filter(title="Set up single sign-on").update(is_active=False)
    mkt = org.departments["MKT"]
    OnboardingTemplate.objects.create(department=org.departments["FIN"], title="Budget line")
    fin = org.departments["FIN"]
    fin.is_active = False
    fin.save()
    proposal = approve_by_departments(
        org, make_proposal(requester=org.requester, submit=True, **SMALL)
    )
    titles = set(proposal.onboarding_tasks.values_list("title", flat=True))
    assert "Set up single sign-on" not in titles
    assert "Budget line" not in titles
    assert proposal.onboarding_tasks.filter(department=mkt).count() == 1


def test_loading_the_defaults_twice_creates_them_once(org):
    assert load_default_templates() == 6
    assert load_default_templates() == 0


# --- Assigning --------------------------------------------------------------------------------


def test_a_reviewer_assigns_a_task_to_a_member_of_the_department_with_a_due_date(org):
    proposal = approved_with_checklist(org)
    task = _task(proposal, "HR", "Plan and give the training")
    due = timezone.localdate() + dt.timedelta(days=7)
    onboarding_task_assign(task=task, actor=org.hr_reviewer, assignee=org.hr_member, due_on=due)
    task.refresh_from_db()
    assert (task.assignee, task.due_on) == (org.hr_member, due)
    event = Event.objects.get(kind="onboarding.task_assigned")
    assert event.payload["assignee"] == org.hr_member.username
    assert event.payload["due_on"] == due.isoformat()


def test_the_head_assigns_and_the_assignee_hands_it_on(org):
    proposal = approved_with_checklist(org)
    task = _task(proposal, "HR")
    onboarding_task_assign(task=task, actor=org.hr_head, assignee=org.hr_member)
    onboarding_task_assign(task=task, actor=org.hr_member, assignee=org.requester)
    task.refresh_from_db()
    assert task.assignee == org.requester


@pytest.mark.parametrize("persona", ["requester", "outsider", "it_reviewer", "cdo", "viewer"])
def test_others_may_not_assign_a_task(org, persona):
    proposal = approved_with_checklist(org)
    task = _task(proposal, "HR")
    with pytest.raises(NotAllowed):
        onboarding_task_assign(task=task, actor=getattr(org, persona), assignee=org.hr_member)
    task.refresh_from_db()
    assert task.assignee is None
    assert not Event.objects.filter(kind="onboarding.task_assigned").exists()


def test_a_task_goes_only_to_a_member_of_its_department(org):
    proposal = approved_with_checklist(org)
    task = _task(proposal, "HR")
    hr_viewer = UserFactory(username="val.viewer")
    MembershipFactory(user=hr_viewer, department=org.departments["HR"], role=Role.VIEWER)
    for person in (org.it_reviewer, org.outsider, hr_viewer):
        with pytest.raises(DomainError) as refused:
            onboarding_task_assign(task=task, actor=org.hr_reviewer, assignee=person)
        assert refused.value.field == "assignee"
    task.refresh_from_db()
    assert task.assignee is None


def test_a_due_date_runs_from_today_to_a_year_ahead(org):
    proposal = approved_with_checklist(org)
    task = _task(proposal, "HR")
    today = timezone.localdate()
    for day in (today, today + dt.timedelta(days=DUE_DAYS_MAX)):
        onboarding_task_assign(task=task, actor=org.hr_reviewer, due_on=day)
        task.refresh_from_db()
        assert task.due_on == day
    for day in (today - dt.timedelta(days=1), today + dt.timedelta(days=DUE_DAYS_MAX + 1)):
        with pytest.raises(DomainError) as refused:
            onboarding_task_assign(task=task, actor=org.hr_reviewer, due_on=day)
        assert refused.value.field == "due_on"
    task.refresh_from_db()
    assert task.due_on == today + dt.timedelta(days=DUE_DAYS_MAX)


def test_an_assignment_that_changes_nothing_records_nothing(org):
    proposal = approved_with_checklist(org)
    task = _task(proposal, "HR")
    onboarding_task_assign(task=task, actor=org.hr_reviewer, due_on=task.due_on)
    assert not Event.objects.filter(kind="onboarding.task_assigned").exists()


def test_a_done_task_is_reopened_before_it_is_assigned(org):
    proposal = approved_with_checklist(org)
    task = _task(proposal, "HR")
    onboarding_task_complete(task=task, actor=org.hr_reviewer)
    with pytest.raises(InvalidTransition):
        onboarding_task_assign(task=task, actor=org.hr_reviewer, assignee=org.hr_member)


# --- Done and reopened ------------------------------------------------------------------------


def test_the_assignee_ticks_off_the_task_saying_who_and_when(org):
    proposal = approved_with_checklist(org)
    task = _task(proposal, "HR")
    onboarding_task_assign(task=task, actor=org.hr_reviewer, assignee=org.hr_member)
    moment = timezone.now().replace(microsecond=0)
    with time_machine.travel(moment, tick=False):
        onboarding_task_complete(task=task, actor=org.hr_member)
    task.refresh_from_db()
    assert (task.done_by, task.done_at) == (org.hr_member, moment)
    event = Event.objects.get(kind="onboarding.task_done")
    assert (event.payload["done"], event.payload["total"], event.payload["live"]) == (1, 6, False)


def test_a_task_is_done_once_and_reopened_only_when_done(org):
    proposal = approved_with_checklist(org)
    task = _task(proposal, "IT")
    with pytest.raises(InvalidTransition):
        onboarding_task_reopen(task=task, actor=org.it_reviewer)
    onboarding_task_complete(task=task, actor=org.it_reviewer)
    with pytest.raises(InvalidTransition):
        onboarding_task_complete(task=task, actor=org.it_head)
    onboarding_task_reopen(task=task, actor=org.it_head)
    task.refresh_from_db()
    assert task.done_at is None
    assert task.done_by is None
    assert Event.objects.filter(kind="onboarding.task_reopened").count() == 1


@pytest.mark.parametrize("persona", ["requester", "outsider", "hr_reviewer", "cdo", "hr_member"])
def test_others_may_not_tick_off_an_it_task(org, persona):
    proposal = approved_with_checklist(org)
    task = _task(proposal, "IT")
    with pytest.raises(NotAllowed):
        onboarding_task_complete(task=task, actor=getattr(org, persona))
    task.refresh_from_db()
    assert task.done_at is None


def test_a_former_assignee_may_no_longer_tick_it_off(org):
    proposal = approved_with_checklist(org)
    task = _task(proposal, "HR")
    onboarding_task_assign(task=task, actor=org.hr_reviewer, assignee=org.hr_member)
    onboarding_task_assign(task=task, actor=org.hr_reviewer, assignee=None)
    with pytest.raises(NotAllowed):
        onboarding_task_complete(task=task, actor=org.hr_member)


def test_the_checklist_of_a_stopped_pilot_is_closed(org):
    proposal = approved_with_checklist(org)
    services.proposal_advance(proposal=proposal, actor=org.requester, action="start_pilot")
    task = _task(proposal, "HR")
    onboarding_task_complete(task=task, actor=org.hr_reviewer)  # piloting: still worked on
    services.proposal_advance(proposal=proposal, actor=org.requester, action="retire")
    with pytest.raises(InvalidTransition):
        onboarding_task_reopen(task=task, actor=org.hr_reviewer)
    task.refresh_from_db()
    assert task.done_at is not None


# --- Overdue and live -------------------------------------------------------------------------


def test_a_task_is_overdue_from_the_day_after_its_due_date_until_done(org):
    proposal = approved_with_checklist(org)
    task = _task(proposal, "MKT")
    due = task.due_on
    assert not task.is_overdue(due)
    assert task.is_overdue(due + dt.timedelta(days=1))
    onboarding_task_complete(task=task, actor=org.mkt_reviewer)
    task.refresh_from_db()
    assert not task.is_overdue(due + dt.timedelta(days=1))
    task.due_on = None
    task.done_at = None
    assert not task.is_overdue(due + dt.timedelta(days=1))


def _complete_all(org, proposal):
    for task in proposal.onboarding_tasks.select_related("department"):
        onboarding_task_complete(task=task, actor=org.heads[task.department.code])


def test_the_tool_is_live_when_every_task_is_done_and_it_is_adopted(org):
    proposal = approved_with_checklist(org)
    services.proposal_advance(proposal=proposal, actor=org.requester, action="adopt")
    proposal.refresh_from_db()
    tasks = list(proposal.onboarding_tasks.select_related("department"))
    for task in tasks[:-1]:
        onboarding_task_complete(task=task, actor=org.heads[task.department.code])
    progress = handoff_progress(proposal)
    assert (progress.done, progress.total, progress.live) == (5, 6, False)
    onboarding_task_complete(task=tasks[-1], actor=org.heads[tasks[-1].department.code])
    progress = handoff_progress(proposal)
    assert progress.live
    assert progress.percent == 100
    assert Event.objects.filter(kind="onboarding.task_done").last().payload["live"] is True


def test_a_pilot_with_every_task_done_is_not_live_yet(org):
    proposal = approved_with_checklist(org)
    services.proposal_advance(proposal=proposal, actor=org.requester, action="start_pilot")
    _complete_all(org, proposal)
    proposal.refresh_from_db()
    assert proposal.tool.lifecycle == Lifecycle.PILOT
    progress = handoff_progress(proposal)
    assert progress.complete
    assert not progress.live


def test_a_standard_tool_with_every_task_done_is_live(org):
    proposal = approved_with_checklist(org)
    services.proposal_advance(proposal=proposal, actor=org.requester, action="adopt")
    _complete_all(org, proposal)
    proposal.refresh_from_db()
    proposal.tool.lifecycle = Lifecycle.STANDARD
    proposal.tool.save()
    assert handoff_progress(proposal).live


def test_a_proposal_without_checklist_has_no_progress(org):
    proposal = make_proposal(requester=org.requester)
    assert handoff_progress(proposal) is None


# --- My list ----------------------------------------------------------------------------------


def test_my_list_holds_my_tasks_and_my_departments_unassigned_ones(org):
    proposal = approved_with_checklist(org)
    hr_tasks = list(proposal.onboarding_tasks.filter(department__code="HR"))
    onboarding_task_assign(task=hr_tasks[0], actor=org.hr_reviewer, assignee=org.hr_member)
    assert set(tasks_on_my_list(org.hr_member)) == {hr_tasks[0]}
    assert set(tasks_on_my_list(org.hr_reviewer)) == {hr_tasks[1]}
    assert set(tasks_on_my_list(org.outsider)) == set()


# --- Webhooks ---------------------------------------------------------------------------------


def test_an_issue_tracker_hears_of_every_task_created_assigned_and_done(org):
    _subscribe("onboarding.task_created", "onboarding.task_assigned", "onboarding.task_done")
    proposal = approved_with_checklist(org)
    created = WebhookDelivery.objects.filter(kind="onboarding.task_created")
    assert created.count() == 6
    task = _task(proposal, "IT", "Set up single sign-on")
    due = timezone.localdate() + dt.timedelta(days=3)
    onboarding_task_assign(task=task, actor=org.it_head, assignee=org.it_reviewer, due_on=due)
    onboarding_task_complete(task=task, actor=org.it_reviewer)
    assigned = WebhookDelivery.objects.get(kind="onboarding.task_assigned").payload
    assert assigned["key"] == f"{proposal.reference}-{task.pk}"
    assert assigned["task"]["title"] == "Set up single sign-on"
    assert assigned["task"]["department"] == "IT"
    assert assigned["task"]["assignee"]["username"] == org.it_reviewer.username
    assert assigned["task"]["due_on"] == due.isoformat()
    assert assigned["task"]["url"].endswith(f"/proposals/{proposal.reference}/handoff/")
    assert assigned["task"]["api_url"].endswith(f"/api/v1/onboarding-tasks/{task.pk}/")
    assert assigned["proposal"]["reference"] == proposal.reference
    assert assigned["actor"] == org.it_head.username
    done = WebhookDelivery.objects.get(kind="onboarding.task_done").payload
    assert done["task"]["done"] is True
    assert done["task"]["done_by"]["username"] == org.it_reviewer.username
    assert done["live"] is False


def test_a_refused_action_sends_nothing(org):
    _subscribe("onboarding.task_done")
    proposal = approved_with_checklist(org)
    with pytest.raises(NotAllowed):
        onboarding_task_complete(task=_task(proposal, "IT"), actor=org.outsider)
    assert not WebhookDelivery.objects.filter(kind="onboarding.task_done").exists()


# --- Notifications ----------------------------------------------------------------------------


def test_the_new_assignee_is_told_in_the_app_and_by_email(
    org, mailoutbox, django_capture_on_commit_callbacks
):
    from decisions.models import Notification, NotificationKind

    proposal = approved_with_checklist(org)
    task = _task(proposal, "HR", "Plan and give the training")
    due = timezone.localdate() + dt.timedelta(days=9)
    with django_capture_on_commit_callbacks(execute=True):
        onboarding_task_assign(task=task, actor=org.hr_reviewer, assignee=org.hr_member, due_on=due)
    note = Notification.objects.get(user=org.hr_member)
    assert note.kind == NotificationKind.ONBOARDING
    assert "Plan and give the training" in note.message
    assert note.url.endswith(f"/proposals/{proposal.reference}/handoff/#task-{task.pk}")
    assert [m.to for m in mailoutbox] == [[org.hr_member.email]]
    assert f"/proposals/{proposal.reference}/handoff/" in mailoutbox[0].body


def test_who_takes_a_task_themselves_is_not_told(org, django_capture_on_commit_callbacks):
    from decisions.models import Notification

    proposal = approved_with_checklist(org)
    with django_capture_on_commit_callbacks(execute=True):
        onboarding_task_assign(
            task=_task(proposal, "HR"), actor=org.hr_reviewer, assignee=org.hr_reviewer
        )
    assert not Notification.objects.filter(kind="onboarding").exists()


def test_the_assignee_is_told_of_the_task_in_their_language(
    org, django_capture_on_commit_callbacks
):
    from decisions.models import Notification
    from stakeholders.models import Preference

    Preference.objects.update_or_create(user=org.hr_member, defaults={"language": "nl"})
    proposal = approved_with_checklist(org)
    task = _task(proposal, "HR", "Plan and give the training")
    with django_capture_on_commit_callbacks(execute=True):
        onboarding_task_assign(task=task, actor=org.hr_reviewer, assignee=org.hr_member)
    assert "“De training plannen en geven”" in Notification.objects.get(user=org.hr_member).message


# --- Each language ----------------------------------------------------------------------------


def test_the_checklist_copies_every_language_of_its_templates(org):
    proposal = approved_with_checklist(org)
    council = _task(proposal, "HR", "Inform or consult the works council")
    assert council.title_nl == "De ondernemingsraad informeren of raadplegen"
    assert council.title_fr == "Informer ou consulter le comité social et économique (CSE)"
    assert council.description_nl.startswith("Verandert de tool de manier van werken")
    with translation.override("fr"):
        assert council.title == "Informer ou consulter le comité social et économique (CSE)"


def test_a_checklist_approved_in_dutch_tells_the_audit_trail_and_webhooks_in_english(org):
    _subscribe("onboarding.task_created")
    with translation.override("nl"):
        proposal = approved_with_checklist(org)
    task = _task(proposal, "IT", "Set up single sign-on")
    assert task.title_nl == "Single sign-on instellen"
    (payload,) = [
        d.payload
        for d in WebhookDelivery.objects.filter(kind="onboarding.task_created")
        if d.payload["task"]["id"] == task.pk
    ]
    assert payload["task"]["title"] == "Set up single sign-on"
    assert payload["task"]["description"].startswith("Connect the tool to our identity provider")
    event = Event.objects.get(kind="onboarding.checklist_created")
    assert "Set up single sign-on" in [t["title"] for t in event.payload["tasks"]]


def test_a_head_saves_the_dutch_and_french_titles_of_a_template(org):
    load_default_templates()
    training = OnboardingTemplate.objects.get(title="Plan and give the training")
    with translation.override("nl"):  # the head reads the app in Dutch
        saved = onboarding_template_save(
            actor=org.hr_head,
            department=org.departments["HR"],
            template=training,
            title=" Plan and give the training ",
            description="Train the first users.",
            title_nl="  Trainen  ",
            title_fr="",
            description_nl="",
            description_fr="Former les premiers utilisateurs.",
            due_days=21,
        )
    saved.refresh_from_db()
    assert (saved.title_en, saved.title_nl, saved.title_fr) == (
        "Plan and give the training", "Trainen", None,
    )  # fmt: skip
    assert (saved.description_en, saved.description_nl, saved.description_fr) == (
        "Train the first users.", None, "Former les premiers utilisateurs.",
    )  # fmt: skip
    with translation.override("fr"):
        assert saved.title == "Plan and give the training"  # no French: the English


def test_a_template_left_without_a_translation_keeps_the_one_it_has(org):
    load_default_templates()
    training = OnboardingTemplate.objects.get(title="Plan and give the training")
    onboarding_template_save(
        actor=org.hr_head, department=org.departments["HR"], template=training,
        title="Plan and give the training", due_days=30,
    )  # fmt: skip
    training.refresh_from_db()
    assert (training.due_days, training.title_nl) == (30, "De training plannen en geven")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title_nl", "x" * 201, "At most 200 characters"),
        ("title_fr", "Deux\nlignes", "Line breaks are not allowed here."),
        ("description_nl", "x" * 1001, "At most 1000 characters"),
        ("title_nl", "de ondernemingsraad informeren of raadplegen", "has a task with that title"),
    ],
)
def test_a_bad_translation_is_refused_and_changes_nothing(org, field, value, message):
    load_default_templates()
    training = OnboardingTemplate.objects.get(title="Plan and give the training")
    with pytest.raises(DomainError, match=message) as refused:
        onboarding_template_save(
            actor=org.hr_head, department=org.departments["HR"], template=training,
            title="Plan and give the training", due_days=21, **{field: value},
        )  # fmt: skip
    assert refused.value.field == field
    training.refresh_from_db()
    assert (training.title_nl, training.title_fr) == (
        "De training plannen en geven",
        "Planifier et assurer la formation",
    )


def _as_before_translations(model) -> None:
    """Rows as a database loaded before the templates had translations keeps them."""
    model.objects.update(title_nl=None, title_fr=None, description_nl=None, description_fr=None)


def test_the_migration_translates_only_the_defaults_nobody_changed(org):
    load_default_templates()
    proposal = approved_with_checklist(org)
    _as_before_translations(OnboardingTemplate)
    _as_before_translations(OnboardingTask)
    # A head renamed one default, rewrote another's description, translated a third.
    OnboardingTemplate.objects.filter(title_en="Set up single sign-on").update(
        title_en="Set up single sign-on with Entra ID"
    )
    OnboardingTemplate.objects.filter(title_en="Provision user accounts").update(
        description_en="Create every account by hand."
    )
    OnboardingTemplate.objects.filter(title_en="Connect the integrations").update(
        title_nl="Integraties bouwen"
    )
    OnboardingTemplate.objects.create(department=org.departments["HR"], title="Own task")

    assert fill_default_translations(OnboardingTemplate, OnboardingTask) == 5 + 6

    def texts(model, english):
        row = model.objects.get(title_en=english)
        return row.title_nl, row.title_fr, row.description_nl, row.description_fr

    renamed = texts(OnboardingTemplate, "Set up single sign-on with Entra ID")
    assert renamed == (None, None, None, None)
    rewritten = texts(OnboardingTemplate, "Provision user accounts")
    assert rewritten == ("Gebruikersaccounts aanmaken", "Créer les comptes des utilisateurs",
                         None, None)  # fmt: skip
    translated = texts(OnboardingTemplate, "Connect the integrations")
    assert translated[:2] == ("Integraties bouwen", "Mettre en place les intégrations")
    assert texts(OnboardingTemplate, "Own task") == (None, None, None, None)
    council = texts(OnboardingTemplate, "Inform or consult the works council")
    assert council[:2] == (
        "De ondernemingsraad informeren of raadplegen",
        "Informer ou consulter le comité social et économique (CSE)",
    )
    # The tasks made before from the defaults, as they were copied then.
    sso = _task(proposal, "IT", "Set up single sign-on")
    assert (sso.title_nl, sso.description_fr) == (
        "Single sign-on instellen",
        "Connecter l'outil à notre fournisseur d'identité ; pas de mot de passe local.",
    )
    assert fill_default_translations(OnboardingTemplate, OnboardingTask) == 0
