"""The vendor risk questionnaire's writes: IT Operations keeps the questions; the requester and
IT's reviewers answer them for a proposal (decisions.risk says who, when, and what the answers
make of the score and the rating)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record_event
from core.actors import Actor, signed_in
from core.errors import DomainError, InvalidTransition, NotAllowed
from core.i18n import default_value, in_default_language, translated_fields
from decisions.lockin import lock_in_rating
from decisions.models import (
    Proposal,
    RiskAnswer,
    RiskAnswerValue,
    RiskQuestion,
    SignOff,
)
from decisions.risk import (
    RiskAssessment,
    RiskItem,
    it_head_required,
    it_signoff_waiting,
    keeps_risk_questions,
    may_answer_as,
    risk_assessment,
)
from decisions.services._common import lock_proposal
from stakeholders.models import Role

QUESTION_FIELDS = [
    "text",
    "text_nl",
    "text_fr",
    "category",
    "weight",
    "fact",
    "position",
    "is_active",
]
NOTE_MAX = 500


def _keeps_questions(actor: Actor) -> None:
    if not keeps_risk_questions(actor):
        raise NotAllowed(_("Only IT Operations keeps the vendor risk questions."))


def _question_data(data: Mapping[str, Any]) -> dict[str, Any]:
    """`text` without a language is the default language's (the API's and the form's)."""
    translated = translated_fields(RiskQuestion)
    data = {in_default_language(k) if k in translated else k: v for k, v in data.items()}
    allowed = {in_default_language(f) if f in translated else f for f in QUESTION_FIELDS}
    unknown = set(data) - allowed
    if unknown:
        raise DomainError(_("These fields cannot be set here: %s.") % ", ".join(sorted(unknown)))
    return data


def _question_clean(question: RiskQuestion) -> None:
    try:
        question.full_clean(validate_unique=False)
    except ValidationError as exc:
        name, messages = next(iter(exc.message_dict.items()))
        if name == "__all__":
            name = "weight"  # the only model-wide check: the weight's range
        raise DomainError(" ".join(messages), field=name) from exc


def _question_event(kind: str, question: RiskQuestion, *, actor: Actor, **extra: Any) -> None:
    record_event(
        kind=kind,
        actor=actor,
        payload={
            "question": question.pk,
            "text": default_value(question, "text"),
            "category": question.category,
            "weight": question.weight,
            "fact": question.fact,
            "is_active": question.is_active,
            **extra,
        },
    )


def risk_question_create(*, actor: Actor, data: Mapping[str, Any]) -> RiskQuestion:
    """A new question of the vendor risk questionnaire (IT Operations)."""
    with transaction.atomic():
        _keeps_questions(actor)
        question = RiskQuestion(**_question_data(data))
        _question_clean(question)
        question.save()
        _question_event("risk_question.created", question, actor=actor)
        return question


def risk_question_update(
    *, question: RiskQuestion, actor: Actor, data: Mapping[str, Any]
) -> RiskQuestion:
    """Change a question, or (`is_active`) deactivate or reactivate it (IT Operations). Never
    deleted: the answers given to it stay readable."""
    with transaction.atomic():
        _keeps_questions(actor)
        question = RiskQuestion.objects.select_for_update().get(pk=question.pk)
        data = _question_data(data)
        changed = sorted(name for name, value in data.items() if getattr(question, name) != value)
        if not changed:
            return question
        for name in changed:
            setattr(question, name, data[name])
        _question_clean(question)
        question.save()
        _question_event("risk_question.updated", question, actor=actor, fields=changed)
        return question


def risk_answers_save(
    *,
    proposal: Proposal,
    actor: Actor,
    answers: Mapping[int, str | None],
    notes: Mapping[int, str] | None = None,
) -> RiskAssessment | None:
    """Answer some of the proposal's risk questions: yes or no, or None (or "") to take an
    answer back; the questions not named keep theirs. The requester answers while the proposal
    is theirs to edit; a reviewer or head of IT Operations while IT's sign-off waits. An IT
    answer in review that makes the rating high asks IT's head for the open sign-off (and one
    that lowers it gives the sign-off back to the role the tier asks)."""
    notes = notes or {}
    with transaction.atomic():
        person = signed_in(actor, _("Sign in to answer the risk questions."))
        proposal = lock_proposal(proposal)
        capacity = _capacity(person, proposal)
        if not answers:
            raise DomainError(_("Answer at least one question."), field="answers")
        before = risk_assessment(proposal)
        items = {item.question.pk: item for item in (before.items if before else [])}
        unknown = sorted(str(pk) for pk in answers if pk not in items)
        if unknown:
            raise DomainError(
                _("These risk questions do not exist or are not asked: %s.") % ", ".join(unknown),
                field="answers",
            )
        now = timezone.now()
        changes: dict[str, str | None] = {}
        for pk, value in sorted(answers.items()):
            note = _checked(items[pk], value or None, str(notes.get(pk, "") or "").strip())
            if _save_one(proposal, items[pk], value or None, note, person=person, now=now):
                changes[str(pk)] = value or None
        after = risk_assessment(proposal)
        if not changes:
            return after
        payload: dict[str, Any] = {
            "answers": changes,
            "as": capacity,
            **(after.as_payload() if after else {}),
        }
        if capacity == "it":
            role_change = _it_role_follow(proposal, after)
            if role_change:
                payload["it_signoff_role"] = role_change
        record_event(kind="risk.answered", actor=actor, proposal_id=proposal.pk, payload=payload)
        return after


def _capacity(person: Any, proposal: Proposal) -> str:
    capacity = may_answer_as(user=person, proposal=proposal)
    if capacity is not None:
        return capacity
    if proposal.requester_id == person.pk:
        raise InvalidTransition(
            _("A proposal that is %(status)s: its risk answers can no longer change.")
            % {"status": proposal.get_status_display().lower()}
        )
    raise NotAllowed(
        _(
            "The requester answers the risk questions while the proposal is theirs to "
            "edit; a reviewer or head of IT Operations while IT's sign-off waits."
        )
    )


def _checked(item: RiskItem, value: str | None, note: str) -> str:
    """The note, once the answer is one a person may give to this question."""
    pk = item.question.pk
    if item.by_fact:
        raise DomainError(
            _("“%(q)s” is answered by %(source)s; change it there.")
            % {"q": item.question.text, "source": _source_label(item.source)},
            field=f"answers.{pk}",
        )
    if value is not None and value not in RiskAnswerValue.values:
        raise DomainError(
            _("Answer “%(q)s” with yes or no.") % {"q": item.question.text},
            field=f"answers.{pk}",
        )
    if len(note) > NOTE_MAX:
        raise DomainError(
            _("A note has at most %(n)s characters.") % {"n": NOTE_MAX}, field=f"notes.{pk}"
        )
    return note


def _save_one(
    proposal: Proposal, item: RiskItem, value: str | None, note: str, *, person: Any, now: Any
) -> bool:
    """Store (or take back) one answer; whether anything changed."""
    pk = item.question.pk
    if value is None:
        deleted, _rows = RiskAnswer.objects.filter(proposal=proposal, question_id=pk).delete()
        return bool(deleted)
    if item.answer == value and item.note == note:
        return False
    RiskAnswer.objects.update_or_create(
        proposal=proposal,
        question_id=pk,
        defaults={"answer": value, "note": note, "answered_by": person, "answered_at": now},
    )
    return True


def _source_label(source: str) -> str:
    return _("the catalog") if source == "catalog" else _("the proposal")


def _it_role_follow(proposal: Proposal, risk: RiskAssessment | None) -> dict[str, str] | None:
    """In review, IT's open sign-off asks the head while the risk (or the lock-in) is high, the
    tier's role otherwise. The change, {"from", "to"}, or None."""
    signoff = it_signoff_waiting(proposal)
    if signoff is None or proposal.tier is None:
        return None
    signoff = SignOff.objects.select_for_update(of=("self",)).get(pk=signoff.pk)
    role: str
    if it_head_required(lock_in=lock_in_rating(proposal), risk=risk):
        role = Role.HEAD
    else:
        role = proposal.tier.signoff_role
    if signoff.required_role == role:
        return None
    change = {"from": signoff.required_role, "to": str(role)}
    signoff.required_role = role
    signoff.save(update_fields=["required_role"])
    return change
