"""Sign-offs through the API: the queue, the same rights as the browser, checklists, and two
reviewers of one department approving at once (on PostgreSQL)."""

from __future__ import annotations

import pytest

from audit.models import Event
from decisions.models import SignOffStatus
from stakeholders.models import AnswerKind, ChecklistQuestion
from tests.api.conftest import session_api, token_api
from tests.factories import make_proposal

pytestmark = pytest.mark.django_db


def hr_signoff(proposal):
    return proposal.signoffs.get(department__code="HR")


def test_the_queue_lists_what_i_may_sign(org):
    proposal = make_proposal(requester=org.requester, submit=True)
    make_proposal(requester=org.requester)  # a draft: nothing to sign
    queue = session_api(org.hr_reviewer).get("/api/v1/signoffs/").json()["results"]
    assert [(s["proposal"]["reference"], s["department"]["code"]) for s in queue] == [
        (proposal.reference, "HR")
    ]
    assert session_api(org.requester).get("/api/v1/signoffs/").json()["results"] == []
    assert session_api(org.outsider).get("/api/v1/signoffs/").json()["results"] == []


def test_it_approves_with_the_checklist(org):
    question = ChecklistQuestion.objects.create(
        department=org.departments["HR"], text="Works council informed?", kind=AnswerKind.YES_NO
    )
    proposal = make_proposal(requester=org.requester, submit=True)
    signoff = hr_signoff(proposal)
    api = session_api(org.hr_reviewer)
    detail = api.get(f"/api/v1/signoffs/{signoff.pk}/").json()
    assert detail["can_sign"] is True
    assert [q["id"] for q in detail["checklist"]] == [question.pk]

    missing = api.post(f"/api/v1/signoffs/{signoff.pk}/approve/", {"comment": "ok"})
    assert missing.status_code == 400
    assert "Works council" in missing.json()["message"]
    assert list(missing.json()["errors"]) == ["answers"]

    not_yes_no = api.post(
        f"/api/v1/signoffs/{signoff.pk}/approve/", {"answers": {str(question.pk): "maybe"}}
    )
    assert not_yes_no.status_code == 400
    assert list(not_yes_no.json()["errors"]) == [f"answers.{question.pk}"]

    bad_key = api.post(f"/api/v1/signoffs/{signoff.pk}/approve/", {"answers": {"q1": "yes"}})
    assert bad_key.status_code == 400
    assert "answers" in bad_key.json()["errors"]

    response = api.post(
        f"/api/v1/signoffs/{signoff.pk}/approve/",
        {"comment": "Fine.", "answers": {str(question.pk): "yes"}},
    )
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["status"] == "approved"
    assert data["reviewer"]["username"] == org.hr_reviewer.username
    assert data["answers"] == {
        str(question.pk): {"question": "Works council informed?", "answer": "yes"}
    }
    assert data["can_sign"] is False


def test_request_changes_returns_the_proposal(org):
    proposal = make_proposal(requester=org.requester, submit=True)
    response = session_api(org.it_reviewer).post(
        f"/api/v1/signoffs/{proposal.signoffs.get(department__code='IT').pk}/request-changes/",
        {"comment": "Which SSO?"},
    )
    assert response.status_code == 200
    assert response.json()["proposal"]["status"] == "changes_requested"


def test_it_names_the_comment_when_a_rejection_gives_no_reason(org):
    proposal = make_proposal(requester=org.requester, submit=True)
    response = session_api(org.hr_reviewer).post(
        f"/api/v1/signoffs/{hr_signoff(proposal).pk}/reject/", {"comment": "  "}
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["comment"]
    assert hr_signoff(proposal).status == SignOffStatus.PENDING


def test_a_reviewer_cannot_sign_for_another_department(org):
    proposal = make_proposal(requester=org.requester, submit=True)
    response = session_api(org.it_reviewer).post(
        f"/api/v1/signoffs/{hr_signoff(proposal).pk}/approve/", {}
    )
    assert response.status_code == 403
    assert hr_signoff(proposal).status == SignOffStatus.PENDING


def test_the_requester_cannot_sign_their_own_proposal(org):
    # Even as a member of the department who could otherwise sign.
    proposal = make_proposal(requester=org.hr_reviewer, submit=True)
    for api in (session_api(org.hr_reviewer), token_api(org.hr_reviewer)):
        response = api.post(f"/api/v1/signoffs/{hr_signoff(proposal).pk}/approve/", {})
        assert response.status_code == 403
    assert hr_signoff(proposal).status == SignOffStatus.PENDING


def test_a_second_signature_is_a_conflict(org):
    proposal = make_proposal(requester=org.requester, submit=True)
    url = f"/api/v1/signoffs/{hr_signoff(proposal).pk}/approve/"
    assert session_api(org.hr_reviewer).post(url, {}).status_code == 200
    again = session_api(org.hr_head).post(url, {})
    assert again.status_code == 409
    assert set(again.json()) == {"message", "errors"}


def test_a_full_token_signs_with_its_users_rights(org):
    proposal = make_proposal(requester=org.requester, submit=True)
    response = token_api(org.mkt_reviewer).post(
        f"/api/v1/signoffs/{proposal.signoffs.get(department__code='MKT').pk}/reject/",
        {"comment": "Brand risk."},
    )
    assert response.status_code == 200
    assert response.json()["proposal"]["status"] == "rejected"


def test_unknown_fields_in_a_signoff_body_are_refused(org):
    proposal = make_proposal(requester=org.requester, submit=True)
    response = session_api(org.hr_reviewer).post(
        f"/api/v1/signoffs/{hr_signoff(proposal).pk}/approve/", {"coment": "typo"}
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"coment": ["Unknown field."]}
    assert hr_signoff(proposal).status == SignOffStatus.PENDING


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_reviewers_approving_at_once_through_the_api_one_wins(org):
    from tests.decisions.test_concurrency import assert_chain_intact_and_gapless, run_at_once
    from tests.services import need_postgres

    need_postgres()
    for i in range(3):
        proposal = make_proposal(
            requester=org.requester, submit=True, new_vendor_name=f"Racing vendor {i}"
        )
        url = f"/api/v1/signoffs/{hr_signoff(proposal).pk}/approve/"
        reviewer, head = session_api(org.hr_reviewer), session_api(org.hr_head)
        outcomes = run_at_once(
            {
                "reviewer": lambda api=reviewer, u=url: api.post(u, {"comment": "r"}),
                "head": lambda api=head, u=url: api.post(u, {"comment": "h"}),
            }
        )
        assert all(o.ok for o in outcomes), "\n".join(map(str, outcomes))
        statuses = sorted(o.value.status_code for o in outcomes)
        assert statuses == [200, 409], [o.value.content for o in outcomes]
        assert Event.objects.filter(proposal_id=proposal.pk, kind="signoff.approved").count() == 1
    assert_chain_intact_and_gapless()
