"""The vendor risk questionnaire's API: IT keeps the questions, a proposal's assessment is read
by whoever sees the proposal and answered by the requester or IT as the rules say; refusals and
bad input answer with the error shape and change nothing; the list's queries do not grow."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import Event
from decisions.models import RiskAnswer, RiskFact, RiskQuestion
from decisions.services import proposal_submit
from tests.api.conftest import session_api, token_api
from tests.factories import SolutionFactory, make_proposal

pytestmark = pytest.mark.django_db


def question(text="Is there a tested backup?", **extra) -> RiskQuestion:
    fields = {"category": "continuity", "weight": 1, **extra}
    return RiskQuestion.objects.create(text=text, **fields)


def test_it_keeps_the_questions_through_the_api(org):
    api = session_api(org.it_reviewer)
    created = api.post(
        "/api/v1/risk-questions/",
        {
            "text": "Is single sign-on supported?",
            "text_nl": "Ondersteunt het single sign-on?",
            "category": "security",
            "weight": 4,
            "fact": "sso",
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["text"], body["weight"], body["fact"], body["is_active"]) == (
        "Is single sign-on supported?",
        4,
        "sso",
        True,
    )
    assert RiskQuestion.objects.get().text_nl == "Ondersteunt het single sign-on?"
    changed = api.patch(f"/api/v1/risk-questions/{body['id']}/", {"is_active": False})
    assert (changed.status_code, changed.json()["is_active"]) == (200, False)
    listed = session_api(org.requester).get("/api/v1/risk-questions/?category=security")
    assert listed.status_code == 200
    assert [q["id"] for q in listed.json()["results"]] == [body["id"]]
    kinds = list(Event.objects.values_list("kind", flat=True))
    assert kinds == ["risk_question.created", "risk_question.updated"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": "A\x00B", "category": "security", "weight": 1}, "text"),
        ({"text": "\ud800", "category": "security", "weight": 1}, "text"),
        ({"text": "Two\nlines", "category": "security", "weight": 1}, "text"),
        ({"text": "Q?", "category": "security", "weight": 0}, "weight"),
        ({"text": "Q?", "category": "security", "weight": 11}, "weight"),
        ({"text": "Q?", "category": "security", "weight": 10**30}, "weight"),
        ({"text": "Q?", "category": "security", "weight": "1"}, None),
        ({"text": "Q?", "category": "luck", "weight": 1}, "category"),
        ({"text": "Q?", "category": "security", "weight": 1, "fact": "vibes"}, "fact"),
        ({"text": "Q?", "category": "security", "weight": 1, "colour": "red"}, "colour"),
        ({"text": 7, "category": "security", "weight": 1}, "text"),
    ],
)
def test_bad_question_input_is_refused_with_the_error_shape(org, body, field):
    response = session_api(org.it_reviewer).post("/api/v1/risk-questions/", body)
    if field is None:  # a numeric string is read as a number by DRF: accepted
        assert response.status_code == 201
        return
    assert response.status_code == 400, response.content
    data = response.json()
    assert set(data) == {"message", "errors"}
    assert any(key.split(".")[0] == field for key in data["errors"]), data
    assert not RiskQuestion.objects.exists()


@pytest.mark.parametrize("persona", ["hr_head", "requester", "cdo", "viewer", "outsider"])
def test_only_it_and_administrators_write_questions(org, persona):
    q = question()
    api = session_api(getattr(org, persona))
    for response in (
        api.post("/api/v1/risk-questions/", {"text": "Q?", "category": "security", "weight": 1}),
        api.patch(f"/api/v1/risk-questions/{q.pk}/", {"weight": 9}),
    ):
        assert response.status_code == 403
        assert set(response.json()) == {"message", "errors"}
    q.refresh_from_db()
    assert q.weight == 1
    assert RiskQuestion.objects.count() == 1


def test_the_requester_answers_and_reads_the_rating(org):
    backup = question(weight=3)
    sso = question("Single sign-on?", weight=1, fact=RiskFact.SSO, category="security")
    proposal = make_proposal(requester=org.requester, sso=True)
    api = session_api(org.requester)
    url = f"/api/v1/proposals/{proposal.reference}/risk/"
    before = api.get(url).json()
    assert (before["rating"], before["score"], before["unanswered"]) == ("high", 75, 1)
    assert before["it_head_required"] is True
    assert before["may_answer"] is True
    assert [i["source"] for i in before["items"]] == ["", "proposal"]
    answered = api.patch(
        url, {"answers": [{"question": backup.pk, "answer": "yes", "note": "Nightly, tested"}]}
    )
    assert answered.status_code == 200, answered.content
    body = answered.json()
    assert (body["rating"], body["score"], body["points"], body["total"]) == ("low", 0, 0, 4)
    item = body["items"][0]
    assert (item["answer"], item["source"], item["by"]["username"], item["note"]) == (
        "yes",
        "person",
        org.requester.username,
        "Nightly, tested",
    )
    # A fact's question is not the requester's to answer.
    refused = api.patch(url, {"answers": [{"question": sso.pk, "answer": "yes"}]})
    assert refused.status_code == 400
    assert f"answers.{sso.pk}" in refused.json()["errors"]


def test_others_read_the_assessment_but_do_not_answer(org):
    q = question()
    proposal = make_proposal(requester=org.requester, submit=True)
    url = f"/api/v1/proposals/{proposal.reference}/risk/"
    for persona in ("hr_reviewer", "cdo", "viewer", "outsider", "requester"):
        api = session_api(getattr(org, persona))
        read = api.get(url)
        assert (read.status_code, read.json()["may_answer"]) == (200, False)
        response = api.patch(url, {"answers": [{"question": q.pk, "answer": "yes"}]})
        assert response.status_code in (403, 409), (persona, response.content)
        assert set(response.json()) == {"message", "errors"}
    assert not RiskAnswer.objects.exists()
    it = session_api(org.it_reviewer)
    assert it.get(url).json()["may_answer"] is True
    assert it.patch(url, {"answers": [{"question": q.pk, "answer": "yes"}]}).status_code == 200


def test_someone_elses_draft_has_no_assessment(org):
    question()
    draft = make_proposal(requester=org.requester)
    response = session_api(org.it_reviewer).get(f"/api/v1/proposals/{draft.reference}/risk/")
    assert response.status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"answers": []},
        {"answers": [{"question": 1, "answer": "maybe"}]},
        {"answers": [{"question": 10**30, "answer": "yes"}]},
        {"answers": [{"question": 0, "answer": "yes"}]},
        {"answers": [{"question": 1, "answer": "yes", "note": "a\x00b"}]},
        {"answers": [{"question": 1, "answer": "yes", "note": "\ud800"}]},
        {"answers": [{"question": 1, "answer": "yes", "note": "x" * 501}]},
        {"answers": [{"question": 1, "answer": "yes", "extra": 1}]},
        {"answers": [{"question": 999999, "answer": "yes"}]},
        {"answers": "yes"},
        {},
        [],
    ],
)
def test_bad_answers_are_refused_with_the_error_shape(org, body):
    q = question()
    body = _with_question(body, q.pk)
    proposal = make_proposal(requester=org.requester)
    response = session_api(org.requester).patch(
        f"/api/v1/proposals/{proposal.reference}/risk/", body
    )
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"message", "errors"}
    assert not RiskAnswer.objects.exists()
    assert not Event.objects.filter(kind="risk.answered").exists()


def _with_question(body, pk):
    """The rows naming question 1 name the real question instead."""
    if isinstance(body, dict) and isinstance(body.get("answers"), list):
        rows = [
            {**row, "question": pk} if row.get("question") == 1 else row for row in body["answers"]
        ]
        return {**body, "answers": rows}
    return body


def test_it_answering_in_review_asks_its_head(org):
    q = question(weight=1)
    proposal = make_proposal(requester=org.requester)
    session_api(org.requester).patch(
        f"/api/v1/proposals/{proposal.reference}/risk/",
        {"answers": [{"question": q.pk, "answer": "yes"}]},
    )
    proposal = proposal_submit(proposal=proposal, actor=org.requester)
    it = proposal.signoffs.get(department__code="IT")
    assert it.required_role == "reviewer"
    response = session_api(org.it_reviewer).patch(
        f"/api/v1/proposals/{proposal.reference}/risk/",
        {"answers": [{"question": q.pk, "answer": "no"}]},
    )
    assert response.json()["rating"] == "high"
    it.refresh_from_db()
    assert it.required_role == "head"


def test_a_catalog_token_cannot_answer(org):
    q = question()
    proposal = make_proposal(requester=org.requester)
    api = token_api(org.requester, scope="catalog")
    response = api.patch(
        f"/api/v1/proposals/{proposal.reference}/risk/",
        {"answers": [{"question": q.pk, "answer": "yes"}]},
    )
    assert response.status_code == 403
    assert not RiskAnswer.objects.exists()


def queries_of(call) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        result = call()
    return len(queries), result


def test_the_question_list_does_not_grow_in_queries(org):
    api = session_api(org.requester)
    question()
    api.get("/api/v1/risk-questions/")  # warm the session
    few, _response = queries_of(lambda: api.get("/api/v1/risk-questions/"))
    for i in range(15):
        question(f"Q{i}?")
    many, response = queries_of(lambda: api.get("/api/v1/risk-questions/"))
    assert many <= few
    assert len(response.json()["results"]) == 16


def test_the_assessment_does_not_grow_in_queries(org):
    proposal = make_proposal(
        requester=org.requester,
        solution=SolutionFactory(),
        new_vendor_name="",
        new_solution_name="",
    )
    api = session_api(org.requester)
    url = f"/api/v1/proposals/{proposal.reference}/risk/"
    q = question()
    api.patch(url, {"answers": [{"question": q.pk, "answer": "yes"}]})
    few, _response = queries_of(lambda: api.get(url))
    for i in range(10):
        extra = question(f"Q{i}?", fact=RiskFact.SSO if i % 2 else "")
        if not extra.fact:
            api.patch(url, {"answers": [{"question": extra.pk, "answer": "no"}]})
    many, response = queries_of(lambda: api.get(url))
    assert many <= few
    assert len(response.json()["items"]) == 11
