"""The decision-making unit ("who decides?"): the departments that sign a proposal, with the
role the tier asks of them (a high lock-in asks IT Operations' head: decisions.lockin), and
whether the CDO takes the final decision. Fixed at submission; previewed with the same
assessment while the proposal is a draft."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from core.errors import DomainError
from decisions.lockin import LockIn, lock_in_rating
from decisions.models import Proposal, ProposalKind
from decisions.pricing import assess_tier
from landscape.selectors import tool_impact
from stakeholders.models import ApprovalTier, Department, Role


def signing_departments(*, proposal: Proposal) -> list[Department]:
    """The departments whose sign-off the proposal needs, in code order: every department
    whose sign-off is always required, the paying department when it is not the buying one
    (it pays: it has a say), and, to retire a tool, its owner department and the owner
    department of every tool that breaks when it goes (landscape.impact): whoever depends on it
    has a say."""
    required = Q(signoff_required=True, is_active=True)
    if proposal.paying_department_id and (
        proposal.paying_department_id != proposal.requesting_department_id
    ):
        required |= Q(pk=proposal.paying_department_id)
    if proposal.kind == ProposalKind.RETIREMENT and proposal.tool is not None:
        owners = {proposal.tool.owner_department_id}
        owners |= {d.id for d in tool_impact(proposal.tool).departments}
        required |= Q(pk__in=owners, is_active=True)
    return list(Department.objects.filter(required).order_by("code"))


def signers(
    *, proposal: Proposal, role: str, lock_in: LockIn | None
) -> list[tuple[Department, str]]:
    """Each signing department with the role it signs with: the tier's `role`, except that a
    high lock-in asks the head of IT Operations (settings.LANDSCAPE_IT_DEPARTMENT), added when
    it would not sign otherwise. What submission creates and the preview shows."""
    departments = signing_departments(proposal=proposal)
    if lock_in is None or not lock_in.is_high:
        return [(d, role) for d in departments]
    code = settings.LANDSCAPE_IT_DEPARTMENT
    if not any(d.code == code for d in departments):
        it = Department.objects.filter(code=code, is_active=True).first()
        if it is not None:  # no IT department configured: nobody to add
            departments = sorted([*departments, it], key=lambda d: d.code)
    return [(d, Role.HEAD if d.code == code else role) for d in departments]


@dataclass
class Decider:
    department: Department
    required_role: str
    status: str | None = None  # the sign-off's status once submitted

    @property
    def required_role_label(self) -> str:
        return str(Role(self.required_role).label)


@dataclass
class WhoDecides:
    fixed: bool  # True once submitted; False for a draft's preview
    tier: ApprovalTier | None
    reason: str
    departments: list[Decider] = field(default_factory=list)
    lock_in: LockIn | None = None

    @property
    def cdo_decision_required(self) -> bool:
        return bool(self.tier and self.tier.cdo_decision_required)


def who_decides(*, proposal: Proposal, at: dt.datetime | None = None) -> WhoDecides:
    """The proposal's decision-making unit: from its tier and the current round's sign-offs
    once submitted (prefetch `signoffs__department`), otherwise as submission would fix it."""
    if proposal.tier_id is not None and proposal.round:
        current = [s for s in proposal.signoffs.all() if s.round == proposal.round]
        return WhoDecides(
            fixed=True,
            tier=proposal.tier,
            reason=proposal.tier_reason,
            departments=[Decider(s.department, s.required_role, s.status) for s in current],
            # The answers cannot change once submitted (only a draft or a proposal back with
            # its requester is edited): the rating is the one submission acted on.
            lock_in=lock_in_rating(proposal),
        )
    try:
        assessment = assess_tier(proposal=proposal, at=at or timezone.now())
    except DomainError as error:
        tier, reason = None, error.message
    except ValueError as error:  # a currency without an exchange rate
        tier, reason = None, str(error)
    else:
        tier, reason = assessment.tier, assessment.reason
    role = tier.signoff_role if tier else Role.REVIEWER
    lock_in = lock_in_rating(proposal)
    return WhoDecides(
        fixed=False,
        tier=tier,
        reason=str(reason),
        departments=[
            Decider(d, r) for d, r in signers(proposal=proposal, role=role, lock_in=lock_in)
        ],
        lock_in=lock_in,
    )
