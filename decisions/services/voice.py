"""Employee voice: anyone signed in who can see a proposal in review — not only the approvers —
says they would use the tool, or raises a concern with its reason. One voice a person a
proposal, changed or taken back while it is decided; never the requester's own. A concern may be
shown without the name; the audit trail keeps who said it."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import record_event
from core.actors import Actor, signed_in
from core.errors import DomainError, InvalidTransition, NotAllowed
from core.text import unreadable
from decisions.models import IN_FLIGHT_STATES, Proposal, Voice, VoiceKind
from decisions.rights import can_see, is_owner

REASON_MAX = 1000


def _check_may_voice(person: Any, proposal: Proposal) -> None:
    if not can_see(user=person, proposal=proposal):
        raise NotAllowed(_("Only the requester can see a draft."))
    if is_owner(user=person, proposal=proposal):
        raise NotAllowed(_("You proposed it: the proposal is your voice."))
    if proposal.status not in IN_FLIGHT_STATES:
        raise InvalidTransition(
            _("Employees are heard while a proposal is in review; this one is %(status)s.")
            % {"status": proposal.get_status_display().lower()}
        )


def voice_give(
    *, proposal: Proposal, actor: Actor, kind: str, reason: str = "", anonymous: bool = False
) -> Voice:
    """Endorse the proposal or raise a concern (with a reason); a second call changes the
    person's voice."""
    with transaction.atomic():
        person = signed_in(actor, _("Sign in to give your voice."))
        proposal = Proposal.objects.get(pk=proposal.pk)
        _check_may_voice(person, proposal)
        if kind not in VoiceKind.values:
            raise DomainError(_("Say whether you would use it or have a concern."), field="kind")
        # Unreadable text first: stripping would drop the mark a lone surrogate leaves.
        if problem := unreadable(reason or ""):
            raise DomainError(problem, field="reason")
        reason = (reason or "").strip()
        if len(reason) > REASON_MAX:
            raise DomainError(_("At most %(n)d characters.") % {"n": REASON_MAX}, field="reason")
        if kind == VoiceKind.CONCERN and not reason:
            raise DomainError(_("Say what worries you."), field="reason")
        voice, created = Voice.objects.select_for_update().update_or_create(
            proposal=proposal,
            person=person,
            defaults={"kind": kind, "reason": reason, "anonymous": bool(anonymous)},
        )
        record_event(
            kind="voice.given",
            actor=person,
            proposal_id=proposal.pk,
            payload={
                "kind": kind,
                "reason": reason,
                "anonymous": bool(anonymous),
                "changed": not created,
            },
        )
        return voice


def voice_withdraw(*, proposal: Proposal, actor: Actor) -> bool:
    """Take one's voice back (while the proposal is decided); False when there was none."""
    with transaction.atomic():
        person = signed_in(actor, _("Sign in to give your voice."))
        proposal = Proposal.objects.get(pk=proposal.pk)
        _check_may_voice(person, proposal)
        deleted, _rows = Voice.objects.filter(proposal=proposal, person=person).delete()
        if deleted:
            record_event(kind="voice.withdrawn", actor=person, proposal_id=proposal.pk)
        return bool(deleted)
