"""Lock-in and exit: how hard it would be to leave the tool a proposal buys, rated low, medium or
high from four answers (export format, exit clause and notice, proprietary integrations,
switching cost). A high rating adds the IT Operations head's sign-off (decisions.dmu).

The questions matter for offers priced on demand or by API / white-label (the pricing models
the seeds contrast with licences: what we pay for is the vendor's platform, not a copy we keep).
For those, an unanswered question counts as a risk (UNKNOWN_POINTS: not knowing how to leave is
itself lock-in). Any other proposal may answer them too, and then the answers given count; a
proposal of another pricing model that answers none is not rated (None).

Scoring, in points (every threshold a named constant below):
- export: an open standard 0, a proprietary format 1, no export 2;
- exit: no exit clause 2; a clause with a notice over MAX_EXIT_NOTICE_DAYS 1;
- proprietary integrations: at least one 1, MANY_PROPRIETARY_INTEGRATIONS or more 2;
- switching cost: above SWITCHING_COST_HIGH (base currency) 2, otherwise above
  SWITCHING_COST_TCO_SHARE of the proposal's TCO 1.
HIGH_POINTS or more is high, MEDIUM_POINTS or more medium, anything less low.

A pure function of the proposal's fields (saved or not: the form's preview rates a draft as
submission will), with no query of its own."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from core.money import format_base_money, to_base_currency
from decisions.models import ExportFormat, LockInRating, Proposal
from vendors.models import PricingModel

# The pricing models whose proposals are asked about lock-in.
LOCK_IN_PRICING_MODELS = frozenset({PricingModel.ON_DEMAND, PricingModel.API})

EXPORT_POINTS = {ExportFormat.OPEN: 0, ExportFormat.PROPRIETARY: 1, ExportFormat.NONE: 2}
NO_EXIT_CLAUSE_POINTS = 2
# A notice longer than this (days) keeps us paying a quarter after we decide to leave.
MAX_EXIT_NOTICE_DAYS = 90
LONG_NOTICE_POINTS = 1
PROPRIETARY_INTEGRATION_POINTS = 1
MANY_PROPRIETARY_INTEGRATIONS = 3
MANY_PROPRIETARY_INTEGRATIONS_POINTS = 2
# Leaving costs more than this share of what the proposal itself costs (its TCO)...
SWITCHING_COST_TCO_SHARE = Decimal("0.5")
SWITCHING_COST_SHARE_POINTS = 1
# ...or more than this amount in the base currency, whatever the TCO.
SWITCHING_COST_HIGH = Decimal("50000")
SWITCHING_COST_HIGH_POINTS = 2
# An unanswered question, where the questions apply.
UNKNOWN_POINTS = 1

MEDIUM_POINTS = 2
HIGH_POINTS = 4


@dataclass(frozen=True)
class LockIn:
    rating: str  # a LockInRating
    points: int
    reasons: list[str] = field(default_factory=list)

    @property
    def is_high(self) -> bool:
        return self.rating == LockInRating.HIGH

    @property
    def rating_label(self) -> str:
        return str(LockInRating(self.rating).label)

    def as_payload(self) -> dict[str, object]:
        """What the audit event records."""
        return {"rating": self.rating, "points": self.points, "reasons": list(self.reasons)}


def pricing_model_of(proposal: Proposal) -> str:
    """The proposal's pricing model: copied from its solution on save, read from the solution
    itself for an unsaved draft (the form's preview)."""
    if proposal.pricing_model:
        return str(proposal.pricing_model)
    if proposal.solution_id and proposal.solution is not None:
        return str(proposal.solution.pricing_model)
    return ""


def lock_in_applies(proposal: Proposal) -> bool:
    """Whether the lock-in questions are asked of this proposal (its pricing model: the catalog
    solution's, or the one the requester priced it by, decisions.tco)."""
    return (
        pricing_model_of(proposal) in LOCK_IN_PRICING_MODELS
        or (proposal.cost_model or "") in LOCK_IN_PRICING_MODELS
    )


def lock_in_answered(proposal: Proposal) -> bool:
    return bool(
        proposal.export_format
        or proposal.exit_clause is not None
        or proposal.exit_notice_days is not None
        or proposal.proprietary_integrations
        or proposal.switching_cost is not None
    )


def rating_for(points: int) -> str:
    if points >= HIGH_POINTS:
        return LockInRating.HIGH
    if points >= MEDIUM_POINTS:
        return LockInRating.MEDIUM
    return LockInRating.LOW


def lock_in_rating(proposal: Proposal) -> LockIn | None:
    """The proposal's lock-in rating and the reasons for its points; None when the questions
    do not apply and none was answered."""
    applies = lock_in_applies(proposal)
    if not applies and not lock_in_answered(proposal):
        return None
    unknown = UNKNOWN_POINTS if applies else 0
    points = 0
    reasons: list[str] = []

    def add(n: int, reason: str) -> None:
        nonlocal points
        if n:
            points += n
            reasons.append(reason)

    # Export.
    if proposal.export_format:
        export = ExportFormat(proposal.export_format)
        add(
            EXPORT_POINTS[export],
            _("No data export.")
            if export == ExportFormat.NONE
            else _("Data exports only in a proprietary format."),
        )
    else:
        add(unknown, _("Data export format not stated."))

    # Exit.
    if proposal.exit_clause is False:
        add(NO_EXIT_CLAUSE_POINTS, _("No exit clause: we cannot leave before the term ends."))
    elif proposal.exit_clause is None:
        add(unknown, _("Exit clause not stated."))
    elif (proposal.exit_notice_days or 0) > MAX_EXIT_NOTICE_DAYS:
        add(
            LONG_NOTICE_POINTS,
            _("Exit notice of %(days)s days (more than %(max)s).")
            % {"days": proposal.exit_notice_days, "max": MAX_EXIT_NOTICE_DAYS},
        )

    # Proprietary integrations.
    count = proposal.proprietary_integrations or 0
    if count >= MANY_PROPRIETARY_INTEGRATIONS:
        add(
            MANY_PROPRIETARY_INTEGRATIONS_POINTS,
            _("%(n)s integrations that only work with this vendor.") % {"n": count},
        )
    elif count > 0:
        add(
            PROPRIETARY_INTEGRATION_POINTS,
            _("%(n)s integration(s) that only work with this vendor.") % {"n": count},
        )

    # Switching cost.
    cost = proposal.switching_cost
    if cost is None:
        add(unknown, _("Switching cost not estimated."))
    else:
        add(*_switching_cost_points(proposal, Decimal(cost)))

    return LockIn(rating=rating_for(points), points=points, reasons=reasons)


def _switching_cost_points(proposal: Proposal, cost: Decimal) -> tuple[int, str]:
    try:
        in_base = to_base_currency(cost, proposal.currency)
    except ValueError:  # no exchange rate: the share of the TCO still tells
        in_base = None
    if in_base is not None and in_base > SWITCHING_COST_HIGH:
        return SWITCHING_COST_HIGH_POINTS, _("Switching cost %(cost)s is over %(limit)s.") % {
            "cost": format_base_money(in_base),
            "limit": format_base_money(SWITCHING_COST_HIGH),
        }
    tco = proposal.compute_tco()
    if cost > tco * SWITCHING_COST_TCO_SHARE:
        return SWITCHING_COST_SHARE_POINTS, _(
            "Switching cost %(cost)s %(currency)s is more than %(share)s%% of the TCO."
        ) % {
            "cost": cost.quantize(Decimal("0.01")),
            "currency": proposal.currency,
            "share": int(SWITCHING_COST_TCO_SHARE * 100),
        }
    return 0, ""
