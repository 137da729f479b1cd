"""The demo's contracts coming up for renewal: notice deadlines 7, 30 and 90 days after the seed
day (so `manage.py run_lifecycle` sends the 7-, 30- and 90-day reminders), others spread over the
year for the renewal calendar, and one renewal proposal open. A tool that has a contract already
keeps it; a renewal whose title exists is not opened twice."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from core.errors import DomainError
from decisions.models import Proposal
from landscape.contracts import add_months
from landscape.models import LIVE_LIFECYCLES, Lifecycle, Tool

# (tool, days from the seed day to the notice deadline, notice days, term months, renews itself)
CONTRACTS = [
    ("Textkernel Extract", 7, 60, 12, True),
    ("LinkedIn Recruiter", 30, 90, 12, False),
    ("SAP SuccessFactors Learning", 90, 90, 36, True),
    ("Qualtrics EmployeeXM", 45, 60, 12, True),
    ("HubSpot Marketing Hub Professional", 120, 90, 24, True),
    ("Slack Business+", 150, 30, 12, True),
    ("Tableau Cloud", 200, 60, 12, False),
    ("Datadog Pro", 260, 30, 12, True),
    ("Calendly Teams", 20, 30, 1, True),
    ("Pleo Premium", 320, 60, 12, True),
]
RENEWAL_TOOL = "LinkedIn Recruiter"
RENEWAL_TITLE = "Renegotiate LinkedIn Recruiter"


def load_demo_contracts() -> tuple[int, int]:
    """Give the demo tools their contracts (where they have none). Returns (set, already)."""
    today = timezone.localdate()
    specs = {c[0]: c[1:] for c in CONTRACTS}
    tools = list(
        Tool.objects.filter(solution__name__in=list(specs), lifecycle__in=LIVE_LIFECYCLES)
        .exclude(lifecycle=Lifecycle.SUNSET)
        .select_related("solution")
    )
    missing = [t for t in tools if t.contract_start is None]
    for tool in missing:
        days, notice, term, auto = specs[tool.solution.name]
        renewal = today + dt.timedelta(days=days + notice)
        tool.contract_start = add_months(renewal, -term)
        tool.term_months, tool.notice_days, tool.auto_renews = term, notice, auto
    if missing:
        Tool.objects.bulk_update(
            missing, ["contract_start", "term_months", "notice_days", "auto_renews"]
        )
    return len(missing), len(tools) - len(missing)


def seed_demo_renewal() -> Proposal | None:
    """An open renewal: HR renegotiates LinkedIn Recruiter (fewer seats, a lower price) before
    its notice deadline. None when it exists or cannot be opened."""
    from decisions.services.renewal import renewal_open

    if Proposal.objects.filter(title=RENEWAL_TITLE).exists():
        return None
    tool = (
        Tool.objects.filter(solution__name=RENEWAL_TOOL)
        .select_related("business_owner", "solution")
        .first()
    )
    if tool is None or tool.business_owner is None:
        return None
    try:
        return renewal_open(
            tool=tool,
            actor=tool.business_owner,
            action="renegotiate",
            term_months=24,
            yearly_cost=Decimal("61000"),
            rationale=(
                "Eight seats, five used every week: renegotiate for six seats over two years. "
                "Recruiters rate it well; the price is the issue."
            ),
        )
    except DomainError:
        return None


def seed_demo_renewals(lines: list[str]) -> Proposal | None:
    """The contracts and the open renewal (the loader's one call): what was done goes to the
    seed report's `lines`; returns the renewal opened now, if any."""
    created, existing = load_demo_contracts()
    lines.append(f"Renewal contracts: {created} created, {existing} already there.")
    proposal = seed_demo_renewal()
    if proposal is not None:
        lines.append(f"Renewal proposal in review: {proposal.reference}.")
    return proposal
