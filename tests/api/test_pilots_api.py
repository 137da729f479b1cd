"""A pilot through the API: read, plan, rate, review, verdicts and the CDO's decision, every
answer checked against the published schema (tests/schema_check.py), refusals in the one
error shape."""

from __future__ import annotations

import pytest

from decisions.models import ProposalStatus
from landscape.models import Lifecycle
from tests.api.conftest import session_api, token_api
from tests.pilots import ended_pilot

pytestmark = pytest.mark.django_db


def url(proposal, tail=""):
    return f"/api/v1/proposals/{proposal.reference}/pilot/{tail}"


@pytest.fixture
def ended(org):
    return ended_pilot(org, vendor="Pilotly", participants=[org.outsider, org.viewer])


def test_it_reads_the_pilot_with_criteria_participants_and_scores(org, ended):
    body = session_api(org.outsider).get(url(ended)).json()
    assert body["reference"] == ended.reference
    assert body["status"] == "piloting"
    assert body["ended"] is True
    assert body["criteria"] == [
        {
            "id": ended.pilot_criteria.get().pk,
            "metric": "Weekly users",
            "target": "40.00",
            "unit": "%",
            "how_measured": "",
            "direction": "higher",
            "measured": None,
            "met": None,
            "average_score": None,
            "answers": 0,
        }
    ]
    assert [p["username"] for p in body["participants"]] == ["otto.outsider", "vera.viewer"]
    assert body["scores"]["promoter_score"] is None
    assert body["review"] is None
    assert body["may_rate"] is True


def test_the_owner_plans_with_a_token(org, ended):
    api = token_api(org.requester)
    body = api.patch(
        url(ended),
        {
            "criteria": [
                {"metric": "Offers accepted", "target": "70.5", "direction": "higher"},
                {"metric": "Time to hire", "target": "30", "unit": "days", "direction": "lower"},
            ],
            "participants": ["otto.outsider", "ivan.it@example.com"],
        },
    ).json()
    assert [(c["metric"], c["target"], c["direction"]) for c in body["criteria"]] == [
        ("Offers accepted", "70.50", "higher"),
        ("Time to hire", "30.00", "lower"),
    ]
    assert [p["username"] for p in body["participants"]] == ["otto.outsider", "ivan.it"]


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"criteria": [{"metric": "", "target": "1"}]}, "criteria"),
        ({"criteria": [{"metric": "A", "target": "x"}]}, "criteria"),
        ({"criteria": [{"metric": "A", "target": "1", "colour": "red"}]}, "criteria"),
        ({"participants": ["nobody.here"]}, "participants"),
        ({"end": "not a date"}, "end"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_a_bad_plan_is_a_400_in_the_error_shape(org, ended, patch, field):
    response = session_api(org.requester).patch(url(ended), patch)
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"message", "errors"}
    assert any(key.split(".")[0] == field for key in body["errors"]), body


def test_a_participant_rates_once_and_the_scores_follow(org, ended):
    criterion = ended.pilot_criteria.get()
    api = session_api(org.outsider)
    rating = {"recommend": 10, "scores": [{"criterion": criterion.pk, "score": 5}]}
    response = api.post(url(ended, "rating/"), rating)
    assert response.status_code == 201
    body = response.json()
    assert body["scores"] == {
        "answers": 1,
        "promoters": 1,
        "passives": 0,
        "detractors": 0,
        "promoter_score": 100,
    }
    assert body["my_rating"]["recommend"] == 10
    assert body["my_rating"]["scores"] == {str(criterion.pk): 5}
    assert body["criteria"][0]["average_score"] == "5.0"
    again = api.post(url(ended, "rating/"), rating)
    assert again.status_code == 409
    assert "already" in again.json()["message"]


def test_a_rating_must_score_within_range(org, ended):
    criterion = ended.pilot_criteria.get()
    response = session_api(org.outsider).post(
        url(ended, "rating/"),
        {"recommend": 11, "scores": [{"criterion": criterion.pk, "score": 0}]},
    )
    assert response.status_code == 400
    assert {key.split(".")[0] for key in response.json()["errors"]} == {"recommend", "scores"}


def test_a_non_participant_cannot_rate(org, ended):
    criterion = ended.pilot_criteria.get()
    response = session_api(org.hr_reviewer).post(
        url(ended, "rating/"), {"recommend": 9, "scores": [{"criterion": criterion.pk, "score": 4}]}
    )
    assert response.status_code == 403


def test_review_verdicts_and_keep_adopt_the_tool(org):
    proposal = ended_pilot(org, vendor="Keepsy", participants=[org.outsider], stage="measured")
    opened = session_api(org.requester).post(url(proposal, "review/"))
    assert opened.status_code == 201
    assert opened.json()["review"]["status"] == "open"
    assert opened.json()["review"]["outcome"] is None
    refused = session_api(org.it_reviewer).post(
        url(proposal, "verdicts/"), {"department": "HR", "verdict": "keep"}
    )
    assert refused.status_code == 403
    for code, user in (("HR", org.hr_reviewer), ("IT", org.it_reviewer), ("MKT", org.mkt_reviewer)):
        response = session_api(user).post(
            url(proposal, "verdicts/"), {"department": code, "verdict": "keep"}
        )
        assert response.status_code == 201
    body = response.json()
    assert body["status"] == ProposalStatus.ADOPTED
    assert body["review"]["outcome"] == "keep"
    assert [v["department"] for v in body["review"]["verdicts"]] == ["HR", "IT", "MKT"]
    proposal.refresh_from_db()
    assert proposal.tool.lifecycle == Lifecycle.ADOPTED


def test_a_stop_without_reason_is_refused(org):
    proposal = ended_pilot(org, vendor="Stopsy", participants=[], stage="in_review")
    response = session_api(org.hr_reviewer).post(
        url(proposal, "verdicts/"), {"department": "HR", "verdict": "stop"}
    )
    assert response.status_code == 400
    assert "reason" in response.json()["errors"]


def test_the_cdo_decides_a_dispute_and_nobody_else(org):
    proposal = ended_pilot(org, vendor="Disputy", participants=[], stage="disputed")
    decision = {"outcome": "extend", "rationale": "Another month.", "new_end": "2099-01-31"}
    assert session_api(org.superuser).post(url(proposal, "decision/"), decision).status_code == 403
    assert session_api(org.hr_head).post(url(proposal, "decision/"), decision).status_code == 403
    response = session_api(org.cdo).post(url(proposal, "decision/"), decision)
    assert response.status_code == 200
    body = response.json()
    assert body["round"] == 2
    assert body["end"] == "2099-01-31"
    assert body["review"] is None  # the new round has none yet
    assert body["criteria"][0]["measured"] is None


def test_a_retirement_has_no_pilot(org):
    from tests.factories import ToolFactory, make_proposal

    tool = ToolFactory(owner_department=org.departments["HR"])
    retirement = make_proposal(requester=org.requester, kind="retirement", tool=tool)
    assert session_api(org.requester).get(url(retirement)).status_code == 404
