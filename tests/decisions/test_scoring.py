"""Weighted scoring of alternatives: the requester sets the options, each signing department's
reviewers score them on their department's weighted criteria, the comparison ranks them, and the
CDO's decision keeps the result."""

from __future__ import annotations

from decimal import Decimal

import pytest

from audit.models import Event
from core.errors import DomainError, InvalidTransition, NotAllowed
from decisions import services
from decisions.models import (
    AlternativeScore,
    DecisionOutcome,
    ProposalAlternative,
    ProposalStatus,
    ScoringCriterion,
    SignOffStatus,
)
from decisions.scoring import PROPOSED, compare, rank, weighted_total
from decisions.scoring_models import ALTERNATIVES_MAX
from decisions.services import scoring
from tests.factories import SolutionFactory, make_proposal
from tests.scoring import scored_proposal, with_criteria

pytestmark = pytest.mark.django_db


def _score_all(org, proposal, alternative, criteria, *, proposed=(5, 5, 5), other=(1, 1, 1)):
    a = str(alternative.pk)
    scoring.scores_set(
        proposal=proposal,
        actor=org.hr_reviewer,
        department=org.departments["HR"],
        scores={
            (PROPOSED, criteria["fit"].pk): proposed[0],
            (PROPOSED, criteria["cost"].pk): proposed[1],
            (a, criteria["fit"].pk): other[0],
            (a, criteria["cost"].pk): other[1],
        },
    )
    scoring.scores_set(
        proposal=proposal,
        actor=org.it_reviewer,
        department=org.departments["IT"],
        scores={
            (PROPOSED, criteria["security"].pk): proposed[2],
            (a, criteria["security"].pk): other[2],
        },
    )


# --- The arithmetic ----------------------------------------------------------------------------


def test_a_department_total_is_the_weighted_average_of_its_scores():
    assert weighted_total([(3, 5), (1, 1)]) == Decimal("4.00")
    assert weighted_total([(1, 2), (2, 3)]) == Decimal("2.67")


def test_a_department_total_waits_for_every_criterion_to_be_scored():
    assert weighted_total([(3, 5), (1, None)]) is None
    assert weighted_total([]) is None


def test_equal_totals_share_a_rank_and_the_next_one_skips():
    ranks = rank({"a": Decimal("4"), "b": Decimal("4"), "c": Decimal("3"), "d": None})
    assert ranks == {"a": 1, "b": 1, "c": 3, "d": None}


# --- Criteria ----------------------------------------------------------------------------------


def test_the_head_keeps_the_criteria_of_their_department(org):
    c = scoring.criterion_save(
        actor=org.hr_head, department=org.departments["HR"], name=" Fit ", weight=10
    )
    assert (c.name, c.weight) == ("Fit", 10)
    assert Event.objects.filter(kind="scoring.criterion_saved").count() == 1


@pytest.mark.parametrize("weight", [0, 11])
def test_a_weight_outside_one_to_ten_is_refused(org, weight):
    with pytest.raises(DomainError):
        scoring.criterion_save(
            actor=org.hr_head, department=org.departments["HR"], name="Fit", weight=weight
        )
    assert not ScoringCriterion.objects.exists()


def test_weights_one_and_ten_are_accepted(org):
    for weight, name in [(1, "Low"), (10, "High")]:
        scoring.criterion_save(
            actor=org.hr_head, department=org.departments["HR"], name=name, weight=weight
        )
    assert ScoringCriterion.objects.count() == 2


def test_a_reviewer_or_another_head_cannot_keep_the_criteria(org):
    for user in (org.hr_reviewer, org.it_head):
        with pytest.raises(NotAllowed):
            scoring.criterion_save(
                actor=user, department=org.departments["HR"], name="Fit", weight=2
            )
    assert not ScoringCriterion.objects.exists()


def test_a_criterion_name_is_used_once_per_department(org):
    scoring.criterion_save(
        actor=org.hr_head, department=org.departments["HR"], name="Fit", weight=2
    )
    with pytest.raises(DomainError):
        scoring.criterion_save(
            actor=org.hr_head, department=org.departments["HR"], name="fit", weight=3
        )


# --- Alternatives ------------------------------------------------------------------------------


def test_the_requester_adds_a_catalog_solution_or_a_named_one(org):
    proposal = make_proposal(requester=org.requester)
    solution = SolutionFactory()
    scoring.alternative_add(proposal=proposal, actor=org.requester, solution=solution)
    scoring.alternative_add(proposal=proposal, actor=org.requester, name="X", vendor_name="Y")
    labels = [o.label for o in compare(proposal).options]
    assert labels == [proposal.provider_name, str(solution), "X (Y)"]


def test_an_alternative_names_a_catalog_solution_or_a_name_but_not_both_nor_neither(org):
    proposal = make_proposal(requester=org.requester)
    with pytest.raises(DomainError):
        scoring.alternative_add(proposal=proposal, actor=org.requester)
    with pytest.raises(DomainError):
        scoring.alternative_add(
            proposal=proposal, actor=org.requester, solution=SolutionFactory(), name="X"
        )
    assert not ProposalAlternative.objects.exists()


def test_the_proposed_solution_cannot_be_its_own_alternative(org):
    solution = SolutionFactory()
    proposal = make_proposal(
        requester=org.requester, solution=solution, new_vendor_name="", new_solution_name=""
    )
    with pytest.raises(DomainError):
        scoring.alternative_add(proposal=proposal, actor=org.requester, solution=solution)


def test_at_most_five_alternatives(org):
    proposal = make_proposal(requester=org.requester)
    for i in range(ALTERNATIVES_MAX):
        scoring.alternative_add(proposal=proposal, actor=org.requester, name=f"Alt {i}")
    with pytest.raises(DomainError):
        scoring.alternative_add(proposal=proposal, actor=org.requester, name="One more")
    assert ProposalAlternative.objects.count() == ALTERNATIVES_MAX


def test_the_same_alternative_is_refused_twice(org):
    proposal = make_proposal(requester=org.requester)
    scoring.alternative_add(proposal=proposal, actor=org.requester, name="X")
    with pytest.raises(DomainError):
        scoring.alternative_add(proposal=proposal, actor=org.requester, name="x")


def test_only_the_requester_sets_alternatives(org):
    proposal = make_proposal(requester=org.requester)
    with pytest.raises(NotAllowed):
        scoring.alternative_add(proposal=proposal, actor=org.hr_reviewer, name="X")


def test_alternatives_are_settled_once_the_cdo_has_it(org):
    proposal, alternative, _c = scored_proposal(org)
    for code, reviewer in org.reviewers.items():
        services.signoff_decide(
            signoff=proposal.signoffs.get(department__code=code),
            actor=reviewer,
            outcome=SignOffStatus.APPROVED,
        )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.AWAITING_DECISION
    with pytest.raises(InvalidTransition):
        scoring.alternative_add(proposal=proposal, actor=org.requester, name="Late")
    with pytest.raises(InvalidTransition):
        scoring.alternative_remove(alternative=alternative, actor=org.requester)


def test_removing_an_alternative_drops_its_scores(org):
    proposal, alternative, criteria = scored_proposal(org)
    _score_all(org, proposal, alternative, criteria)
    scoring.alternative_remove(alternative=alternative, actor=org.requester)
    assert not AlternativeScore.objects.filter(alternative_id=alternative.pk).exists()
    assert Event.objects.get(kind="scoring.alternative_removed").payload["scores_dropped"] == 3


# --- Scores ------------------------------------------------------------------------------------


def test_the_comparison_ranks_the_options_by_the_mean_of_the_department_totals(org):
    proposal, alternative, criteria = scored_proposal(org)
    # HR: proposed (3*4 + 1*2)/4 = 3.50, other (3*2 + 1*5)/4 = 2.75; IT: 2 vs 5.
    _score_all(org, proposal, alternative, criteria, proposed=(4, 2, 2), other=(2, 5, 5))
    result = compare(proposal)
    hr = next(d for d in result.departments if d.department.code == "HR")
    assert hr.totals == {PROPOSED: Decimal("3.50"), str(alternative.pk): Decimal("2.75")}
    assert result.overall == {PROPOSED: Decimal("2.75"), str(alternative.pk): Decimal("3.88")}
    assert result.ranks == {PROPOSED: 2, str(alternative.pk): 1}
    assert result.proposed_ranked_first is False


def test_a_department_that_has_not_scored_every_option_does_not_count(org):
    proposal, alternative, criteria = scored_proposal(org)
    _score_all(org, proposal, alternative, criteria, proposed=(1, 1, 5), other=(5, 5, 1))
    scoring.scores_set(
        proposal=proposal,
        actor=org.it_reviewer,
        department=org.departments["IT"],
        scores={(str(alternative.pk), criteria["security"].pk): None},
    )
    result = compare(proposal)
    assert [d.department.code for d in result.counted] == ["HR"]
    assert result.ranks == {PROPOSED: 2, str(alternative.pk): 1}


def test_nothing_scored_gives_no_result(org):
    proposal, _a, _c = scored_proposal(org)
    result = compare(proposal)
    assert not result.has_result
    assert result.proposed_ranked_first is None


@pytest.mark.parametrize("score", [0, 6])
def test_a_score_outside_one_to_five_is_refused_and_nothing_is_written(org, score):
    proposal, _a, criteria = scored_proposal(org)
    with pytest.raises(DomainError):
        scoring.scores_set(
            proposal=proposal,
            actor=org.hr_reviewer,
            department=org.departments["HR"],
            scores={(PROPOSED, criteria["fit"].pk): 3, (PROPOSED, criteria["cost"].pk): score},
        )
    assert not AlternativeScore.objects.exists()


def test_scores_one_and_five_are_accepted_and_a_new_score_replaces_the_old(org):
    proposal, _a, criteria = scored_proposal(org)
    for value in (1, 5):
        scoring.scores_set(
            proposal=proposal,
            actor=org.hr_reviewer,
            department=org.departments["HR"],
            scores={(PROPOSED, criteria["fit"].pk): value},
        )
    assert list(AlternativeScore.objects.values_list("score", flat=True)) == [5]
    assert Event.objects.filter(kind="scoring.scored").count() == 2


def test_a_reviewer_scores_only_on_their_own_departments_criteria(org):
    proposal, _a, criteria = scored_proposal(org)
    with pytest.raises(NotAllowed):
        scoring.scores_set(
            proposal=proposal,
            actor=org.it_reviewer,
            department=org.departments["HR"],
            scores={(PROPOSED, criteria["fit"].pk): 3},
        )
    with pytest.raises(DomainError):
        scoring.scores_set(
            proposal=proposal,
            actor=org.it_reviewer,
            department=org.departments["IT"],
            scores={(PROPOSED, criteria["fit"].pk): 3},
        )
    assert not AlternativeScore.objects.exists()


def test_the_requester_and_members_do_not_score(org):
    proposal, _a, criteria = scored_proposal(org)
    for user in (org.requester, org.hr_member, org.outsider, org.cdo):
        with pytest.raises(NotAllowed):
            scoring.scores_set(
                proposal=proposal,
                actor=user,
                department=org.departments["HR"],
                scores={(PROPOSED, criteria["fit"].pk): 3},
            )


def test_an_unknown_option_is_refused(org):
    proposal, _a, criteria = scored_proposal(org)
    with pytest.raises(DomainError):
        scoring.scores_set(
            proposal=proposal,
            actor=org.hr_reviewer,
            department=org.departments["HR"],
            scores={("999999", criteria["fit"].pk): 3},
        )


def test_a_draft_is_not_scored(org):
    with_criteria(org)
    proposal = make_proposal(requester=org.requester)
    with pytest.raises(InvalidTransition):
        scoring.scores_set(
            proposal=proposal,
            actor=org.hr_reviewer,
            department=org.departments["HR"],
            scores={},
        )


# --- The decision keeps the result -------------------------------------------------------------


def _to_the_cdo(org, proposal):
    for code, reviewer in org.reviewers.items():
        services.signoff_decide(
            signoff=proposal.signoffs.get(department__code=code),
            actor=reviewer,
            outcome=SignOffStatus.APPROVED,
        )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.AWAITING_DECISION
    return proposal


def test_the_decision_records_the_comparison_and_whether_the_proposed_ranked_first(org):
    proposal, alternative, criteria = scored_proposal(org)
    _score_all(org, proposal, alternative, criteria)
    proposal = _to_the_cdo(org, proposal)
    decision = services.decision_take(
        proposal=proposal, actor=org.cdo, outcome=DecisionOutcome.APPROVED, rationale="Best fit."
    )
    assert decision.proposed_ranked_first is True
    assert decision.scoring["options"][0] == {
        "key": PROPOSED,
        "label": proposal.provider_name,
        "overall": "5.00",
        "rank": 1,
    }
    event = Event.objects.get(kind="decision.approved")
    assert event.payload["proposed_ranked_first"] is True


def test_a_decision_without_scores_records_no_ranking(org):
    proposal, _a, _c = scored_proposal(org)
    proposal = _to_the_cdo(org, proposal)
    decision = services.decision_take(
        proposal=proposal, actor=org.cdo, outcome=DecisionOutcome.APPROVED, rationale="Go."
    )
    assert decision.proposed_ranked_first is None
    assert decision.scoring == {}
