"""Pricing and tiers: a proposal's total cost of ownership, the same vendor's recent spend, and
the approval tier (who decides) that the two fall in."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.money import MAX_AMOUNT, format_base_money, to_base_currency
from decisions.models import (
    VENDOR_TOTAL_STATES,
    Proposal,
    ProposalKind,
    TierRule,
    tier_sentence,
)
from decisions.tco import MODEL_FIELDS
from stakeholders.models import ApprovalTier

# The fields the TCO is computed from.
TCO_FIELDS = ("currency", "one_off_cost", "recurring_cost", "recurring_period", "term_months")
# Proposals of the same vendor submitted within this many days are added together.
VENDOR_WINDOW = dt.timedelta(days=365)


def vendor_spend_last_12_months(*, proposal: Proposal, at: dt.datetime) -> Decimal:
    """The TCO of the same vendor's other proposals that count towards its total (in review,
    awaiting a decision or committed), submitted in the 12 months before `at`. A retirement
    buys nothing from the vendor: it neither adds to the total nor is tiered by it."""
    if proposal.kind == ProposalKind.RETIREMENT:
        return Decimal("0")
    if proposal.solution is not None:
        vendor = proposal.solution.vendor
        same_vendor = Q(solution__vendor=vendor) | Q(new_vendor_name__iexact=vendor.name)
    elif proposal.new_vendor_name.strip():
        name = proposal.new_vendor_name.strip()
        same_vendor = Q(solution__vendor__name__iexact=name) | Q(new_vendor_name__iexact=name)
    else:
        return Decimal("0")
    total = (
        Proposal.objects.filter(same_vendor)
        .filter(status__in=VENDOR_TOTAL_STATES, submitted_at__gte=at - VENDOR_WINDOW)
        .exclude(pk=proposal.pk)
        .exclude(kind=ProposalKind.RETIREMENT)
        .aggregate(total=Sum("tco"))["total"]
    )
    return total or Decimal("0")


def tier_for(amount: Decimal) -> ApprovalTier:
    tier = (
        ApprovalTier.objects.filter(min_tco__lte=amount)
        .filter(Q(max_tco__isnull=True) | Q(max_tco__gt=amount))
        .order_by("-min_tco")
        .first()
    )
    if tier is None:
        raise DomainError(
            _("No approval tier covers %(amount)s; ask an administrator to configure one.")
            % {"amount": amount}
        )
    return tier


@dataclass
class TierAssessment:
    """Who decides, and why: the tier a proposal falls in and the amounts it was chosen on."""

    tco: Decimal
    earlier: Decimal
    basis: Decimal
    tier: ApprovalTier
    rule: TierRule
    # The sentence in the active language, for the preview (a proposal keeps the rule).
    reason: str


def proposal_tco_in_base(*, proposal: Proposal) -> Decimal:
    """The proposal's TCO (saved or not) in the base currency, as submission fixes it."""
    return to_base_currency(proposal.compute_tco(), proposal.currency)


def tco_limit_message() -> str:
    return _(
        "The total cost of ownership (one-off cost plus recurring cost over the term, at least "
        "12 months) cannot exceed %(limit)s: check the costs, period and term."
    ) % {"limit": format_base_money(MAX_AMOUNT)}


def proposal_tco_exceeds_limit(*, proposal: Proposal) -> bool:
    """Whether the costs, period and term give a TCO too large to record."""
    try:
        return bool(proposal_tco_in_base(proposal=proposal) > MAX_AMOUNT)
    except ValueError:
        return False  # no exchange rate for the currency: submission says so


def proposal_tco_limit_field(*, proposal: Proposal) -> str | None:
    """The cost field to blame when the TCO is too large (None when it fits): the one-off
    cost when it alone is too large or nothing recurs, otherwise the recurring cost; priced by a
    model, the model's main input (decisions.tco.MODEL_FIELDS)."""
    if not proposal_tco_exceeds_limit(proposal=proposal):
        return None
    if proposal.cost_model:
        return MODEL_FIELDS[proposal.cost_model][0]
    one_off = to_base_currency(proposal.one_off_cost, proposal.currency)
    if one_off > MAX_AMOUNT or not proposal.recurring_cost:
        return "one_off_cost"
    return "recurring_cost"


def assess_tier(*, proposal: Proposal, at: dt.datetime) -> TierAssessment:
    """The tier for `proposal` (saved or not) if it were submitted at `at`."""
    tco = proposal_tco_in_base(proposal=proposal)
    if tco > MAX_AMOUNT:
        raise DomainError(tco_limit_message(), code="tco_too_large")
    earlier = vendor_spend_last_12_months(proposal=proposal, at=at)
    basis = tco + earlier
    if basis > MAX_AMOUNT:
        # Each TCO fits, but the same vendor's 12-month total does not: refused rather than
        # stored wrong (or a database error on PostgreSQL).
        raise DomainError(
            _(
                "TCO %(tco)s plus %(earlier)s for the same vendor in the last 12 months exceeds "
                "the largest amount that can be recorded (%(limit)s)."
            )
            % {
                "tco": format_base_money(tco),
                "earlier": format_base_money(earlier),
                "limit": format_base_money(MAX_AMOUNT),
            },
            code="tco_too_large",
        )
    tier = tier_for(basis)
    rule = TierRule.VENDOR_12_MONTHS if earlier else TierRule.TCO
    reason = tier_sentence(tco=tco, earlier=earlier, tier_name=tier.name)
    return TierAssessment(
        tco=tco, earlier=earlier, basis=basis, tier=tier, rule=rule, reason=reason
    )
