"""The vendor risk questionnaire (issue 15): the score and the rating at their thresholds, the
answers catalog facts give, who answers when, a high rating asking IT Operations' head (at
submission, and when IT answers in review) and keeping the tool out of the plug-in lane."""

from __future__ import annotations

from decimal import Decimal

import pytest

from audit.models import Event
from core.errors import DomainError, InvalidTransition, NotAllowed
from decisions import risk
from decisions.dmu import who_decides
from decisions.models import (
    Proposal,
    ProposalKind,
    RiskAnswer,
    RiskCategory,
    RiskFact,
    RiskQuestion,
    RiskRating,
    SignOffStatus,
)
from decisions.risk import assess, rating_for, risk_assessment, score_for
from decisions.services import proposal_submit, signoff_decide
from decisions.services import risk as services
from landscape.models import Guardrail, GuardrailKind, Lane
from stakeholders.models import Role
from tests.factories import SolutionFactory, make_proposal

pytestmark = pytest.mark.django_db


def question(text="Is there a tested backup?", *, weight=1, fact="", position=0, **extra):
    return RiskQuestion.objects.create(
        text=text,
        category=extra.pop("category", RiskCategory.CONTINUITY),
        weight=weight,
        fact=fact,
        position=position,
        **extra,
    )


def it_signoff(proposal: Proposal):
    return proposal.signoffs.get(department__code="IT", round=proposal.round)


# --------------------------------------------------------------------------------------------
# The score and the rating


@pytest.mark.parametrize(
    ("points", "total", "score"),
    [
        (0, 10, 0),
        (1, 3, 33),
        (2, 3, 66),
        (1, 4, 25),
        (10, 10, 100),
        (0, 0, 0),
        (5, 0, 0),
        (1, 1, 100),
        (0, 1, 0),
    ],
)
def test_the_score_is_the_share_of_weight_at_risk_rounded_down(points, total, score):
    assert score_for(points, total) == score


@pytest.mark.parametrize(
    ("score", "rating"),
    [
        (0, RiskRating.LOW),
        (risk.MEDIUM_SCORE - 1, RiskRating.LOW),
        (risk.MEDIUM_SCORE, RiskRating.MEDIUM),
        (risk.HIGH_SCORE - 1, RiskRating.MEDIUM),
        (risk.HIGH_SCORE, RiskRating.HIGH),
        (100, RiskRating.HIGH),
    ],
)
def test_the_rating_changes_exactly_at_its_thresholds(score, rating):
    assert rating_for(score) == rating


def test_the_thresholds_are_the_documented_ones():
    assert (risk.MEDIUM_SCORE, risk.HIGH_SCORE) == (25, 50)


@pytest.mark.parametrize("kind", [ProposalKind.RENEWAL, ProposalKind.RETIREMENT])
def test_only_a_proposal_for_a_new_tool_is_rated(kind):
    q = RiskQuestion(text="Backup?", category=RiskCategory.CONTINUITY, weight=1)
    assert assess(Proposal(kind=kind), questions=[q], answers=[]) is None
    assert assess(Proposal(kind=ProposalKind.NEW), questions=[q], answers=[]).score == 100


def test_without_questions_nothing_is_rated(org):
    proposal = make_proposal(requester=org.requester)
    assert risk_assessment(proposal) is None
    assert who_decides(proposal=proposal).risk is None


def test_a_no_and_no_answer_add_the_weight_and_a_yes_adds_nothing(org):
    proposal = make_proposal(requester=org.requester)
    yes, no = question("A", weight=2), question("B", weight=3)
    question("C", weight=5)
    services.risk_answers_save(
        proposal=proposal, actor=org.requester, answers={yes.pk: "yes", no.pk: "no"}
    )
    assessment = risk_assessment(proposal)
    assert (assessment.points, assessment.total, assessment.score) == (8, 10, 80)
    assert assessment.unanswered == 1
    assert [item.points for item in assessment.items] == [0, 3, 5]
    assert assessment.rating == RiskRating.HIGH


def test_inactive_questions_are_not_asked_nor_weighed(org):
    proposal = make_proposal(requester=org.requester)
    question("Asked", weight=1)
    question("Retired", weight=9, is_active=False)
    assessment = risk_assessment(proposal)
    assert [i.question.text for i in assessment.items] == ["Asked"]
    assert assessment.total == 1


# --------------------------------------------------------------------------------------------
# Catalog facts answer their questions


@pytest.mark.parametrize(
    ("fact", "solution", "answer", "source"),
    [
        (RiskFact.SSO, {"sso": True}, "yes", "catalog"),
        (RiskFact.SSO, {"sso": False}, "no", "catalog"),
        (RiskFact.CERTIFIED, {"soc2": True}, "yes", "catalog"),
        (RiskFact.CERTIFIED, {"iso27001": False, "soc2": False}, "no", "catalog"),
        (RiskFact.NO_PERSONAL_DATA, {"processes_personal_data": True}, "no", "catalog"),
        (RiskFact.NO_PERSONAL_DATA, {"processes_personal_data": False}, "yes", "proposal"),
        (RiskFact.EU_DATA, {"data_location": "Germany"}, "yes", "catalog"),
        (RiskFact.EU_DATA, {"data_location": "US"}, "no", "catalog"),
        (RiskFact.HAS_API, {"has_api": True}, "yes", "catalog"),
        (RiskFact.HAS_API, {"has_api": False}, "no", "catalog"),
        (RiskFact.DPA_SIGNED, {}, "no", "proposal"),
    ],
)
def test_a_catalog_fact_answers_its_question(org, fact, solution, answer, source):
    proposal = make_proposal(
        requester=org.requester,
        solution=SolutionFactory(**solution),
        new_vendor_name="",
        new_solution_name="",
    )
    q = question(fact=fact)
    [item] = risk_assessment(proposal).items
    assert (item.question, item.answer, item.source) == (q, answer, source)
    assert item.by_fact


def test_without_a_catalog_entry_the_proposal_answers_and_unknown_facts_stay_open(org):
    proposal = make_proposal(requester=org.requester, sso=True, dpa_signed=True)
    question("SSO?", fact=RiskFact.SSO)
    question("DPA?", fact=RiskFact.DPA_SIGNED)
    question("EU?", fact=RiskFact.EU_DATA)  # no location stated
    question("API?", fact=RiskFact.HAS_API)  # only the catalog knows
    items = risk_assessment(proposal).items
    assert [(i.answer, i.source) for i in items] == [
        ("yes", "proposal"),
        ("yes", "proposal"),
        (None, ""),
        (None, ""),
    ]


def test_a_known_fact_wins_over_a_person_and_cannot_be_answered(org):
    proposal = make_proposal(requester=org.requester, sso=False)
    sso = question("SSO?", fact=RiskFact.SSO, weight=4)
    with pytest.raises(DomainError) as refused:
        services.risk_answers_save(proposal=proposal, actor=org.requester, answers={sso.pk: "yes"})
    assert refused.value.field == f"answers.{sso.pk}"
    assert not RiskAnswer.objects.exists()
    # An answer stored while the fact was unknown gives way once the fact is known.
    eu = question("EU?", fact=RiskFact.EU_DATA)
    services.risk_answers_save(proposal=proposal, actor=org.requester, answers={eu.pk: "yes"})
    Proposal.objects.filter(pk=proposal.pk).update(data_location="United States")
    proposal.refresh_from_db()
    item = risk_assessment(proposal).items[1]
    assert (item.answer, item.source) == ("no", "proposal")


# --------------------------------------------------------------------------------------------
# Answering: who, when, what is recorded


def test_the_requester_answers_a_draft_and_the_trail_records_it(org):
    proposal = make_proposal(requester=org.requester)
    q = question(weight=2)
    services.risk_answers_save(
        proposal=proposal, actor=org.requester, answers={q.pk: "no"}, notes={q.pk: " Weekly "}
    )
    answer = RiskAnswer.objects.get()
    assert (answer.answer, answer.note, answer.answered_by) == ("no", "Weekly", org.requester)
    event = Event.objects.filter(kind="risk.answered").get()
    assert event.proposal_id == proposal.pk
    assert event.payload["answers"] == {str(q.pk): "no"}
    assert (event.payload["score"], event.payload["rating"], event.payload["as"]) == (
        100,
        "high",
        "requester",
    )
    assert (event.payload["points"], event.payload["total"], event.payload["unanswered"]) == (
        2,
        2,
        0,
    )
    assert "it_signoff_role" not in event.payload
    # Taking it back removes the answer; the same answer again records nothing.
    services.risk_answers_save(proposal=proposal, actor=org.requester, answers={q.pk: None})
    assert not RiskAnswer.objects.exists()
    services.risk_answers_save(proposal=proposal, actor=org.requester, answers={q.pk: None})
    assert Event.objects.filter(kind="risk.answered").count() == 2


@pytest.mark.parametrize("persona", ["it_reviewer", "hr_reviewer", "outsider", "cdo", "superuser"])
def test_nobody_but_the_requester_answers_a_draft(org, persona):
    proposal = make_proposal(requester=org.requester)
    q = question()
    with pytest.raises(NotAllowed):
        services.risk_answers_save(
            proposal=proposal, actor=getattr(org, persona), answers={q.pk: "yes"}
        )
    assert not RiskAnswer.objects.exists()


def test_the_requester_no_longer_answers_once_submitted(org):
    q = question()
    proposal = make_proposal(requester=org.requester, submit=True)
    with pytest.raises(InvalidTransition):
        services.risk_answers_save(proposal=proposal, actor=org.requester, answers={q.pk: "yes"})
    assert not RiskAnswer.objects.exists()


@pytest.mark.parametrize("persona", ["it_reviewer", "it_head"])
def test_it_answers_while_its_sign_off_waits(org, persona):
    q = question()
    proposal = make_proposal(requester=org.requester, submit=True)
    services.risk_answers_save(
        proposal=proposal, actor=getattr(org, persona), answers={q.pk: "yes"}
    )
    assert RiskAnswer.objects.get().answered_by == getattr(org, persona)


@pytest.mark.parametrize("persona", ["hr_reviewer", "mkt_reviewer", "hr_head", "cdo", "viewer"])
def test_other_departments_do_not_answer_in_review(org, persona):
    q = question()
    proposal = make_proposal(requester=org.requester, submit=True)
    with pytest.raises(NotAllowed):
        services.risk_answers_save(
            proposal=proposal, actor=getattr(org, persona), answers={q.pk: "yes"}
        )
    assert not RiskAnswer.objects.exists()


def test_it_no_longer_answers_once_it_signed(org):
    q = question()
    proposal = make_proposal(requester=org.requester, submit=True)
    # Not answered: high, so IT's head signs.
    signoff_decide(signoff=it_signoff(proposal), actor=org.it_head, outcome="approved")
    with pytest.raises(NotAllowed):
        services.risk_answers_save(proposal=proposal, actor=org.it_reviewer, answers={q.pk: "yes"})
    assert not RiskAnswer.objects.exists()


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({}, "answers"),
        ({999999: "yes"}, "answers"),
        ("maybe", None),
    ],
)
def test_bad_answers_are_refused_and_change_nothing(org, answers, field):
    proposal = make_proposal(requester=org.requester)
    q = question()
    if answers == "maybe":
        answers, field = {q.pk: "maybe"}, f"answers.{q.pk}"
    with pytest.raises(DomainError) as refused:
        services.risk_answers_save(proposal=proposal, actor=org.requester, answers=answers)
    assert refused.value.field == field
    assert not RiskAnswer.objects.exists()
    assert not Event.objects.filter(kind="risk.answered").exists()


def test_a_note_longer_than_the_limit_is_refused(org):
    proposal = make_proposal(requester=org.requester)
    q = question()
    with pytest.raises(DomainError):
        services.risk_answers_save(
            proposal=proposal,
            actor=org.requester,
            answers={q.pk: "yes"},
            notes={q.pk: "x" * (services.NOTE_MAX + 1)},
        )
    services.risk_answers_save(
        proposal=proposal, actor=org.requester, answers={q.pk: "yes"}, notes={q.pk: "x" * 500}
    )
    assert len(RiskAnswer.objects.get().note) == services.NOTE_MAX


# --------------------------------------------------------------------------------------------
# A high rating: IT Operations' head signs, and no plug-in lane


def rated_questions(weights=(1, 1)) -> list[RiskQuestion]:
    return [question(f"Q{i}", weight=w, position=i) for i, w in enumerate(weights)]


@pytest.mark.parametrize(
    ("noes", "role"),
    [
        # Weights 1+1+2 = 4: one no of weight 1 is 25 (medium), weight 2 is 50 (high).
        ((), Role.REVIEWER),
        ((0,), Role.REVIEWER),
        ((2,), Role.HEAD),
        ((0, 1), Role.HEAD),
    ],
)
def test_at_submission_a_high_rating_asks_the_it_head(org, noes, role):
    proposal = make_proposal(requester=org.requester)  # the Medium tier: reviewers sign
    questions = rated_questions((1, 1, 2))
    services.risk_answers_save(
        proposal=proposal,
        actor=org.requester,
        answers={q.pk: "no" if i in noes else "yes" for i, q in enumerate(questions)},
    )
    proposal = proposal_submit(proposal=proposal, actor=org.requester)
    assert it_signoff(proposal).required_role == role
    # Only IT: the other departments sign with the tier's role.
    hr = proposal.signoffs.get(department__code="HR")
    assert hr.required_role == Role.REVIEWER
    submitted = Event.objects.filter(kind="proposal.submitted").get()
    assert submitted.payload["risk"]["rating"] == risk_assessment(proposal).rating


def test_a_high_rating_adds_it_when_it_would_not_sign(org):
    org.departments["IT"].signoff_required = False
    org.departments["IT"].save()
    proposal = make_proposal(requester=org.requester)
    [q] = rated_questions((1,))
    services.risk_answers_save(proposal=proposal, actor=org.requester, answers={q.pk: "no"})
    proposal = proposal_submit(proposal=proposal, actor=org.requester)
    assert it_signoff(proposal).required_role == Role.HEAD


def test_a_high_rating_keeps_a_tool_out_of_the_plug_in_lane(org):
    Guardrail.objects.create(code="sso", name="SSO", kind=GuardrailKind.SSO)
    solution = SolutionFactory(sso=True, iso27001=True, data_location="EU")
    proposal = make_proposal(
        requester=org.requester,
        solution=solution,
        new_vendor_name="",
        new_solution_name="",
    )
    assert who_decides(proposal=proposal).lane == Lane.PLUG_IN
    backup = question("Tested backup?", weight=1)
    assert who_decides(proposal=proposal).lane == Lane.GOVERNED  # not answered: high
    services.risk_answers_save(proposal=proposal, actor=org.requester, answers={backup.pk: "yes"})
    assert who_decides(proposal=proposal).lane == Lane.PLUG_IN
    services.risk_answers_save(proposal=proposal, actor=org.requester, answers={backup.pk: "no"})
    proposal = proposal_submit(proposal=proposal, actor=org.requester)
    assert proposal.lane == Lane.GOVERNED
    signoff = it_signoff(proposal)
    assert (signoff.status, signoff.by_guardrails, signoff.required_role) == (
        SignOffStatus.PENDING,
        False,
        Role.HEAD,
    )


def test_it_answering_in_review_raises_and_lowers_the_role_of_its_sign_off(org):
    low, high = rated_questions((3, 1))  # 3 of 4 at risk is high; 1 of 4 is medium
    proposal = make_proposal(requester=org.requester)
    services.risk_answers_save(
        proposal=proposal, actor=org.requester, answers={low.pk: "yes", high.pk: "yes"}
    )
    proposal = proposal_submit(proposal=proposal, actor=org.requester)
    assert it_signoff(proposal).required_role == Role.REVIEWER
    services.risk_answers_save(proposal=proposal, actor=org.it_reviewer, answers={low.pk: "no"})
    assert it_signoff(proposal).required_role == Role.HEAD
    event = Event.objects.filter(kind="risk.answered").last()
    assert event.payload["it_signoff_role"] == {"from": "reviewer", "to": "head"}
    # The reviewer may no longer sign it; the head may.
    with pytest.raises(NotAllowed):
        signoff_decide(signoff=it_signoff(proposal), actor=org.it_reviewer, outcome="approved")
    # Back to medium (1 of 4 = 25): the tier's role again.
    services.risk_answers_save(
        proposal=proposal, actor=org.it_head, answers={low.pk: "yes", high.pk: "no"}
    )
    assert risk_assessment(proposal).rating == RiskRating.MEDIUM
    assert it_signoff(proposal).required_role == Role.REVIEWER
    signoff_decide(signoff=it_signoff(proposal), actor=org.it_reviewer, outcome="approved")


def test_a_high_lock_in_keeps_the_head_when_the_risk_drops(org):
    q = question(weight=1)
    proposal = make_proposal(
        requester=org.requester,
        pricing_model="on_demand",
        export_format="none",
        exit_clause=False,
    )
    services.risk_answers_save(proposal=proposal, actor=org.requester, answers={q.pk: "no"})
    proposal = proposal_submit(proposal=proposal, actor=org.requester)
    assert it_signoff(proposal).required_role == Role.HEAD
    services.risk_answers_save(proposal=proposal, actor=org.it_head, answers={q.pk: "yes"})
    assert it_signoff(proposal).required_role == Role.HEAD


def test_assess_makes_no_query(org, django_assert_num_queries):
    proposal = make_proposal(
        requester=org.requester,
        solution=SolutionFactory(),
        new_vendor_name="",
        new_solution_name="",
    )
    questions = [question(fact=RiskFact.SSO), question("Backup?")]
    proposal = Proposal.objects.select_related("solution").get(pk=proposal.pk)
    with django_assert_num_queries(0):
        assessment = assess(proposal, questions=questions, answers=[])
    assert assessment.score == 100


def test_many_proposals_are_assessed_in_two_queries(org, django_assert_num_queries):
    first = question()
    question("Backup?", fact=RiskFact.SSO)
    proposals = [make_proposal(requester=org.requester) for _ in range(3)]
    proposals = list(
        Proposal.objects.select_related("solution").filter(pk__in=[p.pk for p in proposals])
    )
    services.risk_answers_save(
        proposal=proposals[0], actor=org.requester, answers={first.pk: "yes"}
    )
    with django_assert_num_queries(2):
        result = risk.risk_assessments(proposals)
    assert set(result) == {p.pk for p in proposals}
    assert [result[p.pk] for p in proposals] == [risk_assessment(p) for p in proposals]
    assert result[proposals[0].pk].score < result[proposals[1].pk].score


def test_weights_outside_one_to_ten_are_refused(org):
    for weight in (0, 11):
        with pytest.raises(DomainError) as refused:
            services.risk_question_create(
                actor=org.it_reviewer,
                data={"text": "Q?", "category": "security", "weight": weight},
            )
        assert refused.value.field == "weight"
    for weight in (1, 10):
        services.risk_question_create(
            actor=org.it_reviewer,
            data={"text": f"Q{weight}?", "category": "security", "weight": weight},
        )
    assert sorted(RiskQuestion.objects.values_list("weight", flat=True)) == [1, 10]


@pytest.mark.parametrize("persona", ["it_reviewer", "it_head", "superuser"])
def test_it_and_administrators_keep_the_questions(org, persona):
    actor = getattr(org, persona)
    q = services.risk_question_create(
        actor=actor, data={"text": "Tested backup?", "category": "continuity", "weight": 3}
    )
    services.risk_question_update(question=q, actor=actor, data={"weight": 5, "is_active": False})
    q.refresh_from_db()
    assert (q.weight, q.is_active) == (5, False)
    kinds = list(Event.objects.values_list("kind", flat=True))
    assert kinds == ["risk_question.created", "risk_question.updated"]


def test_a_question_refuses_unknown_fields_and_records_no_empty_change(org):
    with pytest.raises(DomainError):
        services.risk_question_create(
            actor=org.it_reviewer,
            data={"text": "Q?", "category": "security", "weight": 1, "colour": "red"},
        )
    assert not RiskQuestion.objects.exists()
    q = services.risk_question_create(
        actor=org.it_reviewer, data={"text": "Q?", "category": "security", "weight": 1}
    )
    services.risk_question_update(question=q, actor=org.it_reviewer, data={"weight": 1})
    assert Event.objects.filter(kind="risk_question.updated").count() == 0
    with pytest.raises(DomainError) as refused:
        services.risk_question_update(question=q, actor=org.it_reviewer, data={"category": "x"})
    assert refused.value.field == "category"


@pytest.mark.parametrize("persona", ["requester", "hr_reviewer", "hr_head", "cdo", "viewer"])
def test_others_do_not_keep_the_questions(org, persona):
    q = question()
    with pytest.raises(NotAllowed):
        services.risk_question_create(
            actor=getattr(org, persona), data={"text": "Q?", "category": "security", "weight": 1}
        )
    with pytest.raises(NotAllowed):
        services.risk_question_update(question=q, actor=getattr(org, persona), data={"weight": 2})
    assert RiskQuestion.objects.get().weight == 1
    assert not Event.objects.exists()


def test_the_tco_does_not_matter_to_the_head_rule(org):
    # A Small-tier proposal (members sign) with a high risk still needs IT's head.
    q = question()
    proposal = make_proposal(
        requester=org.requester, one_off_cost=Decimal("0"), recurring_cost=Decimal("100")
    )
    services.risk_answers_save(proposal=proposal, actor=org.requester, answers={q.pk: "no"})
    proposal = proposal_submit(proposal=proposal, actor=org.requester)
    assert it_signoff(proposal).required_role == Role.HEAD
    assert proposal.signoffs.get(department__code="HR").required_role == proposal.tier.signoff_role
