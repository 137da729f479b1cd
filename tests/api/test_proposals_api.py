"""Proposals through the API: create, read, edit a draft (If-Match), submit, withdraw, decide;
bad input answered 400 naming the field; conditional reads; pagination; query counts."""

from __future__ import annotations

import json

import pytest

from audit.models import Event
from decisions import services
from decisions.models import Proposal, ProposalStatus, SignOffStatus
from tests.api.conftest import proposal_body, session_api
from tests.factories import GoalFactory, SolutionFactory, make_proposal

pytestmark = pytest.mark.django_db


def test_it_creates_a_draft_with_money_goals_and_integrations(org):
    goal = GoalFactory(code="onboarding", title="Onboard faster")
    in_use = SolutionFactory(in_use=True)
    api = session_api(org.requester)
    body = proposal_body(
        goals=[{"goal": "onboarding", "note": "Day one ready"}], integrates_with=[in_use.pk]
    )
    response = api.post("/api/v1/proposals/", body)
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["reference"].startswith("TP-")
    assert data["status"] == "draft"
    assert data["requester"]["username"] == org.requester.username
    assert data["one_off_cost"] == {"amount": "1500.00", "currency": "EUR"}
    assert data["estimated_tco"] == {"amount": "8700.00", "currency": "EUR"}  # 1500 + 300 * 24
    assert data["tco"] is None  # fixed at submission
    assert data["goals"] == [{"code": goal.code, "title": goal.title, "note": "Day one ready"}]
    assert [s["id"] for s in data["integrates_with"]] == [in_use.pk]
    assert data["who_decides"]["fixed"] is False
    assert data["who_decides"]["tier"]["name"] == "Small"
    assert response.headers["ETag"]
    proposal = Proposal.objects.get(reference=data["reference"])
    assert Event.objects.filter(proposal_id=proposal.pk, kind="proposal.created").exists()


def test_it_takes_the_category_from_a_catalog_solution(org):
    solution = SolutionFactory(category="learning")
    body = proposal_body(solution=solution.pk, new_solution_name="", new_vendor_name="")
    del body["category"]
    response = session_api(org.requester).post("/api/v1/proposals/", body)
    assert response.status_code == 201, response.json()
    assert response.json()["category"] == "learning"
    assert response.json()["solution"]["vendor"]["name"] == solution.vendor.name


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"colour": "blue"}, "colour"),  # unknown field
        ({"title": 42}, "title"),  # wrong type
        ({"term_months": "twelve"}, "term_months"),
        ({"processes_personal_data": "maybe"}, "processes_personal_data"),
        ({"category": "astrology"}, "category"),  # unknown category
        ({"one_off_cost": {"amount": "10", "currency": "XYZ"}}, "one_off_cost.currency"),
        ({"one_off_cost": {"amount": "ten", "currency": "EUR"}}, "one_off_cost.amount"),
        ({"one_off_cost": {"amount": "-5", "currency": "EUR"}}, "one_off_cost.amount"),
        ({"one_off_cost": "1500"}, "one_off_cost.non_field_errors"),
        ({"recurring_cost": {"amount": "1", "currency": "USD"}}, "recurring_cost.currency"),
        ({"requesting_department": "NOPE"}, "requesting_department"),
        ({"new_solution_name": ""}, "new_solution_name"),
        ({"pilot_start": "2026-05-01", "pilot_end": "2026-04-01"}, "pilot_end"),
        ({"goals": [{"goal": "no-such-goal"}]}, "goals.0.goal"),
        ({"title": "x" * 201}, "title"),
        ({"term_months": 10**9}, "term_months"),
    ],
)
def test_it_answers_400_naming_the_field(org, change, field):
    body = proposal_body(**change)
    response = session_api(org.requester).post("/api/v1/proposals/", body)
    assert response.status_code == 400, response.content
    data = response.json()
    assert field in data["errors"], data
    assert data["message"]
    assert not Proposal.objects.exists()  # nothing half-written


def test_it_refuses_a_body_that_is_not_an_object(org):
    response = session_api(org.requester).post("/api/v1/proposals/", [1, 2])
    assert response.status_code == 400
    assert response.json()["errors"] == {"non_field_errors": ["Expected a JSON object."]}


def test_it_answers_malformed_json_with_400(org):
    response = session_api(org.requester).post("/api/v1/proposals/", raw='{"title": "x",')
    assert response.status_code == 400
    assert response.json()["message"].startswith("Malformed request body")
    assert response.json()["errors"] == {}


def test_it_refuses_duplicate_keys(org):
    raw = '{"title": "a", "title": "b"}'
    response = session_api(org.requester).post("/api/v1/proposals/", raw=raw)
    assert response.status_code == 400
    assert "duplicate key" in response.json()["message"]


def test_it_refuses_other_media_types_with_415(org):
    api = session_api(org.requester)
    response = api.client.post("/api/v1/proposals/", data="title=x", content_type="text/plain")
    assert response.status_code == 415
    assert set(response.json()) == {"message", "errors"}


def test_it_refuses_a_body_over_the_limit_with_413(org, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_000
    body = proposal_body(problem="x" * 5_000)
    response = session_api(org.requester).post("/api/v1/proposals/", body)
    assert response.status_code == 413
    assert "too large" in response.json()["message"]
    assert not Proposal.objects.exists()


def test_it_does_not_read_a_body_without_a_content_length(org, settings):
    # Without Content-Length (a chunked upload) DRF reads no body at all, so a huge one cannot
    # be parsed into memory: the request is answered as empty.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_000
    api = session_api(org.requester)
    payload = json.dumps(proposal_body(problem="x" * 5_000))
    response = api.client.generic(
        "POST", "/api/v1/proposals/", payload, content_type="application/json", CONTENT_LENGTH=""
    )
    assert response.status_code == 400
    assert "title" in response.json()["errors"]
    assert not Proposal.objects.exists()


def test_the_parser_stops_reading_past_the_limit(settings):
    import io

    from api.errors import RequestTooLarge
    from api.parsers import LimitedJSONParser

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    stream = io.BytesIO(json.dumps({"title": "x" * 500}).encode())
    with pytest.raises(RequestTooLarge):
        LimitedJSONParser().parse(stream, "application/json", {})
    assert stream.tell() == 101  # read one byte past the limit, not the whole body


class TestEditing:
    def test_it_updates_a_draft(self, org):
        draft = make_proposal(requester=org.requester)
        api = session_api(org.requester)
        response = api.patch(
            f"/api/v1/proposals/{draft.reference}/",
            {"title": "Sharper title", "recurring_cost": {"amount": "900", "currency": "EUR"}},
        )
        assert response.status_code == 200, response.json()
        assert response.json()["title"] == "Sharper title"
        assert response.json()["recurring_cost"] == {"amount": "900.00", "currency": "EUR"}
        draft.refresh_from_db()
        assert draft.title == "Sharper title"

    def test_it_refuses_someone_elses_draft(self, org):
        draft = make_proposal(requester=org.requester)
        response = session_api(org.hr_reviewer).patch(
            f"/api/v1/proposals/{draft.reference}/", {"title": "Mine now"}
        )
        assert response.status_code == 404  # another's draft is private: it is not there
        draft.refresh_from_db()
        assert draft.title != "Mine now"

    def test_it_refuses_someone_elses_proposal_returned_for_changes(self, org):
        proposal = make_proposal(requester=org.requester, submit=True)
        services.signoff_decide(
            signoff=proposal.signoffs.get(department__code="HR"),
            actor=org.hr_reviewer,
            outcome="changes_requested",
            comment="Add the works council's view.",
        )
        response = session_api(org.hr_reviewer).patch(
            f"/api/v1/proposals/{proposal.reference}/", {"title": "Mine now"}
        )
        assert response.status_code == 403  # visible once submitted, but not theirs to edit
        proposal.refresh_from_db()
        assert proposal.title != "Mine now"

    def test_it_refuses_to_edit_a_submitted_proposal_with_409(self, org):
        proposal = make_proposal(requester=org.requester, submit=True)
        response = session_api(org.requester).patch(
            f"/api/v1/proposals/{proposal.reference}/", {"title": "Too late"}
        )
        assert response.status_code == 409
        assert "can no longer be edited" in response.json()["message"]

    def test_it_refuses_to_change_one_costs_currency_alone(self, org):
        draft = make_proposal(requester=org.requester)
        response = session_api(org.requester).patch(
            f"/api/v1/proposals/{draft.reference}/",
            {"one_off_cost": {"amount": "10", "currency": "USD"}},
        )
        assert response.status_code == 400
        assert "one_off_cost.currency" in response.json()["errors"]

    def test_it_answers_304_to_a_matching_if_none_match(self, org):
        draft = make_proposal(requester=org.requester)
        api = session_api(org.requester)
        first = api.get(f"/api/v1/proposals/{draft.reference}/")
        etag = first.headers["ETag"]
        again = api.get(f"/api/v1/proposals/{draft.reference}/", HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 304
        assert again.headers["ETag"] == etag
        assert again.content == b""
        weak = api.get(f"/api/v1/proposals/{draft.reference}/", HTTP_IF_NONE_MATCH=f"W/{etag}")
        assert weak.status_code == 304

    def test_the_etag_changes_when_the_proposal_does(self, org):
        draft = make_proposal(requester=org.requester)
        api = session_api(org.requester)
        etag = api.get(f"/api/v1/proposals/{draft.reference}/").headers["ETag"]
        api.patch(f"/api/v1/proposals/{draft.reference}/", {"title": "New"})
        response = api.get(f"/api/v1/proposals/{draft.reference}/", HTTP_IF_NONE_MATCH=etag)
        assert response.status_code == 200
        assert response.headers["ETag"] != etag

    def test_it_answers_412_when_if_match_is_stale(self, org):
        draft = make_proposal(requester=org.requester)
        api = session_api(org.requester)
        etag = api.get(f"/api/v1/proposals/{draft.reference}/").headers["ETag"]
        # Someone (another tab) edits it in between.
        services.proposal_update(proposal=draft, actor=org.requester, data={"title": "Theirs"})
        events = Event.objects.count()
        response = api.patch(
            f"/api/v1/proposals/{draft.reference}/", {"title": "Mine"}, HTTP_IF_MATCH=etag
        )
        assert response.status_code == 412
        assert set(response.json()) == {"message", "errors"}
        draft.refresh_from_db()
        assert draft.title == "Theirs"
        assert Event.objects.count() == events  # nothing written

    def test_it_updates_when_if_match_is_current(self, org):
        draft = make_proposal(requester=org.requester)
        api = session_api(org.requester)
        etag = api.get(f"/api/v1/proposals/{draft.reference}/").headers["ETag"]
        response = api.patch(
            f"/api/v1/proposals/{draft.reference}/", {"title": "Mine"}, HTTP_IF_MATCH=etag
        )
        assert response.status_code == 200
        assert response.headers["ETag"] != etag

    def test_put_is_not_offered(self, org):
        draft = make_proposal(requester=org.requester)
        response = session_api(org.requester).request(
            "PUT", f"/api/v1/proposals/{draft.reference}/", proposal_body()
        )
        assert response.status_code == 405
        assert set(response.json()) == {"message", "errors"}


class TestTransitions:
    def test_it_submits_and_fixes_who_decides(self, org):
        draft = make_proposal(requester=org.requester)
        response = session_api(org.requester).post(f"/api/v1/proposals/{draft.reference}/submit/")
        assert response.status_code == 200, response.json()
        data = response.json()
        assert data["status"] == "in_review"
        assert data["tco"] == {"amount": "14000.00", "currency": "EUR"}
        assert data["tier"]["name"] == "Medium"
        assert "Medium" in data["tier_reason"]
        who = data["who_decides"]
        assert who["fixed"] is True
        assert who["cdo_decision_required"] is True
        assert sorted(d["department"]["code"] for d in who["departments"]) == ["HR", "IT", "MKT"]
        assert {s["status"] for s in data["signoffs"]} == {"pending"}

    def test_a_second_submit_is_a_conflict(self, org):
        draft = make_proposal(requester=org.requester)
        api = session_api(org.requester)
        assert api.post(f"/api/v1/proposals/{draft.reference}/submit/").status_code == 200
        again = api.post(f"/api/v1/proposals/{draft.reference}/submit/")
        assert again.status_code == 409
        assert "cannot be submitted" in again.json()["message"]
        assert draft.signoffs.count() == 3  # no second round

    def test_it_withdraws_with_a_reason(self, org):
        proposal = make_proposal(requester=org.requester, submit=True)
        response = session_api(org.requester).post(
            f"/api/v1/proposals/{proposal.reference}/withdraw/", {"reason": "Budget moved."}
        )
        assert response.status_code == 200
        assert response.json()["status"] == "withdrawn"
        assert {s["status"] for s in response.json()["signoffs"]} == {"cancelled"}

    def test_the_cdo_decides_and_the_decision_is_listed(self, org):
        proposal = make_proposal(requester=org.requester, submit=True)
        for code, reviewer in org.reviewers.items():
            services.signoff_decide(
                signoff=proposal.signoffs.get(department__code=code),
                actor=reviewer,
                outcome=SignOffStatus.APPROVED,
            )
        api = session_api(org.cdo)
        response = api.post(
            f"/api/v1/proposals/{proposal.reference}/decide/",
            {"outcome": "approved", "rationale": "Fits.", "conditions": "Pilot first."},
        )
        assert response.status_code == 201, response.json()
        assert response.json()["outcome"] == "approved"
        detail = api.get(f"/api/v1/proposals/{proposal.reference}/").json()
        assert detail["status"] == ProposalStatus.APPROVED
        assert detail["decision"]["conditions"] == "Pilot first."
        listed = api.get("/api/v1/decisions/?outcome=approved").json()["results"]
        assert [d["proposal"]["reference"] for d in listed] == [proposal.reference]
        again = api.post(
            f"/api/v1/proposals/{proposal.reference}/decide/",
            {"outcome": "rejected", "rationale": "Changed my mind."},
        )
        assert again.status_code == 409

    def test_a_decision_needs_a_rationale(self, org):
        proposal = make_proposal(requester=org.requester, submit=True)
        response = session_api(org.cdo).post(
            f"/api/v1/proposals/{proposal.reference}/decide/", {"outcome": "approved"}
        )
        assert response.status_code == 400
        assert "rationale" in response.json()["errors"]

    def test_an_unknown_reference_is_404(self, org):
        response = session_api(org.requester).get("/api/v1/proposals/TP-1999-0001/")
        assert response.status_code == 404
        assert set(response.json()) == {"message", "errors"}


class TestListing:
    def test_it_filters_searches_and_orders(self, org):
        make_proposal(requester=org.requester, title="Alpha learning", category="learning")
        make_proposal(requester=org.requester, submit=True, title="Beta hiring")
        make_proposal(requester=org.hr_reviewer, title="Gamma hiring")
        api = session_api(org.requester)

        def refs(query):
            response = api.get(f"/api/v1/proposals/{query}")
            assert response.status_code == 200, response.json()
            return [p["title"] for p in response.json()["results"]]

        assert refs("?status=in_review") == ["Beta hiring"]
        # Gamma is another's draft: private to its requester, in lists and searches alike.
        assert refs("?status=draft&status=in_review&ordering=title") == [
            "Alpha learning",
            "Beta hiring",
        ]
        assert refs("?category=learning") == ["Alpha learning"]
        assert refs("?search=hiring&ordering=-title") == ["Beta hiring"]
        assert refs("?mine=true&ordering=title") == ["Alpha learning", "Beta hiring"]
        assert refs("?requesting_department=HR&tier=Medium") == ["Beta hiring"]
        assert refs("?paying_department=IT") == []
        bad = api.get("/api/v1/proposals/?status=lost")
        assert bad.status_code == 400
        assert "status" in bad.json()["errors"]

    def test_cursor_pagination_walks_every_row_once(self, org):
        for n in range(23):
            make_proposal(requester=org.requester, title=f"P{n:02d}")
        api = session_api(org.requester)
        for ordering in ("", "&ordering=title", "&ordering=-updated_at"):
            url = f"/api/v1/proposals/?page_size=5{ordering}"
            seen, pages = [], 0
            while url:
                page = api.get(url).json()
                seen += [p["reference"] for p in page["results"]]
                url, pages = page["next"], pages + 1
            assert pages == 5
            assert len(seen) == len(set(seen)) == 23

    def test_page_size_is_capped(self, org):
        for _n in range(3):
            make_proposal(requester=org.requester)
        response = session_api(org.requester).get("/api/v1/proposals/?page_size=100000")
        assert response.status_code == 200
        assert len(response.json()["results"]) == 3

    def test_a_broken_cursor_is_404_in_the_error_shape(self, org):
        response = session_api(org.requester).get("/api/v1/proposals/?cursor=garbage")
        assert response.status_code == 404
        assert set(response.json()) == {"message", "errors"}
