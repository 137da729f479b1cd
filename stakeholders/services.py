"""Writes of the stakeholders app."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record_event
from core.errors import DomainError, NotAllowed
from stakeholders.models import (
    ROLE_RANK,
    Delegation,
    Department,
    Membership,
    Preference,
)
from stakeholders.selectors import delegates_eligible


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
