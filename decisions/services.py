"""Every write of the decisions app: one atomic function per user action.

Each transition locks the proposal row first (then the rows under it, always in that order, so two
transactions cannot deadlock), checks state and right on the locked rows, writes its audit event in
the same transaction, and queues side effects with transaction.on_commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from decisions import tasks, webhooks
from decisions.audit import record_event
from decisions.calendar import add_business_days
from decisions.errors import DomainError, InvalidTransition, NotAllowed
from decisions.models import (
    ALLOWED_TRANSITIONS,
    EDITABLE_STATES,
    MONEY,
    Comment,
    Decision,
    DecisionOutcome,
    Proposal,
    ProposalGoal,
    ProposalStatus,
    ReferenceCounter,
    SignOff,
    SignOffStatus,
)
from decisions.rights import can_steer_lifecycle, is_cdo, signing_right
from stakeholders.models import (
    AnswerKind,
    ApprovalTier,
    ChecklistQuestion,
    Department,
    StrategicGoal,
    to_base_currency,
)
from vendors.services import solution_in_use_set

# Fields a requester edits directly; relations (goals, integrations) are handled separately.
PROPOSAL_FIELDS = (
    "title",
    "problem",
    "rationale",
    "alternatives",
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
    "employees_affected",
    "end_user_involvement",
    "integration_notes",
    "processes_personal_data",
    "personal_data_notes",
    "pilot_start",
    "pilot_end",
    "pilot_success_criteria",
)
# Proposals that count towards a vendor's 12-month total (no split purchases).
COMMITTED_STATES = [
    ProposalStatus.IN_REVIEW,
    ProposalStatus.AWAITING_DECISION,
    ProposalStatus.APPROVED,
    ProposalStatus.PILOTING,
    ProposalStatus.ADOPTED,
]


def _lock(proposal: Proposal) -> Proposal:
    return (
        Proposal.objects.select_for_update(of=("self",)).select_related("tier").get(pk=proposal.pk)
    )


def _next_reference(year: int) -> str:
    counter, _created = ReferenceCounter.objects.select_for_update().get_or_create(year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"TP-{year}-{counter.last_number:04d}"


def _apply_relations(
    proposal: Proposal, *, goals: dict[StrategicGoal, str] | None, integrates_with
) -> None:
    if goals is not None:
        proposal.goal_links.all().delete()
        ProposalGoal.objects.bulk_create(
            ProposalGoal(proposal=proposal, goal=goal, note=note) for goal, note in goals.items()
        )
    if integrates_with is not None:
        proposal.integrates_with.set(integrates_with)


@transaction.atomic
def proposal_create(
    *,
    requester,
    data: dict[str, Any],
    goals: dict[StrategicGoal, str] | None = None,
    integrates_with=None,
) -> Proposal:
    """Create a draft. `data` holds PROPOSAL_FIELDS (validated by a form or serializer)."""
    if not requester.is_authenticated:
        raise NotAllowed(_("Sign in to create a proposal."))
    proposal = Proposal(
        requester=requester, **{k: v for k, v in data.items() if k in PROPOSAL_FIELDS}
    )
    _check_whole_proposal(proposal)
    proposal.reference = _next_reference(timezone.now().year)
    proposal.save()
    _apply_relations(proposal, goals=goals, integrates_with=integrates_with)
    record_event(
        kind="proposal.created",
        actor=requester,
        proposal=proposal,
        payload={"reference": proposal.reference, "title": proposal.title},
    )
    return proposal


@transaction.atomic
def proposal_update(
    *,
    proposal: Proposal,
    actor,
    data: dict[str, Any],
    goals: dict[StrategicGoal, str] | None = None,
    integrates_with=None,
) -> Proposal:
    proposal = _lock(proposal)
    if proposal.requester_id != actor.pk:
        raise NotAllowed(_("Only the requester can edit this proposal."))
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
    # Checked again here, on the locked row: the form or serializer checked these rules against
    # the row as read before the lock, and a concurrent edit (one clearing the solution, the
    # other the new solution's name) may have changed the other half since.
    _check_whole_proposal(proposal)
    proposal.save()
    _apply_relations(proposal, goals=goals, integrates_with=integrates_with)
    record_event(
        kind="proposal.updated", actor=actor, proposal=proposal, payload={"fields": changed}
    )
    return proposal


def _check_whole_proposal(proposal: Proposal) -> None:
    """The rules that span several fields (the model's check constraints and the TCO bound),
    as domain errors instead of an IntegrityError or a numeric overflow."""
    for field in ("one_off_cost", "recurring_cost"):
        # As the column would store it: callers may pass an int.
        value = getattr(proposal, field)
        if value is not None and not isinstance(value, Decimal):
            setattr(proposal, field, Decimal(str(value)))
    if not proposal.solution_id and not proposal.new_solution_name.strip():
        raise DomainError(
            _("Pick a solution from the catalog or name the new one you propose."),
            code="no_solution",
        )
    if proposal.pilot_start and proposal.pilot_end and proposal.pilot_end < proposal.pilot_start:
        raise DomainError(_("The pilot cannot end before it starts."), code="pilot_dates")
    if proposal.one_off_cost < 0 or proposal.recurring_cost < 0:
        raise DomainError(_("A cost cannot be negative."), code="negative_cost")
    if proposal_tco_exceeds_limit(proposal=proposal):
        raise DomainError(tco_limit_message(), code="tco_too_large")


def vendor_spend_last_12_months(*, proposal: Proposal, at: dt.datetime) -> Decimal:
    """The TCO of other committed proposals for the same vendor submitted in the last 12 months."""
    if proposal.solution_id:
        vendor = proposal.solution.vendor
        same_vendor = Q(solution__vendor=vendor) | Q(new_vendor_name__iexact=vendor.name)
    elif proposal.new_vendor_name.strip():
        name = proposal.new_vendor_name.strip()
        same_vendor = Q(solution__vendor__name__iexact=name) | Q(new_vendor_name__iexact=name)
    else:
        return Decimal("0")
    total = (
        Proposal.objects.filter(same_vendor)
        .filter(status__in=COMMITTED_STATES, submitted_at__gte=at - dt.timedelta(days=365))
        .exclude(pk=proposal.pk)
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
    reason: str


# The largest amount a money column (max_digits=14, decimal_places=2) stores. Proposal.tco and
# tier_basis must fit: PostgreSQL refuses a larger one (numeric field overflow), SQLite would
# store it silently.
MAX_AMOUNT = Decimal(10) ** (MONEY["max_digits"] - MONEY["decimal_places"]) - Decimal("0.01")


def proposal_tco_in_base(*, proposal: Proposal) -> Decimal:
    """The proposal's TCO (saved or not) in the base currency, as submission fixes it."""
    return to_base_currency(proposal.compute_tco(), proposal.currency)


def tco_limit_message() -> str:
    return _(
        "The total cost of ownership (one-off cost plus recurring cost over the term, at least "
        "12 months) cannot exceed %(limit)s: check the costs, period and term."
    ) % {"limit": _money(MAX_AMOUNT)}


def proposal_tco_exceeds_limit(*, proposal: Proposal) -> bool:
    """Whether the costs, period and term give a TCO too large to record. Forms and
    serializers check it to name the field; submission checks it again."""
    try:
        return proposal_tco_in_base(proposal=proposal) > MAX_AMOUNT
    except ValueError:
        return False  # no exchange rate for the currency: submission says so


def proposal_tco_limit_field(*, proposal: Proposal) -> str | None:
    """The cost field to blame when the TCO is too large (None when it fits): the one-off
    cost when it alone is too large or nothing recurs, otherwise the recurring cost."""
    if not proposal_tco_exceeds_limit(proposal=proposal):
        return None
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
            % {"tco": _money(tco), "earlier": _money(earlier), "limit": _money(MAX_AMOUNT)},
            code="tco_too_large",
        )
    tier = tier_for(basis)
    money = {"tco": _money(tco), "earlier": _money(earlier), "tier": tier.name}
    if earlier:
        reason = (
            _(
                "TCO %(tco)s plus %(earlier)s for the same vendor in the last 12 months "
                "falls in tier “%(tier)s”."
            )
            % money
        )
    else:
        reason = _("TCO %(tco)s falls in tier “%(tier)s”.") % money
    return TierAssessment(tco=tco, earlier=earlier, basis=basis, tier=tier, reason=reason)


@transaction.atomic
def proposal_submit(*, proposal: Proposal, actor) -> Proposal:
    """Fix the tier, open a new round with one pending sign-off per required department."""
    proposal = _lock(proposal)
    if proposal.requester_id != actor.pk:
        raise NotAllowed(_("Only the requester can submit this proposal."))
    if proposal.status not in EDITABLE_STATES:
        raise InvalidTransition(
            _("A proposal that is %(status)s cannot be submitted.")
            % {"status": proposal.get_status_display().lower()}
        )
    if not proposal.solution_id and not proposal.new_solution_name.strip():
        raise DomainError(_("Name the solution: pick one from the catalog or name a new one."))
    departments = list(Department.objects.filter(signoff_required=True, is_active=True))
    if not departments:
        raise DomainError(_("No department is configured to sign off; ask an administrator."))

    now = timezone.now()
    assessment = assess_tier(proposal=proposal, at=now)
    tco, basis, tier, reason = (
        assessment.tco,
        assessment.basis,
        assessment.tier,
        assessment.reason,
    )

    proposal.round += 1
    proposal.status = ProposalStatus.IN_REVIEW
    proposal.tco, proposal.tier_basis, proposal.tier, proposal.tier_reason = (
        tco,
        basis,
        tier,
        reason,
    )
    proposal.submitted_at = now
    proposal.decided_at = None
    proposal.save()
    due = add_business_days(timezone.localdate(now), tier.sla_days)
    created = SignOff.objects.bulk_create(
        SignOff(
            proposal=proposal,
            department=dept,
            round=proposal.round,
            required_role=tier.signoff_role,
            due_on=due,
        )
        for dept in departments
    )
    record_event(
        kind="proposal.submitted",
        actor=actor,
        proposal=proposal,
        payload={
            "round": proposal.round,
            "tco": tco,
            "tier_basis": basis,
            "tier": tier.name,
            "departments": [d.code for d in departments],
            "due_on": due,
        },
    )
    for signoff in created:
        _queue(tasks.notify_signoff_requested, signoff.pk)
    webhooks.webhook_proposal_event(
        kind="proposal.submitted",
        proposal=proposal,
        actor=actor,
        departments=[d.code for d in departments],
        due_on=due,
    )
    return proposal


def _base_currency() -> str:
    return settings.BASE_CURRENCY


def _money(amount: Decimal) -> str:
    return f"{number_format(amount, 2, force_grouping=True)} {_base_currency()}"


def _queue(task, *args) -> None:
    """Queue a Celery task once the transaction commits. robust: the change is committed
    already; a broker outage is logged and must not turn it into an error page."""
    transaction.on_commit(lambda: task.delay(*args), robust=True)


def _close_round(proposal: Proposal, *, keep: SignOff) -> None:
    """Cancel the round's other pending sign-offs: the round ended without them."""
    SignOff.objects.filter(
        proposal=proposal, round=proposal.round, status=SignOffStatus.PENDING
    ).exclude(pk=keep.pk).update(status=SignOffStatus.CANCELLED)


@transaction.atomic
def signoff_decide(
    *,
    signoff: SignOff,
    actor,
    outcome: str,
    comment: str = "",
    answers: dict[str, str] | None = None,
) -> SignOff:
    """Approve, reject or request changes on one department's sign-off, and move the proposal on:
    any rejection rejects it, any request for changes returns it, all approved goes to the CDO
    (where the tier says so) or approves it."""
    if outcome not in (
        SignOffStatus.APPROVED,
        SignOffStatus.REJECTED,
        SignOffStatus.CHANGES_REQUESTED,
    ):
        raise DomainError(_("Unknown sign-off outcome."))
    proposal = _lock(signoff.proposal)
    signoff = (
        SignOff.objects.select_for_update(of=("self",))
        .select_related("department", "reviewer")
        .get(pk=signoff.pk)
    )
    signoff.proposal = proposal
    if signoff.status != SignOffStatus.PENDING:
        if signoff.reviewer:
            who = signoff.reviewer.get_full_name() or signoff.reviewer.username
            raise InvalidTransition(
                _("%(dept)s has already signed: %(status)s by %(who)s.")
                % {
                    "dept": signoff.department.name,
                    "status": signoff.get_status_display().lower(),
                    "who": who,
                }
            )
        if proposal.status == ProposalStatus.IN_REVIEW:
            raise InvalidTransition(
                _("This sign-off is closed; nothing is waiting for a decision.")
            )
    if proposal.status != ProposalStatus.IN_REVIEW or signoff.round != proposal.round:
        raise InvalidTransition(
            _("The proposal is %(status)s; it is not waiting for sign-offs.")
            % {"status": proposal.get_status_display().lower()}
        )
    if proposal.requester_id == actor.pk:
        raise NotAllowed(_("You cannot sign off your own proposal."))
    right = signing_right(user=actor, signoff=signoff)
    if right is None:
        raise NotAllowed(
            _(
                "You may not sign for %(dept)s on this proposal: it needs a %(role)s of that "
                "department with an approval limit of at least %(amount)s."
            )
            % {
                "dept": signoff.department.name,
                "role": signoff.get_required_role_display().lower(),
                "amount": _money(proposal.tco or Decimal("0")),
            }
        )
    if outcome != SignOffStatus.APPROVED and not comment.strip():
        raise DomainError(
            _("Say why: a comment is required to reject or request changes."), field="comment"
        )
    stored_answers = checklist_answers(
        department=signoff.department, answers=answers or {}, approving=outcome == "approved"
    )

    now = timezone.now()
    signoff.status = outcome
    signoff.reviewer = actor
    signoff.on_behalf_of = right.on_behalf_of
    signoff.comment = comment
    signoff.answers = stored_answers
    signoff.decided_at = now
    signoff.save()
    payload = {"department": signoff.department.code, "round": signoff.round, "comment": comment}
    if right.on_behalf_of is not None:
        payload["on_behalf_of"] = right.on_behalf_of.get_username()
    if stored_answers:
        payload["answers"] = stored_answers
    record_event(kind=f"signoff.{outcome}", actor=actor, proposal=proposal, payload=payload)

    if outcome == SignOffStatus.REJECTED:
        _close_round(proposal, keep=signoff)
        _set_status(proposal, ProposalStatus.REJECTED, actor=actor, decided=True)
        _queue(tasks.notify_decision_taken, proposal.pk, proposal.round)
    elif outcome == SignOffStatus.CHANGES_REQUESTED:
        _close_round(proposal, keep=signoff)
        _set_status(proposal, ProposalStatus.CHANGES_REQUESTED, actor=actor)
        _queue(tasks.notify_changes_requested, proposal.pk, proposal.round)
    elif (
        not SignOff.objects.filter(proposal=proposal, round=proposal.round)
        .exclude(status=SignOffStatus.APPROVED)
        .exists()
    ):
        if proposal.tier and proposal.tier.cdo_decision_required:
            _set_status(proposal, ProposalStatus.AWAITING_DECISION, actor=actor)
            _queue(tasks.notify_decision_needed, proposal.pk, proposal.round)
        else:
            _set_status(proposal, ProposalStatus.APPROVED, actor=actor, decided=True)
            _queue(tasks.notify_decision_taken, proposal.pk, proposal.round)
    _webhook_signoff_decided(proposal, signoff, actor=actor)
    return signoff


# The decision a proposal's new status stands for, in webhook payloads.
WEBHOOK_OUTCOMES = {
    ProposalStatus.APPROVED: DecisionOutcome.APPROVED,
    ProposalStatus.REJECTED: DecisionOutcome.REJECTED,
    ProposalStatus.CHANGES_REQUESTED: DecisionOutcome.RETURNED,
}


def _webhook_signoff_decided(proposal: Proposal, signoff: SignOff, *, actor) -> None:
    """Tell webhook subscribers about the sign-off and, when it ended the round (a rejection, a
    request for changes, or the last approval where no CDO decision is needed), the decision."""
    signed = {"department": signoff.department.code, "status": signoff.status}
    webhooks.webhook_proposal_event(
        kind="signoff.decided",
        proposal=proposal,
        actor=actor,
        outcome=signoff.status,
        signoff=signed | {"comment": signoff.comment},
    )
    if proposal.status in WEBHOOK_OUTCOMES:
        webhooks.webhook_proposal_event(
            kind="decision.taken",
            proposal=proposal,
            actor=actor,
            outcome=WEBHOOK_OUTCOMES[proposal.status],
            decided_by="signoff",
            signoff=signed,
            rationale=signoff.comment,
        )


def _set_status(
    proposal: Proposal, status: str, *, actor, decided: bool = False, **extra: Any
) -> None:
    previous = proposal.status
    if status not in ALLOWED_TRANSITIONS[ProposalStatus(previous)]:
        raise InvalidTransition(
            _("A proposal cannot go from %(from)s to %(to)s.")
            % {
                "from": ProposalStatus(previous).label.lower(),
                "to": ProposalStatus(status).label.lower(),
            }
        )
    proposal.status = status
    if decided:
        proposal.decided_at = timezone.now()
    proposal.save(update_fields=["status", "decided_at", "updated_at"])
    record_event(
        kind="proposal.status_changed",
        actor=actor,
        proposal=proposal,
        payload={"from": previous, "to": status, "round": proposal.round, **extra},
    )


@transaction.atomic
def decision_take(
    *, proposal: Proposal, actor, outcome: str, rationale: str, conditions: str = ""
) -> Decision:
    """The CDO's final decision, always with a written rationale."""
    proposal = _lock(proposal)
    if not is_cdo(actor):
        raise NotAllowed(_("Only the Chief Digital Officer can take the final decision."))
    if proposal.requester_id == actor.pk:
        raise NotAllowed(_("You cannot decide on your own proposal."))
    if proposal.status != ProposalStatus.AWAITING_DECISION:
        raise InvalidTransition(
            _("The proposal is %(status)s; it is not waiting for a decision.")
            % {"status": proposal.get_status_display().lower()}
        )
    if outcome not in DecisionOutcome.values:
        raise DomainError(_("Unknown decision outcome."))
    if not rationale.strip():
        raise DomainError(_("A rationale is required for every decision."), field="rationale")
    decision = Decision.objects.create(
        proposal=proposal,
        round=proposal.round,
        outcome=outcome,
        rationale=rationale,
        conditions=conditions,
        decided_by=actor,
    )
    record_event(
        kind=f"decision.{outcome}",
        actor=actor,
        proposal=proposal,
        payload={"round": proposal.round, "rationale": rationale, "conditions": conditions},
    )
    new_status = {
        DecisionOutcome.APPROVED: ProposalStatus.APPROVED,
        DecisionOutcome.REJECTED: ProposalStatus.REJECTED,
        DecisionOutcome.RETURNED: ProposalStatus.CHANGES_REQUESTED,
    }[DecisionOutcome(outcome)]
    _set_status(proposal, new_status, actor=actor, decided=outcome != DecisionOutcome.RETURNED)
    if outcome == DecisionOutcome.RETURNED:
        _queue(tasks.notify_changes_requested, proposal.pk, proposal.round)
    else:
        _queue(tasks.notify_decision_taken, proposal.pk, proposal.round)
    webhooks.webhook_proposal_event(
        kind="decision.taken",
        proposal=proposal,
        actor=actor,
        outcome=outcome,
        decided_by="cdo",
        rationale=rationale,
        conditions=conditions,
    )
    return decision


@transaction.atomic
def proposal_withdraw(*, proposal: Proposal, actor, reason: str = "") -> Proposal:
    proposal = _lock(proposal)
    if proposal.requester_id != actor.pk:
        raise NotAllowed(_("Only the requester can withdraw this proposal."))
    withdrawable = EDITABLE_STATES | {ProposalStatus.IN_REVIEW, ProposalStatus.AWAITING_DECISION}
    if proposal.status not in withdrawable:
        raise InvalidTransition(
            _("A proposal that is %(status)s cannot be withdrawn.")
            % {"status": proposal.get_status_display().lower()}
        )
    SignOff.objects.filter(proposal=proposal, status=SignOffStatus.PENDING).update(
        status=SignOffStatus.CANCELLED
    )
    _set_status(proposal, ProposalStatus.WITHDRAWN, actor=actor, decided=True, reason=reason)
    return proposal


@transaction.atomic
def comment_add(*, proposal: Proposal, actor, body: str) -> Comment:
    if not actor.is_authenticated:
        raise NotAllowed(_("Sign in to comment."))
    body = body.strip()
    if not body:
        raise DomainError(_("A comment cannot be empty."))
    comment = Comment.objects.create(proposal=proposal, author=actor, body=body)
    record_event(
        kind="comment.added", actor=actor, proposal=proposal, payload={"comment": comment.pk}
    )
    return comment


YES_NO = {"yes", "no"}


def checklist_answers(
    *, department: Department, answers: dict[str, str], approving: bool
) -> dict[str, dict[str, str]]:
    """Validate a reviewer's answers against the department's active checklist and return them
    as stored with the sign-off: the question's text is kept, so a later edit of the question
    in the admin does not change what the reviewer answered."""
    questions = list(ChecklistQuestion.objects.filter(department=department, is_active=True))
    known = {str(q.pk) for q in questions}
    unknown = sorted(set(map(str, answers)) - known)
    if unknown:
        raise DomainError(
            _("These checklist questions do not exist: %s.") % ", ".join(unknown), field="answers"
        )
    stored: dict[str, dict[str, str]] = {}
    missing: list[str] = []
    for question in questions:
        value = str(answers.get(str(question.pk), answers.get(question.pk, "")) or "").strip()
        if question.kind == AnswerKind.YES_NO and value and value not in YES_NO:
            raise DomainError(
                _("Answer “%(q)s” with yes or no.") % {"q": question.text},
                code="checklist",
                field=f"answers.{question.pk}",
            )
        if value:
            stored[str(question.pk)] = {"question": question.text, "answer": value}
        elif question.required:
            missing.append(question.text)
    if approving and missing:
        raise DomainError(
            _("Answer the checklist before approving: %(missing)s")
            % {"missing": "; ".join(missing)},
            code="checklist",
            field="answers",
        )
    return stored


class LifecycleAction:
    START_PILOT = "start_pilot"
    ADOPT = "adopt"
    RETIRE = "retire"


LIFECYCLE_TARGETS = {
    LifecycleAction.START_PILOT: ProposalStatus.PILOTING,
    LifecycleAction.ADOPT: ProposalStatus.ADOPTED,
    LifecycleAction.RETIRE: ProposalStatus.RETIRED,
}


@transaction.atomic
def proposal_advance(*, proposal: Proposal, actor, action: str, note: str = "") -> Proposal:
    """After approval: start the pilot, adopt the tool into the landscape, or retire it."""
    if action not in LIFECYCLE_TARGETS:
        raise DomainError(_("Unknown action."))
    proposal = _lock(proposal)
    if not can_steer_lifecycle(user=actor, proposal=proposal):
        raise NotAllowed(_("Only the requester or the CDO can record the tool's lifecycle."))
    _set_status(proposal, LIFECYCLE_TARGETS[action], actor=actor, note=note)
    if proposal.solution_id and action in (LifecycleAction.ADOPT, LifecycleAction.RETIRE):
        # Still in use after a retirement if another adopted proposal brought the same tool in.
        in_use = action == LifecycleAction.ADOPT or (
            Proposal.objects.filter(solution_id=proposal.solution_id, status=ProposalStatus.ADOPTED)
            .exclude(pk=proposal.pk)
            .exists()
        )
        # Through the catalog's service: it takes the catalog lock before the row and bumps
        # the change feed only on a real change.
        solution_in_use_set(solution_id=proposal.solution_id, in_use=in_use)
    return proposal
