"""The vendor risk questionnaire's rules at their edges (decisions.risk and
decisions.services.risk): what the audit trail records of a question kept by IT Operations,
who keeps them, how a refused question reads, IT's sign-off role following the rating up to
the head at a score of exactly 50 and back down at 49, and that one proposal's sign-off never
answers for another's."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import translation

from audit.models import Event
from core.errors import DomainError, NotAllowed
from decisions import risk
from decisions.models import (
    Proposal,
    ProposalKind,
    RiskAnswer,
    RiskCategory,
    RiskFact,
    RiskQuestion,
    RiskRating,
)
from decisions.services import proposal_submit, signoff_decide
from decisions.services import risk as services
from stakeholders.models import Role
from tests.factories import make_proposal

pytestmark = pytest.mark.django_db


def it_signoff(proposal: Proposal):
    return proposal.signoffs.get(department__code="IT", round=proposal.round)


# --------------------------------------------------------------------------------------------
# Keeping the questions: the audit trail records which question, who, and every value


def test_a_new_question_is_recorded_with_who_and_every_value(org):
    with translation.override("nl"):  # the trail keeps the default language's text
        q = services.risk_question_create(
            actor=org.it_reviewer,
            data={
                "text": "Is there a tested backup?",
                "text_nl": "Is er een geteste back-up?",
                "category": "continuity",
                "weight": 3,
                "fact": "",
            },
        )
    event = Event.objects.get(kind="risk_question.created")
    assert event.actor == org.it_reviewer
    assert event.proposal_id is None
    assert event.payload == {
        "question": q.pk,
        "text": "Is there a tested backup?",
        "category": "continuity",
        "weight": 3,
        "fact": "",
        "is_active": True,
    }


def test_a_question_change_records_the_fields_changed_and_the_new_values(org):
    q = services.risk_question_create(
        actor=org.it_reviewer,
        data={"text": "Single sign-on?", "category": "security", "weight": 2},
    )
    services.risk_question_update(
        question=q,
        actor=org.it_head,
        data={"weight": 7, "fact": RiskFact.SSO, "is_active": False, "category": "security"},
    )
    event = Event.objects.get(kind="risk_question.updated")
    assert event.actor == org.it_head
    assert event.payload == {
        "question": q.pk,
        "text": "Single sign-on?",
        "category": "security",
        "weight": 7,
        "fact": "sso",
        "is_active": False,
        "fields": ["fact", "is_active", "weight"],  # the category did not change
    }
    # Reactivating it names only that field; the values are the question's as it now is.
    services.risk_question_update(question=q, actor=org.superuser, data={"is_active": True})
    again = Event.objects.filter(kind="risk_question.updated").last()
    assert again.actor == org.superuser
    assert again.payload == {
        "question": q.pk,
        "text": "Single sign-on?",
        "category": "security",
        "weight": 7,
        "fact": "sso",
        "is_active": True,
        "fields": ["is_active"],
    }


def test_nobody_signed_in_keeps_the_questions(org):
    q = RiskQuestion.objects.create(text="Backup?", category=RiskCategory.CONTINUITY, weight=1)
    nobody = AnonymousUser()
    assert risk.keeps_risk_questions(nobody) is False
    with pytest.raises(NotAllowed):
        services.risk_question_create(
            actor=nobody, data={"text": "Q?", "category": "security", "weight": 1}
        )
    with pytest.raises(NotAllowed):
        services.risk_question_update(question=q, actor=nobody, data={"weight": 5})
    assert list(RiskQuestion.objects.values_list("text", "weight")) == [("Backup?", 1)]
    assert not Event.objects.exists()


def test_a_refused_question_says_every_reason_for_its_field(org):
    with pytest.raises(DomainError) as refused:
        services.risk_question_create(
            actor=org.it_reviewer,
            data={"text": "Backup?\n" + "x" * 300, "category": "continuity", "weight": 1},
        )
    assert refused.value.field == "text"
    assert refused.value.message == (
        "Line breaks are not allowed here. "
        "Ensure this value has at most 300 characters (it has 308)."
    )
    assert not RiskQuestion.objects.exists()
    assert not Event.objects.exists()


# --------------------------------------------------------------------------------------------
# IT's sign-off follows the rating: the head from a score of exactly 50, the tier's role below


def test_its_sign_off_asks_the_head_from_exactly_50_and_gives_it_back_at_49(org):
    # Weights 10+10+5+10+10+5+1 = 51: 26 points at risk is 50 (high), 25 is 49 (medium).
    weights = (10, 10, 5, 10, 10, 5, 1)
    questions = [
        RiskQuestion.objects.create(
            text=f"Q{i}", category=RiskCategory.SECURITY, weight=w, position=i
        )
        for i, w in enumerate(weights)
    ]
    first, second, five, *_others, one = questions
    proposal = make_proposal(requester=org.requester)
    services.risk_answers_save(
        proposal=proposal, actor=org.requester, answers={q.pk: "yes" for q in questions}
    )
    proposal = proposal_submit(proposal=proposal, actor=org.requester)
    assert it_signoff(proposal).required_role == Role.REVIEWER  # the Medium tier's role

    # Up: 10 + 10 + 5 + 1 = 26 of 51 is a score of exactly 50.
    noes = {first.pk: "no", second.pk: "no", five.pk: "no", one.pk: "no"}
    risk_after = services.risk_answers_save(proposal=proposal, actor=org.it_reviewer, answers=noes)
    assert (risk_after.score, risk_after.rating) == (50, RiskRating.HIGH)
    assert it_signoff(proposal).required_role == Role.HEAD
    up = Event.objects.filter(kind="risk.answered").last()
    assert up.actor == org.it_reviewer
    assert up.proposal_id == proposal.pk
    assert up.payload == {
        "answers": {str(pk): "no" for pk in noes},
        "as": "it",
        "score": 50,
        "rating": "high",
        "points": 26,
        "total": 51,
        "unanswered": 0,
        "it_signoff_role": {"from": "reviewer", "to": "head"},
    }
    with pytest.raises(NotAllowed):
        signoff_decide(signoff=it_signoff(proposal), actor=org.it_reviewer, outcome="approved")

    # Down: the weight-1 question answered yes leaves 25 of 51, a score of 49.
    risk_after = services.risk_answers_save(
        proposal=proposal, actor=org.it_head, answers={one.pk: "yes"}
    )
    assert (risk_after.score, risk_after.rating) == (49, RiskRating.MEDIUM)
    assert it_signoff(proposal).required_role == Role.REVIEWER
    down = Event.objects.filter(kind="risk.answered").last()
    assert down.actor == org.it_head
    assert down.payload == {
        "answers": {str(one.pk): "yes"},
        "as": "it",
        "score": 49,
        "rating": "medium",
        "points": 25,
        "total": 51,
        "unanswered": 0,
        "it_signoff_role": {"from": "head", "to": "reviewer"},
    }
    # Taking that answer back counts as a no again: the head again.
    services.risk_answers_save(proposal=proposal, actor=org.it_head, answers={one.pk: None})
    assert it_signoff(proposal).required_role == Role.HEAD
    back = Event.objects.filter(kind="risk.answered").last()
    assert back.payload == {
        "answers": {str(one.pk): None},
        "as": "it",
        "score": 50,
        "rating": "high",
        "points": 26,
        "total": 51,
        "unanswered": 1,
        "it_signoff_role": {"from": "reviewer", "to": "head"},
    }
    signoff_decide(signoff=it_signoff(proposal), actor=org.it_head, outcome="approved")


def test_one_proposals_waiting_sign_off_does_not_answer_for_anothers(org):
    q = RiskQuestion.objects.create(text="Backup?", category=RiskCategory.CONTINUITY, weight=1)
    signed = make_proposal(requester=org.requester, submit=True)
    waiting = make_proposal(requester=org.requester, submit=True)
    assert (signed.round, waiting.round) == (1, 1)
    # Not answered: high, so IT's head signs both; only the first is signed.
    signoff_decide(signoff=it_signoff(signed), actor=org.it_head, outcome="approved")
    assert risk.it_signoff_waiting(signed) is None
    assert risk.it_signoff_waiting(waiting) == it_signoff(waiting)
    assert risk.may_answer_as(user=org.it_reviewer, proposal=signed) is None
    with pytest.raises(NotAllowed):
        services.risk_answers_save(proposal=signed, actor=org.it_reviewer, answers={q.pk: "yes"})
    # Answering the waiting one lowers its own sign-off's role, and nobody else's.
    services.risk_answers_save(proposal=waiting, actor=org.it_reviewer, answers={q.pk: "yes"})
    assert it_signoff(waiting).required_role == Role.REVIEWER
    assert it_signoff(signed).required_role == Role.HEAD
    assert Event.objects.filter(kind="risk.answered").get().proposal_id == waiting.pk


# --------------------------------------------------------------------------------------------
# Many proposals at once


def test_without_questions_many_proposals_are_left_unrated_in_one_query(
    org, django_assert_num_queries
):
    proposals = [make_proposal(requester=org.requester) for _ in range(2)]
    RiskQuestion.objects.create(
        text="Retired", category=RiskCategory.SECURITY, weight=1, is_active=False
    )
    with django_assert_num_queries(1):  # the questions; no answers are read
        result = risk.risk_assessments(proposals)
    assert result == {p.pk: None for p in proposals}


# --------------------------------------------------------------------------------------------
# Answers: one proposal's, stored once, in the questions' order


def test_the_questions_are_asked_in_their_position_order(org):
    proposal = make_proposal(requester=org.requester)
    for text, position in [("Third", 5), ("First", 0), ("Second", 2), ("Also second", 2)]:
        RiskQuestion.objects.create(
            text=text, category=RiskCategory.SECURITY, weight=1, position=position
        )
    texts = [item.question.text for item in risk.risk_assessment(proposal).items]
    assert texts == ["First", "Second", "Also second", "Third"]


def test_taking_an_answer_back_leaves_other_proposals_answers(org):
    q = RiskQuestion.objects.create(text="Backup?", category=RiskCategory.CONTINUITY, weight=1)
    mine, other = (make_proposal(requester=org.requester) for _ in range(2))
    for proposal in (mine, other):
        services.risk_answers_save(proposal=proposal, actor=org.requester, answers={q.pk: "yes"})
    services.risk_answers_save(proposal=mine, actor=org.requester, answers={q.pk: ""})
    assert risk.risk_assessment(mine).items[0].answer is None
    assert risk.risk_assessment(other).items[0].answer == "yes"
    # Given without a note, the answer keeps none.
    assert list(RiskAnswer.objects.values_list("proposal_id", "answer", "note")) == [
        (other.pk, "yes", "")
    ]


def test_a_changed_note_is_kept_and_recorded_and_the_same_answer_records_nothing(org):
    q = RiskQuestion.objects.create(text="Backup?", category=RiskCategory.CONTINUITY, weight=2)
    proposal = make_proposal(requester=org.requester)
    services.risk_answers_save(
        proposal=proposal, actor=org.requester, answers={q.pk: "yes"}, notes={q.pk: "Daily"}
    )
    # The same answer and note again: nothing changes, nothing is recorded.
    services.risk_answers_save(
        proposal=proposal, actor=org.requester, answers={q.pk: "yes"}, notes={q.pk: "Daily"}
    )
    assert Event.objects.filter(kind="risk.answered").count() == 1
    # Only the note changes: it is kept, and the trail records the answer given with it.
    services.risk_answers_save(
        proposal=proposal, actor=org.requester, answers={q.pk: "yes"}, notes={q.pk: "Weekly"}
    )
    answer = RiskAnswer.objects.get()
    assert (answer.answer, answer.note, answer.answered_by) == ("yes", "Weekly", org.requester)
    events = Event.objects.filter(kind="risk.answered").order_by("seq")
    assert events.count() == 2
    assert events.last().payload == {
        "answers": {str(q.pk): "yes"},
        "as": "requester",
        "score": 0,
        "rating": "low",
        "points": 0,
        "total": 2,
        "unanswered": 0,
    }


def test_a_proposal_not_yet_saved_has_every_question_open(org):
    RiskQuestion.objects.create(text="Backup?", category=RiskCategory.CONTINUITY, weight=3)
    assessment = risk.risk_assessment(Proposal(kind=ProposalKind.NEW))
    assert (assessment.score, assessment.rating, assessment.unanswered) == (100, "high", 1)


def test_one_assessment_with_who_answered_takes_two_queries(org, django_assert_num_queries):
    first, second = (
        RiskQuestion.objects.create(
            text=text, category=RiskCategory.CONTINUITY, weight=1, position=i
        )
        for i, text in enumerate(["Backup?", "Exit plan?"])
    )
    proposal = make_proposal(requester=org.requester)
    services.risk_answers_save(
        proposal=proposal,
        actor=org.requester,
        answers={first.pk: "yes", second.pk: "no"},
        notes={first.pk: "Daily, tested monthly"},
    )
    proposal = Proposal.objects.select_related("solution").get(pk=proposal.pk)
    with django_assert_num_queries(2):  # the questions, the answers with who gave them
        assessment = risk.risk_assessment(proposal)
        answered = [
            (item.answer, item.source, item.by.username, item.note) for item in assessment.items
        ]
    assert answered == [
        ("yes", "person", org.requester.username, "Daily, tested monthly"),
        ("no", "person", org.requester.username, ""),
    ]


def test_a_deactivated_question_is_no_longer_answered(org):
    retired = RiskQuestion.objects.create(
        text="Retired?", category=RiskCategory.SECURITY, weight=1, is_active=False
    )
    proposal = make_proposal(requester=org.requester)
    with pytest.raises(DomainError) as refused:
        services.risk_answers_save(
            proposal=proposal, actor=org.requester, answers={retired.pk: "yes"}
        )
    assert refused.value.field == "answers"
    assert refused.value.message == (
        f"These risk questions do not exist or are not asked: {retired.pk}."
    )
    assert not RiskAnswer.objects.exists()
    assert not Event.objects.filter(kind="risk.answered").exists()
