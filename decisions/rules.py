"""The rules a whole proposal must meet, written once. The form, the API serializer and the
services all call `proposal_errors`, each naming the fields in its own way; the services call
it again on the locked row, because a concurrent edit may have changed the other half of a rule
since the form or serializer checked it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.errors import DomainError
from decisions.models import (
    CONTINUING_RENEWALS,
    EDITABLE_STATES,
    OPEN_STATES,
    Proposal,
    ProposalKind,
    ProposalStatus,
    RecurringPeriod,
)
from decisions.pricing import proposal_tco_limit_field, tco_limit_message
from decisions.tco import ALL_MODEL_FIELDS, derived_plain_costs, input_errors
from landscape.contracts import tool_contract_dates
from landscape.models import Lifecycle, Tool
from landscape.standards import standard_for

COST_FIELDS = ("one_off_cost", "recurring_cost")


def proposal_fill_derived(proposal: Proposal) -> None:
    """Values that follow from others: a catalog solution gives the category when none was
    chosen; amounts are Decimals as the columns store them (callers may pass an int)."""
    if proposal.kind != ProposalKind.NEW and proposal.tool is not None:
        # Retiring or renewing a tool of the fleet: it is that tool's solution.
        proposal.solution = proposal.tool.solution
    if proposal.kind != ProposalKind.RENEWAL:
        proposal.renewal_action, proposal.renewal_date = "", None
    else:
        # A renewal's cost is the contract's new yearly cost.
        proposal.recurring_period = RecurringPeriod.YEARLY
        if proposal.tool is not None and proposal.status in EDITABLE_STATES:
            dates = tool_contract_dates(proposal.tool, timezone.localdate())
            proposal.renewal_date = dates.renewal if dates is not None else None
    if proposal.solution is not None and not proposal.category:
        proposal.category = proposal.solution.category
    decimals = [n for n in ALL_MODEL_FIELDS if not n.startswith("usage_")]
    for name in (*COST_FIELDS, "switching_cost", *decimals):
        value = getattr(proposal, name)
        if value is not None and not isinstance(value, Decimal):
            setattr(proposal, name, Decimal(str(value)))
    if proposal.cost_model and proposal.kind == ProposalKind.RENEWAL:
        # A renewal's cost is the contract's new yearly cost, not a pricing model's.
        proposal.cost_model = ""
    if proposal.cost_model and not input_errors(proposal):
        # Priced by a model: the plain costs follow from its inputs (the expected scenario).
        proposal.one_off_cost, proposal.recurring_cost = derived_plain_costs(proposal)
        proposal.recurring_period = RecurringPeriod.YEARLY


def _tool_errors(proposal: Proposal) -> dict[str, str]:
    """To retire or renew: a tool of the fleet still running (and a renewal's own rules)."""
    errors: dict[str, str] = {}
    if proposal.kind != ProposalKind.NEW:
        tool = proposal.tool
        if tool is None:
            errors["tool"] = _("Name the tool of the landscape this proposal is about.")
        elif tool.lifecycle not in (Lifecycle.PILOT, Lifecycle.ADOPTED, Lifecycle.STANDARD):
            errors["tool"] = _("%(tool)s is %(lifecycle)s already.") % {
                "tool": tool.solution.name,
                "lifecycle": tool.get_lifecycle_display().lower(),
            }
    if proposal.kind == ProposalKind.RENEWAL:
        for name, message in renewal_errors(proposal).items():
            errors.setdefault(name, message)
    return errors


def standard_in_the_way(proposal: Proposal) -> Tool | None:
    """The standard tool of the proposal's category when the proposal is for another tool (a
    new tool's proposal, not for the standard's own solution): the intake form points to it,
    and the proposal must say why it does not serve. None otherwise."""
    if proposal.kind != ProposalKind.NEW or not proposal.category:
        return None
    standard = standard_for(proposal.category)
    if standard is None or standard.solution_id == proposal.solution_id:
        return None
    return standard


def _standard_unanswered(proposal: Proposal) -> dict[str, str]:
    standard = None if (proposal.standard_why_not or "").strip() else standard_in_the_way(proposal)
    if standard is None:
        return {}
    message = _("A standard tool exists for this job: %(tool)s. Say why it does not serve.")
    return {"standard_why_not": message % {"tool": standard.solution.name}}


def proposal_errors(proposal: Proposal) -> dict[str, str]:
    """Field → message for every rule the proposal (saved or not) breaks; empty when none.

    - a catalog solution, or the name of the new one proposed;
    - to retire or renew, a tool of the fleet that is still running (a retirement planned
      no earlier than today);
    - a category;
    - when the category has a standard tool and this is another: why the standard does not
      serve;
    - a pilot that does not end before it starts;
    - no negative cost (the switching cost included);
    - priced by a model, that model's inputs (decisions.tco.input_errors);
    - a total cost of ownership small enough to record (blamed on the cost that makes it so).
    """
    proposal_fill_derived(proposal)
    errors = _tool_errors(proposal)
    retire_on = proposal.retire_on if proposal.kind == ProposalKind.RETIREMENT else None
    if retire_on is not None and proposal.is_editable and retire_on < timezone.localdate():
        errors["retire_on"] = _("The retirement day cannot be in the past.")
    if not proposal.solution_id and not (proposal.new_solution_name or "").strip():
        errors["new_solution_name"] = _(
            "Pick a solution from the catalog or name the new one you propose."
        )
    if not proposal.category:
        errors["category"] = _("Choose the category of tool.")
    errors.update(_standard_unanswered(proposal))
    start, end = proposal.pilot_start, proposal.pilot_end
    if start and end and end < start:
        errors["pilot_end"] = _("The pilot cannot end before it starts.")
    negative = [name for name in COST_FIELDS if (getattr(proposal, name) or 0) < 0]
    for name in negative:
        errors[name] = _("A cost cannot be negative.")
    if proposal.switching_cost is not None and proposal.switching_cost < 0:
        errors["switching_cost"] = _("A switching cost cannot be negative.")
    model_errors = input_errors(proposal)
    errors.update(model_errors)
    if (
        not negative
        and not model_errors
        and all(getattr(proposal, name) is not None for name in COST_FIELDS)
    ):
        blame = proposal_tco_limit_field(proposal=proposal)
        if blame is not None:
            errors[blame] = tco_limit_message()
    return errors


def renewal_errors(proposal: Proposal) -> dict[str, str]:
    """A renewal says what it asks (renew, renegotiate or cancel; a new term for the first
    two), and is opened before the notice deadline of a contract that comes up for renewal:
    after it, the contract renews (or ends) as it stands."""
    errors: dict[str, str] = {}
    if not proposal.renewal_action:
        errors["renewal_action"] = _("Say whether to renew, renegotiate or cancel.")
    elif proposal.renewal_action in CONTINUING_RENEWALS and not proposal.term_months:
        errors["term_months"] = _("Give the new term in months.")
    tool = proposal.tool
    if tool is None or proposal.status not in EDITABLE_STATES:
        return errors
    dates = tool_contract_dates(tool, timezone.localdate())
    if dates is None:
        errors["tool"] = _(
            "%(tool)s has no contract coming up for renewal: record its start and term first."
        ) % {"tool": tool.solution.name}
    elif dates.notice_passed:
        errors["tool"] = _(
            "The notice deadline of %(tool)s passed on %(deadline)s: the contract renews on "
            "%(renewal)s as it stands, too late to open a renewal for this term."
        ) % {
            "tool": tool.solution.name,
            "deadline": date_format(dates.notice_deadline),
            "renewal": date_format(dates.renewal),
        }
    elif already := _renewal_deciding(proposal, dates.renewal):
        errors["tool"] = _("%(ref)s already decides the renewal of %(tool)s on %(date)s.") % {
            "ref": already,
            "tool": tool.solution.name,
            "date": date_format(dates.renewal),
        }
    return errors


def _renewal_deciding(proposal: Proposal, renewal: dt.date) -> str | None:
    """The reference of another renewal of the same tool and term being decided or approved:
    one renewal a term, whichever way it was opened (the page, the API)."""
    return (
        Proposal.objects.filter(
            kind=ProposalKind.RENEWAL,
            tool=proposal.tool,
            renewal_date=renewal,
            status__in=[ProposalStatus.DRAFT, *OPEN_STATES, ProposalStatus.APPROVED],
        )
        .exclude(pk=proposal.pk)
        .values_list("reference", flat=True)
        .first()
    )


def renewal_needs_cdo(proposal: Proposal) -> bool:
    """A shelfware tool (nobody uses it: Tool.shelfware_since) is not renewed without the
    CDO's decision, whatever the tier says; cancelling it is not held up."""
    return (
        proposal.kind == ProposalKind.RENEWAL
        and proposal.renewal_action in CONTINUING_RENEWALS
        and proposal.tool is not None
        and proposal.tool.shelfware_since is not None
    )


def cdo_decision_required(proposal: Proposal) -> bool:
    """Whether the CDO takes the final decision once every department approved: where the
    tier says so, and for the renewal of a shelfware tool."""
    tier_says = bool(proposal.tier is not None and proposal.tier.cdo_decision_required)
    return tier_says or renewal_needs_cdo(proposal)


def proposal_check(proposal: Proposal) -> None:
    """Raise a DomainError naming the first broken rule's field (the services' check)."""
    errors = proposal_errors(proposal)
    if errors:
        field, message = next(iter(errors.items()))
        raise DomainError(message, field=field)
