"""The decision-making unit ("who decides?"): the departments that sign a proposal, with the
role the tier asks of them (a high lock-in asks IT Operations' head: decisions.lockin), the lane
(in the plug-in lane IT Operations' guardrails sign for it: decisions.plugin), and whether the
CDO takes the final decision. Fixed at submission; previewed with the same assessment while the
proposal is a draft."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from core.errors import DomainError
from decisions.lockin import LockIn, lock_in_rating
from decisions.models import Proposal, ProposalKind
from decisions.plugin import LaneCheck, it_department_code, lane_check
from decisions.pricing import assess_tier
from decisions.risk import RiskAssessment, it_head_required, risk_assessment
from decisions.rules import renewal_needs_cdo
from landscape.guardrails import GuardrailResult
from landscape.models import Lane
from landscape.selectors import tool_impact
from stakeholders.models import ApprovalTier, Department, Role
from vendors.models import Solution


def signing_departments(*, proposal: Proposal, lane: str | None = None) -> list[Department]:
    """The departments whose sign-off the proposal needs, in code order: every department
    whose sign-off is always required, the paying department when it is not the buying one
    (it pays: it has a say), to retire a tool, its owner department and the owner department
    of every tool that breaks when it goes (landscape.impact): whoever depends on it has a say,
    and in the plug-in lane (`lane`, else the proposal's), the buying department, which will
    own the tool. IT Operations stays on the list: in the plug-in lane the guardrails sign for
    it (guardrail_signed)."""
    required = Q(signoff_required=True, is_active=True)
    if (lane or proposal.lane) == Lane.PLUG_IN:
        required |= Q(pk=proposal.requesting_department_id)
    if proposal.paying_department_id and (
        proposal.paying_department_id != proposal.requesting_department_id
    ):
        required |= Q(pk=proposal.paying_department_id)
    if proposal.kind == ProposalKind.RETIREMENT and proposal.tool is not None:
        owners = {proposal.tool.owner_department_id}
        owners |= {d.id for d in tool_impact(proposal.tool).departments}
        required |= Q(pk__in=owners, is_active=True)
    return list(Department.objects.filter(required).order_by("code"))


def lane_for(check: LaneCheck, lock_in: LockIn | None, risk: RiskAssessment | None = None) -> str:
    """The lane a proposal runs in: the plug-in lane when every guardrail passes, unless its
    lock-in or its vendor risk is high — then IT Operations' head signs it, which the
    guardrails cannot do."""
    if it_head_required(lock_in=lock_in, risk=risk):
        return Lane.GOVERNED
    return check.lane


def signers(
    *,
    proposal: Proposal,
    role: str,
    lock_in: LockIn | None,
    lane: str | None = None,
    risk: RiskAssessment | None = None,
) -> list[tuple[Department, str]]:
    """Each signing department with the role it signs with: the tier's `role`, except that a
    high lock-in or a high vendor risk (decisions.risk) asks the head of IT Operations
    (settings.LANDSCAPE_IT_DEPARTMENT), added when it would not sign otherwise. What submission
    creates and the preview shows."""
    departments = signing_departments(proposal=proposal, lane=lane)
    if not it_head_required(lock_in=lock_in, risk=risk):
        return [(d, role) for d in departments]
    code = settings.LANDSCAPE_IT_DEPARTMENT
    if not any(d.code == code for d in departments):
        it = Department.objects.filter(code=code, is_active=True).first()
        if it is not None:  # no IT department configured: nobody to add
            departments = sorted([*departments, it], key=lambda d: d.code)
    return [(d, Role.HEAD if d.code == code else role) for d in departments]


def guardrail_signed(proposal: Proposal, department: Department, *, lane: str) -> bool:
    """Whether the guardrails sign for this department: IT Operations' sign-off, in the
    plug-in lane, unless IT Operations is itself the buying department (then it owns the tool
    and signs for it as owner)."""
    return (
        lane == Lane.PLUG_IN
        and department.code == it_department_code()
        and department.pk != proposal.requesting_department_id
    )


@dataclass
class Decider:
    department: Department
    required_role: str
    status: str | None = None  # the sign-off's status once submitted
    by_guardrails: bool = False  # the plug-in lane: the guardrails sign for the department

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
    # The vendor risk questionnaire's assessment (None: no questions kept).
    risk: RiskAssessment | None = None
    lane: str = Lane.GOVERNED
    # The preview's guardrail checks (empty once submitted: the audit trail has them).
    guardrails: list[GuardrailResult] = field(default_factory=list)
    # The CDO decides whatever the tier says (decisions.rules.renewal_needs_cdo).
    cdo_by_rule: bool = False
    # Consent mode (decisions.consent): silence by the due date is consent; an objection goes
    # to the dissent log and the CDO decides.
    consent_mode: bool = False

    @property
    def cdo_decision_required(self) -> bool:
        return bool(self.tier and self.tier.cdo_decision_required) or self.cdo_by_rule


def who_decides(
    *,
    proposal: Proposal,
    at: dt.datetime | None = None,
    integrates_with: Iterable[Solution] | None = None,
) -> WhoDecides:
    """The proposal's decision-making unit: from its tier and the current round's sign-offs
    once submitted (prefetch `signoffs__department`), otherwise as submission would fix it
    (with `integrates_with` for an unsaved draft: the form's choice)."""
    if proposal.tier_id is not None and proposal.round:
        current = [s for s in proposal.signoffs.all() if s.round == proposal.round]
        return WhoDecides(
            fixed=True,
            tier=proposal.tier,
            reason=proposal.tier_reason,
            departments=[
                Decider(s.department, s.required_role, s.status, s.by_guardrails) for s in current
            ],
            # The answers cannot change once submitted (only a draft or a proposal back with
            # its requester is edited): the rating is the one submission acted on.
            lock_in=lock_in_rating(proposal),
            # The risk as it stands now (IT may still answer in review).
            risk=risk_assessment(proposal),
            lane=proposal.lane,
            cdo_by_rule=renewal_needs_cdo(proposal),
            consent_mode=any(s.consent_mode for s in current),
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
    risk = risk_assessment(proposal)
    check = lane_check(proposal, integrates_with=integrates_with)
    lane = lane_for(check, lock_in, risk)
    return WhoDecides(
        fixed=False,
        tier=tier,
        reason=str(reason),
        departments=[
            Decider(d, r, by_guardrails=guardrail_signed(proposal, d, lane=lane))
            for d, r in signers(proposal=proposal, role=role, lock_in=lock_in, lane=lane, risk=risk)
        ],
        lock_in=lock_in,
        risk=risk,
        lane=lane,
        guardrails=check.results,
        cdo_by_rule=renewal_needs_cdo(proposal),
        consent_mode=bool(tier and tier.consent_mode),
    )
