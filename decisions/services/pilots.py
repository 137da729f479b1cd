"""A pilot that ends in a decision. The owner (the requester, or the tool's business owner) sets
the success criteria, the participants and the dates while the tool is piloted; after the end
the participants rate it and the owner records what was measured, then opens the keep/extend/
stop review. Each department whose sign-off is required gives its verdict with the signing right
it signs proposals with (decisions.rights.signing_right); when they all agree the outcome is
applied, when they disagree the CDO decides (pilot_decide).

A rating is final: one per participant per round, not changed afterwards — the departments
judge on the scores they see, and a score that moved under a verdict would change its ground.

Outcomes: keep → the proposal and its tool are adopted (decisions.services.lifecycle); stop →
retired, the tool's integrations ended as in a retirement; extend → a new pilot round until the
new end, with the same criteria to measure again and new ratings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.services import record_event
from core.actors import Actor, signed_in
from core.errors import DomainError, InvalidTransition, NotAllowed
from core.queue import enqueue_on_commit
from core.text import unreadable
from decisions import tasks
from decisions.events import proposal_event_data
from decisions.models import (
    NotificationKind,
    PilotCriterion,
    PilotCriterionScore,
    PilotDirection,
    PilotOutcome,
    PilotParticipant,
    PilotRating,
    PilotReview,
    PilotReviewStatus,
    PilotVerdict,
    Proposal,
    ProposalStatus,
)
from decisions.notifications import cdo_users, notifications_create, short_title
from decisions.pilots import (
    MAX_CRITERIA,
    is_pilot_owner,
    pilot_has_ended,
    pilot_scores,
    review_departments,
    verdict_right,
)
from decisions.rights import cdo_conflict, is_cdo, is_owner
from decisions.services._common import lock_proposal
from decisions.services.lifecycle import LifecycleAction, lifecycle_apply
from landscape.selectors import tool_impact
from stakeholders.models import Department
from webhooks.services import webhook_event_queue

MAX_PARTICIPANTS = 500
TEXT_MAX = {"metric": 200, "unit": 30, "how_measured": 1000}
REASON_MAX = 2000
COMMENT_MAX = 1000
AMOUNT_MAX = Decimal("999999999999.99")


# --- Input ------------------------------------------------------------------------------------


def _text(value: Any, *, field: str, limit: int, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise DomainError(_("Must be text."), field=field)
    if problem := unreadable(value):
        raise DomainError(problem, field=field)
    text: str = value.strip()
    if required and not text:
        raise DomainError(_("This field is required."), field=field)
    if len(text) > limit:
        raise DomainError(_("At most %(n)d characters.") % {"n": limit}, field=field)
    return text


def _amount(value: Any, *, field: str) -> Decimal:
    if isinstance(value, bool) or value is None or value == "":
        raise DomainError(_("Enter a number."), field=field)
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise DomainError(_("Enter a number."), field=field) from None
    if not amount.is_finite() or abs(amount) > AMOUNT_MAX:
        raise DomainError(_("Enter a number."), field=field)
    return amount.quantize(Decimal("0.01"))


def _whole(value: Any, *, field: str, low: int, high: int) -> int:
    if isinstance(value, bool):
        raise DomainError(_("Enter a whole number."), field=field)
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise DomainError(_("Enter a whole number."), field=field) from None
    if not low <= number <= high:
        raise DomainError(
            _("Between %(low)d and %(high)d.") % {"low": low, "high": high}, field=field
        )
    return number


@dataclass(frozen=True)
class CriterionInput:
    metric: str
    target: Decimal
    unit: str = ""
    how_measured: str = ""
    direction: str = PilotDirection.HIGHER


def criteria_clean(raw: Any) -> list[CriterionInput]:
    """The criteria a form or the API sent, checked: the rule lives once, here."""
    if not isinstance(raw, list):
        raise DomainError(_("Send a list of criteria."), field="criteria")
    if len(raw) > MAX_CRITERIA:
        raise DomainError(_("At most %(n)d criteria.") % {"n": MAX_CRITERIA}, field="criteria")
    cleaned: list[CriterionInput] = []
    for item in raw:
        if not isinstance(item, dict):
            raise DomainError(_("Each criterion is an object."), field="criteria")
        direction = item.get("direction") or PilotDirection.HIGHER
        if direction not in PilotDirection.values:
            raise DomainError(_("Higher or lower is better."), field="criteria")
        cleaned.append(
            CriterionInput(
                metric=_text(item.get("metric"), field="criteria", limit=200, required=True),
                target=_amount(item.get("target"), field="criteria"),
                unit=_text(item.get("unit"), field="criteria", limit=30),
                how_measured=_text(item.get("how_measured"), field="criteria", limit=1000),
                direction=direction,
            )
        )
    metrics = [c.metric.casefold() for c in cleaned]
    if len(set(metrics)) != len(metrics):
        raise DomainError(_("Each metric once."), field="criteria")
    return cleaned


def participants_named(text: str | list[str]) -> list[Any]:
    """The people named by username or email (a form's lines or commas, the API's list):
    DomainError naming those nobody matches."""
    if isinstance(text, str):
        if problem := unreadable(text):
            raise DomainError(problem, field="participants")
        names = [n.strip() for n in text.replace(",", "\n").splitlines()]
    else:
        names = [str(n).strip() for n in text]
    names = list(dict.fromkeys(n for n in names if n))
    if len(names) > MAX_PARTICIPANTS:
        raise DomainError(
            _("At most %(n)d participants.") % {"n": MAX_PARTICIPANTS}, field="participants"
        )
    lowered = [n.casefold() for n in names]
    users = list(
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(username__in=names) | Q(email__in=[n for n in names if "@" in n]))
    )
    found: dict[str, Any] = {}
    for u in users:
        found[u.get_username().casefold()] = u
        if u.email:
            found.setdefault(u.email.casefold(), u)
    unknown = [n for n, low in zip(names, lowered, strict=True) if low not in found]
    if unknown:
        raise DomainError(
            _("Nobody is called %(names)s.") % {"names": ", ".join(unknown[:5])},
            field="participants",
        )
    return list({found[low].pk: found[low] for low in lowered}.values())


def _event(kind: str, proposal: Proposal, actor: Any, **payload: Any) -> None:
    record_event(
        kind=kind,
        actor=actor,
        proposal_id=proposal.pk,
        payload={"round": proposal.pilot_round, **payload},
    )


def _check_piloting(proposal: Proposal) -> None:
    if proposal.status != ProposalStatus.PILOTING:
        raise InvalidTransition(
            _("The tool is not being piloted; this proposal is %(status)s.")
            % {"status": proposal.get_status_display().lower()}
        )


def _current_review(proposal: Proposal, *, lock: bool = False) -> PilotReview | None:
    reviews = PilotReview.objects.filter(proposal=proposal, round=proposal.pilot_round)
    if lock:
        reviews = reviews.select_for_update()
    return reviews.first()


# --- The owner's part ---------------------------------------------------------------------------


def pilot_update(
    *,
    proposal: Proposal,
    actor: Actor,
    criteria: list[Any] | None = None,
    participants: list[Any] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> Proposal:
    """Set the pilot's criteria (replacing this round's), participants (the whole list) and
    dates while the tool is piloted and before its review opens. None leaves a part as it is."""
    with transaction.atomic():
        person = signed_in(actor)
        proposal = lock_proposal(proposal)
        if not is_pilot_owner(user=person, proposal=proposal):
            raise NotAllowed(_("Only the pilot's owner (the requester or the tool's owner)."))
        _check_piloting(proposal)
        if _current_review(proposal) is not None:
            raise InvalidTransition(_("The review is open: the pilot cannot change any more."))
        changed: dict[str, Any] = {}
        if criteria is not None:
            cleaned = criteria_clean(criteria)
            current = PilotCriterion.objects.filter(proposal=proposal, round=proposal.pilot_round)
            unchanged = cleaned == [
                CriterionInput(c.metric, c.target, c.unit, c.how_measured, c.direction)
                for c in current.order_by("position", "pk")
            ]
            # The plan form sends the criteria again with the dates and participants: the same
            # criteria keep their measurements and scores.
            if not unchanged:
                if PilotRating.objects.filter(
                    proposal=proposal, round=proposal.pilot_round
                ).exists():
                    raise InvalidTransition(
                        _("Participants have rated the criteria: they cannot change any more.")
                    )
                current.delete()
                PilotCriterion.objects.bulk_create(
                    [
                        PilotCriterion(
                            proposal=proposal,
                            round=proposal.pilot_round,
                            position=i,
                            metric=c.metric,
                            target=c.target,
                            unit=c.unit,
                            how_measured=c.how_measured,
                            direction=c.direction,
                        )
                        for i, c in enumerate(cleaned)
                    ]
                )
                changed["criteria"] = [c.metric for c in cleaned]
        if participants is not None:
            if len(participants) > MAX_PARTICIPANTS:
                raise DomainError(
                    _("At most %(n)d participants.") % {"n": MAX_PARTICIPANTS},
                    field="participants",
                )
            ids = {getattr(u, "pk", u) for u in participants}
            users = list(get_user_model().objects.filter(pk__in=ids, is_active=True))
            if len(users) != len(ids):
                raise DomainError(_("Unknown or inactive people."), field="participants")
            PilotParticipant.objects.filter(proposal=proposal).exclude(user_id__in=ids).delete()
            PilotParticipant.objects.bulk_create(
                [PilotParticipant(proposal=proposal, user=u) for u in users],
                ignore_conflicts=True,
            )
            changed["participants"] = sorted(u.get_username() for u in users)
        if start is not None or end is not None:
            new_start = start or proposal.pilot_start
            new_end = end or proposal.pilot_end
            if new_start and new_end and new_end < new_start:
                raise DomainError(_("The pilot ends after it starts."), field="end")
            proposal.pilot_start, proposal.pilot_end = new_start, new_end
            proposal.save(update_fields=["pilot_start", "pilot_end", "updated_at"])
            changed["start"], changed["end"] = new_start, new_end
        if changed:
            _event("pilot.updated", proposal, person, **changed)
        return proposal


def pilot_measure(
    *, proposal: Proposal, actor: Actor, values: dict[Any, Any]
) -> list[PilotCriterion]:
    """The owner records what was measured, by criterion id (some or all of them), until the
    review opens."""
    with transaction.atomic():
        person = signed_in(actor)
        proposal = lock_proposal(proposal)
        if not is_pilot_owner(user=person, proposal=proposal):
            raise NotAllowed(_("Only the pilot's owner records what was measured."))
        _check_piloting(proposal)
        if _current_review(proposal) is not None:
            raise InvalidTransition(_("The review is open: the measurements are final."))
        criteria = {
            c.pk: c
            for c in PilotCriterion.objects.select_for_update().filter(
                proposal=proposal, round=proposal.pilot_round
            )
        }
        if not isinstance(values, dict) or not values:
            raise DomainError(_("Enter at least one measured value."), field="values")
        now = timezone.now()
        recorded = {}
        for key, raw in values.items():
            criterion = criteria.get(_whole(key, field="values", low=1, high=2**31 - 1))
            if criterion is None:
                raise DomainError(_("Not a criterion of this pilot."), field="values")
            criterion.measured = _amount(raw, field="values")
            criterion.measured_at, criterion.measured_by = now, person
            criterion.save(update_fields=["measured", "measured_at", "measured_by"])
            recorded[criterion.metric] = str(criterion.measured)
        _event("pilot.measured", proposal, person, values=recorded)
        return list(criteria.values())


def pilot_review_open(
    *, proposal: Proposal, actor: Actor, today: dt.date | None = None
) -> PilotReview:
    """The owner opens the keep/extend/stop review: after the end date, every criterion
    measured. The departments' signers are told."""
    with transaction.atomic():
        person = signed_in(actor)
        proposal = lock_proposal(proposal)
        if not is_pilot_owner(user=person, proposal=proposal):
            raise NotAllowed(_("Only the pilot's owner opens its review."))
        _check_piloting(proposal)
        if not pilot_has_ended(proposal, today=today):
            raise InvalidTransition(_("The pilot has not ended yet: review it after its end."))
        if _current_review(proposal) is not None:
            raise InvalidTransition(_("The review of this pilot round is open already."))
        criteria = list(
            PilotCriterion.objects.filter(proposal=proposal, round=proposal.pilot_round)
        )
        if not criteria:
            raise DomainError(_("Set the pilot's success criteria first."))
        if any(c.measured is None for c in criteria):
            raise DomainError(_("Record the measured value of every criterion first."))
        review = PilotReview.objects.create(
            proposal=proposal, round=proposal.pilot_round, opened_by=person
        )
        _event("pilot.review_opened", proposal, person)
        return review


# --- The participants' part ---------------------------------------------------------------------


def pilot_rate(
    *,
    proposal: Proposal,
    actor: Actor,
    recommend: Any,
    scores: dict[Any, Any],
    comment: str = "",
    today: dt.date | None = None,
) -> PilotRating:
    """A participant rates the pilot round: 0 to 10 would they recommend it, 1 to 5 for every
    criterion. After the end (or once the review is open), once per round, final."""
    with transaction.atomic():
        person = signed_in(actor, _("Sign in to rate the pilot."))
        proposal = lock_proposal(proposal)
        if not PilotParticipant.objects.filter(proposal=proposal, user=person).exists():
            raise NotAllowed(_("Only the pilot's participants rate it."))
        _check_piloting(proposal)
        review = _current_review(proposal)
        if review is not None and review.status == PilotReviewStatus.DECIDED:
            raise InvalidTransition(_("This pilot round is decided."))
        if review is None and not pilot_has_ended(proposal, today=today):
            raise InvalidTransition(_("Rate the pilot after it ends."))
        if PilotRating.objects.filter(
            proposal=proposal, round=proposal.pilot_round, user=person
        ).exists():
            raise InvalidTransition(_("You rated this pilot round already."))
        value = _whole(recommend, field="recommend", low=0, high=10)
        note = _text(comment, field="comment", limit=COMMENT_MAX)
        criteria = {
            c.pk: c
            for c in PilotCriterion.objects.filter(proposal=proposal, round=proposal.pilot_round)
        }
        if not isinstance(scores, dict):
            raise DomainError(_("Score every criterion from 1 to 5."), field="scores")
        given: dict[int, int] = {}
        for key, raw in scores.items():
            pk = _whole(key, field="scores", low=1, high=2**31 - 1)
            if pk not in criteria:
                raise DomainError(_("Not a criterion of this pilot."), field="scores")
            given[pk] = _whole(raw, field="scores", low=1, high=5)
        if set(given) != set(criteria):
            raise DomainError(_("Score every criterion from 1 to 5."), field="scores")
        try:
            with transaction.atomic():
                rating = PilotRating.objects.create(
                    proposal=proposal,
                    round=proposal.pilot_round,
                    user=person,
                    recommend=value,
                    comment=note,
                )
        except IntegrityError:  # the same participant in two tabs: the first one counts
            raise InvalidTransition(_("You rated this pilot round already.")) from None
        PilotCriterionScore.objects.bulk_create(
            [
                PilotCriterionScore(rating=rating, criterion_id=pk, score=s)
                for pk, s in given.items()
            ]
        )
        _event(
            "pilot.rated",
            proposal,
            person,
            recommend=value,
            scores={criteria[pk].metric: s for pk, s in given.items()},
        )
        return rating


# --- The departments' and the CDO's part --------------------------------------------------------


def _verdict_input(
    verdict: str, reason: str, new_end: dt.date | None, *, today: dt.date
) -> tuple[str, str, dt.date | None]:
    if verdict not in PilotOutcome.values:
        raise DomainError(_("Say keep, extend or stop."), field="verdict")
    reason = _text(reason, field="reason", limit=REASON_MAX)
    if verdict != PilotOutcome.KEEP and not reason:
        raise DomainError(_("Say why: a stop or an extension needs its reason."), field="reason")
    if verdict == PilotOutcome.EXTEND:
        if new_end is None:
            raise DomainError(_("An extension needs its new end date."), field="new_end")
        if new_end <= today:
            raise DomainError(_("The new end is after today."), field="new_end")
    else:
        new_end = None
    return verdict, reason, new_end


def pilot_verdict_give(
    *,
    proposal: Proposal,
    actor: Actor,
    department: Department,
    verdict: str,
    reason: str = "",
    new_end: dt.date | None = None,
) -> PilotVerdict:
    """One department's verdict in the open review. When every department has given its
    verdict and they agree, the outcome is applied; when they disagree the CDO is asked."""
    with transaction.atomic():
        person = signed_in(actor)
        proposal = lock_proposal(proposal)
        review = _current_review(proposal, lock=True)
        if review is None or review.status != PilotReviewStatus.OPEN:
            raise InvalidTransition(_("No review of this pilot is open."))
        departments = review_departments()
        if department.pk not in {d.pk for d in departments}:
            raise DomainError(_("This department gives no verdict on pilots."), field="department")
        if is_owner(user=person, proposal=proposal):
            raise NotAllowed(_("You proposed it: the departments judge its pilot."))
        right = verdict_right(user=person, proposal=proposal, department=department)
        if right is None:
            raise NotAllowed(
                _("Only those who sign for %(dept)s give its verdict.") % {"dept": department.name}
            )
        today = timezone.localdate()
        verdict, reason, new_end = _verdict_input(verdict, reason, new_end, today=today)
        if PilotVerdict.objects.filter(review=review, department=department).exists():
            raise InvalidTransition(
                _("%(dept)s gave its verdict already.") % {"dept": department.name}
            )
        given = PilotVerdict.objects.create(
            review=review,
            department=department,
            verdict=verdict,
            reason=reason,
            new_end=new_end,
            user=person,
            on_behalf_of=right.on_behalf_of,
        )
        _event(
            "pilot.verdict_given",
            proposal,
            person,
            department=department.code,
            verdict=verdict,
            reason=reason,
            new_end=new_end,
        )
        verdicts = list(review.verdicts.all())
        if len(verdicts) == len(departments):
            outcomes = {v.verdict for v in verdicts}
            if len(outcomes) == 1:
                ends = [v.new_end for v in verdicts if v.new_end]
                # Agreeing to extend with different dates: the earliest, which all accepted.
                _apply(proposal, review, outcome=verdict, new_end=min(ends) if ends else None,
                       actor=person, rationale="")  # fmt: skip
            else:
                _notify_decision_needed(proposal, review)
        return given


def pilot_decide(
    *,
    proposal: Proposal,
    actor: Actor,
    outcome: str,
    rationale: str,
    new_end: dt.date | None = None,
) -> PilotReview:
    """The CDO decides a review whose departments disagree: keep, extend or stop, with a
    rationale. Not a superuser who is not the CDO; not on their own proposal."""
    with transaction.atomic():
        person = signed_in(actor)
        if not is_cdo(person):
            raise NotAllowed(_("Only the Chief Digital Officer decides a disputed pilot."))
        proposal = lock_proposal(proposal)
        if conflict := cdo_conflict(user=person, proposal=proposal):
            raise NotAllowed(conflict)
        review = _current_review(proposal, lock=True)
        if review is None or review.status != PilotReviewStatus.OPEN:
            raise InvalidTransition(_("No review of this pilot is open."))
        verdicts = list(review.verdicts.all())
        if any(v.user_id == person.pk for v in verdicts):
            raise NotAllowed(_("You gave a department's verdict: another CDO decides."))
        if len(verdicts) < len(review_departments()):
            raise InvalidTransition(_("The departments have not all given their verdict yet."))
        if len({v.verdict for v in verdicts}) == 1:
            raise InvalidTransition(_("The departments agree: their verdict stands."))
        outcome, rationale, new_end = _verdict_input(
            outcome, rationale, new_end, today=timezone.localdate()
        )
        if not rationale:
            raise DomainError(_("Write the rationale of your decision."), field="rationale")
        _apply(proposal, review, outcome=outcome, new_end=new_end, actor=person,
               rationale=rationale, decided_by=person)  # fmt: skip
        return review


def _apply(
    proposal: Proposal,
    review: PilotReview,
    *,
    outcome: str,
    new_end: dt.date | None,
    actor: Any,
    rationale: str,
    decided_by: Any = None,
) -> None:
    """Apply a review's outcome, in the caller's transaction (proposal and review locked)."""
    round_number = review.round
    review.status = PilotReviewStatus.DECIDED
    review.outcome = outcome
    review.new_end = new_end
    review.rationale = rationale
    review.decided_by = decided_by
    review.decided_at = timezone.now()
    review.save()
    removed: list[int] = []
    if outcome == PilotOutcome.KEEP:
        lifecycle_apply(proposal=proposal, action=LifecycleAction.ADOPT, actor=actor,
                        note=_("The pilot review kept it."))  # fmt: skip
    elif outcome == PilotOutcome.STOP:
        # As in a retirement: what depended on it is listed, its integrations end with it.
        if proposal.tool is not None:
            removed = [flow.id for flow, _reach in tool_impact(proposal.tool).integrations]
        lifecycle_apply(proposal=proposal, action=LifecycleAction.RETIRE, actor=actor,
                        note=_("The pilot review stopped it."))  # fmt: skip
    else:
        assert new_end is not None  # noqa: S101 - checked by _verdict_input and the constraint
        old = list(PilotCriterion.objects.filter(proposal=proposal, round=round_number))
        proposal.pilot_round = round_number + 1
        proposal.pilot_end = new_end
        proposal.save(update_fields=["pilot_round", "pilot_end", "updated_at"])
        PilotCriterion.objects.bulk_create(
            [
                PilotCriterion(
                    proposal=proposal,
                    round=proposal.pilot_round,
                    position=c.position,
                    metric=c.metric,
                    target=c.target,
                    unit=c.unit,
                    how_measured=c.how_measured,
                    direction=c.direction,
                )
                for c in old
            ]
        )
    record_event(
        kind="pilot.outcome",
        actor=actor,
        proposal_id=proposal.pk,
        payload={
            "round": round_number,
            "outcome": outcome,
            "new_end": new_end,
            "by_cdo": decided_by is not None,
            "rationale": rationale,
            "integrations_removed": removed,
        },
    )
    webhook_event_queue(
        kind="pilot.outcome", payload=lambda: pilot_outcome_payload(proposal, review, actor=actor)
    )
    _notify_outcome(proposal, review)


def pilot_outcome_payload(proposal: Proposal, review: PilotReview, *, actor: Any) -> dict[str, Any]:
    """What a `pilot.outcome` subscriber is told: the proposal, the tool, the outcome and its
    round, every department's verdict and the employees' scores."""
    scores = pilot_scores(proposal, review.round)
    tool = proposal.tool
    return proposal_event_data(
        proposal,
        actor=actor,
        pilot={
            "round": review.round,
            "outcome": review.outcome,
            "new_end": review.new_end.isoformat() if review.new_end else None,
            "decided_by_cdo": review.decided_by_id is not None,
            "tool": {"id": tool.pk, "name": str(tool)} if tool is not None else None,
            "verdicts": [
                {
                    "department": v.department.code,
                    "verdict": v.verdict,
                    "reason": v.reason,
                    "new_end": v.new_end.isoformat() if v.new_end else None,
                }
                for v in review.verdicts.select_related("department")
            ],
            "scores": {
                "answers": scores.answers,
                "promoter_score": scores.promoter_score,
                "criteria": [
                    {
                        "metric": c.criterion.metric,
                        "target": str(c.criterion.target),
                        "measured": str(c.criterion.measured)
                        if c.criterion.measured is not None
                        else None,
                        "average": str(c.average) if c.average is not None else None,
                        "answers": c.answers,
                    }
                    for c in scores.criteria
                ],
            },
        },
    )


# --- Notifications ------------------------------------------------------------------------------


def _email_after_commit(notifications: list[Any]) -> None:
    for n in notifications:
        if n.emailed_at is None:
            enqueue_on_commit(tasks.send_notification_email, n.pk)


def pilot_owners(proposal: Proposal) -> list[Any]:
    owners = [proposal.requester]
    tool = proposal.tool if proposal.tool_id else None
    if tool is not None and tool.business_owner is not None:
        owners.append(tool.business_owner)
    return owners


def _notify_decision_needed(proposal: Proposal, review: PilotReview) -> None:
    def message() -> str:
        return _(
            "The departments disagree on the pilot of %(ref)s “%(title)s”: keep, extend or stop "
            "is yours to decide."
        ) % {"ref": proposal.reference, "title": short_title(proposal)}

    _email_after_commit(
        notifications_create(
            users=cdo_users(exclude_user_id=proposal.requester_id),
            kind=NotificationKind.PILOT,
            proposal=proposal,
            key=f"pilot_decision_needed:{proposal.reference}:{review.round}",
            message=message,
        )
    )


# Lazy: translated when a notification is written, in its recipient's language.
OUTCOME_MESSAGES = {
    PilotOutcome.KEEP: gettext_lazy(
        "The pilot of %(ref)s “%(title)s” ends: the tool is kept (adopted)."
    ),
    PilotOutcome.STOP: gettext_lazy(
        "The pilot of %(ref)s “%(title)s” ends: the tool is stopped (retired)."
    ),
    PilotOutcome.EXTEND: gettext_lazy(
        "The pilot of %(ref)s “%(title)s” is extended until %(end)s."
    ),
}


def _notify_outcome(proposal: Proposal, review: PilotReview) -> None:
    def message() -> str:
        return str(OUTCOME_MESSAGES[PilotOutcome(review.outcome)]) % {
            "ref": proposal.reference,
            "title": short_title(proposal),
            "end": date_format(review.new_end) if review.new_end else "",
        }

    participants = [p.user for p in proposal.pilot_participants.select_related("user")]
    _email_after_commit(
        notifications_create(
            users=[*pilot_owners(proposal), *participants],
            kind=NotificationKind.PILOT,
            proposal=proposal,
            key=f"pilot_outcome:{proposal.reference}:{review.round}",
            message=message,
        )
    )


def _ended_message(names: dict[str, str]) -> str:
    return (
        _(
            "The pilot of %(ref)s “%(title)s” has ended: record what was measured and open its "
            "keep/stop review."
        )
        % names
    )


def _rate_message(names: dict[str, str]) -> str:
    return (
        _("The pilot of %(ref)s “%(title)s” has ended: how did it work for you? Rate it.") % names
    )


def pilots_ended_notify(*, today: dt.date) -> int:
    """The schedule's step: for every pilot whose end date has passed and whose round is not
    decided, remind the owner to measure and open the review, and ask the participants who
    have not rated to rate. Once per round (the notification keys), however often it runs."""
    from decisions.models import Notification

    proposals = list(
        Proposal.objects.filter(status=ProposalStatus.PILOTING, pilot_end__lt=today)
        .select_related("requester", "tool__business_owner")
        .order_by("pk")
    )
    if not proposals:
        return 0
    reviews = {
        (proposal_id, round_number): review_status
        for proposal_id, round_number, review_status in PilotReview.objects.filter(
            proposal__in=proposals
        ).values_list("proposal_id", "round", "status")
    }
    rated = set(
        PilotRating.objects.filter(proposal__in=proposals).values_list(
            "proposal_id", "round", "user_id"
        )
    )
    participants: dict[int, list[Any]] = {}
    for p in PilotParticipant.objects.filter(proposal__in=proposals).select_related("user"):
        participants.setdefault(p.proposal_id, []).append(p.user)
    # A decided round asks nothing more; an open review needs no reminder to open it.
    due = [p for p in proposals if reviews.get((p.pk, p.pilot_round)) != PilotReviewStatus.DECIDED]
    keys = [
        f"{k}:{p.reference}:{p.pilot_round}" for p in due for k in ("pilot_ended", "pilot_rate")
    ]
    before = set(
        Notification.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", "user_id")
    )
    created = 0
    for proposal in due:
        names = {"ref": proposal.reference, "title": short_title(proposal)}
        reviewing = (proposal.pk, proposal.pilot_round) in reviews
        # Written in each recipient's language (called by notifications_create, at once).
        batches: list[tuple[str, list[Any], Callable[[], str]]] = [
            (
                f"pilot_ended:{proposal.reference}:{proposal.pilot_round}",
                [] if reviewing else pilot_owners(proposal),
                partial(_ended_message, names),
            ),
            (
                f"pilot_rate:{proposal.reference}:{proposal.pilot_round}",
                [
                    u
                    for u in participants.get(proposal.pk, [])
                    if (proposal.pk, proposal.pilot_round, u.pk) not in rated and u.is_active
                ],
                partial(_rate_message, names),
            ),
        ]
        for key, users, message in batches:
            with transaction.atomic():
                made = notifications_create(
                    users=users, kind=NotificationKind.PILOT, proposal=proposal, key=key,
                    message=message,
                )  # fmt: skip
                new = [n for n in made if (key, n.user_id) not in before]
                _email_after_commit(new)
                created += len(new)
    return created


def pilots_ended_step(today: dt.date) -> int:
    """decisions.services.schedule's step "pilots ended"."""
    return pilots_ended_notify(today=today)
