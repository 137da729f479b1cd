"""The walking skeleton's path through the browser's URLs: a requester submits, HR, IT Operations
and Marketing sign off, the CDO decides, the proposal ends approved with every step recorded."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from audit.models import Event
from audit.selectors import verify_chain
from decisions.models import Proposal, ProposalStatus, SignOff, SignOffStatus
from vendors.models import Category

pytestmark = pytest.mark.django_db


def proposal_form(org, **overrides):
    data = {
        "title": "Engagement surveys for all staff",
        "problem": "We learn about disengagement only from exit interviews.",
        "rationale": "Quarterly pulse surveys with action planning per team.",
        "alternatives": "Microsoft Forms; doing nothing.",
        "requesting_department": org.departments["HR"].pk,
        "paying_department": org.departments["HR"].pk,
        "new_vendor_name": "Pulsey",
        "new_solution_name": "Pulsey Engage",
        "category": Category.ENGAGEMENT,
        "currency": "EUR",
        "one_off_cost": "5000",
        "recurring_cost": "24000",
        "recurring_period": "yearly",
        "term_months": "24",
        "employees_affected": "850",
        "submit": "1",
    }
    data.update(overrides)
    return data


def test_it_takes_a_proposal_from_submission_to_approval(
    client, org, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(org.requester)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("proposal-create"), proposal_form(org))
    proposal = Proposal.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("proposal-detail", args=[proposal.reference])
    assert proposal.reference.startswith("TP-")
    assert proposal.status == ProposalStatus.IN_REVIEW
    # 5,000 + 24,000 a year over 24 months = 53,000: the Medium tier, so the CDO decides.
    assert str(proposal.tco) == "53000.00"
    assert proposal.tier.name == "Medium"
    signoffs = SignOff.objects.filter(proposal=proposal)
    assert sorted(s.department.code for s in signoffs) == ["HR", "IT", "MKT"]
    assert {s.status for s in signoffs} == {SignOffStatus.PENDING}
    # One email per department, to that department's reviewers and heads.
    assert len(mailoutbox) == 3
    it_mail = next(m for m in mailoutbox if "IT Operations" in m.subject)
    assert sorted(it_mail.to) == sorted([org.it_reviewer.email, org.it_head.email])
    assert proposal.reference in it_mail.subject

    for code in ("HR", "IT", "MKT"):
        reviewer = org.reviewers[code]
        client.force_login(reviewer)
        queue = client.get(reverse("queue"))
        assert proposal.reference in queue.text
        signoff = signoffs.get(department__code=code)
        response = client.post(
            reverse("signoff-decide", args=[signoff.pk]), {f"s{signoff.pk}-outcome": "approved"}
        )
        assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.AWAITING_DECISION

    client.force_login(org.cdo)
    assert proposal.reference in client.get(reverse("cdo-decisions")).text
    response = client.post(
        reverse("decision-take", args=[proposal.reference]),
        {"outcome": "approved", "rationale": "Fits the engagement goal; IT is satisfied."},
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.APPROVED
    assert proposal.decided_at is not None

    kinds = list(Event.objects.filter(proposal_id=proposal.pk).values_list("kind", flat=True))
    assert kinds == [
        "proposal.created",
        "proposal.submitted",
        "signoff.approved",
        "signoff.approved",
        "signoff.approved",
        "proposal.status_changed",
        "decision.approved",
        "proposal.status_changed",
    ]
    assert verify_chain().ok

    page = client.get(reverse("proposal-detail", args=[proposal.reference]))
    assert "Approved" in page.text
    assert "Fits the engagement goal" in page.text


def test_it_approves_a_small_proposal_without_the_cdo(client, org):
    client.force_login(org.requester)
    client.post(
        reverse("proposal-create"),
        proposal_form(
            org,
            one_off_cost="0",
            recurring_cost="500",
            recurring_period="monthly",
            term_months="12",
        ),
    )
    proposal = Proposal.objects.get()
    assert proposal.tier.name == "Small"
    for signoff in proposal.signoffs.all():
        client.force_login(org.reviewers[signoff.department.code])
        client.post(
            reverse("signoff-decide", args=[signoff.pk]), {f"s{signoff.pk}-outcome": "approved"}
        )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.APPROVED


def test_it_updates_the_signoff_panel_in_place_for_htmx(client, org):
    client.force_login(org.requester)
    client.post(reverse("proposal-create"), proposal_form(org))
    signoff = SignOff.objects.get(department__code="IT")
    client.force_login(org.it_reviewer)
    response = client.post(
        reverse("signoff-decide", args=[signoff.pk]),
        {f"s{signoff.pk}-outcome": "approved"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section class="card workflow" id="workflow"')
    assert "<html" not in response.text
    assert "Sign-off recorded." in response.text


def test_it_saves_a_draft_without_submitting(client, org):
    client.force_login(org.requester)
    data = proposal_form(org)
    del data["submit"]
    client.post(reverse("proposal-create"), data)
    proposal = Proposal.objects.get()
    assert proposal.status == ProposalStatus.DRAFT
    assert not proposal.signoffs.exists()


def test_it_shows_form_errors_and_keeps_the_input(client, org):
    client.force_login(org.requester)
    data = proposal_form(org, new_solution_name="", one_off_cost="-5")
    response = client.post(reverse("proposal-create"), data)
    assert response.status_code == 400
    assert "Pick a solution from the catalog or name the new one" in response.text
    assert "Engagement surveys for all staff" in response.text
    assert not Proposal.objects.exists()


def test_it_asks_anonymous_visitors_to_sign_in(client, org):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_pages_render_for_each_persona(client, org):
    client.force_login(org.requester)
    client.post(reverse("proposal-create"), proposal_form(org))
    proposal = Proposal.objects.get()
    for user in (org.requester, org.hr_reviewer, org.cdo, org.outsider):
        client.force_login(user)
        for name, args in [
            ("home", []),
            ("proposal-list", []),
            ("proposal-detail", [proposal.reference]),
            ("queue", []),
            ("catalog", []),
        ]:
            assert client.get(reverse(name, args=args)).status_code == 200, (user, name)


def test_a_refused_form_starts_with_a_focused_summary_linking_each_field(client, org):
    client.force_login(org.requester)
    data = proposal_form(org, title="", one_off_cost="-5")
    page = client.post(reverse("proposal-create"), data).text
    summary = page[
        page.index('id="error-summary"') : page.index("</div>", page.index('id="error-summary"'))
    ]
    assert "autofocus" in summary
    assert '<a href="#id_title">' in summary
    assert '<a href="#id_one_off_cost">' in summary
    # Required fields say so in their label; optional ones do not.
    assert 'for="id_title">Title <span class="req" aria-hidden="true">*</span>' in page
    assert 'for="id_alternatives">Alternatives considered <span class="req"' not in page


@time_machine.travel(dt.datetime(2026, 1, 12, 9, tzinfo=dt.UTC))
def test_implausible_amounts_are_asked_about_then_accepted_when_confirmed(client, org):
    client.force_login(org.requester)
    # 600 months: a typing mistake, most likely.
    data = proposal_form(org, recurring_cost="100", term_months="600")
    response = client.post(reverse("proposal-create"), data)
    assert response.status_code == 400
    assert "is over ten years" in response.text
    assert 'name="confirm_amounts"' in response.text
    assert not Proposal.objects.exists()
    data = proposal_form(org, recurring_cost="600000", term_months="12")  # 605,000 > 500,000
    response = client.post(reverse("proposal-create"), data)
    # In January, all of a 12-month term falls in this fiscal year (tests/decisions/
    # test_budgets.py: the remaining budget by fiscal year).
    assert "that Human Resources has left of its budget for that year" in response.text
    assert not Proposal.objects.exists()
    client.post(reverse("proposal-create"), {**data, "confirm_amounts": "on"})
    assert Proposal.objects.get().recurring_cost == 600000
    # Ordinary amounts are not asked about, and the question is not shown.
    page = client.get(reverse("proposal-create")).text
    assert 'name="confirm_amounts"' not in page
