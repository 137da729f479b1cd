"""Writes of the stakeholders app."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record_event
from core.errors import DomainError, NotAllowed
from core.fiscal import FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR
from core.money import MAX_AMOUNT, format_base_money
from stakeholders.models import (
    ROLE_RANK,
    ChatChannel,
    Delegation,
    Department,
    DepartmentBudget,
    Membership,
    Preference,
    chat_events_all,
    validate_chat_events,
)
from stakeholders.selectors import budgets_may_manage, chat_channels_may_manage, delegates_eligible
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


# --- Budgets per fiscal year ------------------------------------------------------------------


def department_budget_check(*, fiscal_year: int, amount: Decimal, currency: str) -> None:
    """The rules of a budget, shared by the page's form, the API and the admin."""
    if not FIRST_FISCAL_YEAR <= fiscal_year <= LAST_FISCAL_YEAR:
        raise DomainError(
            _("The fiscal year must be between %(first)s and %(last)s.")
            % {"first": FIRST_FISCAL_YEAR, "last": LAST_FISCAL_YEAR},
            field="fiscal_year",
        )
    if amount < 0:
        raise DomainError(_("A budget cannot be negative."), field="amount")
    if amount > MAX_AMOUNT:
        raise DomainError(
            _("A budget cannot exceed %(limit)s.") % {"limit": format_base_money(MAX_AMOUNT)},
            field="amount",
        )
    if currency not in settings.FX_RATES:
        raise DomainError(
            _("No exchange rate is configured for %(currency)s.") % {"currency": currency},
            field="currency",
        )


def _budget_may(actor: Any) -> None:
    if not budgets_may_manage(actor):
        raise NotAllowed(_("Only the CDO or an administrator sets budgets."))


@transaction.atomic
def department_budget_set(
    *, actor: Any, department: Department, fiscal_year: int, amount: Decimal, currency: str
) -> tuple[DepartmentBudget, bool]:
    """Set `department`'s budget for `fiscal_year` (created, or changed when the year has one);
    (the budget, whether it was created). Setting the same amount again records nothing."""
    _budget_may(actor)
    department_budget_check(fiscal_year=fiscal_year, amount=amount, currency=currency)
    budget = (
        DepartmentBudget.objects.select_for_update()
        .filter(department=department, fiscal_year=fiscal_year)
        .first()
    )
    if budget is None:
        budget = DepartmentBudget.objects.create(
            department=department, fiscal_year=fiscal_year, amount=amount, currency=currency
        )
        _budget_audit("budget.created", budget, actor)
        return budget, True
    return _budget_change(budget, actor, amount=amount, currency=currency), False


@transaction.atomic
def department_budget_update(
    *,
    actor: Any,
    budget: DepartmentBudget,
    amount: Decimal | None = None,
    currency: str | None = None,
) -> DepartmentBudget:
    """Change a budget's amount or currency (its department and year stay)."""
    _budget_may(actor)
    locked = DepartmentBudget.objects.select_for_update().select_related("department")
    budget = locked.get(pk=budget.pk)
    amount = budget.amount if amount is None else amount
    currency = currency or budget.currency
    department_budget_check(fiscal_year=budget.fiscal_year, amount=amount, currency=currency)
    return _budget_change(budget, actor, amount=amount, currency=currency)


def _budget_change(
    budget: DepartmentBudget, actor: Any, *, amount: Decimal, currency: str
) -> DepartmentBudget:
    if (budget.amount, budget.currency) == (amount, currency):
        return budget
    before = {"previous_amount": str(budget.amount), "previous_currency": budget.currency}
    budget.amount, budget.currency = amount, currency
    budget.save(update_fields=["amount", "currency", "updated_at"])
    _budget_audit("budget.changed", budget, actor, **before)
    return budget


@transaction.atomic
def department_budget_delete(*, actor: Any, budget: DepartmentBudget) -> None:
    """Remove a year's budget: the department's standing yearly budget applies again."""
    _budget_may(actor)
    budget = (
        DepartmentBudget.objects.select_for_update().select_related("department").get(pk=budget.pk)
    )
    _budget_audit("budget.deleted", budget, actor)
    budget.delete()


def _budget_audit(kind: str, budget: DepartmentBudget, actor: Any, **extra: Any) -> None:
    record_event(
        kind=kind,
        actor=actor,
        payload={
            "department": budget.department.code,
            "fiscal_year": budget.fiscal_year,
            "amount": str(budget.amount),
            "currency": budget.currency,
            **extra,
        },
    )
