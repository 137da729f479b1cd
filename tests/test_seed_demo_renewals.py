"""The demo's renewals: notice deadlines 7, 30 and 90 days after the seed day, one renewal in
review, and `run_lifecycle` on the demo sends the 7-, 30- and 90-day reminders."""

from __future__ import annotations

import pytest
from django.utils import timezone

from decisions.models import ProposalKind, ProposalStatus, RenewalReminder
from decisions.services.schedule import run_lifecycle
from landscape.contracts import tools_contract_dates
from landscape.models import Tool
from tests.test_seed_demo import demo  # noqa: F401 - the class-scoped seeded demo

pytestmark = pytest.mark.django_db


@pytest.mark.usefixtures("demo")
class TestTheDemoRenewals:
    def test_its_deadlines_fall_7_30_and_90_days_ahead(self):
        dates = tools_contract_dates(Tool.objects.all(), timezone.localdate())
        assert {7, 30, 90} <= {d.days_to_deadline for d in dates.values()}

    def test_a_renewal_is_in_review(self):
        tool = Tool.objects.get(solution__name="LinkedIn Recruiter")
        renewal = tool.proposals.get(kind=ProposalKind.RENEWAL)
        assert renewal.status == ProposalStatus.IN_REVIEW
        assert renewal.renewal_action == "renegotiate"

    def test_run_lifecycle_sends_the_reminders_once(self):
        today = timezone.localdate()
        assert run_lifecycle(today=today)["renewal reminders"] >= 3
        assert {7, 30, 90} <= set(RenewalReminder.objects.values_list("days_before", flat=True))
        assert run_lifecycle(today=today)["renewal reminders"] == 0
