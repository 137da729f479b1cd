"""The scoring pages without JavaScript: the requester adds and removes alternatives, a reviewer
scores with plain selects, a head keeps the criteria; refusals re-render the page with the
reason; the comparison shows on the proposal page and the CDO's card."""

from __future__ import annotations

import pytest
from django.urls import reverse

from decisions import services
from decisions.models import AlternativeScore, ProposalAlternative, ScoringCriterion, SignOffStatus
from tests.scoring import scored_proposal

pytestmark = pytest.mark.django_db


def _page(proposal) -> str:
    return reverse("proposal-scoring", args=[proposal.reference])


def test_the_requester_adds_a_named_alternative_with_a_plain_form(client, org):
    proposal, _a, _c = scored_proposal(org)
    client.force_login(org.requester)
    response = client.post(
        reverse("scoring-alternative-add", args=[proposal.reference]),
        {"solution": "", "name": "Recruitee", "vendor_name": "Recruitee BV"},
    )
    assert response.status_code == 302
    assert "Recruitee (Recruitee BV)" in client.get(_page(proposal)).text


def test_a_refused_alternative_shows_the_reason_and_adds_nothing(client, org):
    proposal, _a, _c = scored_proposal(org)
    client.force_login(org.requester)
    for data in (
        {"name": "Bad\x00name"},
        {"solution": "99999999999999999999"},
        {"name": ""},
    ):
        response = client.post(reverse("scoring-alternative-add", args=[proposal.reference]), data)
        assert response.status_code == 400, data  # NUL: the site-wide refusal page
        assert 'role="alert"' in response.text or "cannot be used" in response.text
    assert ProposalAlternative.objects.count() == 1


def test_the_requester_removes_an_alternative(client, org):
    proposal, alternative, _c = scored_proposal(org)
    client.force_login(org.requester)
    url = reverse("scoring-alternative-remove", args=[proposal.reference, alternative.pk])
    assert client.post(url).status_code == 302
    assert not ProposalAlternative.objects.exists()


def test_a_reviewer_scores_with_the_form_and_sees_the_totals(client, org):
    proposal, alternative, criteria = scored_proposal(org)
    client.force_login(org.hr_reviewer)
    page = client.get(_page(proposal)).text
    assert f'name="s-proposed-{criteria["fit"].pk}"' in page
    assert f'name="s-{alternative.pk}-{criteria["security"].pk}"' not in page  # IT's
    response = client.post(
        reverse("scoring-scores", args=[proposal.reference, "HR"]),
        {
            f"s-proposed-{criteria['fit'].pk}": "5",
            f"s-proposed-{criteria['cost'].pk}": "3",
            f"s-{alternative.pk}-{criteria['fit'].pk}": "",
        },
    )
    assert response.status_code == 302
    assert "4.50" in client.get(_page(proposal)).text  # (3*5 + 1*3) / 4


@pytest.mark.parametrize(
    ("field", "value"),
    [("s-proposed-{fit}", "99999999999"), ("s-proposed-{fit}", "x"), ("s-999999999999-{fit}", "3")],
)
def test_bad_scores_are_refused_with_the_reason(client, org, field, value):
    proposal, _a, criteria = scored_proposal(org)
    client.force_login(org.hr_reviewer)
    response = client.post(
        reverse("scoring-scores", args=[proposal.reference, "HR"]),
        {field.format(fit=criteria["fit"].pk): value},
    )
    assert response.status_code == 400
    assert 'role="alert"' in response.text
    assert not AlternativeScore.objects.exists()


def test_the_requester_cannot_score_their_own_proposal(client, org):
    proposal, _a, criteria = scored_proposal(org)
    client.force_login(org.requester)
    response = client.post(
        reverse("scoring-scores", args=[proposal.reference, "HR"]),
        {f"s-proposed-{criteria['fit'].pk}": "5"},
    )
    assert response.status_code == 403
    assert not AlternativeScore.objects.exists()


def test_the_head_adds_a_criterion_and_a_bad_weight_is_refused(client, org):
    client.force_login(org.hr_head)
    add = reverse("scoring-criterion-add", args=["HR"])
    good = {"new-HR-name": "Works with our HRIS", "new-HR-weight": "4", "new-HR-position": "0"}
    assert client.post(add, good).status_code == 302
    bad = {**good, "new-HR-name": "Another", "new-HR-weight": "11"}
    assert client.post(add, bad).status_code == 400
    assert list(ScoringCriterion.objects.values_list("name", "weight")) == [
        ("Works with our HRIS", 4)
    ]


def test_the_proposal_page_and_the_cdo_card_show_the_comparison(client, org):
    proposal, alternative, criteria = scored_proposal(org)
    a = str(alternative.pk)
    from decisions.services import scoring

    scoring.scores_set(
        proposal=proposal,
        actor=org.hr_reviewer,
        department=org.departments["HR"],
        scores={(o, criteria[k].pk): 4 for o in ("proposed", a) for k in ("fit", "cost")},
    )
    for code, reviewer in org.reviewers.items():
        services.signoff_decide(
            signoff=proposal.signoffs.get(department__code=code),
            actor=reviewer,
            outcome=SignOffStatus.APPROVED,
        )
    client.force_login(org.cdo)
    detail = client.get(reverse("proposal-detail", args=[proposal.reference])).text
    assert "Other ATS (Acme)" in detail
    assert "4.00" in detail
    card = client.get(reverse("cdo-decisions")).text
    assert "Other ATS (Acme)" in card
    assert "The proposed solution ranks first." in card


def test_the_cdo_page_costs_the_same_queries_however_many_scored_proposals(
    client, org, django_assert_max_num_queries
):
    def awaiting(title):
        proposal, _a, _criteria = scored_proposal(org)
        for code, reviewer in org.reviewers.items():
            services.signoff_decide(
                signoff=proposal.signoffs.get(department__code=code),
                actor=reviewer,
                outcome=SignOffStatus.APPROVED,
            )

    awaiting("one")
    client.force_login(org.cdo)
    with django_assert_max_num_queries(200) as few:
        client.get(reverse("cdo-decisions"))
    baseline = len(few.captured_queries)
    for n in range(3):
        awaiting(f"more {n}")
    with django_assert_max_num_queries(baseline):
        client.get(reverse("cdo-decisions"))
