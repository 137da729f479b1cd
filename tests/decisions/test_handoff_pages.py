"""The handoff's pages: the checklist (plain forms and HTMX in place, refusals with their
reason, DEBUG on and off), "my onboarding tasks", and the progress on the proposal and tool
pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import Event
from decisions import services
from decisions.models import OnboardingTask
from decisions.services.handoff import onboarding_task_assign
from tests.handoff import approved_with_checklist

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def approved(org):
    return approved_with_checklist(org)


def _hr_task(proposal) -> OnboardingTask:
    return proposal.onboarding_tasks.filter(department__code="HR").order_by("position").first()


def test_the_checklist_shows_each_departments_tasks_and_the_keepers_forms(client, org, approved):
    client.force_login(org.hr_reviewer)
    response = client.get(reverse("handoff", args=[approved.reference]))
    assert response.status_code == 200
    text = response.text
    for title in ("Set up single sign-on", "Inform or consult the works council",
                  "Announce the tool internally"):  # fmt: skip
        assert title in text
    assert "0 of 6 onboarding tasks done" in text
    task = _hr_task(approved)
    assert reverse("onboarding-assign", args=[task.pk]) in text
    it_task = approved.onboarding_tasks.filter(department__code="IT").first()
    assert reverse("onboarding-done", args=[it_task.pk]) not in text  # not HR's to tick off


def test_the_requester_sees_the_checklist_without_forms(client, org, approved):
    client.force_login(org.requester)
    response = client.get(reverse("handoff", args=[approved.reference]))
    assert response.status_code == 200
    assert "Set up single sign-on" in response.text
    assert "/handoff/tasks/" not in response.text


def test_a_task_is_ticked_off_with_a_plain_form(client, org, approved):
    client.force_login(org.hr_reviewer)
    task = _hr_task(approved)
    response = client.post(reverse("onboarding-done", args=[task.pk]))
    assert response.status_code == 302
    assert response["Location"].endswith(f"/proposals/{approved.reference}/handoff/#task-{task.pk}")
    task.refresh_from_db()
    assert task.done_by == org.hr_reviewer
    page = client.get(response["Location"]).text
    assert "1 of 6 onboarding tasks done" in page
    assert "is done." in page


def test_a_task_is_assigned_in_place_with_htmx(client, org, approved):
    client.force_login(org.hr_head)
    task = _hr_task(approved)
    due = timezone.localdate() + dt.timedelta(days=5)
    response = client.post(
        reverse("onboarding-assign", args=[task.pk]),
        {"assignee": org.hr_member.username, "due_on": due.isoformat()},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="checklist"')
    task.refresh_from_db()
    assert (task.assignee, task.due_on) == (org.hr_member, due)


@pytest.mark.parametrize("debug", [True, False])
def test_a_refusal_shows_its_reason_beside_the_task(client, org, approved, settings, debug):
    settings.DEBUG = debug
    client.force_login(org.outsider)
    task = _hr_task(approved)
    url = reverse("onboarding-done", args=[task.pk])
    response = client.post(url, headers=HTMX)
    assert response.status_code == 403
    assert "Only the task&#x27;s assignee" in response.text
    assert response.text.lstrip().startswith('<section id="checklist"')
    plain = client.post(url)
    assert plain.status_code == 403
    assert "<html" in plain.text
    assert "Only the task&#x27;s assignee" in plain.text
    task.refresh_from_db()
    assert task.done_at is None
    assert not Event.objects.filter(kind="onboarding.task_done").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"assignee": "nobody.here"}, "Choose someone of the department."),
        ({"due_on": "99999-12-31"}, "Enter a date (YYYY-MM-DD)."),
        ({"due_on": "2001-01-01"}, "A due date cannot be in the past."),
        ({"assignee": "ivan.it"}, "is not a member of Human Resources"),
    ],
)
def test_bad_input_is_refused_cleanly_and_changes_nothing(client, org, approved, data, message):
    client.force_login(org.hr_reviewer)
    task = _hr_task(approved)
    before = (task.assignee_id, task.due_on)
    response = client.post(reverse("onboarding-assign", args=[task.pk]), data)
    assert response.status_code == 400
    assert message in response.text
    task.refresh_from_db()
    assert (task.assignee_id, task.due_on) == before


def test_hostile_input_is_refused_before_the_view(client, org, approved):
    client.force_login(org.hr_reviewer)
    task = _hr_task(approved)
    url = reverse("onboarding-assign", args=[task.pk])
    for body in ("assignee=ali%00ce", "assignee=%ED%A0%80", "due_on=2030-01-01%00"):
        response = client.post(url, body, content_type="application/x-www-form-urlencoded")
        assert response.status_code == 400
    task.refresh_from_db()
    assert task.assignee is None


def test_a_task_of_an_unseen_draft_is_not_found(client, org, approved):
    client.force_login(org.hr_reviewer)
    response = client.post(reverse("onboarding-done", args=[999999]))
    assert response.status_code == 404


def test_my_tasks_lists_mine_with_overdue_ones_marked(client, org, approved):
    task = _hr_task(approved)
    onboarding_task_assign(task=task, actor=org.hr_reviewer, assignee=org.hr_member)
    OnboardingTask.objects.filter(pk=task.pk).update(
        due_on=timezone.localdate() - dt.timedelta(days=1)
    )
    client.force_login(org.hr_member)
    response = client.get(reverse("my-onboarding-tasks"))
    assert response.status_code == 200
    assert task.title in response.text
    assert "Overdue" in response.text
    done = client.post(reverse("onboarding-done", args=[task.pk]), {"from": "mine"})
    assert done.status_code == 302
    assert done["Location"] == reverse("my-onboarding-tasks")


def test_my_tasks_costs_the_same_queries_however_many_tasks(
    client, org, django_assert_max_num_queries
):
    approved_with_checklist(org)
    client.force_login(org.hr_reviewer)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("my-onboarding-tasks"))
    for n in range(3):
        approved_with_checklist(org, title=f"Tool {n}", new_solution_name=f"Tool {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("my-onboarding-tasks"))
    assert response.text.count("Plan and give the training") == 4


def test_the_checklist_costs_the_same_queries_however_many_tasks(
    client, org, approved, django_assert_max_num_queries
):
    from decisions.models import OnboardingTemplate

    client.force_login(org.hr_reviewer)
    url = reverse("handoff", args=[approved.reference])
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    template = OnboardingTemplate.objects.first()
    for n in range(5):
        OnboardingTask.objects.create(
            proposal=approved, department_id=template.department_id, title=f"Extra {n}"
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_the_proposal_and_tool_pages_show_the_progress(client, org, approved):
    services.proposal_advance(proposal=approved, actor=org.requester, action="adopt")
    approved.refresh_from_db()
    client.force_login(org.outsider)
    proposal_page = client.get(reverse("proposal-detail", args=[approved.reference])).text
    assert "0 of 6 onboarding tasks done" in proposal_page
    assert reverse("handoff", args=[approved.reference]) in proposal_page
    tool_page = client.get(reverse("tool-detail", args=[approved.tool_id])).text
    assert "0 of 6 onboarding tasks done" in tool_page
    for task in approved.onboarding_tasks.select_related("department"):
        services.handoff.onboarding_task_complete(task=task, actor=org.heads[task.department.code])
    assert "Live" in client.get(reverse("tool-detail", args=[approved.tool_id])).text


# --- Templates, kept by each department's head ------------------------------------------------


def test_a_head_keeps_only_their_departments_templates(client, org):
    from decisions.handoff import load_default_templates

    load_default_templates()
    client.force_login(org.hr_head)
    page = client.get(reverse("onboarding-templates")).text
    assert "Plan and give the training" in page
    assert "Set up single sign-on" not in page
    response = client.post(
        reverse("onboarding-template-add", args=["HR"]),
        {"new-HR-title": "Update the HR handbook", "new-HR-due_days": "30",
         "new-HR-position": "3", "new-HR-is_active": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    from decisions.models import OnboardingTemplate

    added = OnboardingTemplate.objects.get(title="Update the HR handbook")
    assert (added.department.code, added.due_days, added.is_active) == ("HR", 30, True)
    assert Event.objects.filter(kind="onboarding.template_saved").count() == 1
    it_sso = OnboardingTemplate.objects.get(title="Set up single sign-on")
    refused = client.post(
        reverse("onboarding-template-edit", args=[it_sso.pk]),
        {f"t{it_sso.pk}-title": "Nothing", f"t{it_sso.pk}-due_days": "1",
         f"t{it_sso.pk}-position": "1"},
    )  # fmt: skip
    assert refused.status_code == 403
    it_sso.refresh_from_db()
    assert (it_sso.title, it_sso.is_active) == ("Set up single sign-on", True)


def test_a_template_is_switched_off_and_makes_no_task_afterwards(client, org):
    from decisions.handoff import load_default_templates
    from decisions.models import OnboardingTemplate

    load_default_templates()
    training = OnboardingTemplate.objects.get(title="Plan and give the training")
    client.force_login(org.hr_head)
    prefix = f"t{training.pk}"
    response = client.post(
        reverse("onboarding-template-edit", args=[training.pk]),
        {f"{prefix}-title": training.title, f"{prefix}-due_days": "21",
         f"{prefix}-position": "2"},  # is_active left out: unticked
    )  # fmt: skip
    assert response.status_code == 302
    proposal = approved_with_checklist(org)
    assert not proposal.onboarding_tasks.filter(title="Plan and give the training").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "", "due_days": "10"}, "This field is required."),
        ({"title": "Plan and give the training", "due_days": "10"}, "has a task with that title"),
        ({"title": "Ok", "due_days": "366"}, "less than or equal to 365"),
        ({"title": "Ok", "due_days": "-1"}, "greater than or equal to 0"),
        ({"title": "Ok", "due_days": "99999999999999999999"}, "less than or equal to"),
        ({"title": "Two\nlines", "due_days": "3"}, "Line breaks are not allowed here."),
    ],
)
def test_a_bad_template_is_refused_and_changes_nothing(client, org, data, message):
    from decisions.handoff import load_default_templates
    from decisions.models import OnboardingTemplate

    load_default_templates()
    before = OnboardingTemplate.objects.count()
    client.force_login(org.hr_head)
    response = client.post(
        reverse("onboarding-template-add", args=["HR"]),
        {f"new-HR-{k}": v for k, v in {"position": "1", **data}.items()},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert OnboardingTemplate.objects.count() == before


def test_the_templates_page_is_refused_to_who_heads_no_department(client, org):
    client.force_login(org.hr_reviewer)
    assert client.get(reverse("onboarding-templates")).status_code == 403


# --- Each language ----------------------------------------------------------------------------


def test_a_dutch_reader_sees_the_checklist_in_dutch(client, org, approved):
    client.force_login(org.hr_reviewer)
    page = client.get(reverse("handoff", args=[approved.reference]), HTTP_ACCEPT_LANGUAGE="nl")
    assert "De ondernemingsraad informeren of raadplegen" in page.text
    assert "regel dan de instemming van de ondernemingsraad" in page.text
    assert "Inform or consult the works council" not in page.text
    mine = client.get(reverse("my-onboarding-tasks"), HTTP_ACCEPT_LANGUAGE="fr")
    assert "Planifier et assurer la formation" in mine.text


def test_a_task_without_a_dutch_title_reads_in_english(client, org):
    from decisions.handoff import load_default_templates
    from decisions.models import OnboardingTemplate

    load_default_templates()
    OnboardingTemplate.objects.create(department=org.departments["HR"], title="Update the handbook")
    proposal = approved_with_checklist(org)
    client.force_login(org.hr_reviewer)
    page = client.get(reverse("handoff", args=[proposal.reference]), HTTP_ACCEPT_LANGUAGE="nl")
    assert "Update the handbook" in page.text
    assert "De training plannen en geven" in page.text


def test_the_head_keeps_a_templates_dutch_and_french_on_the_templates_page(client, org):
    from decisions.handoff import load_default_templates
    from decisions.models import OnboardingTemplate

    load_default_templates()
    training = OnboardingTemplate.objects.get(title="Plan and give the training")
    client.force_login(org.hr_head)
    page = client.get(reverse("onboarding-templates"), HTTP_ACCEPT_LANGUAGE="nl").text
    # The English field holds the English, whatever the head's language.
    assert 'value="Plan and give the training"' in page
    assert 'value="De training plannen en geven"' in page
    prefix = f"t{training.pk}"
    response = client.post(
        reverse("onboarding-template-edit", args=[training.pk]),
        {f"{prefix}-title": "Plan and give the training", f"{prefix}-title_nl": "Opleiden",
         f"{prefix}-title_fr": "", f"{prefix}-description": "Train them.",
         f"{prefix}-description_fr": "Les former.", f"{prefix}-due_days": "21",
         f"{prefix}-position": "2", f"{prefix}-is_active": "on"},
        HTTP_ACCEPT_LANGUAGE="nl",
    )  # fmt: skip
    assert response.status_code == 302
    training.refresh_from_db()
    assert (training.title_en, training.title_nl, training.title_fr) == (
        "Plan and give the training", "Opleiden", None,
    )  # fmt: skip
    assert (training.description_nl, training.description_fr) == (None, "Les former.")
    added = client.post(
        reverse("onboarding-template-add", args=["HR"]),
        {"new-HR-title": "Update the handbook", "new-HR-title_nl": "Het handboek bijwerken",
         "new-HR-title_fr": "Mettre à jour le manuel", "new-HR-due_days": "30",
         "new-HR-position": "3", "new-HR-is_active": "on"},
    )  # fmt: skip
    assert added.status_code == 302
    proposal = approved_with_checklist(org)
    page = client.get(reverse("handoff", args=[proposal.reference]), HTTP_ACCEPT_LANGUAGE="fr")
    assert "Mettre à jour le manuel" in page.text
    assert "Les former." in page.text
    assert "Plan and give the training" in page.text  # no French title: the English


def test_a_translation_too_long_is_refused_on_the_templates_page(client, org):
    from decisions.handoff import load_default_templates
    from decisions.models import OnboardingTemplate

    load_default_templates()
    client.force_login(org.hr_head)
    response = client.post(
        reverse("onboarding-template-add", args=["HR"]),
        {"new-HR-title": "Ok", "new-HR-title_fr": "x" * 201, "new-HR-due_days": "3",
         "new-HR-position": "1"},
    )  # fmt: skip
    assert response.status_code == 400
    assert not OnboardingTemplate.objects.filter(title_en="Ok").exists()
