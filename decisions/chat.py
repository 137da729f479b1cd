"""Departments' chat channels (stakeholders.ChatChannel): a Slack or Teams message when a
sign-off waits for the department, when it is overdue (reminded, escalated), and when the
proposal is decided, each with a button to the proposal's page.

Written in each channel's language, rendered in its platform's format (webhooks.chat) and sent
through the webhook outbox (its retries, its delivery log). Each message's event id is derived
from what it tells (`signoff_requested:42` → one UUID), so the notification code running twice
queues it once per channel."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

from django.conf import settings
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.money import money_format
from decisions.models import Proposal, ProposalStatus, SignOff
from decisions.notifications import proposal_link, short_title
from stakeholders.models import ChatEvent, Department
from stakeholders.selectors import chat_channels_for
from webhooks.chat import ChatCard, chat_message
from webhooks.services import webhook_message_queue

# Fixed for ever: the event ids of messages already sent derive from it.
EVENT_NAMESPACE = uuid.UUID("6f0c2a4e-1f57-4a55-9d5b-3c1e1c7b2a90")

KINDS = {
    ChatEvent.SIGNOFF_REQUESTED: "chat.signoff_requested",
    ChatEvent.REMINDER: "chat.reminder",
    ChatEvent.DECISION: "chat.decision",
}


def chat_event_id(key: str) -> uuid.UUID:
    return uuid.uuid5(EVENT_NAMESPACE, key)


def _facts(
    proposal: Proposal, department: Department, *, due_on: dt.date | None = None
) -> list[tuple[str, str]]:
    facts = [
        (_("Reference"), proposal.reference),
        (_("Title"), short_title(proposal)),
        (_("Department"), department.name),
        (_("Tier"), proposal.tier.name if proposal.tier is not None else "—"),
        (_("Total cost of ownership"), money_format(proposal.tco, settings.BASE_CURRENCY) or "—"),
    ]
    if due_on is not None:
        facts.append((_("Due on"), date_format(due_on)))
    return facts


def chat_send(*, department_id: int, event: str, key: str, card: Callable[[], ChatCard]) -> int:
    """Queue the message `card` writes (called once per channel, in its language) to every
    active channel of the department that asked for `event`. Returns how many were queued now
    (not before)."""
    queued = 0
    for channel in chat_channels_for(department_id, event):
        with translation.override(channel.language):
            message = chat_message(channel.subscription.platform, card())
        delivery = webhook_message_queue(
            subscription=channel.subscription,
            event_id=chat_event_id(key),
            kind=KINDS[ChatEvent(event)],
            message=message,
        )
        queued += delivery is not None
    return queued


def _signoff_names(signoff: SignOff) -> dict[str, str]:
    """What a sign-off's messages name: the proposal, its department, the due day."""
    return {
        "ref": signoff.proposal.reference,
        "title": short_title(signoff.proposal),
        "dept": signoff.department.name,
        "due": date_format(signoff.due_on) if signoff.due_on else "—",
    }


def signoff_chat_requested(*, signoff: SignOff) -> int:
    """Tell the department's channels that a sign-off waits for it."""
    proposal = signoff.proposal

    def card() -> ChatCard:
        return ChatCard(
            title=_("Sign-off requested: %(ref)s") % {"ref": proposal.reference},
            text=_("%(ref)s “%(title)s” waits for the sign-off of %(dept)s, due %(due)s.")
            % _signoff_names(signoff),
            url=proposal_link(proposal),
            action=_("Sign off"),
            facts=_facts(proposal, signoff.department, due_on=signoff.due_on),
        )

    return chat_send(
        department_id=signoff.department_id,
        event=ChatEvent.SIGNOFF_REQUESTED,
        key=f"signoff_requested:{signoff.pk}",
        card=card,
    )


def signoff_chat_overdue(*, signoff: SignOff, step: str) -> int:
    """Tell the department's channels that its sign-off is overdue: reminded (step "remind"),
    escalated to its head ("escalate_head") or to the CDO ("escalate_cdo")."""
    proposal = signoff.proposal

    def card() -> ChatCard:
        names = _signoff_names(signoff)
        text = _("Overdue since %(due)s: %(ref)s “%(title)s” waits for the sign-off of %(dept)s.")
        if step == "escalate_head":
            text += " " + _("Escalated to the head of %(dept)s.")
        elif step == "escalate_cdo":
            text += " " + _("Escalated to the CDO.")
        return ChatCard(
            title=_("Overdue sign-off: %(ref)s") % names,
            text=text % names,
            url=proposal_link(proposal),
            action=_("Sign off"),
            facts=_facts(proposal, signoff.department, due_on=signoff.due_on),
        )

    return chat_send(
        department_id=signoff.department_id,
        event=ChatEvent.REMINDER,
        key=f"{step}:{signoff.pk}",
        card=card,
    )


def proposal_chat_decided(*, proposal_id: int, round_number: int) -> int:
    """Tell the channels of every department that signed off this round how it ended."""
    proposal = Proposal.objects.select_related("tier").get(pk=proposal_id)
    if proposal.status not in (ProposalStatus.APPROVED, ProposalStatus.REJECTED):
        return 0
    departments = {
        s.department_id: s.department
        for s in SignOff.objects.filter(proposal=proposal, round=round_number).select_related(
            "department"
        )
    }
    queued = 0
    for department in departments.values():

        def card(department: Department = department) -> ChatCard:
            names = {"ref": proposal.reference, "title": short_title(proposal)}
            if proposal.status == ProposalStatus.APPROVED:
                text = _("%(ref)s “%(title)s” is approved.") % names
            else:
                text = _("%(ref)s “%(title)s” is rejected.") % names
            return ChatCard(
                title=_("Decision taken: %(ref)s") % names,
                text=text,
                url=proposal_link(proposal),
                action=pgettext("button", "Open"),
                facts=_facts(proposal, department),
            )

        queued += chat_send(
            department_id=department.pk,
            event=ChatEvent.DECISION,
            key=f"decision_taken:{proposal.pk}:{round_number}",
            card=card,
        )
    return queued
