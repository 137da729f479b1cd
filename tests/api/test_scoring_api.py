"""The scoring API: the comparison read by anyone who sees the proposal, alternatives set by the
requester, scores recorded by a signing department's reviewers; refusals in the error shape,
changing nothing; bad input refused cleanly; a fixed number of queries."""

from __future__ import annotations

import pytest

from decisions.models import AlternativeScore, ProposalAlternative
from tests.api.conftest import session_api
from tests.factories import SolutionFactory
from tests.scoring import scored_proposal

pytestmark = pytest.mark.django_db


def _url(proposal, tail: str = "") -> str:
    return f"/api/v1/proposals/{proposal.reference}/scoring/{tail}"


def _refused(response, status: int) -> None:
    assert response.status_code == status, response.content
    assert set(response.json()) == {"message", "errors"}


def test_reviewers_score_and_the_comparison_shows_totals_and_ranks(org):
    proposal, alternative, criteria = scored_proposal(org)
    hr = session_api(org.hr_reviewer)
    a = str(alternative.pk)
    body = {
        "department": "HR",
        "scores": [
            {"option": "proposed", "criterion": criteria["fit"].pk, "score": 5},
            {"option": "proposed", "criterion": criteria["cost"].pk, "score": 1},
            {"option": a, "criterion": criteria["fit"].pk, "score": 2},
            {"option": a, "criterion": criteria["cost"].pk, "score": 5},
        ],
    }
    data = hr.post(_url(proposal, "scores/"), body).json()
    hr_row = next(d for d in data["departments"] if d["code"] == "HR")
    assert hr_row["totals"] == ["4.00", "2.75"]
    assert hr_row["counted"] is True
    assert hr_row["may_score"] is True
    assert [o["rank"] for o in data["options"]] == [1, 2]
    assert data["proposed_ranked_first"] is True
    assert "weight" in data["method"]


def test_the_requester_adds_a_catalog_alternative_and_removes_it(org):
    proposal, _alternative, _c = scored_proposal(org)
    me = session_api(org.requester)
    solution = SolutionFactory()
    response = me.post(_url(proposal, "alternatives/"), {"solution": solution.pk})
    assert response.status_code == 201
    assert response.json()["options"][-1]["solution"] == solution.pk
    added = ProposalAlternative.objects.get(solution=solution)
    assert me.delete(_url(proposal, f"alternatives/{added.pk}/")).status_code == 200
    assert not ProposalAlternative.objects.filter(pk=added.pk).exists()


def test_an_unknown_catalog_solution_is_refused(org):
    proposal, _a, _c = scored_proposal(org)
    response = session_api(org.requester).post(
        _url(proposal, "alternatives/"), {"solution": 2**31 - 1}
    )
    _refused(response, 400)
    assert ProposalAlternative.objects.count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {"name": "Bad\x00name"},
        {"name": "Lone \ud800 surrogate"},
        {"solution": 10**30},
        {"name": "x" * 151},
        {"name": 5},
        {"name": "Ok", "unknown": 1},
    ],
)
def test_bad_alternatives_are_refused_cleanly(org, body):
    proposal, _a, _c = scored_proposal(org)
    response = session_api(org.requester).post(_url(proposal, "alternatives/"), body)
    _refused(response, 400)
    assert ProposalAlternative.objects.count() == 1


@pytest.mark.parametrize(
    "score",
    [0, 6, 10**30, "five", 2.5, [4]],
)
def test_bad_scores_are_refused_cleanly_and_nothing_is_written(org, score):
    proposal, _a, criteria = scored_proposal(org)
    response = session_api(org.hr_reviewer).post(
        _url(proposal, "scores/"),
        {
            "department": "HR",
            "scores": [
                {"option": "proposed", "criterion": criteria["fit"].pk, "score": 3},
                {"option": "proposed", "criterion": criteria["cost"].pk, "score": score},
            ],
        },
    )
    _refused(response, 400)
    assert not AlternativeScore.objects.exists()


def test_an_unknown_criterion_or_department_is_refused(org):
    proposal, _a, _c = scored_proposal(org)
    hr = session_api(org.hr_reviewer)
    for body in (
        {
            "department": "HR",
            "scores": [{"option": "proposed", "criterion": 2**31 - 1, "score": 3}],
        },
        {"department": "NOPE", "scores": []},
        {"department": "HR\x00", "scores": []},
    ):
        _refused(hr.post(_url(proposal, "scores/"), body), 400)
    assert not AlternativeScore.objects.exists()


def test_the_it_reviewer_may_not_score_for_hr(org):
    proposal, _a, criteria = scored_proposal(org)
    response = session_api(org.it_reviewer).post(
        _url(proposal, "scores/"),
        {
            "department": "HR",
            "scores": [{"option": "proposed", "criterion": criteria["fit"].pk, "score": 3}],
        },
    )
    _refused(response, 403)
    assert not AlternativeScore.objects.exists()


def test_reading_the_comparison_takes_the_same_queries_however_many_options(
    org, django_assert_max_num_queries
):
    proposal, _a, _c = scored_proposal(org)
    api = session_api(org.cdo)
    with django_assert_max_num_queries(40) as few:
        assert api.get(_url(proposal)).status_code == 200
    baseline = len(few.captured_queries)  # read now: the next requests reset the log
    me = session_api(org.requester)
    for i in range(4):
        me.post(_url(proposal, "alternatives/"), {"name": f"Alt {i}"})
    with django_assert_max_num_queries(baseline):
        assert api.get(_url(proposal)).status_code == 200
