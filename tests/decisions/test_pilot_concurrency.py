"""Pilot writes racing on PostgreSQL: two signers of one department giving its verdict at once,
the last two departments' verdicts at once (the outcome applied once), a participant's rating
from two tabs (counted once)."""

from __future__ import annotations

import pytest

from decisions.models import PilotRating, PilotReview, PilotVerdict, ProposalStatus
from decisions.services import pilots
from landscape.models import ToolLifecycleChange
from tests.decisions.test_concurrency import refused_as_invalid_transition, run_at_once
from tests.pilots import ended_pilot
from tests.services import need_postgres

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    need_postgres()


def test_two_signers_of_one_department_give_its_verdict_once(org):
    proposal = ended_pilot(org, vendor="Racy", participants=[], stage="in_review")
    hr = org.departments["HR"]
    keep, stop = run_at_once(
        {
            "keep": lambda: pilots.pilot_verdict_give(
                proposal=proposal, actor=org.hr_reviewer, department=hr, verdict="keep"
            ),
            "stop": lambda: pilots.pilot_verdict_give(
                proposal=proposal, actor=org.hr_head, department=hr, verdict="stop", reason="No."
            ),
        }
    )
    assert [keep.ok, stop.ok].count(True) == 1
    assert refused_as_invalid_transition(stop if keep.ok else keep)
    assert PilotVerdict.objects.filter(department=hr).count() == 1


def test_the_last_two_verdicts_at_once_apply_the_outcome_once(org):
    proposal = ended_pilot(org, vendor="Keepy", participants=[], stage="in_review")
    pilots.pilot_verdict_give(
        proposal=proposal, actor=org.hr_reviewer, department=org.departments["HR"], verdict="keep"
    )
    it, mkt = run_at_once(
        {
            code: lambda code=code: pilots.pilot_verdict_give(
                proposal=proposal,
                actor=org.reviewers[code],
                department=org.departments[code],
                verdict="keep",
            )
            for code in ("IT", "MKT")
        }
    )
    assert it.ok, it
    assert mkt.ok, mkt
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ADOPTED
    assert PilotReview.objects.get(proposal=proposal).outcome == "keep"
    assert (
        ToolLifecycleChange.objects.filter(tool=proposal.tool, to_lifecycle="adopted").count() == 1
    )


def test_a_rating_from_two_tabs_counts_once(org):
    proposal = ended_pilot(org, vendor="Tabby", participants=[org.outsider])
    criterion = proposal.pilot_criteria.get()
    first, second = run_at_once(
        {
            tab: lambda: pilots.pilot_rate(
                proposal=proposal, actor=org.outsider, recommend=9, scores={criterion.pk: 4}
            )
            for tab in ("one", "two")
        }
    )
    assert [first.ok, second.ok].count(True) == 1
    assert PilotRating.objects.filter(proposal=proposal).count() == 1
