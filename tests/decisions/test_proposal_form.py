"""The proposal form's helpers: live "who decides", category overlap, catalog search, inline
validation, and a draft that survives a refused submission."""

from __future__ import annotations

import pytest
from django.urls import reverse

from decisions.models import Proposal, ProposalStatus
from stakeholders.models import ApprovalTier
from tests.factories import SolutionFactory, VendorFactory, make_proposal

pytestmark = pytest.mark.django_db


def test_the_preview_shows_the_tier_and_who_signs_as_costs_are_typed(client, org):
    client.force_login(org.requester)
    url = reverse("proposal-preview")
    small = client.post(url, {"currency": "EUR", "one_off_cost": "500", "recurring_cost": "0"})
    assert "Small" in small.text
    assert "no CDO decision needed" in small.text
    large = client.post(url, {"currency": "EUR", "one_off_cost": "250000", "recurring_cost": "0"})
    assert "Large" in large.text
    assert "a head signs" in large.text
    assert "then the Chief Digital Officer decides" in large.text
    # The 12-month floor applies in the preview too: 900 a month for 1 month counts 10,800.
    floor = client.post(url, {"currency": "EUR", "recurring_cost": "900",
                             "recurring_period": "monthly", "term_months": "1"})  # fmt: skip
    assert "10,800.00 EUR" in floor.text
    assert "Medium" in floor.text
    # A cost that does not read yet claims no tier (it used to say "Small — 0.00").
    typo = client.post(url, {"currency": "EUR", "one_off_cost": "-5", "recurring_cost": "12k"})
    assert "Small" not in typo.text
    assert "Correct the costs to see the tier and who decides (One-off cost, Recurring cost)" in (
        typo.text
    )


def test_the_preview_warns_about_tools_already_in_use_for_the_job(client, org):
    SolutionFactory(name="Greenhouse", in_use=True, category="talent_acquisition")
    SolutionFactory(name="Unrelated LMS", in_use=True, category="learning")
    client.force_login(org.requester)
    page = client.post(reverse("proposal-preview"), {"category": "talent_acquisition"})
    assert "Greenhouse" in page.text
    assert "Unrelated LMS" not in page.text


def test_the_preview_counts_the_same_vendor(client, org):
    vendor = VendorFactory(name="Splitco")
    make_proposal(requester=org.requester, submit=True, solution=SolutionFactory(vendor=vendor),
                  one_off_cost=8000, recurring_cost=0)  # fmt: skip
    client.force_login(org.requester)
    page = client.post(reverse("proposal-preview"),
                      {"new_vendor_name": "splitco", "one_off_cost": "5000"})  # fmt: skip
    assert "for the same vendor" in page.text
    assert "Medium" in page.text


def test_the_preview_says_when_no_tier_covers_the_amount(client, org):
    ApprovalTier.objects.filter(name="Large").delete()
    client.force_login(org.requester)
    page = client.post(reverse("proposal-preview"), {"one_off_cost": "500000"})
    assert page.status_code == 200
    assert "No approval tier covers" in page.text


def test_catalog_search_narrows_the_solution_list(client, org):
    SolutionFactory(name="Greenhouse Recruiting")
    docebo = SolutionFactory(name="Docebo Learn")
    client.force_login(org.requester)
    options = client.get(reverse("solution-options"), {"solution_q": "green"})
    assert "Greenhouse Recruiting" in options.text
    assert "Docebo" not in options.text
    none = client.get(reverse("solution-options"), {"solution": "zzz"})
    assert "<option" not in none.text
    # What the picker sends as one types, a picked label included.
    from decisions.forms import solution_label

    picked = client.get(reverse("solution-options"), {"solution": solution_label(docebo)})
    assert "Docebo Learn" in picked.text


def test_the_form_accepts_a_solution_beyond_the_listed_ones(client, org, settings):
    from decisions import forms

    solutions = [SolutionFactory(name=f"Tool {i:03d}") for i in range(5)]
    forms_limit = forms.SOLUTION_OPTIONS
    forms.SOLUTION_OPTIONS = 2
    try:
        client.force_login(org.requester)
        page = client.get(reverse("proposal-create"))
        assert "Tool 004" not in page.text
        form = forms.ProposalForm({"solution": solutions[4].pk}, user=org.requester)
        form.is_valid()
        assert "solution" not in form.errors
        assert form.cleaned_data["solution"] == solutions[4]
        label = forms.solution_label(solutions[4])
        assert f'value="{label}"' in str(form["solution"])  # shown by its label, not its id
    finally:
        forms.SOLUTION_OPTIONS = forms_limit


def test_the_picker_takes_a_label_or_a_unique_name_and_refuses_anything_else(org):
    from decisions import forms

    greenhouse = SolutionFactory(name="Greenhouse Recruiting")
    SolutionFactory(name="Twin")
    SolutionFactory(name="Twin")

    def picked(text):
        form = forms.ProposalForm({"solution": text}, user=org.requester)
        form.is_valid()
        return form.cleaned_data.get("solution"), form.errors.get("solution")

    assert picked(forms.solution_label(greenhouse)) == (greenhouse, None)
    assert picked("  greenhouse   RECRUITING ") == (greenhouse, None)
    assert picked("") == (None, None)  # a new vendor, named below
    for text in ("Twin", "Green", "Nothing like it"):
        solution, errors = picked(text)
        assert solution is None
        assert "is not in the catalog" in errors[0]


def test_inline_validation_returns_the_field_with_its_error(client, org):
    client.force_login(org.requester)
    response = client.post(reverse("proposal-validate") + "?field=one_off_cost",
                           {"one_off_cost": "-3"})  # fmt: skip
    assert response.status_code == 200
    assert 'id="field-one_off_cost"' in response.text
    assert "A cost cannot be negative" in response.text or "greater than or equal" in response.text
    ok = client.post(reverse("proposal-validate") + "?field=title", {"title": "Fine"})
    assert 'class="error"' not in ok.text
    assert client.post(reverse("proposal-validate") + "?field=nope", {}).status_code == 204


def test_a_refused_submission_keeps_the_draft_and_says_why(client, org):
    ApprovalTier.objects.all().delete()
    client.force_login(org.requester)
    response = client.post(
        reverse("proposal-create"),
        {
            "title": "Survey tool", "problem": "No feedback loop.",
            "requesting_department": org.departments["HR"].pk,
            "paying_department": org.departments["HR"].pk,
            "new_solution_name": "Pulse", "category": "engagement", "currency": "EUR",
            "one_off_cost": "0", "recurring_cost": "100", "recurring_period": "monthly",
            "term_months": "12", "employees_affected": "10", "submit": "1",
        },
        follow=True,
    )  # fmt: skip
    proposal = Proposal.objects.get()
    assert proposal.status == ProposalStatus.DRAFT
    assert "is saved but not submitted" in response.text
    assert "No approval tier covers" in response.text


def test_the_form_refuses_costs_whose_tco_cannot_be_recorded(client, org):
    client.force_login(org.requester)
    huge = "999999999999.99"  # fits the column, but 600 months of it does not
    response = client.post(
        reverse("proposal-create"),
        {
            "title": "Everything tool", "problem": "Too many tools.",
            "requesting_department": org.departments["HR"].pk,
            "paying_department": org.departments["HR"].pk,
            "new_solution_name": "Omni", "category": "engagement", "currency": "USD",
            "one_off_cost": huge, "recurring_cost": huge, "recurring_period": "monthly",
            "term_months": "600", "employees_affected": "10", "submit": "1",
        },
    )  # fmt: skip
    assert response.status_code == 400  # the form again, not a 500 at submission
    assert not Proposal.objects.exists()
    form = response.context["form"]
    assert list(form.errors) == ["recurring_cost"]
    assert "cannot exceed 999,999,999,999.99 EUR" in form.errors["recurring_cost"][0]


def test_the_form_blames_the_one_off_cost_when_it_alone_is_too_large(org):
    from decisions.forms import ProposalForm

    # 1e12 - 0.01 GBP fits the column but is 1.17e12 EUR; nothing recurs.
    form = ProposalForm({"currency": "GBP", "one_off_cost": "999999999999.99",
                         "recurring_cost": "0", "recurring_period": "yearly",
                         "term_months": "12"}, user=org.requester)  # fmt: skip
    form.is_valid()
    assert "cannot exceed" in form.errors["one_off_cost"][0]
    assert "recurring_cost" not in form.errors


def test_the_preview_is_a_post_so_the_form_never_lands_in_a_url(client, org):
    client.force_login(org.requester)
    url = reverse("proposal-preview")
    assert client.get(url, {"problem": "Private notes about a colleague"}).status_code == 405
    # A long form (gunicorn refuses request lines over 4 KB) is fine in a body.
    page = client.post(url, {"problem": "x" * 20_000, "one_off_cost": "500"})
    assert page.status_code == 200
    assert "Small" in page.text


def test_the_preview_adds_the_paying_department_when_another_pays(client, org):
    client.force_login(org.requester)
    hr, fin = org.departments["HR"], org.departments["FIN"]
    url = reverse("proposal-preview")
    same = client.post(url, {"requesting_department": hr.pk, "paying_department": hr.pk,
                             "one_off_cost": "500"})  # fmt: skip
    assert "Finance" not in same.text
    other = client.post(url, {"requesting_department": hr.pk, "paying_department": fin.pk,
                              "one_off_cost": "500"})  # fmt: skip
    assert "Finance: a reviewer signs" in other.text


def test_the_integrations_filter_keeps_what_is_ticked(client, org):
    okta = SolutionFactory(name="Okta Workforce", in_use=True)
    slack = SolutionFactory(name="Slack", in_use=True)
    SolutionFactory(name="Oktoberfest Planner", in_use=False)  # not in use: never offered
    client.force_login(org.requester)
    url = reverse("integration-options")
    page = client.get(url, {"integrates_q": "okt"}).text
    assert f'value="{okta.pk}"' in page
    assert f'value="{slack.pk}"' not in page
    assert "Oktoberfest" not in page
    # Slack ticked, then a filter that does not match it: still there, still ticked.
    page = client.get(url, {"integrates_q": "okt", "integrates_with": [slack.pk]}).text
    assert f'value="{slack.pk}" checked' in page
    assert f'value="{okta.pk}">' in page
    assert "No tool in use matches" in client.get(url, {"integrates_q": "zzz"}).text


def test_the_form_lists_the_tools_in_use_as_checkboxes_and_keeps_the_ticks(client, org):
    okta = SolutionFactory(name="Okta Workforce", in_use=True)
    slack = SolutionFactory(name="Slack", in_use=True)
    client.force_login(org.requester)
    page = client.get(reverse("proposal-create")).text
    assert f'type="checkbox" name="integrates_with" value="{okta.pk}"' in page
    refused = client.post(reverse("proposal-create"), {"title": "", "integrates_with": [slack.pk]})
    assert f'value="{slack.pk}" checked' in refused.text


def draft_for(org, **fields):
    return {
        "title": "One applicant tracking system", "problem": "Three spreadsheets.",
        "requesting_department": org.departments["HR"].pk,
        "paying_department": org.departments["HR"].pk, "currency": "EUR",
        "one_off_cost": "0", "recurring_cost": "100", "recurring_period": "monthly",
        "term_months": "12", "employees_affected": "10", "save": "1", **fields,
    }  # fmt: skip


def test_a_catalog_solution_posted_without_a_category_gives_its_own(client, org):
    """Without JavaScript nothing fills the category as a solution is picked: the server
    takes the solution's when the category is left empty, and keeps one that was chosen."""
    from decisions.forms import solution_label

    greenhouse = SolutionFactory(name="Greenhouse Recruiting", category="talent_acquisition")
    client.force_login(org.requester)
    url = reverse("proposal-create")
    response = client.post(url, draft_for(org, solution=solution_label(greenhouse), category=""))
    assert response.status_code == 302
    assert Proposal.objects.get().category == "talent_acquisition"
    chosen = draft_for(org, solution=solution_label(greenhouse), category="engagement")
    assert client.post(url, chosen).status_code == 302
    assert Proposal.objects.latest("pk").category == "engagement"


def test_the_solution_suggestions_carry_their_category_for_the_form(client, org):
    """What static/js/solution-category.js reads: each suggestion's category, in the page's
    list (without JavaScript's narrowing) and in the list htmx narrows; the box names the
    category field it sets."""
    SolutionFactory(name="Greenhouse Recruiting", category="talent_acquisition")
    client.force_login(org.requester)
    page = client.get(reverse("proposal-create")).text
    assert 'data-category-field="id_category"' in page
    assert 'data-category="talent_acquisition"' in page
    assert "js/solution-category.js" in page
    narrowed = client.get(reverse("solution-options"), {"solution": "greenh"}).text
    assert 'data-category="talent_acquisition"' in narrowed
