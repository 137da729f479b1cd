"""After approval: the pilot, adoption into the landscape, and retirement."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from core.actors import Actor
from core.errors import DomainError, NotAllowed
from decisions.models import Proposal, ProposalStatus
from decisions.rights import can_steer_lifecycle
from decisions.services._common import lock_proposal, set_status
from vendors.services import solution_in_use_set


class LifecycleAction:
    START_PILOT = "start_pilot"
    ADOPT = "adopt"
    RETIRE = "retire"


LIFECYCLE_TARGETS = {
    LifecycleAction.START_PILOT: ProposalStatus.PILOTING,
    LifecycleAction.ADOPT: ProposalStatus.ADOPTED,
    LifecycleAction.RETIRE: ProposalStatus.RETIRED,
}


def proposal_advance(*, proposal: Proposal, actor: Actor, action: str, note: str = "") -> Proposal:
    """After approval: start the pilot, adopt the tool into the landscape, or retire it."""
    with transaction.atomic():
        if action not in LIFECYCLE_TARGETS:
            raise DomainError(_("Unknown action."))
        proposal = lock_proposal(proposal)
        if not can_steer_lifecycle(user=actor, proposal=proposal):
            raise NotAllowed(_("Only the requester or the CDO can record the tool's lifecycle."))
        set_status(proposal, LIFECYCLE_TARGETS[action], actor=actor, note=note)
        if proposal.solution_id and action in (LifecycleAction.ADOPT, LifecycleAction.RETIRE):
            # Still in use after a retirement if another adopted proposal brought the same tool in.
            in_use = action == LifecycleAction.ADOPT or (
                Proposal.objects.filter(
                    solution_id=proposal.solution_id, status=ProposalStatus.ADOPTED
                )
                .exclude(pk=proposal.pk)
                .exists()
            )
            # Through the catalog's service: it takes the catalog lock before the row and bumps
            # the change feed only on a real change.
            solution_in_use_set(solution_id=proposal.solution_id, in_use=in_use)
        return proposal
