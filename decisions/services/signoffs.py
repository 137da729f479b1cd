"""A department's sign-off: approve (with the checklist), reject or request changes, and what
that does to the proposal."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from audit.services import record_event
from core.actors import Actor, signed_in
from core.errors import DomainError, InvalidTransition, NotAllowed
from core.i18n import snapshot
from core.money import format_base_money
from decisions import tasks
from decisions.consent import is_objection, objection_open, presumed_on
from decisions.events import webhook_proposal_event
from decisions.models import DecisionOutcome, Proposal, ProposalStatus, SignOff, SignOffStatus
from decisions.rights import SigningRight, signing_right
from decisions.rules import cdo_decision_required
from decisions.services._common import (
    close_round,
    lock_proposal,
    queue_after_commit,
    set_status,
)
from decisions.services.handoff import handoff_create
from decisions.services.renewal import renewal_approved
from decisions.services.retirement import retirement_approved
from stakeholders.models import AnswerKind, ChecklistQuestion, Department


def signoff_decide(
    *,
    signoff: SignOff,
    actor: Actor,
    outcome: str,
    comment: str = "",
    answers: dict[str, str] | None = None,
) -> SignOff:
    """Approve, reject or request changes on one department's sign-off, and move the proposal on:
    any rejection rejects it, any request for changes returns it, all approved goes to the CDO
    (where the tier says so) or approves it. In consent mode a rejection or a request for
    changes is an objection instead (decisions.consent): taken up to the due date, it goes to
    the dissent log and the round goes on; the CDO decides once nothing is pending."""
    with transaction.atomic():
        if outcome not in (
            SignOffStatus.APPROVED,
            SignOffStatus.REJECTED,
            SignOffStatus.CHANGES_REQUESTED,
        ):
            raise DomainError(_("Unknown sign-off outcome."))
        proposal = lock_proposal(signoff.proposal)
        signoff = (
            SignOff.objects.select_for_update(of=("self",))
            .select_related("department", "reviewer")
            .get(pk=signoff.pk)
        )
        signoff.proposal = proposal
        right = _signing_right_on_locked(proposal=proposal, signoff=signoff, actor=actor)
        objecting = signoff.consent_mode and outcome != SignOffStatus.APPROVED
        if objecting and not objection_open(signoff, today=timezone.localdate()):
            raise InvalidTransition(
                _(
                    "The time to object ended on %(due)s: the consent of %(dept)s is presumed. "
                    "You may still approve."
                )
                % {
                    "due": date_format(signoff.due_on) if signoff.due_on else "—",
                    "dept": signoff.department.name,
                }
            )
        if outcome != SignOffStatus.APPROVED and not comment.strip():
            raise DomainError(
                _("Say why: a comment is required to reject or request changes."), field="comment"
            )
        stored_answers = checklist_answers(
            department=signoff.department, answers=answers or {}, approving=outcome == "approved"
        )

        signoff.status = outcome
        signoff.reviewer = signed_in(actor)
        signoff.on_behalf_of = right.on_behalf_of
        signoff.comment = comment
        signoff.answers = stored_answers
        signoff.decided_at = timezone.now()
        signoff.save()
        payload = {
            "department": signoff.department.code,
            "round": signoff.round,
            "comment": comment,
        }
        if right.on_behalf_of is not None:
            payload["on_behalf_of"] = right.on_behalf_of.get_username()
        if stored_answers:
            payload["answers"] = stored_answers
        if objecting:
            # Consent mode: not a veto, an entry of the dissent log (the CDO decides).
            payload["outcome"] = outcome
        record_event(
            kind="signoff.objected" if objecting else f"signoff.{outcome}",
            actor=actor,
            proposal_id=proposal.pk,
            payload=payload,
        )
        move_proposal_on(proposal, signoff, actor=actor)
        webhook_signoff_decided(proposal, signoff, actor=actor)
        return signoff


def _signing_right_on_locked(*, proposal: Proposal, signoff: SignOff, actor: Actor) -> SigningRight:
    """The actor's right to sign `signoff` now, checked on the locked rows: the sign-off still
    open in the proposal's current round, and a member with the role and the limit."""
    if signoff.status != SignOffStatus.PENDING:
        if signoff.presumed:
            day = presumed_on(signoff)
            raise InvalidTransition(
                _(
                    "The consent of %(dept)s was presumed on %(day)s: nobody objected by the "
                    "due date."
                )
                % {"dept": signoff.department.name, "day": date_format(day) if day else "—"}
            )
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
    if proposal.filed_by_id == actor.pk:
        raise NotAllowed(_("You filed this proposal on someone's behalf: you cannot sign it off."))
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
                "amount": format_base_money(proposal.tco or Decimal("0")),
            }
        )
    return right


def move_proposal_on(proposal: Proposal, signoff: SignOff, *, actor: Actor | None) -> None:
    """What one department's sign-off does to the proposal: a rejection rejects it, a request
    for changes returns it, the last approval sends it to the CDO (where the tier says so) or
    approves it. The round's other open sign-offs close with it. In consent mode an objection
    leaves the round open; once nothing is pending, a round with an objection goes to the CDO
    whatever the tier says (the CDO breaks the tie). Also called for a presumed consent
    (decisions.services.consent, no actor)."""
    outcome = signoff.status
    objection = is_objection(signoff)
    if outcome == SignOffStatus.REJECTED and not objection:
        close_round(proposal, keep=signoff)
        set_status(proposal, ProposalStatus.REJECTED, actor=actor, decided=True)
        queue_after_commit(tasks.notify_decision_taken, proposal.pk, proposal.round)
        return
    if outcome == SignOffStatus.CHANGES_REQUESTED and not objection:
        close_round(proposal, keep=signoff)
        set_status(proposal, ProposalStatus.CHANGES_REQUESTED, actor=actor)
        queue_after_commit(tasks.notify_changes_requested, proposal.pk, proposal.round)
        return
    state = round_state(_round_signoffs(proposal))
    if state == RoundState.DISSENT:
        set_status(proposal, ProposalStatus.AWAITING_DECISION, actor=actor, dissent=True)
        queue_after_commit(tasks.notify_decision_needed, proposal.pk, proposal.round)
    elif state == RoundState.APPROVED:
        if cdo_decision_required(proposal):
            set_status(proposal, ProposalStatus.AWAITING_DECISION, actor=actor)
            queue_after_commit(tasks.notify_decision_needed, proposal.pk, proposal.round)
        else:
            set_status(proposal, ProposalStatus.APPROVED, actor=actor, decided=True)
            # A presumed consent has no actor: the system (recorded as nobody) acts.
            system_or_actor = actor if actor is not None else AnonymousUser()
            retirement_approved(proposal, actor=system_or_actor)
            renewal_approved(proposal, actor=system_or_actor)
            handoff_create(proposal, actor=actor)
            queue_after_commit(tasks.notify_decision_taken, proposal.pk, proposal.round)


class RoundState:
    OPEN = "open"  # a sign-off is still pending
    DISSENT = "dissent"  # nothing pending, a department objected (consent mode): the CDO decides
    APPROVED = "approved"  # every sign-off approved (explicitly, presumed or by the guardrails)
    CLOSED = "closed"  # anything else (a cancelled sign-off): nothing to do


def round_state(signoffs: list[SignOff]) -> str:
    """Where a round stands, from its sign-offs (pure: decisions.consent's rules)."""
    if any(s.status == SignOffStatus.PENDING for s in signoffs):
        return RoundState.OPEN
    if any(is_objection(s) for s in signoffs):
        return RoundState.DISSENT
    if all(s.status == SignOffStatus.APPROVED for s in signoffs):
        return RoundState.APPROVED
    return RoundState.CLOSED


def _round_signoffs(proposal: Proposal) -> list[SignOff]:
    """The sign-offs of the proposal's current round: their status and mode only (one query)."""
    return list(
        SignOff.objects.filter(proposal=proposal, round=proposal.round).only(
            "pk", "status", "consent_mode"
        )
    )


# The decision a proposal's new status stands for, in webhook payloads.


WEBHOOK_OUTCOMES: dict[str, str] = {
    ProposalStatus.APPROVED: DecisionOutcome.APPROVED,
    ProposalStatus.REJECTED: DecisionOutcome.REJECTED,
    ProposalStatus.CHANGES_REQUESTED: DecisionOutcome.RETURNED,
}


def webhook_signoff_decided(proposal: Proposal, signoff: SignOff, *, actor: Actor | None) -> None:
    """Tell webhook subscribers about the sign-off and, when it ended the round (a rejection, a
    request for changes, or the last approval where no CDO decision is needed), the decision.
    In consent mode the sign-off says whether it was presumed or an objection."""
    signed: dict[str, object] = {"department": signoff.department.code, "status": signoff.status}
    if signoff.consent_mode:
        signed |= {"presumed": signoff.presumed, "objection": is_objection(signoff)}
    webhook_proposal_event(
        kind="signoff.decided",
        proposal=proposal,
        actor=actor,
        outcome=signoff.status,
        signoff=signed | {"comment": signoff.comment},
    )
    if proposal.status in WEBHOOK_OUTCOMES:
        webhook_proposal_event(
            kind="decision.taken",
            proposal=proposal,
            actor=actor,
            outcome=WEBHOOK_OUTCOMES[proposal.status],
            decided_by="signoff",
            signoff=signed,
            rationale=signoff.comment,
        )


YES_NO = {"yes", "no"}


def checklist_answers(
    *, department: Department, answers: Mapping[str, str], approving: bool
) -> dict[str, dict[str, str]]:
    """Validate a reviewer's answers against the department's active checklist and return them
    as stored with the sign-off: the question's text is kept (in each language), so a later
    edit of the question in the admin does not change what the reviewer answered."""
    questions = list(ChecklistQuestion.objects.filter(department=department, is_active=True))
    answers = {str(key): value for key, value in answers.items()}  # ids as strings, as stored
    known = {str(q.pk) for q in questions}
    unknown = sorted(set(answers) - known)
    if unknown:
        raise DomainError(
            _("These checklist questions do not exist: %s.") % ", ".join(unknown), field="answers"
        )
    stored: dict[str, dict[str, str]] = {}
    missing: list[str] = []
    for question in questions:
        value = str(answers.get(str(question.pk), "") or "").strip()
        if question.kind == AnswerKind.YES_NO and value and value not in YES_NO:
            raise DomainError(
                _("Answer “%(q)s” with yes or no.") % {"q": question.text},
                code="checklist",
                field=f"answers.{question.pk}",
            )
        if value:
            # The question in each language as it was asked (core.i18n.snapshot); "question"
            # is the default language's, as the API gives it.
            stored[str(question.pk)] = {
                **snapshot(question, "text", key="question"),
                "answer": value,
            }
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
