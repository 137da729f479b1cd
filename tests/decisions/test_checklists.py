from __future__ import annotations

import re

import pytest
from django.urls import reverse

from core.errors import DomainError
from decisions import services
from decisions.models import SignOffStatus
from stakeholders.checklists import DEFAULT_CHECKLISTS, load_default_checklists
from stakeholders.models import ChecklistQuestion
from tests.factories import make_proposal

pytestmark = pytest.mark.django_db


@pytest.fixture
def checklists(org):
    load_default_checklists()
    return {
        code: list(ChecklistQuestion.objects.filter(department__code=code))
        for code in ("HR", "IT", "MKT")
    }


def full_answers(questions):
    return {str(q.pk): "yes" if q.kind == "yes_no" else "None seen" for q in questions}


def test_each_department_gets_its_own_questions(checklists):
    assert len(checklists["HR"]) == len(DEFAULT_CHECKLISTS["HR"])
    assert any("works council" in q.text for q in checklists["HR"])
    assert any("single sign-on" in q.text for q in checklists["IT"])
    assert any("employer brand" in q.text for q in checklists["MKT"])
    assert load_default_checklists() == 0  # idempotent


def test_it_refuses_approval_until_required_questions_are_answered(org, checklists):
    proposal = make_proposal(requester=org.requester, submit=True)
    signoff = proposal.signoffs.get(department__code="IT")
    partial = {str(checklists["IT"][0].pk): "yes"}
    with pytest.raises(DomainError, match="Answer the checklist before approving"):
        services.signoff_decide(
            signoff=signoff, actor=org.it_reviewer, outcome="approved", answers=partial
        )
    signoff.refresh_from_db()
    assert signoff.status == SignOffStatus.PENDING


def test_it_stores_the_answers_with_the_question_text(org, checklists):
    proposal = make_proposal(requester=org.requester, submit=True)
    signoff = proposal.signoffs.get(department__code="HR")
    answers = full_answers(checklists["HR"])
    services.signoff_decide(signoff=signoff, actor=org.hr_reviewer, outcome="approved",
                            answers=answers)  # fmt: skip
    signoff.refresh_from_db()
    first = checklists["HR"][0]
    # The question as asked, in each language: a Dutch or French reader sees it as it was.
    assert signoff.answers[str(first.pk)] == {
        "question": first.text_en,
        "translations": {"nl": first.text_nl, "fr": first.text_fr},
        "answer": "yes",
    }
    # Editing the question later does not rewrite what the reviewer answered.
    first.text = "Reworded"
    first.save()
    signoff.refresh_from_db()
    assert signoff.answers[str(first.pk)]["question"] != "Reworded"


def test_a_rejection_does_not_need_the_checklist(org, checklists):
    proposal = make_proposal(requester=org.requester, submit=True)
    signoff = proposal.signoffs.get(department__code="MKT")
    services.signoff_decide(signoff=signoff, actor=org.mkt_reviewer, outcome="rejected",
                            comment="Off-brand.")  # fmt: skip
    signoff.refresh_from_db()
    assert signoff.status == SignOffStatus.REJECTED


def test_it_refuses_answers_that_are_not_yes_or_no_or_not_questions(org, checklists):
    proposal = make_proposal(requester=org.requester, submit=True)
    signoff = proposal.signoffs.get(department__code="IT")
    answers = full_answers(checklists["IT"])
    answers[str(checklists["IT"][0].pk)] = "maybe"
    with pytest.raises(DomainError, match="yes or no"):
        services.signoff_decide(signoff=signoff, actor=org.it_reviewer, outcome="approved",
                                answers=answers)  # fmt: skip
    hr_question = checklists["HR"][0]
    with pytest.raises(DomainError, match="do not exist"):
        services.signoff_decide(signoff=signoff, actor=org.it_reviewer, outcome="approved",
                                answers={str(hr_question.pk): "yes"})  # fmt: skip


def test_the_page_shows_the_checklist_and_keeps_answers_when_refused(client, org, checklists):
    proposal = make_proposal(requester=org.requester, submit=True)
    signoff = proposal.signoffs.get(department__code="IT")
    client.force_login(org.it_reviewer)
    page = client.get(reverse("proposal-detail", args=[proposal.reference]))
    assert "IT Operations checklist" in page.text
    assert "single sign-on" in page.text
    first = checklists["IT"][0]
    response = client.post(
        reverse("signoff-decide", args=[signoff.pk]),
        {
            f"s{signoff.pk}-outcome": "approved",
            f"s{signoff.pk}-q{first.pk}": "yes",
            f"s{signoff.pk}-comment": "Looks solid",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400
    assert "Answer the checklist before approving" in response.text
    assert "Looks solid" in response.text  # what the reviewer typed is kept
    assert re.search(rf'name="s{signoff.pk}-q{first.pk}" value="yes"[^>]*checked', response.text)

    data = {f"s{signoff.pk}-outcome": "approved"}
    data.update({f"s{signoff.pk}-q{pk}": v for pk, v in full_answers(checklists["IT"]).items()})
    response = client.post(reverse("signoff-decide", args=[signoff.pk]), data)
    assert response.status_code == 302
    page = client.get(reverse("proposal-detail", args=[proposal.reference]))
    assert "None seen" in page.text
