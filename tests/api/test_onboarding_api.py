"""The onboarding tasks' REST API: list with filters, read, assign, complete and reopen, with
the same rights as the browser and the one error shape."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from decisions.models import OnboardingTask
from decisions.services.handoff import onboarding_task_assign
from tests.api.conftest import session_api, token_api
from tests.handoff import approved_with_checklist

pytestmark = pytest.mark.django_db
URL = "/api/v1/onboarding-tasks/"


@pytest.fixture
def approved(org):
    return approved_with_checklist(org)


def _it_task(proposal) -> OnboardingTask:
    return proposal.onboarding_tasks.get(title="Set up single sign-on")


def test_it_lists_the_tasks_soonest_due_first_with_what_an_issue_tracker_needs(org, approved):
    response = session_api(org.outsider).get(URL)
    assert response.status_code == 200
    rows = response.json()["results"]
    assert len(rows) == 6
    assert [r["due_on"] for r in rows] == sorted(r["due_on"] for r in rows)
    sso = next(r for r in rows if r["title"] == "Set up single sign-on")
    assert sso["proposal"] == approved.reference
    assert sso["department"] == "IT"
    assert (sso["assignee"], sso["done"], sso["overdue"], sso["may_work_on"]) == (
        None, False, False, False,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ("?department=IT", 3),
        ("?done=false", 6),
        ("?done=true", 0),
        ("?mine=true", 3),  # the IT reviewer's department's unassigned tasks
        ("?overdue=true", 0),
    ],
)
def test_it_filters_the_tasks(org, approved, query, count):
    response = session_api(org.it_reviewer).get(URL + query)
    assert response.status_code == 200
    assert len(response.json()["results"]) == count


def test_it_filters_by_proposal_and_overdue(org, approved):
    OnboardingTask.objects.filter(pk=_it_task(approved).pk).update(
        due_on=timezone.localdate() - dt.timedelta(days=1)
    )
    api = session_api(org.it_reviewer)
    rows = api.get(URL + f"?proposal={approved.reference}&overdue=true").json()["results"]
    assert [r["title"] for r in rows] == ["Set up single sign-on"]
    assert rows[0]["overdue"] is True
    assert api.get(URL + "?proposal=NOPE-1").json()["results"] == []


def test_a_bad_filter_is_a_400_in_the_error_shape(org, approved):
    response = session_api(org.it_reviewer).get(URL + "?done=perhaps")
    assert response.status_code == 400
    assert set(response.json()) == {"message", "errors"}


def test_the_head_assigns_by_api_and_the_assignee_completes(org, approved):
    task = _it_task(approved)
    due = (timezone.localdate() + dt.timedelta(days=4)).isoformat()
    response = session_api(org.it_head).post(
        f"{URL}{task.pk}/assign/", {"assignee": org.it_reviewer.username, "due_on": due}
    )
    assert response.status_code == 200, response.content
    assert response.json()["assignee"]["username"] == org.it_reviewer.username
    assert response.json()["due_on"] == due
    done = token_api(org.it_reviewer).post(f"{URL}{task.pk}/complete/")
    assert done.status_code == 200, done.content
    assert done.json()["done"] is True
    assert done.json()["done_by"]["username"] == org.it_reviewer.username
    again = session_api(org.it_reviewer).post(f"{URL}{task.pk}/complete/")
    assert again.status_code == 409
    reopened = session_api(org.it_reviewer).post(f"{URL}{task.pk}/reopen/")
    assert reopened.status_code == 200
    assert reopened.json()["done"] is False


def test_an_assignment_leaves_out_what_it_does_not_name(org, approved):
    task = _it_task(approved)
    due = task.due_on
    response = session_api(org.it_head).post(
        f"{URL}{task.pk}/assign/", {"assignee": org.it_reviewer.username}
    )
    assert response.json()["due_on"] == due.isoformat()
    cleared = session_api(org.it_head).post(f"{URL}{task.pk}/assign/", {"assignee": None})
    assert cleared.json()["assignee"] is None
    assert cleared.json()["due_on"] == due.isoformat()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "non_field_errors"),
        ({"assignee": "ghost"}, "assignee"),
        ({"assignee": "mia.mkt"}, "assignee"),
        ({"due_on": "2001-01-01"}, "due_on"),
        ({"due_on": "99999-01-01"}, "due_on"),
        ({"due_on": "2030-01-01", "priority": "high"}, "priority"),
        ({"assignee": "x" * 151}, "assignee"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_changes_nothing(org, approved, body, field):
    task = _it_task(approved)
    response = session_api(org.it_head).post(f"{URL}{task.pk}/assign/", body)
    assert response.status_code == 400, response.content
    data = response.json()
    assert set(data) == {"message", "errors"}
    assert field in data["errors"], data
    task.refresh_from_db()
    assert task.assignee is None


def test_nul_and_lone_surrogates_are_refused(org, approved):
    task = _it_task(approved)
    api = session_api(org.it_head)
    raw_nul = json.dumps({"assignee": "ivan\u0000.it"})
    assert api.post(f"{URL}{task.pk}/assign/", raw=raw_nul).status_code == 400
    raw_surrogate = json.dumps({"assignee": "IVAN"}).replace("IVAN", "\\ud800")
    assert api.post(f"{URL}{task.pk}/assign/", raw=raw_surrogate).status_code == 400
    task.refresh_from_db()
    assert task.assignee is None


def test_a_refusal_is_a_403_in_the_error_shape(org, approved):
    task = _it_task(approved)
    response = session_api(org.requester).post(f"{URL}{task.pk}/complete/")
    assert response.status_code == 403
    assert set(response.json()) == {"message", "errors"}
    task.refresh_from_db()
    assert task.done_at is None


def test_an_unknown_task_is_a_404(org, approved):
    assert session_api(org.it_head).post(f"{URL}999999/complete/").status_code == 404


def test_the_list_costs_the_same_queries_however_many_tasks(org, django_assert_max_num_queries):
    approved_with_checklist(org)
    api = session_api(org.it_reviewer)
    with django_assert_max_num_queries(20) as few:
        api.get(URL)
    for n in range(3):
        proposal = approved_with_checklist(org, title=f"Tool {n}", new_solution_name=f"Tool {n}")
        onboarding_task_assign(task=_it_task(proposal), actor=org.it_head, assignee=org.it_head)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = api.get(URL)
    assert len(response.json()["results"]) == 24


def test_it_answers_in_english_whatever_the_requests_language(org, approved):
    response = session_api(org.it_reviewer).get(URL + "?department=HR", HTTP_ACCEPT_LANGUAGE="nl")
    assert response.status_code == 200
    titles = {r["title"] for r in response.json()["results"]}
    assert titles == {"Inform or consult the works council", "Plan and give the training"}
    council = next(r for r in response.json()["results"] if r["title"].startswith("Inform"))
    assert council["description"].endswith("arrange the works council's consent.")
