"""After approval: the pilot, adoption into the landscape, and the end of a pilot. A tool that
is adopted leaves the fleet only through a retirement proposal (decisions.services.retirement)."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.actors import Actor
from core.errors import DomainError, InvalidTransition, NotAllowed
from decisions.models import (
    PilotCriterion,
    PilotReview,
    PilotReviewStatus,
    Proposal,
    ProposalKind,
    ProposalStatus,
)
from decisions.rights import can_steer_lifecycle
from decisions.services._common import lock_proposal, set_status
from landscape import services as landscape
from landscape.models import Lifecycle
from vendors.models import PricingModel
from vendors.services import solution_entered


class LifecycleAction:
    START_PILOT = "start_pilot"
    ADOPT = "adopt"
    RETIRE = "retire"


LIFECYCLE_TARGETS = {
    LifecycleAction.START_PILOT: ProposalStatus.PILOTING,
    LifecycleAction.ADOPT: ProposalStatus.ADOPTED,
    LifecycleAction.RETIRE: ProposalStatus.RETIRED,
}
# The tool's lifecycle each action gives it.
TOOL_LIFECYCLES = {
    LifecycleAction.START_PILOT: Lifecycle.PILOT,
    LifecycleAction.ADOPT: Lifecycle.ADOPTED,
    LifecycleAction.RETIRE: Lifecycle.RETIRED,
}


def lifecycle_actions_allowed(proposal: Proposal) -> list[str]:
    """The actions a new tool's proposal may take next. Retiring is ending a pilot: an adopted
    tool is retired through a retirement proposal, which all its owners sign. A pilot with
    measurable success criteria is kept through its keep/stop review, not by one person's
    click (it may still be stopped early); while that review is open it alone decides."""
    if proposal.kind != ProposalKind.NEW:
        return []
    allowed = [
        action
        for action, target in LIFECYCLE_TARGETS.items()
        if target
        in {
            ProposalStatus.APPROVED: {ProposalStatus.PILOTING, ProposalStatus.ADOPTED},
            ProposalStatus.PILOTING: {ProposalStatus.ADOPTED, ProposalStatus.RETIRED},
        }.get(ProposalStatus(proposal.status), set())
    ]
    if proposal.status != ProposalStatus.PILOTING:
        return allowed
    if _pilot_review_open(proposal):
        return []
    if _pilot_measured(proposal):
        return [action for action in allowed if action != LifecycleAction.ADOPT]
    return allowed


def _pilot_review_open(proposal: Proposal) -> bool:
    """Whether the current pilot round's keep/stop review is open."""
    return PilotReview.objects.filter(
        proposal=proposal, round=proposal.pilot_round, status=PilotReviewStatus.OPEN
    ).exists()


def _pilot_measured(proposal: Proposal) -> bool:
    """Whether the current pilot round has measurable success criteria."""
    return PilotCriterion.objects.filter(proposal=proposal, round=proposal.pilot_round).exists()


def proposal_advance(*, proposal: Proposal, actor: Actor, action: str, note: str = "") -> Proposal:
    """After approval: start the pilot, adopt the tool into the landscape, or stop the pilot.
    The tool joins the fleet (or moves on) in the same transaction."""
    with transaction.atomic():
        if action not in LIFECYCLE_TARGETS:
            raise DomainError(_("Unknown action."))
        proposal = lock_proposal(proposal)
        if not can_steer_lifecycle(user=actor, proposal=proposal):
            raise NotAllowed(_("Only the requester or the CDO can record the tool's lifecycle."))
        if action not in lifecycle_actions_allowed(proposal):
            if proposal.status == ProposalStatus.ADOPTED and action == LifecycleAction.RETIRE:
                raise DomainError(
                    _(
                        "An adopted tool is retired through a retirement proposal, from its "
                        "page in the landscape: everyone whose tools depend on it signs it."
                    )
                )
            if proposal.kind != ProposalKind.NEW:
                raise InvalidTransition(
                    _("A %(kind)s proposal has no pilot or adoption of its own.")
                    % {"kind": proposal.get_kind_display().lower()}
                )
            if proposal.status == ProposalStatus.PILOTING and _pilot_review_open(proposal):
                raise InvalidTransition(
                    _(
                        "The keep/stop review decides this pilot: the departments' verdicts, "
                        "or the CDO's decision when they disagree."
                    )
                )
            if proposal.status == ProposalStatus.PILOTING and action == LifecycleAction.ADOPT:
                raise InvalidTransition(
                    _(
                        "This pilot has success criteria: it is kept through its keep/stop "
                        "review, once it has ended and its results are measured."
                    )
                )
        return lifecycle_apply(proposal=proposal, action=action, actor=actor, note=note)


def lifecycle_apply(*, proposal: Proposal, action: str, actor: Actor, note: str = "") -> Proposal:
    """Move a locked proposal and its tool along the lifecycle, without asking who: for the
    callers that checked the right themselves (proposal_advance, and a pilot review's outcome
    decided by the departments or the CDO). Must run inside the caller's transaction."""
    set_status(proposal, LIFECYCLE_TARGETS[action], actor=actor, note=note)
    _tool_follows(proposal, action=action, actor=actor, note=note)
    return proposal


def _tool_follows(proposal: Proposal, *, action: str, actor: Actor, note: str) -> None:
    lifecycle = TOOL_LIFECYCLES[action]
    if lifecycle == Lifecycle.RETIRED:
        tool = proposal.tool
        if tool is not None and tool.lifecycle == Lifecycle.PILOT:
            landscape.tool_move_by_workflow(
                tool=tool,
                actor=actor,
                to=Lifecycle.RETIRED,
                reason=note or _("The pilot was stopped."),
                proposal_reference=proposal.reference,
            )
        return
    if proposal.solution_id is None:
        # A tool the catalog did not list: it enters the catalog now, as entered here.
        solution = solution_entered(
            vendor_name=proposal.new_vendor_name or proposal.new_solution_name,
            solution_name=proposal.new_solution_name,
            category=proposal.category,
            # What the proposal's costs say: a one-off price alone is a licence bought once.
            pricing_model=PricingModel.PERPETUAL
            if proposal.one_off_cost and not proposal.recurring_cost
            else PricingModel.PER_SEAT,
        )
        proposal.solution = solution
        proposal.save(update_fields=["solution", "pricing_model", "updated_at"])
    start = proposal.pilot_start if lifecycle == Lifecycle.PILOT else None
    assert proposal.solution_id is not None  # noqa: S101 - entered just above when missing
    tool = landscape.tool_from_proposal(
        solution_id=proposal.solution_id,
        department=proposal.requesting_department,
        actor=actor,
        lifecycle=lifecycle,
        proposal_reference=proposal.reference,
        business_owner=proposal.requester,
        seats=proposal.seats,
        personal_data=proposal.processes_personal_data,
        yearly_cost=(proposal.monthly_recurring * 12).quantize(Decimal("0.01"))
        if proposal.recurring_cost
        else None,
        currency=proposal.currency,
        contract_start=start or timezone.localdate(),
        term_months=proposal.term_months,
        reason=note,
        lane=proposal.lane,
    )
    if proposal.tool_id != tool.pk:
        proposal.tool = tool
        proposal.save(update_fields=["tool", "updated_at"])
