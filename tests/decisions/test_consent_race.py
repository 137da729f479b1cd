"""Consent mode, real races on PostgreSQL: a reviewer's last-minute objection or approval and
the presumption (the periodic task at midnight) on the same sign-off end in one state — the
first to lock the proposal wins, the other changes nothing."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings

from decisions import services
from decisions.models import SignOffStatus
from decisions.services.consent import signoff_presume
from tests.decisions.test_concurrency import (
    assert_chain_intact_and_gapless,
    refused_as_invalid_transition,
    run_at_once,
    signoff_events,
)
from tests.factories import make_proposal
from tests.services import need_postgres

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TZ = ZoneInfo(settings.TIME_ZONE)
MONDAY = dt.datetime(2026, 3, 2, 9, 0, tzinfo=TZ)
LAST_MINUTE = dt.datetime(2026, 3, 9, 23, 59, tzinfo=TZ)  # the due date's last minute
MIDNIGHT = dt.datetime(2026, 3, 10, 0, 0, tzinfo=TZ)  # the presumption's run


@pytest.fixture(autouse=True)
def _postgres_only():
    need_postgres()


@pytest.fixture
def consent_org(org):
    for tier in org.tiers.values():
        tier.consent_mode = True
        tier.save()
    return org


def test_a_last_minute_objection_racing_the_presumption_ends_in_one_state(consent_org):
    org = consent_org
    for i in range(4):
        with time_machine.travel(MONDAY, tick=False):
            proposal = make_proposal(
                requester=org.requester, submit=True, new_vendor_name=f"Consent race {i}"
            )
        signoff = proposal.signoffs.get(department__code="IT")
        with time_machine.travel(LAST_MINUTE, tick=False):
            objection, presumption = run_at_once(
                {
                    "object": lambda s=signoff: services.signoff_decide(
                        signoff=s, actor=org.it_reviewer, outcome="rejected", comment="No SSO."
                    ),
                    # The task's clock says midnight: the due date is over for it.
                    "presume": lambda s=signoff: signoff_presume(signoff_id=s.pk, now=MIDNIGHT),
                }
            )
        assert presumption.ok, presumption
        signoff.refresh_from_db()
        kinds = sorted(signoff_events(proposal, "IT").values_list("kind", flat=True))
        if objection.ok:
            assert not presumption.value.presumed
            assert signoff.status == SignOffStatus.REJECTED
            assert not signoff.presumed
            assert kinds == ["signoff.objected"]
        else:
            assert refused_as_invalid_transition(objection), objection
            assert presumption.value.presumed
            assert signoff.status == SignOffStatus.APPROVED
            assert signoff.presumed
            assert kinds == ["signoff.presumed"]
    assert_chain_intact_and_gapless()


def test_an_approval_racing_the_presumption_is_recorded_once(consent_org):
    org = consent_org
    with time_machine.travel(MONDAY, tick=False):
        proposal = make_proposal(requester=org.requester, submit=True)
    signoff = proposal.signoffs.get(department__code="HR")
    with time_machine.travel(MIDNIGHT, tick=False):
        approval, presumption = run_at_once(
            {
                "approve": lambda: services.signoff_decide(
                    signoff=signoff, actor=org.hr_reviewer, outcome="approved"
                ),
                "presume": lambda: signoff_presume(signoff_id=signoff.pk),
            }
        )
    assert presumption.ok, presumption
    assert approval.ok != presumption.value.presumed  # exactly one of them took it
    assert signoff_events(proposal, "HR").count() == 1
    assert_chain_intact_and_gapless()
