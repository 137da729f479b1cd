"""Writes of the stakeholders app."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record_event
from core.errors import DomainError, NotAllowed
from stakeholders.models import (
    ROLE_RANK,
    ChatChannel,
    Delegation,
    Department,
    Membership,
    Preference,
    chat_events_all,
    validate_chat_events,
)
from stakeholders.selectors import chat_channels_may_manage, delegates_eligible
from webhooks.chat import chat_url_problem, masked_url
from webhooks.models import CHAT_PLATFORMS, WebhookSubscription


@transaction.atomic
def delegation_create(
    *,
    delegator,
    delegate,
    starts_on: dt.date,
    ends_on: dt.date,
    department: Department | None = None,
    reason: str = "",
) -> Delegation:
    """Let `delegate` sign what `delegator` may sign while the delegator is away."""
    if not delegator.is_authenticated:
        raise NotAllowed(_("Sign in to delegate."))
    if delegate.pk == delegator.pk:
        raise DomainError(_("Choose a colleague: you cannot delegate to yourself."))
    if not delegate.is_active:
        raise DomainError(_("That colleague's account is not active."))
    if ends_on < starts_on:
        raise DomainError(_("The delegation cannot end before it starts."))
    if ends_on < timezone.localdate():
        raise DomainError(_("The delegation would already be over."))
    signing = Membership.objects.filter(
        user=delegator, role__in=[r for r, rank in ROLE_RANK.items() if rank >= 1]
    )
    if department is not None:
        signing = signing.filter(department=department)
    if not signing.exists():
        raise DomainError(
            _("You have no sign-off rights to delegate%(where)s.")
            % {"where": _(" for %s") % department.name if department else ""}
        )
    if (
        not delegates_eligible(delegator=delegator, department=department)
        .filter(pk=delegate.pk)
        .exists()
    ):
        raise NotAllowed(
            _(
                "%(who)s cannot hold your signing rights: a delegate must be a member of "
                "%(where)s, and never someone who takes the CDO's final decisions."
            )
            % {
                "who": delegate.get_full_name() or delegate.get_username(),
                "where": department.name if department else _("every department you sign for"),
            },
            field="delegate",
        )
    delegation = Delegation.objects.create(
        delegator=delegator,
        delegate=delegate,
        department=department,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason,
    )
    record_event(
        kind="delegation.created",
        actor=delegator,
        payload={
            "delegation": delegation.pk,
            "delegate": delegate.get_username(),
            "department": department.code if department else None,
            "starts_on": starts_on,
            "ends_on": ends_on,
        },
    )
    return delegation


@transaction.atomic
def delegation_revoke(*, delegation: Delegation, actor) -> None:
    """End a delegation now: one that has not started is removed; one that has, ends yesterday,
    so what the delegate signed stays explained."""
    delegation = Delegation.objects.select_for_update().get(pk=delegation.pk)
    if delegation.delegator_id != actor.pk and not actor.is_staff:
        raise NotAllowed(_("Only the person who delegated can revoke it."))
    today = timezone.localdate()
    if delegation.starts_on >= today:
        delegation.delete()
    elif delegation.ends_on >= today:
        delegation.ends_on = today - dt.timedelta(days=1)
        delegation.save(update_fields=["ends_on"])
    record_event(kind="delegation.revoked", actor=actor, payload={"delegation": delegation.pk})


def language_check(language: str) -> str:
    """One of the languages we offer (settings.LANGUAGES), else DomainError."""
    if language not in dict(settings.LANGUAGES):
        raise DomainError(
            _("Unknown language: choose one of %(languages)s.")
            % {"languages": ", ".join(code for code, _name in settings.LANGUAGES)},
            field="language",
        )
    return language


def preference_language_set(*, user, language: str) -> Preference:
    """Remember the language `user` reads the app, its notifications and its emails in ("" to
    follow the browser again)."""
    if not user.is_authenticated:
        raise NotAllowed(_("Sign in to keep a language."))
    if language:
        language_check(language)
    preference, _created = Preference.objects.update_or_create(
        user_id=user.pk, defaults={"language": language}
    )
    return preference


# --- Chat channels ----------------------------------------------------------------------------

CHAT_FIELDS = ("name", "platform", "url", "language", "events", "is_active")


def chat_channel_check(data: dict[str, Any]) -> None:
    """The rules of a channel's fields, whoever writes them (the API, the admin)."""
    if "platform" in data and data["platform"] not in CHAT_PLATFORMS:
        raise DomainError(_("Choose Slack or Microsoft Teams."), field="platform")
    if "url" in data and (problem := chat_url_problem(data["url"])) is not None:
        raise DomainError(problem, field="url")
    if "events" in data:
        try:
            validate_chat_events(data["events"])
        except ValidationError as error:
            raise DomainError(error.messages[0], field="events") from error
    if "language" in data and data["language"] not in dict(settings.LANGUAGES):
        raise DomainError(_("Unknown language."), field="language")


def _chat_audit(kind: str, channel: ChatChannel, actor: Any, **extra: Any) -> None:
    # Never the URL itself: it is the channel's secret; its masked form tells which it is.
    record_event(
        kind=kind,
        actor=actor,
        payload={
            "department": channel.department.code,
            "channel": channel.subscription.name,
            "platform": channel.subscription.platform,
            "url": masked_url(channel.subscription.url),
            "events": channel.events,
            "language": channel.language,
            "is_active": channel.subscription.is_active,
            **extra,
        },
    )


def _chat_may(actor: Any, department: Department) -> None:
    if not chat_channels_may_manage(actor, department):
        raise NotAllowed(
            _("Only the head of %(dept)s or the CDO manages its chat channels.")
            % {"dept": department.name}
        )


@transaction.atomic
def chat_channel_create(*, actor: Any, department: Department, data: dict[str, Any]) -> ChatChannel:
    """A new chat channel for `department`: its head's, the CDO's or the administrator's."""
    _chat_may(actor, department)
    missing = [f for f in ("name", "platform", "url") if not data.get(f)]
    if missing:
        raise DomainError(_("This field is required."), field=missing[0])
    chat_channel_check(data)
    subscription = WebhookSubscription.objects.create(
        name=data["name"],
        platform=data["platform"],
        url=data["url"],
        is_active=data.get("is_active", True),
    )
    channel = ChatChannel.objects.create(
        department=department,
        subscription=subscription,
        language=data.get("language", settings.LANGUAGE_CODE),
        events=data.get("events") or chat_events_all(),
    )
    _chat_audit("chat_channel.created", channel, actor)
    return channel


@transaction.atomic
def chat_channel_update(*, actor: Any, channel: ChatChannel, data: dict[str, Any]) -> ChatChannel:
    """Change any of a channel's fields; a URL left out is kept."""
    _chat_may(actor, channel.department)
    unknown = set(data) - set(CHAT_FIELDS)
    if unknown:
        raise DomainError(_("Unknown field."), field=sorted(unknown)[0])
    chat_channel_check(data)
    channel = (
        ChatChannel.objects.select_for_update()
        .select_related("subscription", "department")
        .get(pk=channel.pk)
    )
    subscription = channel.subscription
    for name in ("name", "platform", "url", "is_active"):
        if name in data:
            setattr(subscription, name, data[name])
    subscription.save()
    for name in ("language", "events"):
        if name in data:
            setattr(channel, name, data[name])
    channel.save()
    _chat_audit(
        "chat_channel.updated", channel, actor, url_changed="url" in data, changed=sorted(data)
    )
    return channel


@transaction.atomic
def chat_channel_delete(*, actor: Any, channel: ChatChannel) -> None:
    """Remove a channel, with its webhook and its delivery log."""
    _chat_may(actor, channel.department)
    _chat_audit("chat_channel.deleted", channel, actor)
    channel.subscription.delete()  # the channel goes with it (CASCADE)
