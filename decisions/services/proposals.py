"""A requester's writes: create and edit a draft, submit it for review (or resubmit after
changes), withdraw it, and comment on a proposal. Someone may file a proposal on another's
behalf (an assistant for a manager): the proposal's `requester` is the person it is for and
`filed_by` who filed it; both edit, submit and withdraw it, and neither signs it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record_event
from core.actors import Actor, signed_in
from core.calendar import add_business_days
from core.errors import DomainError, InvalidTransition, NotAllowed
from core.i18n import default_value
from decisions import tasks
from decisions.dmu import guardrail_signed, lane_for, signers
from decisions.events import webhook_proposal_event
from decisions.lockin import lock_in_rating
from decisions.models import (
    EDITABLE_STATES,
    Comment,
    Proposal,
    ProposalGoal,
    ProposalKind,
    ProposalStatus,
    ReferenceCounter,
    SignOff,
    SignOffStatus,
)
from decisions.plugin import LaneCheck, lane_check
from decisions.pricing import assess_tier
from decisions.rights import (
    can_propose_for,
    can_see,
    is_owner,
    is_read_only,
    on_behalf_refusal,
)
from decisions.risk import risk_assessment
from decisions.rules import proposal_check
from decisions.services._common import lock_proposal, queue_after_commit, set_status
from decisions.tco import tier_scenario
from landscape.models import Lane
from landscape.rights import can_edit_tool
from stakeholders.models import StrategicGoal
from vendors.models import Solution

PROPOSAL_FIELDS = (
    "kind",
    "tool",
    "retire_on",
    "renewal_action",
    "title",
    "problem",
    "rationale",
    "alternatives",
    "standard_why_not",
    "requesting_department",
    "paying_department",
    "solution",
    "new_vendor_name",
    "new_solution_name",
    "category",
    "currency",
    "one_off_cost",
    "recurring_cost",
    "recurring_period",
    "term_months",
    "seats",
    # TCO by pricing model (decisions.tco).
    "cost_model",
    "seat_price",
    "seat_growth_pct",
    "usage_expected",
    "usage_high",
    "unit_price",
    "build_cost",
    "run_cost",
    "licence_price",
    "maintenance_pct",
    "employees_affected",
    "end_user_involvement",
    "integration_notes",
    "processes_personal_data",
    "personal_data_notes",
    "pilot_start",
    "pilot_end",
    "pilot_success_criteria",
    "export_format",
    "exit_clause",
    "exit_notice_days",
    "proprietary_integrations",
    "switching_cost",
    "dpa_signed",
    "sso",
    "certified",
    "data_location",
)


def _check_may_propose(actor: Actor, proposal: Proposal) -> None:
    """Only a member of the buying department files for it (a viewer proposes nothing). On
    someone's behalf, rights follow the person it is for: they and the filer must both be
    members (on_behalf_refusal)."""
    department = proposal.requesting_department
    if proposal.filed_by_id is not None:
        refusal = on_behalf_refusal(
            filer=proposal.filed_by, requester=proposal.requester, department=department
        )
        if refusal is not None:
            raise NotAllowed(refusal, field="requesting_department")
        return
    if not can_propose_for(user=actor, department=department):
        raise NotAllowed(
            _(
                "Only a member of %(dept)s can propose for it: choose the department you "
                "work in as the buying department."
            )
            % {"dept": department.name},
            field="requesting_department",
        )


def _check_owner(actor: Actor, proposal: Proposal, message: str) -> None:
    if not is_owner(user=actor, proposal=proposal):
        raise NotAllowed(message)


def people_label(proposal: Proposal) -> dict[str, str]:
    """Filed on someone's behalf: who it is for and who filed it, as the audit events name them
    (the actor is the filer). Nothing when the requester filed it: the actor says it all."""
    if proposal.filed_by is None:
        return {}
    return {
        "requester": proposal.requester.get_username(),
        "filed_by": proposal.filed_by.get_username(),
    }


def _check_may_renew(actor: Actor, proposal: Proposal) -> None:
    """A renewal is opened by the tool's owners (or IT Operations, which governs the fleet)."""
    if proposal.kind != ProposalKind.RENEWAL or proposal.tool is None:
        return
    if not can_edit_tool(user=actor, tool=proposal.tool):
        raise NotAllowed(
            _("Only the tool's owners or IT Operations can open its renewal."), field="tool"
        )


def next_reference(year: int) -> str:
    counter, _created = ReferenceCounter.objects.select_for_update().get_or_create(year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"TP-{year}-{counter.last_number:04d}"


def apply_relations(
    proposal: Proposal,
    *,
    goals: dict[StrategicGoal, str] | None,
    integrates_with: Iterable[Solution] | None,
) -> None:
    if goals is not None:
        proposal.goal_links.all().delete()
        ProposalGoal.objects.bulk_create(
            ProposalGoal(proposal=proposal, goal=goal, note=note) for goal, note in goals.items()
        )
    if integrates_with is not None:
        proposal.integrates_with.set(integrates_with)


def proposal_create(
    *,
    requester: Actor,
    data: dict[str, Any],
    goals: dict[StrategicGoal, str] | None = None,
    integrates_with: Iterable[Solution] | None = None,
    on_behalf_of: Any = None,
) -> Proposal:
    """Create a draft. `data` holds PROPOSAL_FIELDS (validated by a form or serializer).
    `requester` is who files it; with `on_behalf_of` (another person) it is that person's
    proposal, filed by `requester`."""
    with transaction.atomic():
        user = signed_in(requester, _("Sign in to create a proposal."))
        fields = {k: v for k, v in data.items() if k in PROPOSAL_FIELDS}
        if on_behalf_of is not None and on_behalf_of.pk != user.pk:
            proposal = Proposal(requester=on_behalf_of, filed_by=user, **fields)
        elif on_behalf_of is not None:
            raise NotAllowed(
                _("You file your own proposals without naming yourself as the person it is for."),
                field="on_behalf_of",
            )
        else:
            proposal = Proposal(requester=user, **fields)
        if proposal.requesting_department_id is not None:
            _check_may_propose(user, proposal)
        _check_may_renew(user, proposal)
        proposal_check(proposal)
        proposal.reference = next_reference(timezone.now().year)
        proposal.save()
        apply_relations(proposal, goals=goals, integrates_with=integrates_with)
        record_event(
            kind="proposal.created",
            actor=requester,
            proposal_id=proposal.pk,
            payload={
                "reference": proposal.reference,
                "title": proposal.title,
                **people_label(proposal),
            },
        )
        return proposal


def proposal_update(
    *,
    proposal: Proposal,
    actor: Actor,
    data: dict[str, Any],
    goals: dict[StrategicGoal, str] | None = None,
    integrates_with: Iterable[Solution] | None = None,
) -> Proposal:
    with transaction.atomic():
        proposal = lock_proposal(proposal)
        _check_owner(
            actor, proposal, _("Only the requester, or who filed it for them, can edit it.")
        )
        if proposal.status not in EDITABLE_STATES:
            raise InvalidTransition(
                _("A proposal that is %(status)s can no longer be edited.")
                % {"status": proposal.get_status_display().lower()}
            )
        changed = []
        for field, value in data.items():
            if field in PROPOSAL_FIELDS and getattr(proposal, field) != value:
                setattr(proposal, field, value)
                changed.append(field)
        if "requesting_department" in changed:
            _check_may_propose(actor, proposal)
        if "kind" in changed or "tool" in changed:
            _check_may_renew(actor, proposal)
        # Checked again here, on the locked row: the form or serializer checked these rules against
        # the row as read before the lock, and a concurrent edit (one clearing the solution, the
        # other the new solution's name) may have changed the other half since.
        proposal_check(proposal)
        proposal.save()
        apply_relations(proposal, goals=goals, integrates_with=integrates_with)
        record_event(
            kind="proposal.updated",
            actor=actor,
            proposal_id=proposal.pk,
            payload={"fields": changed},
        )
        return proposal


def proposal_submit(*, proposal: Proposal, actor: Actor) -> Proposal:
    """Fix the tier, open a new round with one pending sign-off per required department."""
    with transaction.atomic():
        proposal = lock_proposal(proposal)
        _check_owner(
            actor, proposal, _("Only the requester, or who filed it for them, can submit it.")
        )
        if proposal.status not in EDITABLE_STATES:
            raise InvalidTransition(
                _("A proposal that is %(status)s cannot be submitted.")
                % {"status": proposal.get_status_display().lower()}
            )
        # Membership may have ended since the draft was written: it is the filing that counts.
        _check_may_propose(actor, proposal)
        proposal_check(proposal)
        now = timezone.now()
        assessment = assess_tier(proposal=proposal, at=now)
        tco, basis, tier = assessment.tco, assessment.basis, assessment.tier
        # A high lock-in asks IT Operations' head, whatever the tier asks (decisions.dmu). The
        # lane, from IT Operations' guardrails as they are now (checked again each round): the
        # plug-in lane when every guardrail passes, unless the lock-in is high.
        lock_in = lock_in_rating(proposal)
        # A high vendor risk does the same as a high lock-in (decisions.risk).
        risk = risk_assessment(proposal)
        check = lane_check(proposal)
        proposal.lane = lane_for(check, lock_in, risk)
        signing = signers(
            proposal=proposal,
            role=tier.signoff_role,
            lock_in=lock_in,
            lane=proposal.lane,
            risk=risk,
        )
        if not signing:
            raise DomainError(_("No department is configured to sign off; ask an administrator."))
        departments = [dept for dept, _role in signing]

        proposal.round += 1
        proposal.status = ProposalStatus.IN_REVIEW
        proposal.tco, proposal.tier_basis, proposal.tier = tco, basis, tier
        # The rule, not a sentence: each reader gets it in their language (Proposal.tier_reason).
        proposal.tier_rule, proposal.tier_reason_text = assessment.rule, ""
        proposal.submitted_at = now
        proposal.decided_at = None
        proposal.save()
        due = add_business_days(timezone.localdate(now), tier.sla_days)
        created = SignOff.objects.bulk_create(
            SignOff(
                proposal=proposal,
                department=dept,
                round=proposal.round,
                required_role=role,
                due_on=due,
                proposal_requester_id=proposal.requester_id,
                proposal_filed_by_id=proposal.filed_by_id,
                tco=proposal.tco,
                consent_mode=tier.consent_mode,
            )
            for dept, role in signing
        )
        satisfied = _guardrails_sign(proposal, created, check=check, now=now)
        record_event(
            kind="proposal.submitted",
            actor=actor,
            proposal_id=proposal.pk,
            payload={
                "round": proposal.round,
                "tco": tco,
                "tier_basis": basis,
                "tier": default_value(tier, "name"),
                "departments": [d.code for d in departments],
                "due_on": due,
                "lock_in": lock_in.as_payload() if lock_in else None,
                **({"risk": risk.as_payload()} if risk else {}),
                "lane": proposal.lane,
                # Priced by a model (decisions.tco): which one, and the scenario that set the tier.
                "cost_model": proposal.cost_model,
                "tier_scenario": tier_scenario(proposal),
                "consent_mode": tier.consent_mode,
                **people_label(proposal),
            },
        )
        for signoff in created:
            if signoff not in satisfied:  # nobody to ask: the guardrails signed
                queue_after_commit(tasks.notify_signoff_requested, signoff.pk)
        webhook_proposal_event(
            kind="proposal.submitted",
            proposal=proposal,
            actor=actor,
            departments=[d.code for d in departments],
            due_on=due,
        )
        return proposal


def _guardrails_sign(
    proposal: Proposal, created: list[SignOff], *, check: LaneCheck, now: Any
) -> list[SignOff]:
    """The plug-in lane: IT Operations' sign-off of the new round is approved by the guardrails
    (no reviewer; the comment and the audit event name each guardrail and why it passed). The
    round keeps at least the buying department's sign-off open, so it never ends here."""
    if proposal.lane != Lane.PLUG_IN:
        return []
    satisfied = [s for s in created if guardrail_signed(proposal, s.department, lane=proposal.lane)]
    comment = _("Satisfied by IT Operations' guardrails: %(list)s") % {
        "list": "; ".join(f"{r.guardrail.name} ({r.why})" for r in check.results)
    }
    for signoff in satisfied:
        signoff.status = SignOffStatus.APPROVED
        signoff.by_guardrails = True
        signoff.comment = comment
        signoff.decided_at = now
        signoff.save(update_fields=["status", "by_guardrails", "comment", "decided_at"])
        record_event(
            kind="signoff.satisfied_by_guardrails",
            actor=None,  # no reviewer: the guardrails signed
            proposal_id=proposal.pk,
            payload={
                "department": signoff.department.code,
                "round": signoff.round,
                "guardrails": [r.as_dict() for r in check.results],
            },
        )
    return satisfied


def proposal_withdraw(*, proposal: Proposal, actor: Actor, reason: str = "") -> Proposal:
    with transaction.atomic():
        proposal = lock_proposal(proposal)
        _check_owner(
            actor, proposal, _("Only the requester, or who filed it for them, can withdraw it.")
        )
        withdrawable = EDITABLE_STATES | {
            ProposalStatus.IN_REVIEW,
            ProposalStatus.AWAITING_DECISION,
        }
        if proposal.status not in withdrawable:
            raise InvalidTransition(
                _("A proposal that is %(status)s cannot be withdrawn.")
                % {"status": proposal.get_status_display().lower()}
            )
        SignOff.objects.filter(proposal=proposal, status=SignOffStatus.PENDING).update(
            status=SignOffStatus.CANCELLED
        )
        set_status(proposal, ProposalStatus.WITHDRAWN, actor=actor, decided=True, reason=reason)
        return proposal


def comment_add(*, proposal: Proposal, actor: Actor, body: str) -> Comment:
    with transaction.atomic():
        author = signed_in(actor, _("Sign in to comment."))
        if not can_see(user=author, proposal=proposal):
            raise NotAllowed(
                _("Only the requester, or who filed it for them, can comment on a draft.")
            )
        if is_read_only(author):
            raise NotAllowed(_("Your role only reads: it does not comment."))
        body = body.strip()
        if not body:
            raise DomainError(_("A comment cannot be empty."))
        comment = Comment.objects.create(proposal=proposal, author=author, body=body)
        record_event(
            kind="comment.added",
            actor=actor,
            proposal_id=proposal.pk,
            payload={"comment": comment.pk},
        )
        return comment
