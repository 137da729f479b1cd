"""Lock-in and exit (issue 12): the rating's scoring at each boundary, a high rating asking the
IT Operations head to sign (service, page, API, preview), medium and low changing nothing, the
rating in the audit trail, and the answers validated by the form and the API alike."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from audit.models import Event
from core.errors import NotAllowed
from decisions import lockin, services
from decisions.dmu import who_decides
from decisions.lockin import LockIn, lock_in_rating, rating_for
from decisions.models import ExportFormat, LockInRating, Proposal, ProposalStatus, SignOffStatus
from stakeholders.models import Role
from tests.api.conftest import proposal_body, session_api
from tests.factories import SolutionFactory, make_proposal
from vendors.models import PricingModel

pytestmark = pytest.mark.django_db

# --------------------------------------------------------------------------------------------
# The scoring: a pure function of the fields


def offer(**answers) -> Proposal:
    """An on-demand offer with every answer at its safest: TCO 12,000 EUR, nothing scored."""
    fields = {
        "pricing_model": PricingModel.ON_DEMAND,
        "currency": "EUR",
        "one_off_cost": Decimal("0"),
        "recurring_cost": Decimal("1000"),
        "recurring_period": "monthly",
        "term_months": 12,
        "export_format": ExportFormat.OPEN,
        "exit_clause": True,
        "exit_notice_days": 30,
        "proprietary_integrations": 0,
        "switching_cost": Decimal("0"),
    }
    fields.update(answers)
    return Proposal(**fields)


def rated(**answers) -> LockIn:
    result = lock_in_rating(offer(**answers))
    assert result is not None
    return result


def test_it_rates_a_fully_open_offer_low_with_no_reasons():
    result = rated()
    assert (result.rating, result.points, result.reasons) == (LockInRating.LOW, 0, [])


@pytest.mark.parametrize(
    ("export", "points"),
    [(ExportFormat.OPEN, 0), (ExportFormat.PROPRIETARY, 1), (ExportFormat.NONE, 2)],
)
def test_it_scores_the_export_format(export, points):
    assert rated(export_format=export).points == points


def test_it_scores_no_exit_clause_two_points_whatever_the_notice():
    assert rated(exit_clause=False, exit_notice_days=None).points == lockin.NO_EXIT_CLAUSE_POINTS
    assert rated(exit_clause=False, exit_notice_days=365).points == lockin.NO_EXIT_CLAUSE_POINTS


@pytest.mark.parametrize(
    ("days", "points"),
    [(None, 0), (0, 0), (lockin.MAX_EXIT_NOTICE_DAYS, 0), (lockin.MAX_EXIT_NOTICE_DAYS + 1, 1)],
)
def test_it_scores_an_exit_notice_only_over_90_days(days, points):
    result = rated(exit_notice_days=days)
    assert result.points == points
    assert bool(result.reasons) == bool(points)


@pytest.mark.parametrize(
    ("count", "points"),
    [
        (0, 0),
        (1, lockin.PROPRIETARY_INTEGRATION_POINTS),
        (lockin.MANY_PROPRIETARY_INTEGRATIONS - 1, lockin.PROPRIETARY_INTEGRATION_POINTS),
        (lockin.MANY_PROPRIETARY_INTEGRATIONS, lockin.MANY_PROPRIETARY_INTEGRATIONS_POINTS),
    ],
)
def test_it_scores_proprietary_integrations(count, points):
    assert rated(proprietary_integrations=count).points == points


@pytest.mark.parametrize(
    ("cost", "points"),
    [("6000.00", 0), ("6000.01", lockin.SWITCHING_COST_SHARE_POINTS)],  # half of 12,000
)
def test_it_scores_a_switching_cost_above_half_the_tco(cost, points):
    assert rated(switching_cost=Decimal(cost)).points == points


@pytest.mark.parametrize(
    ("cost", "points"),
    [("50000.00", 0), ("50000.01", lockin.SWITCHING_COST_HIGH_POINTS)],
)
def test_it_scores_a_switching_cost_above_the_threshold_whatever_the_tco(cost, points):
    # A TCO of 200,000: half of it is well above the threshold, so only the threshold counts.
    big = {"one_off_cost": Decimal("200000"), "recurring_cost": Decimal("0")}
    assert rated(switching_cost=Decimal(cost), **big).points == points


def test_it_compares_the_switching_cost_threshold_in_the_base_currency(settings):
    settings.FX_RATES = {**settings.FX_RATES, "USD": Decimal("0.5")}
    big = {"currency": "USD", "one_off_cost": Decimal("400000"), "recurring_cost": Decimal("0")}
    # 100,000 USD is 50,000 EUR: at the threshold, not over it.
    assert rated(switching_cost=Decimal("100000"), **big).points == 0
    assert rated(switching_cost=Decimal("100000.04"), **big).points == 2


def test_without_an_exchange_rate_only_the_share_of_the_tco_counts(settings):
    settings.FX_RATES = {k: v for k, v in settings.FX_RATES.items() if k != "USD"}
    big = {"currency": "USD", "one_off_cost": Decimal("1000000"), "recurring_cost": Decimal("0")}
    assert rated(switching_cost=Decimal("500000"), **big).points == 0
    assert rated(switching_cost=Decimal("500000.01"), **big).points == 1


@pytest.mark.parametrize(
    ("points", "rating"),
    [
        (0, LockInRating.LOW),
        (lockin.MEDIUM_POINTS - 1, LockInRating.LOW),
        (lockin.MEDIUM_POINTS, LockInRating.MEDIUM),
        (lockin.HIGH_POINTS - 1, LockInRating.MEDIUM),
        (lockin.HIGH_POINTS, LockInRating.HIGH),
    ],
)
def test_the_rating_follows_the_points_at_each_boundary(points, rating):
    assert rating_for(points) == rating


def test_no_export_and_no_exit_clause_is_high_with_both_reasons():
    result = rated(export_format=ExportFormat.NONE, exit_clause=False)
    assert result.rating == LockInRating.HIGH
    assert result.reasons == [
        "No data export.",
        "No exit clause: we cannot leave before the term ends.",
    ]


def test_an_unanswered_on_demand_offer_counts_each_unknown_and_rates_medium():
    result = rated(export_format="", exit_clause=None, exit_notice_days=None, switching_cost=None)
    assert result.points == 3 * lockin.UNKNOWN_POINTS
    assert result.rating == LockInRating.MEDIUM
    assert len(result.reasons) == 3


@pytest.mark.parametrize("model", [PricingModel.ON_DEMAND, PricingModel.API])
def test_the_questions_apply_to_on_demand_and_api_offers(model):
    assert lock_in_rating(offer(pricing_model=model, export_format="")).points == 1


@pytest.mark.parametrize("model", [PricingModel.PER_SEAT, PricingModel.PERPETUAL, ""])
def test_other_offers_are_not_rated_unless_answered(model):
    unanswered = offer(
        pricing_model=model,
        export_format="",
        exit_clause=None,
        exit_notice_days=None,
        switching_cost=None,
    )
    assert lock_in_rating(unanswered) is None
    # Answered, only the answers count: the unanswered questions score nothing here.
    answered = offer(
        pricing_model=model,
        export_format=ExportFormat.NONE,
        exit_clause=None,
        exit_notice_days=None,
        switching_cost=None,
    )
    assert lock_in_rating(answered) == LockIn(LockInRating.MEDIUM, 2, ["No data export."])


@pytest.mark.parametrize(
    "answer",
    [
        {"export_format": ExportFormat.OPEN},
        {"exit_clause": True},
        {"exit_clause": False},
        {"exit_notice_days": 0},
        {"proprietary_integrations": 1},
        {"switching_cost": Decimal("0")},
    ],
)
def test_any_one_answer_makes_another_offer_rated(answer):
    unanswered = {
        "export_format": "",
        "exit_clause": None,
        "exit_notice_days": None,
        "switching_cost": None,
    }
    proposal = offer(pricing_model=PricingModel.PER_SEAT, **{**unanswered, **answer})
    assert lock_in_rating(proposal) is not None


def test_an_unsaved_draft_takes_the_pricing_model_from_its_solution():
    draft = Proposal(solution=SolutionFactory(pricing_model=PricingModel.API))
    assert draft.pricing_model == ""  # copied on save only
    assert lockin.lock_in_applies(draft)


# --------------------------------------------------------------------------------------------
# The workflow: a high rating asks IT's head


HIGH = {"export_format": ExportFormat.NONE, "exit_clause": False, "switching_cost": Decimal("0")}
MEDIUM = {"export_format": ExportFormat.PROPRIETARY, "exit_clause": True, "exit_notice_days": 120}


def on_demand_proposal(org, *, submit=True, **answers) -> Proposal:
    solution = SolutionFactory(pricing_model=PricingModel.ON_DEMAND)
    return make_proposal(requester=org.requester, submit=submit, solution=solution, **answers)


def roles(proposal: Proposal) -> dict[str, str]:
    return {
        s.department.code: s.required_role
        for s in proposal.signoffs.filter(round=proposal.round).select_related("department")
    }


def test_a_high_lock_in_asks_the_it_head_whatever_the_tier_asks(org):
    proposal = on_demand_proposal(org, **HIGH)
    assert proposal.tier == org.tiers["medium"]  # reviewers sign at this tier
    assert roles(proposal) == {"HR": Role.REVIEWER, "IT": Role.HEAD, "MKT": Role.REVIEWER}
    signoff = proposal.signoffs.get(department__code="IT")
    with pytest.raises(NotAllowed):
        services.signoff_decide(signoff=signoff, actor=org.it_reviewer, outcome="approved")
    services.signoff_decide(signoff=signoff, actor=org.it_head, outcome="approved")
    signoff.refresh_from_db()
    assert (signoff.status, signoff.reviewer) == (SignOffStatus.APPROVED, org.it_head)


@pytest.mark.parametrize("answers", [MEDIUM, {}], ids=["medium", "low"])
def test_a_medium_or_low_lock_in_changes_nothing(org, answers):
    low = {"export_format": ExportFormat.OPEN, "exit_clause": True, "switching_cost": 0}
    proposal = on_demand_proposal(org, **(answers or low))
    expected = LockInRating.MEDIUM if answers else LockInRating.LOW
    assert lock_in_rating(proposal).rating == expected
    assert set(roles(proposal).values()) == {Role.REVIEWER}
    signoff = proposal.signoffs.get(department__code="IT")
    services.signoff_decide(signoff=signoff, actor=org.it_reviewer, outcome="approved")


def test_a_high_lock_in_adds_it_when_it_would_not_sign(org):
    org.departments["IT"].signoff_required = False
    org.departments["IT"].save()
    assert set(roles(on_demand_proposal(org, **MEDIUM))) == {"HR", "MKT"}
    assert roles(on_demand_proposal(org, **HIGH)) == {
        "HR": Role.REVIEWER,
        "IT": Role.HEAD,
        "MKT": Role.REVIEWER,
    }


def test_the_it_department_is_the_configured_one(org, settings):
    settings.LANDSCAPE_IT_DEPARTMENT = "MKT"
    assert roles(on_demand_proposal(org, **HIGH)) == {
        "HR": Role.REVIEWER,
        "IT": Role.REVIEWER,
        "MKT": Role.HEAD,
    }


def test_without_an_it_department_a_high_lock_in_adds_nobody(org, settings):
    settings.LANDSCAPE_IT_DEPARTMENT = "NOPE"
    assert set(roles(on_demand_proposal(org, **HIGH)).values()) == {Role.REVIEWER}


def test_the_submitted_event_records_the_rating_and_its_reasons(org):
    proposal = on_demand_proposal(org, **HIGH)
    event = Event.objects.get(proposal_id=proposal.pk, kind="proposal.submitted")
    assert event.payload["lock_in"] == {
        "rating": "high",
        "points": 4,
        "reasons": ["No data export.", "No exit clause: we cannot leave before the term ends."],
    }
    plain = make_proposal(requester=org.requester, submit=True)  # a new vendor, unanswered
    event = Event.objects.get(proposal_id=plain.pk, kind="proposal.submitted")
    assert event.payload["lock_in"] is None


def test_the_preview_and_the_page_show_what_submission_will_do(client, org):
    draft = on_demand_proposal(org, submit=False, **HIGH)
    preview = who_decides(proposal=draft)
    assert not preview.fixed
    assert preview.lock_in is not None
    assert preview.lock_in.is_high
    assert {d.department.code: d.required_role for d in preview.departments} == {
        "HR": Role.REVIEWER,
        "IT": Role.HEAD,
        "MKT": Role.REVIEWER,
    }
    client.force_login(org.requester)
    page = client.get(reverse("proposal-detail", args=[draft.reference])).text
    assert "IT Operations (head)" in page
    assert "Lock-in and exit" in page
    assert "No data export." in page
    services.proposal_submit(proposal=draft, actor=org.requester)
    page = client.get(reverse("proposal-detail", args=[draft.reference])).text
    assert "IT Operations (head)" in page
    assert "No data export." in page


def test_the_form_preview_says_the_it_head_signs(client, org):
    solution = SolutionFactory(pricing_model=PricingModel.API)
    client.force_login(org.requester)
    data = {
        "requesting_department": org.departments["HR"].pk,
        "paying_department": org.departments["HR"].pk,
        "solution": solution.pk,
        "currency": "EUR",
        "recurring_cost": "1000",
        "recurring_period": "monthly",
        "term_months": "12",
        "export_format": "none",
        "exit_clause": "false",
    }
    page = client.post(reverse("proposal-preview"), data).text
    assert "IT Operations: a head signs" in page
    assert "Lock-in: high" in page
    data["exit_clause"] = "true"
    page = client.post(reverse("proposal-preview"), data).text
    assert "IT Operations: a reviewer signs" in page


def test_on_the_page_the_it_reviewer_cannot_sign_and_the_head_can(client, org):
    proposal = on_demand_proposal(org, **HIGH)
    signoff = proposal.signoffs.get(department__code="IT")
    form = f'action="{reverse("signoff-decide", args=[signoff.pk])}"'
    url = reverse("proposal-detail", args=[proposal.reference])
    client.force_login(org.it_reviewer)
    assert form not in client.get(url).text
    client.post(
        reverse("signoff-decide", args=[signoff.pk]), {f"s{signoff.pk}-outcome": "approved"}
    )
    signoff.refresh_from_db()
    assert signoff.status == SignOffStatus.PENDING
    client.force_login(org.it_head)
    assert form in client.get(url).text
    client.post(
        reverse("signoff-decide", args=[signoff.pk]), {f"s{signoff.pk}-outcome": "approved"}
    )
    signoff.refresh_from_db()
    assert (signoff.status, signoff.reviewer) == (SignOffStatus.APPROVED, org.it_head)


def test_the_cdo_decision_card_shows_the_rating(client, org):
    proposal = on_demand_proposal(org, **HIGH)
    for signoff in proposal.signoffs.select_related("department"):
        signer = org.heads["IT"] if signoff.department.code == "IT" else None
        signer = signer or org.reviewers[signoff.department.code]
        services.signoff_decide(signoff=signoff, actor=signer, outcome="approved")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.AWAITING_DECISION
    client.force_login(org.cdo)
    page = client.get(reverse("cdo-decisions")).text
    assert "Lock-in and exit" in page
    assert "Lock-in: high" in page


# --------------------------------------------------------------------------------------------
# The API


def test_through_the_api_a_high_lock_in_asks_the_it_head(org):
    solution = SolutionFactory(pricing_model=PricingModel.API)
    api = session_api(org.requester)
    body = proposal_body(
        solution=solution.pk,
        new_vendor_name="",
        new_solution_name="",
        export_format="proprietary",
        exit_clause=True,
        exit_notice_days=180,
        proprietary_integrations=3,
        switching_cost={"amount": "1000.00", "currency": "EUR"},
    )
    created = api.post("/api/v1/proposals/", body)
    assert created.status_code == 201, created.json()
    data = created.json()
    assert data["lock_in"]["rating"] == "high"  # 1 + 1 + 2 points
    assert data["switching_cost"] == {"amount": "1000.00", "currency": "EUR"}
    assert (data["export_format"], data["exit_clause"], data["exit_notice_days"]) == (
        "proprietary",
        True,
        180,
    )
    deciders = {
        d["department"]["code"]: d["required_role"] for d in data["who_decides"]["departments"]
    }
    assert deciders["IT"] == "head"
    reference = data["reference"]
    submitted = api.post(f"/api/v1/proposals/{reference}/submit/")
    assert submitted.status_code == 200, submitted.json()
    it = next(s for s in submitted.json()["signoffs"] if s["department"]["code"] == "IT")
    assert it["required_role"] == "head"
    refused = session_api(org.it_reviewer).post(f"/api/v1/signoffs/{it['id']}/approve/")
    assert refused.status_code == 403
    approved = session_api(org.it_head).post(f"/api/v1/signoffs/{it['id']}/approve/")
    assert approved.status_code == 200, approved.json()


def test_the_api_says_null_for_an_offer_the_questions_do_not_concern(org):
    data = session_api(org.requester).post("/api/v1/proposals/", proposal_body()).json()
    assert data["lock_in"] is None
    assert data["switching_cost"] is None


def assert_error_shape(response) -> dict:
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert set(body) == {"message", "errors"}, body
    return body["errors"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"switching_cost": {"amount": "-1.00", "currency": "EUR"}}, "switching_cost.amount"),
        ({"switching_cost": {"amount": "1.00", "currency": "USD"}}, "switching_cost.currency"),
        ({"switching_cost": {"amount": "1\x00", "currency": "EUR"}}, "switching_cost.amount"),
        ({"export_format": "none\x00"}, "export_format"),
        ({"export_format": "\ud800"}, "export_format"),
        ({"export_format": "zip"}, "export_format"),
        ({"exit_clause": "maybe"}, "exit_clause"),
        ({"exit_notice_days": -1}, "exit_notice_days"),
        ({"proprietary_integrations": -1}, "proprietary_integrations"),
    ],
)
def test_the_api_refuses_bad_lock_in_answers_naming_the_field(org, change, field):
    response = session_api(org.requester).post("/api/v1/proposals/", proposal_body(**change))
    assert field in assert_error_shape(response)
    assert not Proposal.objects.exists()


def test_the_api_asks_for_the_switching_cost_when_the_currency_changes(org):
    api = session_api(org.requester)
    body = proposal_body(switching_cost={"amount": "500.00", "currency": "EUR"})
    reference = api.post("/api/v1/proposals/", body).json()["reference"]
    url = f"/api/v1/proposals/{reference}/"
    etag = api.get(url).headers["ETag"]
    usd = {
        "one_off_cost": {"amount": "1.00", "currency": "USD"},
        "recurring_cost": {"amount": "1.00", "currency": "USD"},
    }
    response = api.patch(url, usd, HTTP_IF_MATCH=etag)
    assert "switching_cost.currency" in assert_error_shape(response)
    both = {**usd, "switching_cost": {"amount": "600.00", "currency": "USD"}}
    response = api.patch(url, both, HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.json()
    assert response.json()["switching_cost"] == {"amount": "600.00", "currency": "USD"}


# --------------------------------------------------------------------------------------------
# The form


def form_data(org, **changes) -> dict:
    data = {
        "title": "Usage-priced email", "problem": "Newsletters from a laptop.",
        "requesting_department": org.departments["HR"].pk,
        "paying_department": org.departments["HR"].pk,
        "new_solution_name": "Mailer", "category": "engagement", "currency": "EUR",
        "one_off_cost": "0", "recurring_cost": "100", "recurring_period": "monthly",
        "term_months": "12", "employees_affected": "10",
    }  # fmt: skip
    data.update(changes)
    return data


def test_the_form_shows_the_lock_in_fieldset_and_saves_the_answers(client, org):
    client.force_login(org.requester)
    page = client.get(reverse("proposal-create")).text
    assert "Lock-in and exit" in page
    assert "priced on demand or by API" in page
    response = client.post(
        reverse("proposal-create"),
        form_data(
            org,
            export_format="none",
            exit_clause="false",
            exit_notice_days="",
            proprietary_integrations="2",
            switching_cost="750.50",
        ),
    )
    assert response.status_code == 302, response.context["form"].errors
    proposal = Proposal.objects.get()
    assert (proposal.export_format, proposal.exit_clause, proposal.exit_notice_days) == (
        "none",
        False,
        None,
    )
    assert proposal.proprietary_integrations == 2
    assert proposal.switching_cost == Decimal("750.50")


def test_the_form_leaves_the_answers_unanswered_when_not_given(client, org):
    client.force_login(org.requester)
    response = client.post(reverse("proposal-create"), form_data(org))
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    assert (proposal.export_format, proposal.exit_clause, proposal.switching_cost) == (
        "",
        None,
        None,
    )
    assert proposal.proprietary_integrations == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"switching_cost": "-1"}, "switching_cost"),
        ({"switching_cost": "ten"}, "switching_cost"),
        ({"export_format": "zip"}, "export_format"),
        ({"exit_notice_days": "-5"}, "exit_notice_days"),
        ({"proprietary_integrations": "-1"}, "proprietary_integrations"),
    ],
)
def test_the_form_refuses_bad_lock_in_answers_naming_the_field(client, org, change, field):
    client.force_login(org.requester)
    response = client.post(reverse("proposal-create"), form_data(org, **change))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Proposal.objects.exists()


def test_the_form_says_a_switching_cost_cannot_be_negative(org):
    from decisions.forms import ProposalForm

    form = ProposalForm(form_data(org, switching_cost="-0.01"), user=org.requester)
    assert not form.is_valid()
    assert form.errors["switching_cost"] == ["A switching cost cannot be negative."]


@pytest.mark.parametrize("value", ["none%00", "%ED%A0%80"])  # NUL; a surrogate, as UTF-8 bytes
def test_the_form_refuses_unstorable_text_in_a_lock_in_field(client, org, value):
    # A browser cannot send a lone surrogate as text: the bytes that would encode one.
    client.force_login(org.requester)
    body = f"{urlencode(form_data(org))}&export_format={value}"
    response = client.post(
        reverse("proposal-create"), body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert not Proposal.objects.exists()
