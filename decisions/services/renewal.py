"""Renewing a tool's contract: before the notice deadline its owner opens a renewal (a proposal
of kind `renewal`: renew, renegotiate or cancel) that runs through the usual sign-offs, the tier
following the new cost (a shelfware tool is not renewed without the CDO: decisions.rules).
Approved, a renewal starts the contract's new term, or retires the tool on the renewal date.
The reminders before the notice deadline are decisions.services.renewal_reminders."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.actors import Actor, signed_in
from core.errors import DomainError, NotAllowed
from decisions.models import (
    CONTINUING_RENEWALS,
    OPEN_STATES,
    Proposal,
    ProposalKind,
    ProposalStatus,
    RecurringPeriod,
    RenewalAction,
)
from decisions.rights import can_propose_for
from decisions.services.proposals import proposal_create, proposal_submit
from decisions.services.retirement import tool_schedule_retirement
from landscape import services as landscape
from landscape.contracts import tool_contract_dates
from landscape.models import Lifecycle, Tool
from landscape.rights import can_edit_tool
from stakeholders.selectors import departments_proposable_by

# A renewal still being decided: a second one for the same term is refused.
RENEWAL_OPEN_STATES = [ProposalStatus.DRAFT, *OPEN_STATES]
# Tools whose contract can come up for renewal (a tool in sunset is on its way out).
RENEWABLE_LIFECYCLES = [Lifecycle.PILOT, Lifecycle.ADOPTED, Lifecycle.STANDARD]

TITLES = {
    RenewalAction.RENEW: _("Renew %(tool)s"),
    RenewalAction.RENEGOTIATE: _("Renegotiate %(tool)s"),
    RenewalAction.CANCEL: _("Cancel %(tool)s"),
}


def renewal_open(
    *,
    tool: Tool,
    actor: Actor,
    action: str,
    term_months: int | None = None,
    yearly_cost: Decimal | None = None,
    rationale: str = "",
) -> Proposal:
    """The owner opens a renewal of the tool's contract for the term now running, before its
    notice deadline, and submits it for review. Renew and renegotiate name the new term (months)
    and yearly cost; cancel retires the tool on the renewal date once approved."""
    with transaction.atomic():
        user = signed_in(actor, _("Sign in to open a renewal."))
        tool = (
            Tool.objects.select_for_update(of=("self",))
            .select_related("solution", "owner_department")
            .get(pk=tool.pk)
        )
        if not can_edit_tool(user=user, tool=tool):
            raise NotAllowed(_("Only the tool's owners or IT Operations can open its renewal."))
        if tool.lifecycle not in RENEWABLE_LIFECYCLES:
            raise DomainError(
                _("%(tool)s is %(lifecycle)s: there is nothing to renew.")
                % {"tool": tool.solution.name, "lifecycle": tool.get_lifecycle_display().lower()},
                field="tool",
            )
        if action not in RenewalAction.values:
            raise DomainError(
                _("Say whether to renew, renegotiate or cancel."), field="renewal_action"
            )
        continuing = action in CONTINUING_RENEWALS
        if continuing and (yearly_cost is None or yearly_cost < 0):
            raise DomainError(
                _("Give the new yearly cost (0 or more) to renew or renegotiate."),
                field="recurring_cost",
            )
        if continuing and not term_months:
            raise DomainError(_("Give the new term in months."), field="term_months")
        today = timezone.localdate()
        dates = tool_contract_dates(tool, today)
        if dates is not None and not dates.notice_passed:
            already = (
                Proposal.objects.filter(
                    kind=ProposalKind.RENEWAL,
                    tool=tool,
                    renewal_date=dates.renewal,
                    status__in=[*RENEWAL_OPEN_STATES, ProposalStatus.APPROVED],
                )
                .values_list("reference", flat=True)
                .first()
            )
            if already:
                raise DomainError(
                    _("%(ref)s already decides the renewal of %(tool)s on %(date)s.")
                    % {
                        "ref": already,
                        "tool": tool.solution.name,
                        "date": date_format(dates.renewal),
                    },
                    code="renewal_open",
                    field="tool",
                )
        department = tool.owner_department
        if not can_propose_for(user=user, department=department):
            own = departments_proposable_by(user=user).first()
            if own is None:
                raise NotAllowed(_("Only a member of a department can open a renewal."))
            department = own
        problem = (
            _(
                "The contract of %(tool)s comes up for renewal on %(renewal)s; "
                "notice must be given by %(deadline)s."
            )
            % {
                "tool": tool.solution.name,
                "renewal": date_format(dates.renewal),
                "deadline": date_format(dates.notice_deadline),
            }
            if dates is not None
            else _("The contract of %(tool)s.") % {"tool": tool.solution.name}
        )
        # proposal_create checks the rules (decisions.rules.renewal_errors): a contract that
        # comes up for renewal, its notice deadline not passed.
        proposal = proposal_create(
            requester=user,
            data={
                "kind": ProposalKind.RENEWAL,
                "tool": tool,
                "renewal_action": action,
                "title": TITLES[RenewalAction(action)] % {"tool": tool.solution.name},
                "problem": problem,
                "rationale": rationale.strip(),
                "requesting_department": department,
                "paying_department": tool.owner_department,
                "category": tool.solution.category,
                "currency": tool.currency,
                "one_off_cost": Decimal("0"),
                "recurring_cost": yearly_cost if continuing and yearly_cost else Decimal("0"),
                "recurring_period": RecurringPeriod.YEARLY,
                "term_months": term_months if continuing and term_months else 0,
                "seats": tool.seats,
            },
        )
        return proposal_submit(proposal=proposal, actor=user)


def renewal_approved(proposal: Proposal, *, actor: Actor) -> None:
    """Called when a renewal is approved, in the approval's transaction: renew or renegotiate
    starts the contract's new term (from the old renewal date, with the new term and yearly
    cost); cancel retires the tool on the renewal date (decisions.services.retirement)."""
    if proposal.kind != ProposalKind.RENEWAL or proposal.tool is None:
        return
    tool = proposal.tool
    if tool.lifecycle not in RENEWABLE_LIFECYCLES:
        return  # retired or on its way out meanwhile: nothing to renew
    renewal = proposal.renewal_date
    if renewal is None:
        dates = tool_contract_dates(tool, timezone.localdate())
        renewal = dates.renewal if dates is not None else None
    if proposal.renewal_action in CONTINUING_RENEWALS:
        landscape.tool_contract_renew(
            tool=tool,
            actor=actor,
            contract_start=renewal or timezone.localdate(),
            term_months=proposal.term_months,
            yearly_cost=proposal.recurring_cost,
            currency=proposal.currency,
            proposal_reference=proposal.reference,
        )
    elif proposal.renewal_action == RenewalAction.CANCEL:
        tool_schedule_retirement(
            tool=tool,
            actor=actor,
            retire_on=renewal,
            reason=_("Renewal cancelled: the contract ends on its renewal date."),
            proposal_reference=proposal.reference,
        )
