"""Pilots that end in a decision: the promoter score, who may rate, measure, review and decide,
the dates, the schedule's step and what each outcome does to the tool."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError, transaction

from audit.models import Event
from core.errors import DomainError, InvalidTransition, NotAllowed
from decisions import services
from decisions.models import (
    Notification,
    PilotRating,
    PilotReview,
    PilotVerdict,
    ProposalStatus,
)
from decisions.pilots import pilot_scores, promoter_score
from decisions.services import pilots
from decisions.services.schedule import run_lifecycle
from landscape.models import Integration, Lifecycle
from tests.factories import (
    SolutionFactory,
    ToolFactory,
    ToolIntegrationFactory,
    make_proposal,
)
from tests.pilots import (
    AFTER,
    END,
    START,
    _approved,
    _criteria,
    _measure_and_open,
    _rate,
    _verdicts,
    pilot,
)

pytestmark = pytest.mark.django_db


__all__ = ["pilot"]  # the fixture


# --- The promoter score (pure) ------------------------------------------------------------------


def test_all_promoters_score_100():
    assert promoter_score([9, 10, 10, 9]) == 100


def test_all_detractors_score_minus_100():
    assert promoter_score([0, 3, 6, 6]) == -100


def test_7_and_8_are_passive():
    assert promoter_score([7, 8, 7, 8]) == 0
    assert promoter_score([7, 9]) == 50  # one promoter in two answers, the passive counts


def test_no_answers_give_no_score():
    assert promoter_score([]) is None


def test_the_score_rounds_half_away_from_zero():
    # 1 promoter, 0 detractors in 8 → 12.5 → 13; mirrored, minus 13
    assert promoter_score([9, 7, 7, 7, 7, 7, 7, 7]) == 13
    assert promoter_score([6, 7, 7, 7, 7, 7, 7, 7]) == -13


# --- A pilot running ------------------------------------------------------------------------------


def test_scores_count_promoters_passives_and_detractors(org, pilot):
    with time_machine.travel(AFTER):
        _rate(pilot, org.anna, 10, score=5)
        _rate(pilot, org.ben, 8, score=4)
        _rate(pilot, org.cleo, 3, score=2)
    scores = pilot_scores(pilot)
    assert (scores.answers, scores.promoters, scores.passives, scores.detractors) == (
        1 + 1 + 1,
        1,
        1,
        1,
    )
    assert scores.promoter_score == 0
    assert [(c.criterion.metric, c.average, c.answers) for c in scores.criteria] == [
        ("Time to hire", Decimal("3.7"), 3),
        ("Recruiters active weekly", Decimal("3.7"), 3),
    ]


def test_scores_of_a_pilot_nobody_rated_have_no_promoter_score(pilot):
    scores = pilot_scores(pilot)
    assert scores.answers == 0
    assert scores.promoter_score is None
    assert [c.answers for c in scores.criteria] == [0, 0]


def test_a_non_participant_cannot_rate(org, pilot):
    with time_machine.travel(AFTER), pytest.raises(NotAllowed):
        _rate(pilot, org.outsider, 9)


def test_nobody_rates_before_the_end(org, pilot):
    with time_machine.travel(END), pytest.raises(InvalidTransition, match="after it ends"):
        _rate(pilot, org.anna, 9)


def test_a_rating_is_given_once_per_round(org, pilot):
    with time_machine.travel(AFTER):
        _rate(pilot, org.anna, 9)
        with pytest.raises(InvalidTransition, match="already"):
            _rate(pilot, org.anna, 3)
    assert PilotRating.objects.get(user=org.anna).recommend == 9


def test_every_criterion_is_scored_from_1_to_5(org, pilot):
    first, second = _criteria(pilot)
    with time_machine.travel(AFTER):
        with pytest.raises(DomainError, match="every criterion"):
            pilots.pilot_rate(proposal=pilot, actor=org.anna, recommend=9, scores={first.pk: 4})
        with pytest.raises(DomainError, match="Between 1 and 5"):
            pilots.pilot_rate(
                proposal=pilot, actor=org.anna, recommend=9, scores={first.pk: 6, second.pk: 3}
            )
        with pytest.raises(DomainError, match="Between 0 and 10"):
            pilots.pilot_rate(
                proposal=pilot, actor=org.anna, recommend=11, scores={first.pk: 4, second.pk: 3}
            )
    assert not PilotRating.objects.exists()


def test_the_database_refuses_a_score_out_of_range(org, pilot):
    with pytest.raises(IntegrityError), transaction.atomic():
        PilotRating.objects.create(proposal=pilot, round=1, user=org.anna, recommend=11)


def test_only_the_owner_sets_criteria_and_measures(org, pilot):
    with pytest.raises(NotAllowed):
        pilots.pilot_update(proposal=pilot, actor=org.hr_reviewer, criteria=[])
    with pytest.raises(NotAllowed):
        pilots.pilot_measure(proposal=pilot, actor=org.cdo, values={_criteria(pilot)[0].pk: 1})


def test_the_review_opens_after_the_end_with_every_criterion_measured(org, pilot):
    first, _second = _criteria(pilot)
    with time_machine.travel(END):
        pilots.pilot_measure(proposal=pilot, actor=org.requester, values={first.pk: "25"})
        with pytest.raises(InvalidTransition, match="not ended"):
            pilots.pilot_review_open(proposal=pilot, actor=org.requester)
    with time_machine.travel(AFTER):
        with pytest.raises(DomainError, match="every criterion"):
            pilots.pilot_review_open(proposal=pilot, actor=org.requester)
        review = _measure_and_open(org, pilot)
    assert review.status == "open"
    assert Event.objects.filter(proposal_id=pilot.pk, kind="pilot.review_opened").exists()


def test_other_departments_cannot_give_another_ones_verdict(org, pilot):
    with time_machine.travel(AFTER):
        _measure_and_open(org, pilot)
        with pytest.raises(NotAllowed, match="Marketing"):
            pilots.pilot_verdict_give(
                proposal=pilot,
                actor=org.hr_reviewer,
                department=org.departments["MKT"],
                verdict="keep",
            )


def test_the_requester_cannot_give_a_verdict_on_their_own_pilot(org, pilot):
    org.requester.memberships.update(role="head", approval_limit=None)
    with time_machine.travel(AFTER):
        _measure_and_open(org, pilot)
        with pytest.raises(NotAllowed, match="You proposed it"):
            pilots.pilot_verdict_give(
                proposal=pilot,
                actor=org.requester,
                department=org.departments["HR"],
                verdict="keep",
            )


def test_one_verdict_per_department(org, pilot):
    with time_machine.travel(AFTER):
        _measure_and_open(org, pilot)
        _verdicts(org, pilot, {"HR": "keep"})
        with pytest.raises(InvalidTransition, match="already"):
            pilots.pilot_verdict_give(
                proposal=pilot,
                actor=org.hr_head,
                department=org.departments["HR"],
                verdict="stop",
                reason="No.",
            )


def test_stop_and_extend_need_a_reason_and_extend_a_future_end(org, pilot):
    with time_machine.travel(AFTER):
        _measure_and_open(org, pilot)
        hr = org.departments["HR"]
        with pytest.raises(DomainError, match="reason"):
            pilots.pilot_verdict_give(
                proposal=pilot, actor=org.hr_reviewer, department=hr, verdict="stop"
            )
        with pytest.raises(DomainError, match="after today"):
            pilots.pilot_verdict_give(
                proposal=pilot,
                actor=org.hr_reviewer,
                department=hr,
                verdict="extend",
                reason="More data.",
                new_end=AFTER,
            )
    assert not PilotVerdict.objects.exists()


def test_keep_by_all_three_adopts_the_tool(org, pilot):
    with time_machine.travel(AFTER):
        for user in (org.anna, org.ben):
            _rate(pilot, user, 9)
        _measure_and_open(org, pilot)
        _verdicts(org, pilot, {"HR": "keep", "IT": "keep", "MKT": "keep"})
    pilot.refresh_from_db()
    assert pilot.status == ProposalStatus.ADOPTED
    assert pilot.tool.lifecycle == Lifecycle.ADOPTED
    review = PilotReview.objects.get(proposal=pilot)
    assert (review.status, review.outcome, review.decided_by) == ("decided", "keep", None)
    told = Notification.objects.filter(dedupe_key=f"pilot_outcome:{pilot.reference}:1")
    assert {n.user for n in told} >= {org.requester, org.anna, org.ben, org.cleo}


def test_stop_by_all_retires_the_tool_and_ends_its_integrations(org, pilot):
    other = ToolFactory()
    link = ToolIntegrationFactory(source=pilot.tool, target=other)
    with time_machine.travel(AFTER):
        _measure_and_open(org, pilot)
        _verdicts(org, pilot, {"HR": "stop", "IT": "stop", "MKT": "stop"})
    pilot.refresh_from_db()
    assert pilot.status == ProposalStatus.RETIRED
    assert pilot.tool.lifecycle == Lifecycle.RETIRED
    assert Integration.objects.get(pk=link.pk).removed_at is not None
    outcome = Event.objects.get(proposal_id=pilot.pk, kind="pilot.outcome")
    assert outcome.payload["integrations_removed"] == [link.pk]


def test_extend_by_all_starts_a_new_round_measured_and_rated_anew(org, pilot):
    with time_machine.travel(AFTER):
        _rate(pilot, org.anna, 9)
        _measure_and_open(org, pilot)
        _verdicts(org, pilot, {"HR": "extend", "IT": "extend", "MKT": "extend"})
        pilot.refresh_from_db()
        assert (pilot.status, pilot.pilot_round) == (ProposalStatus.PILOTING, 2)
        assert pilot.pilot_end == AFTER + dt.timedelta(days=30)
        assert [(c.metric, c.measured) for c in _criteria(pilot)] == [
            ("Time to hire", None),
            ("Recruiters active weekly", None),
        ]
        assert pilot_scores(pilot).answers == 0
        assert pilot_scores(pilot, 1).answers == 1
        with pytest.raises(InvalidTransition, match="after it ends"):
            _rate(pilot, org.anna, 9)  # the new round has not ended
    with time_machine.travel(pilot.pilot_end + dt.timedelta(days=1)):
        _rate(pilot, org.anna, 6)
    assert pilot_scores(pilot).promoter_score == -100


def test_disagreement_goes_to_the_cdo_who_alone_decides(org, pilot):
    with time_machine.travel(AFTER):
        _measure_and_open(org, pilot)
        with pytest.raises(InvalidTransition, match="not all"):
            pilots.pilot_decide(proposal=pilot, actor=org.cdo, outcome="keep", rationale="Go.")
        _verdicts(org, pilot, {"HR": "keep", "IT": "stop", "MKT": "keep"})
        pilot.refresh_from_db()
        assert pilot.status == ProposalStatus.PILOTING
        asked = Notification.objects.filter(dedupe_key=f"pilot_decision_needed:{pilot.reference}:1")
        assert [n.user for n in asked] == [org.cdo]
        with pytest.raises(NotAllowed):
            pilots.pilot_decide(proposal=pilot, actor=org.superuser, outcome="keep", rationale="x")
        with pytest.raises(NotAllowed):
            pilots.pilot_decide(proposal=pilot, actor=org.hr_head, outcome="keep", rationale="x")
        with pytest.raises(DomainError, match="rationale"):
            pilots.pilot_decide(proposal=pilot, actor=org.cdo, outcome="keep", rationale="")
        pilots.pilot_decide(
            proposal=pilot,
            actor=org.cdo,
            outcome="keep",
            rationale="The measurements beat IT's worry.",
        )
    pilot.refresh_from_db()
    assert pilot.status == ProposalStatus.ADOPTED
    assert PilotReview.objects.get(proposal=pilot).decided_by == org.cdo


def test_the_cdo_does_not_decide_where_the_departments_agree(org, pilot):
    with time_machine.travel(AFTER):
        _measure_and_open(org, pilot)
        _verdicts(org, pilot, {"HR": "keep", "IT": "keep", "MKT": "keep"})
        with pytest.raises(InvalidTransition):
            pilots.pilot_decide(proposal=pilot, actor=org.cdo, outcome="stop", rationale="No.")


def test_the_cdo_does_not_decide_on_their_own_proposal(org, departments):
    from tests.factories import MembershipFactory

    MembershipFactory(user=org.cdo, department=departments["HR"], role="member")
    with time_machine.travel(dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)):
        proposal = make_proposal(
            requester=org.cdo,
            submit=True,
            one_off_cost=0,
            recurring_cost=100,
            pilot_start=START,
            pilot_end=END,
        )
        for signoff in proposal.signoffs.all():
            services.signoff_decide(
                signoff=signoff, actor=org.reviewers[signoff.department.code], outcome="approved"
            )
        services.proposal_advance(proposal=proposal, actor=org.cdo, action="start_pilot")
        pilots.pilot_update(
            proposal=proposal, actor=org.cdo, criteria=[{"metric": "Use", "target": "1"}]
        )
    with time_machine.travel(AFTER):
        pilots.pilot_measure(
            proposal=proposal, actor=org.cdo, values={_criteria(proposal)[0].pk: "2"}
        )
        pilots.pilot_review_open(proposal=proposal, actor=org.cdo)
        _verdicts(org, proposal, {"HR": "keep", "IT": "stop", "MKT": "keep"})
        with pytest.raises(NotAllowed, match="own proposal"):
            pilots.pilot_decide(proposal=proposal, actor=org.cdo, outcome="keep", rationale="x")


# --- The schedule's step --------------------------------------------------------------------------


def test_the_step_reminds_the_owner_and_asks_participants_once(org, pilot):
    assert run_lifecycle(today=END)["pilots ended"] == 0  # the end day still belongs to it
    with time_machine.travel(AFTER):
        _rate(pilot, org.cleo, 8)  # already rated: not asked
    assert run_lifecycle(today=AFTER)["pilots ended"] == 3  # the owner, anna and ben
    assert run_lifecycle(today=AFTER)["pilots ended"] == 0
    assert run_lifecycle(today=AFTER + dt.timedelta(days=1))["pilots ended"] == 0
    ended = Notification.objects.filter(dedupe_key=f"pilot_ended:{pilot.reference}:1")
    rate = Notification.objects.filter(dedupe_key=f"pilot_rate:{pilot.reference}:1")
    assert [n.user for n in ended] == [org.requester]
    assert {n.user for n in rate} == {org.anna, org.ben}


def test_the_step_leaves_a_decided_pilot_alone(org, pilot):
    with time_machine.travel(AFTER):
        _measure_and_open(org, pilot)
        _verdicts(org, pilot, {"HR": "stop", "IT": "stop", "MKT": "stop"})
    assert run_lifecycle(today=AFTER)["pilots ended"] == 0


def test_the_outcome_is_sent_to_webhook_subscribers(org, pilot):
    from webhooks.models import WebhookDelivery, WebhookSubscription

    WebhookSubscription.objects.create(
        name="hris", url="https://hooks.example/pilots", events=["pilot.outcome"]
    )
    with time_machine.travel(AFTER):
        _rate(pilot, org.anna, 10)
        _measure_and_open(org, pilot)
        _verdicts(org, pilot, {"HR": "keep", "IT": "keep", "MKT": "keep"})
    delivery = WebhookDelivery.objects.get(kind="pilot.outcome")
    body = delivery.payload
    assert body["reference"] == pilot.reference
    assert body["pilot"]["outcome"] == "keep"
    assert body["pilot"]["round"] == 1
    assert body["pilot"]["tool"]["id"] == pilot.tool_id
    assert [v["department"] for v in body["pilot"]["verdicts"]] == ["HR", "IT", "MKT"]
    assert body["pilot"]["scores"]["answers"] == 1
    assert body["pilot"]["scores"]["promoter_score"] == 100
    assert body["pilot"]["scores"]["criteria"][0]["measured"] == "25.00"


def test_the_step_reminds_nobody_to_open_a_review_that_is_open(org, pilot):
    with time_machine.travel(AFTER):
        _measure_and_open(org, pilot)
    assert run_lifecycle(today=AFTER)["pilots ended"] == 3  # the participants only
    assert not Notification.objects.filter(dedupe_key__startswith="pilot_ended:").exists()


def test_the_same_criteria_sent_again_keep_their_measurements_and_scores(org, pilot):
    plan = [
        {
            "metric": c.metric,
            "target": str(c.target),
            "unit": c.unit,
            "how_measured": c.how_measured,
            "direction": c.direction,
        }
        for c in _criteria(pilot)
    ]
    with time_machine.travel(AFTER):
        _rate(pilot, org.anna, 9)
        pilots.pilot_measure(
            proposal=pilot, actor=org.requester, values={_criteria(pilot)[0].pk: "20"}
        )
        pilots.pilot_update(
            proposal=pilot, actor=org.requester, criteria=plan, participants=[org.anna, org.ben]
        )
        assert _criteria(pilot)[0].measured == Decimal("20")
        assert pilot_scores(pilot).criteria[0].answers == 1
        changed = [*plan[:1], {"metric": "Something new", "target": "1"}]
        with pytest.raises(InvalidTransition, match="rated"):
            pilots.pilot_update(proposal=pilot, actor=org.requester, criteria=changed)


def test_a_measured_pilot_is_kept_through_its_review_not_by_one_click(org, pilot):
    """The requester (or the CDO) may stop a pilot early, but a pilot with success criteria is
    adopted only by its keep/stop review; while the review is open, nothing else moves it."""
    with pytest.raises(InvalidTransition, match="kept through its keep/stop review"):
        services.proposal_advance(proposal=pilot, actor=org.requester, action="adopt")
    with time_machine.travel(AFTER):
        _measure_and_open(org, pilot)
        for actor, action in ((org.requester, "retire"), (org.cdo, "adopt")):
            with pytest.raises(InvalidTransition, match="The keep/stop review decides"):
                services.proposal_advance(proposal=pilot, actor=actor, action=action)
    pilot.refresh_from_db()
    assert pilot.status == ProposalStatus.PILOTING


def test_a_pilot_with_criteria_can_still_be_stopped_early(org, pilot):
    services.proposal_advance(proposal=pilot, actor=org.requester, action="retire")
    pilot.refresh_from_db()
    assert pilot.status == ProposalStatus.RETIRED
    assert pilot.tool.lifecycle == Lifecycle.RETIRED


def test_a_pilot_without_criteria_is_adopted_as_before(org):
    proposal = _approved(org, solution=SolutionFactory())
    services.proposal_advance(proposal=proposal, actor=org.requester, action="start_pilot")
    services.proposal_advance(proposal=proposal, actor=org.requester, action="adopt")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ADOPTED
