"""Hostile and out-of-range input answered 4xx in the one error shape, never a 500: deeply
nested JSON, costs whose TCO cannot be recorded, two edits racing on one proposal, ids beyond
what a database stores, and boolean filters given something that is not a boolean."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
from django.db import DataError, connection, connections, transaction

from api.fields import MAX_ID
from core.errors import DomainError
from core.money import MAX_AMOUNT
from decisions import services
from decisions.apis import ProposalInputSerializer
from decisions.models import Proposal, ProposalStatus
from tests.api.conftest import proposal_body, session_api, token_api
from tests.factories import GoalFactory, SolutionFactory, VendorFactory, make_proposal
from tests.services import need_postgres

pytestmark = pytest.mark.django_db

HUGE = "9" * 23  # beyond a signed 64-bit integer


class TestNesting:
    def test_it_answers_400_to_json_nested_past_the_recursion_limit(self, org):
        response = session_api(org.requester).post("/api/v1/proposals/", raw="[" * 100_000)
        assert response.status_code == 400
        assert response.json() == {
            "message": "Malformed request body: JSON is nested too deeply (the limit is 64 "
            "levels).",
            "errors": {},
        }

    def test_it_answers_400_to_valid_json_nested_past_the_depth_limit(self, org):
        raw = '{"title": ' + "[" * 64 + "]" * 64 + "}"  # 65 levels, well-formed
        response = session_api(org.requester).post("/api/v1/proposals/", raw=raw)
        assert response.status_code == 400
        assert "nested too deeply" in response.json()["message"]
        assert not Proposal.objects.exists()

    def test_it_parses_json_at_the_depth_limit(self, org):
        raw = '{"title": ' + "[" * 63 + "]" * 63 + "}"  # 64 levels: parsed, then refused
        response = session_api(org.requester).post("/api/v1/proposals/", raw=raw)
        assert response.status_code == 400
        assert "title" in response.json()["errors"]  # the serializer, not the parser, refused


BIG = {"amount": "999999999999.99", "currency": "USD"}


class TestTcoBound:
    def test_it_refuses_costs_whose_tco_cannot_be_recorded(self, org):
        body = proposal_body(
            one_off_cost=BIG, recurring_cost=BIG, recurring_period="monthly", term_months=600
        )
        response = session_api(org.requester).post("/api/v1/proposals/", body)
        assert response.status_code == 400, response.json()
        errors = response.json()["errors"]
        assert list(errors) == ["recurring_cost.amount"]
        assert "cannot exceed 999,999,999,999.99 EUR" in errors["recurring_cost.amount"][0]
        assert not Proposal.objects.exists()

    def test_it_blames_the_one_off_cost_when_it_alone_is_too_large(self, org):
        # 1e12 - 0.01 GBP fits its column but is 1.17e12 EUR.
        money = {"amount": "999999999999.99", "currency": "GBP"}
        zero = {"amount": "0", "currency": "GBP"}
        body = proposal_body(one_off_cost=money, recurring_cost=zero)
        response = session_api(org.requester).post("/api/v1/proposals/", body)
        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["one_off_cost.amount"]

    def test_it_refuses_a_patch_of_the_term_that_overflows_the_tco(self, org):
        draft = make_proposal(
            requester=org.requester,
            recurring_cost=Decimal("10000000000"),  # 1e10 a month: 1.2e11 over 12 months
            recurring_period="monthly",
            term_months=12,
        )
        api = session_api(org.requester)
        response = api.patch(f"/api/v1/proposals/{draft.reference}/", {"term_months": 600})
        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["recurring_cost.amount"]
        fits = api.patch(f"/api/v1/proposals/{draft.reference}/", {"term_months": 60})
        assert fits.status_code == 200, fits.json()

    def test_it_accepts_the_largest_tco_that_fits(self, org):
        amount = MAX_AMOUNT  # in EUR (rate 1), nothing recurring
        proposal = make_proposal(
            requester=org.requester, one_off_cost=amount, recurring_cost=Decimal("0")
        )
        proposal = services.proposal_submit(proposal=proposal, actor=org.requester)
        proposal.refresh_from_db()
        assert proposal.tco == proposal.tier_basis == amount

    def test_it_refuses_to_submit_a_draft_whose_tco_cannot_be_recorded(self, org):
        # A draft stored before the bound existed (or edited around the services).
        draft = make_proposal(requester=org.requester)
        Proposal.objects.filter(pk=draft.pk).update(
            currency="USD",
            one_off_cost=Decimal(BIG["amount"]),
            recurring_cost=Decimal(BIG["amount"]),
            recurring_period="monthly",
            term_months=600,
        )
        response = session_api(org.requester).post(f"/api/v1/proposals/{draft.reference}/submit/")
        assert response.status_code == 400, response.content
        assert "cannot exceed" in response.json()["message"]
        draft.refresh_from_db()
        assert (draft.status, draft.tco, draft.round) == (ProposalStatus.DRAFT, None, 0)
        # The draft's preview of who decides says why instead of failing.
        detail = session_api(org.requester).get(f"/api/v1/proposals/{draft.reference}/")
        assert detail.status_code == 200
        assert "cannot exceed" in detail.json()["who_decides"]["reason"]

    def test_it_refuses_a_same_vendor_total_that_cannot_be_recorded(self, org):
        # Each TCO fits; their sum, the tier basis of the second, does not.
        half = Decimal("600000000000.00")
        first = make_proposal(requester=org.requester, one_off_cost=half, recurring_cost=0)
        services.proposal_submit(proposal=first, actor=org.requester)
        second = make_proposal(requester=org.requester, one_off_cost=half, recurring_cost=0)
        with pytest.raises(DomainError, match="same vendor"):
            services.proposal_submit(proposal=second, actor=org.requester)
        second.refresh_from_db()
        assert second.status == ProposalStatus.DRAFT
        assert second.tier_basis is None

    def test_max_amount_is_exactly_what_the_columns_store(self, org):
        need_postgres()  # SQLite does not enforce max_digits
        draft = make_proposal(requester=org.requester)
        rows = Proposal.objects.filter(pk=draft.pk)
        rows.update(tco=MAX_AMOUNT, tier_basis=MAX_AMOUNT)
        with pytest.raises(DataError), transaction.atomic():
            rows.update(tier_basis=MAX_AMOUNT + Decimal("0.01"))


class TestRacingEdits:
    """Two PATCHes validated against the same row read before the lock: each alone is a whole
    proposal, together they are not. The second is refused on the locked row."""

    def both_named(self, org):
        return make_proposal(
            requester=org.requester, solution=SolutionFactory(), new_solution_name="Also named"
        )

    def validated(self, stale: Proposal, body: dict) -> dict:
        payload = ProposalInputSerializer(data=body, partial=True, context={"proposal": stale})
        assert payload.is_valid(), payload.errors
        return payload.service_kwargs()

    def test_it_refuses_the_second_of_two_edits_leaving_no_solution(self, org):
        stale = self.both_named(org)
        clear_solution = self.validated(stale, {"solution": None})
        clear_name = self.validated(stale, {"new_solution_name": ""})
        services.proposal_update(proposal=stale, actor=org.requester, **clear_solution)
        with pytest.raises(DomainError, match="name the new one"):
            services.proposal_update(proposal=stale, actor=org.requester, **clear_name)
        stale.refresh_from_db()
        assert (stale.solution_id, stale.new_solution_name) == (None, "Also named")

    def test_it_refuses_the_second_of_two_edits_disordering_the_pilot(self, org):
        import datetime as dt

        stale = make_proposal(
            requester=org.requester,
            pilot_start=dt.date(2026, 3, 1),
            pilot_end=dt.date(2026, 4, 1),
        )
        later_start = self.validated(stale, {"pilot_start": "2026-03-20"})
        earlier_end = self.validated(stale, {"pilot_end": "2026-03-10"})
        services.proposal_update(proposal=stale, actor=org.requester, **later_start)
        with pytest.raises(DomainError, match="cannot end before it starts"):
            services.proposal_update(proposal=stale, actor=org.requester, **earlier_end)

    def test_it_refuses_the_second_of_two_edits_overflowing_the_tco(self, org):
        stale = make_proposal(requester=org.requester, recurring_period="monthly")
        big_cost = self.validated(
            stale,
            {
                "one_off_cost": {"amount": "0", "currency": "EUR"},
                "recurring_cost": {"amount": "10000000000", "currency": "EUR"},
            },
        )
        long_term = self.validated(stale, {"term_months": 600})
        services.proposal_update(proposal=stale, actor=org.requester, **big_cost)
        with pytest.raises(DomainError, match="cannot exceed"):
            services.proposal_update(proposal=stale, actor=org.requester, **long_term)


@pytest.mark.django_db(transaction=True)
def test_it_answers_400_not_500_to_two_racing_patches(org):
    """Both PATCHes pass validation before either takes the row lock (held here until both
    wait on it); the one that goes second finds no solution named and is refused."""
    need_postgres()
    proposal = make_proposal(
        requester=org.requester, solution=SolutionFactory(), new_solution_name="Also named"
    )
    url = f"/api/v1/proposals/{proposal.reference}/"
    bodies = [{"solution": None}, {"new_solution_name": ""}]
    apis = [token_api(org.requester) for _ in bodies]
    results: dict[int, object] = {}

    def patch(index: int) -> None:
        try:
            results[index] = apis[index].patch(url, bodies[index])
        finally:
            connections.close_all()

    with transaction.atomic():
        Proposal.objects.select_for_update().get(pk=proposal.pk)
        threads = [threading.Thread(target=patch, args=(i,)) for i in range(len(bodies))]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 10
        with connection.cursor() as cursor:
            while time.monotonic() < deadline:
                # pg_locks, not pg_stat_activity: that is a snapshot frozen for the transaction.
                cursor.execute("SELECT count(DISTINCT pid) FROM pg_locks WHERE NOT granted")
                if cursor.fetchone()[0] >= len(bodies):
                    break
                time.sleep(0.02)
            else:
                pytest.fail("the two PATCHes never both waited for the row lock")
    for thread in threads:
        thread.join(10)

    statuses = sorted(response.status_code for response in results.values())
    assert statuses == [200, 400], [r.content for r in results.values()]
    refused = next(r for r in results.values() if r.status_code == 400)
    assert "name the new one" in refused.json()["message"]
    proposal.refresh_from_db()
    assert proposal.solution_id or proposal.new_solution_name  # still names a solution


class TestIdBounds:
    @pytest.mark.parametrize("value", [HUGE, str(MAX_ID + 1), "-1", "0", "1.5"])
    def test_it_answers_400_to_a_vendor_filter_no_id_can_have(self, org, value):
        api = token_api(org.requester, scope="catalog")
        response = api.get(f"/api/v1/solutions/?vendor={value}")
        assert response.status_code == 400, response.content
        assert list(response.json()["errors"]) == ["vendor"]

    def test_it_filters_by_the_largest_possible_vendor_id(self, org):
        SolutionFactory(vendor=VendorFactory())
        api = token_api(org.requester, scope="catalog")
        response = api.get(f"/api/v1/solutions/?vendor={MAX_ID}")
        assert response.status_code == 200
        assert response.json()["results"] == []

    def test_it_answers_400_to_a_goal_owner_no_id_can_have(self, org):
        GoalFactory()
        response = session_api(org.requester).get(f"/api/v1/goals/?owner={HUGE}")
        assert response.status_code == 400, response.content
        assert list(response.json()["errors"]) == ["owner"]

    @pytest.mark.parametrize(
        "path", ["signoffs", "solutions", "vendors", "departments", "goals", "decisions"]
    )
    def test_it_answers_404_to_an_id_beyond_any_row(self, org, path):
        response = session_api(org.requester).get(f"/api/v1/{path}/{HUGE}/")
        assert response.status_code == 404, response.content
        assert response.json()["message"]

    def test_it_answers_404_to_signing_an_id_beyond_any_row(self, org):
        response = session_api(org.hr_reviewer).post(f"/api/v1/signoffs/{HUGE}/approve/", {})
        assert response.status_code == 404


class TestStrictBooleans:
    @pytest.mark.parametrize(
        ("url", "name"),
        [
            ("/api/v1/proposals/?mine=xyz", "mine"),
            ("/api/v1/solutions/?is_deleted=maybe", "is_deleted"),
            ("/api/v1/vendors/?is_deleted=2", "is_deleted"),
            ("/api/v1/solutions/?iso27001=perhaps", "iso27001"),
            ("/api/v1/departments/?signoff_required=yes-ish", "signoff_required"),
            ("/api/v1/goals/?is_active=unknown", "is_active"),
        ],
    )
    def test_it_answers_400_naming_a_boolean_filter_that_is_not_a_boolean(self, org, url, name):
        response = session_api(org.requester).get(url)
        assert response.status_code == 400, response.content
        assert response.json()["errors"] == {name: ["Expected true or false."]}

    def test_it_takes_true_false_one_and_zero_in_any_case(self, org):
        mine = make_proposal(requester=org.requester, title="Mine")
        make_proposal(requester=org.hr_reviewer, title="Theirs", submit=True)
        api = session_api(org.requester)

        def titles(query):
            response = api.get(f"/api/v1/proposals/{query}")
            assert response.status_code == 200, response.json()
            return sorted(p["title"] for p in response.json()["results"])

        assert titles("?mine=true") == titles("?mine=TRUE") == titles("?mine=1") == [mine.title]
        assert titles("?mine=false") == titles("?mine=0") == ["Theirs"]
        assert titles("?mine=") == ["Mine", "Theirs"]  # empty: not filtered

    def test_it_still_hides_tombstones_unless_asked(self, org):
        live = SolutionFactory(name="Live")
        gone = SolutionFactory(name="Gone", source="feed", external_id="1")
        gone.is_deleted = True
        gone.save()
        api = token_api(org.requester, scope="catalog")

        def names(query):
            response = api.get(f"/api/v1/solutions/{query}")
            assert response.status_code == 200, response.json()
            return [s["name"] for s in response.json()["results"]]

        assert names("") == names("?is_deleted=False") == [live.name]
        assert names("?is_deleted=True") == [gone.name]
