"""Retiring a tool of the fleet: a retirement proposal, signed by the usual departments and by
the owners of every tool that breaks when it goes (decisions.dmu), moves the tool to sunset when
approved and retires it on the planned day; the proposals that brought it in end with it."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.actors import Actor
from decisions.models import Proposal, ProposalKind, ProposalStatus
from decisions.services._common import set_status
from landscape import services as landscape
from landscape.models import Lifecycle, Tool


def retirement_approved(proposal: Proposal, *, actor: Actor) -> None:
    """Called when a retirement proposal is approved, in the approval's transaction: the tool
    goes into sunset until the planned day — retired at once when that day has come."""
    if proposal.kind != ProposalKind.RETIREMENT or proposal.tool is None:
        return
    if not proposal.tool.is_live or proposal.tool.lifecycle == Lifecycle.SUNSET:
        # Another retirement of the same tool was approved first: it is on its way out already.
        return
    tool_schedule_retirement(
        tool=proposal.tool,
        actor=actor,
        retire_on=proposal.retire_on,
        reason=_("Retirement approved."),
        proposal_reference=proposal.reference,
    )


def tool_schedule_retirement(
    *, tool: Tool, actor: Actor, retire_on: dt.date | None, reason: str, proposal_reference: str
) -> None:
    """An approved decision to retire a live tool (a retirement, a cancelled renewal): sunset
    until `retire_on`, retired at once when that day has come. In the decision's transaction."""
    today = timezone.localdate()
    retire_on = retire_on or today
    tool = landscape.tool_sunset(
        tool=tool,
        actor=actor,
        retire_on=retire_on,
        reason=reason,
        proposal_reference=proposal_reference,
    )
    if retire_on <= today:
        _retire(tool.pk, today=today, actor=actor)


def _retire(tool_id: int, *, today: dt.date, actor: Actor | None) -> bool:
    tool = landscape.tool_retire_planned(tool_id=tool_id, today=today, actor=actor)
    if tool is None:
        return False
    # The proposals that brought the tool in end with it.
    for proposal in Proposal.objects.select_for_update(of=("self",)).filter(
        tool_id=tool_id,
        kind=ProposalKind.NEW,
        status__in=[ProposalStatus.PILOTING, ProposalStatus.ADOPTED],
    ):
        set_status(proposal, ProposalStatus.RETIRED, actor=actor, note=_("The tool was retired."))
    return True


def tools_retire_due(*, today: dt.date | None = None) -> list[int]:
    """Retire every tool whose planned day has come (the daily Celery beat task): one
    transaction per tool, so one that fails leaves the others done."""
    today = today or timezone.localdate()
    retired = []
    for tool_id in landscape.tools_due_for_retirement(today=today):
        with transaction.atomic():
            if _retire(tool_id, today=today, actor=None):
                retired.append(tool_id)
    return retired
