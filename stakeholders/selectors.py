"""Reads of the organisation: whose signing rights a user holds today (their own memberships and
those delegated to them while a colleague is away), and the language each person reads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q, QuerySet
from django.utils import timezone

from stakeholders.models import (
    ROLE_RANK,
    ChatChannel,
    Delegation,
    Department,
    Membership,
    Preference,
    Role,
)


def is_cdo(user: Any) -> bool:
    """Whether `user` takes the CDO's final decisions: the permission given explicitly, to the
    user or through a group. Being a superuser is not enough: administrators administer, they
    do not decide (separation of duties). One query, remembered on the user object."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    cached = getattr(user, "_is_cdo", None)
    if cached is None:
        granted = Permission.objects.filter(
            content_type__app_label="decisions", codename="decide_proposal"
        ).filter(Q(user=user) | Q(group__user=user))
        cached = user._is_cdo = granted.exists()
    return bool(cached)


def roles_signable_with(role: str) -> list[str]:
    """The required roles a member with `role` satisfies."""
    return [r for r, rank in ROLE_RANK.items() if rank <= ROLE_RANK[Role(role)]]


def active_delegations(*, user: Any, on: dt.date | None = None) -> QuerySet[Delegation]:
    on = on or timezone.localdate()
    return Delegation.objects.filter(delegate=user, starts_on__lte=on, ends_on__gte=on)


def memberships_held(*, user: Any, on: dt.date | None = None) -> list[tuple[Membership, Any]]:
    """The memberships `user` may sign with on `on` (today by default): their own, then those
    delegated to them, each with the delegator (None for their own). Two queries, three when
    someone's rights are delegated to them (their memberships are read then)."""
    held: list[tuple[Membership, Any]] = [
        (m, None) for m in Membership.objects.filter(user=user).select_related("user")
    ]
    delegations = list(active_delegations(user=user, on=on))
    if delegations:
        # Only for a department the delegate is a member of themselves: a delegation whose
        # delegate has left that department since carries no right.
        own = {m.department_id for m, _none in held if m.may_propose}
        delegated = Membership.objects.filter(
            user_id__in={d.delegator_id for d in delegations}, department_id__in=own
        ).select_related("user")
        for m in delegated:
            for d in delegations:
                if d.delegator_id == m.user_id and d.department_id in (None, m.department_id):
                    held.append((m, m.user))
                    break
    return held


def departments_proposable_by(*, user: Any) -> QuerySet[Department]:
    """The active departments `user` may file proposals for: those they are a member of (a
    viewer only reads). One query."""
    if not getattr(user, "is_authenticated", False):
        return Department.objects.none()
    roles = [r for r, rank in ROLE_RANK.items() if rank >= ROLE_RANK[Role.MEMBER]]
    return Department.objects.filter(
        is_active=True, memberships__user=user, memberships__role__in=roles
    ).order_by("code")


def people_proposable_for(*, filer: Any) -> QuerySet[Any]:
    """Whom `filer` may file a proposal for, on their behalf: active people who are members
    (not viewers) of a department the filer may file for, never the filer. Whether the
    proposal's buying department is one of the person's is checked when it is filed
    (decisions.rights.on_behalf_refusal). One query."""
    if not getattr(filer, "is_authenticated", False):
        return get_user_model().objects.none()
    roles = [r for r, rank in ROLE_RANK.items() if rank >= ROLE_RANK[Role.MEMBER]]
    departments = departments_proposable_by(user=filer).values("pk")
    members = Membership.objects.filter(
        department__in=departments, role__in=roles, department__is_active=True
    ).values("user_id")
    return (
        get_user_model()
        .objects.filter(is_active=True, pk__in=members)
        .exclude(pk=filer.pk)
        .order_by("first_name", "last_name", "username")
    )


def signing_departments_of(*, user: Any) -> QuerySet[Department]:
    """The departments `user` signs for with their own membership (reviewer or head): what
    they may delegate."""
    roles = [r for r, rank in ROLE_RANK.items() if rank >= ROLE_RANK[Role.REVIEWER]]
    return Department.objects.filter(memberships__user=user, memberships__role__in=roles).order_by(
        "code"
    )


def delegates_eligible(*, delegator: Any, department: Department | None = None) -> QuerySet[Any]:
    """Who may hold `delegator`'s signing rights while they are away: active members (not
    viewers) of the department delegated — of every department the delegator signs for when
    none is named —, never the delegator, never someone who takes the CDO's decisions (they
    would sign for a department and then decide on the same proposal)."""
    departments = (
        [department] if department is not None else list(signing_departments_of(user=delegator))
    )
    users = get_user_model().objects.filter(is_active=True).exclude(pk=delegator.pk)
    if not departments:
        return users.none()
    roles = [r for r, rank in ROLE_RANK.items() if rank >= ROLE_RANK[Role.MEMBER]]
    for dept in departments:
        users = users.filter(
            pk__in=Membership.objects.filter(department=dept, role__in=roles).values("user_id")
        )
    deciders = Permission.objects.filter(
        content_type__app_label="decisions", codename="decide_proposal"
    )
    return (
        users.exclude(user_permissions__in=deciders)
        .exclude(groups__permissions__in=deciders)
        .distinct()
        .order_by("first_name", "username")
    )


def _known(language: str) -> str:
    """A stored language still offered by settings.LANGUAGES, else "" (follow the default)."""
    return language if language in dict(settings.LANGUAGES) else ""


def language_preference(*, user: Any) -> str:
    """The language `user` chose, or "" when they follow their browser. One query, none when
    the preference was loaded with select_related("preference")."""
    try:
        preference = user.preference
    except Preference.DoesNotExist:
        return ""
    return _known(preference.language)


def language_of(user: Any) -> str:
    """The language to write to `user` in when no request of theirs says it (a notification, an
    email, a task): their choice, else the site's LANGUAGE_CODE."""
    return language_preference(user=user) or settings.LANGUAGE_CODE


def languages_of(users: Iterable[Any]) -> dict[int, str]:
    """language_of for many users (or user ids) at once, by user id: one query however many."""
    ids = [u if isinstance(u, int) else u.pk for u in users]
    if not ids:
        return {}
    chosen = dict(
        Preference.objects.filter(user_id__in=ids)
        .exclude(language="")
        .values_list("user_id", "language")
    )
    return {pk: _known(chosen.get(pk, "")) or settings.LANGUAGE_CODE for pk in ids}


def chat_channels_may_manage(user: Any, department: Department) -> bool:
    """Who keeps a department's chat channels: its head, the CDO (every department's) and the
    administrator."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_superuser or user.has_perm("decisions.decide_proposal"):
        return True
    return Membership.objects.filter(user=user, department=department, role=Role.HEAD).exists()


def chat_departments_managed_by(user: Any) -> QuerySet[Department]:
    """The departments whose chat channels `user` keeps: all for the CDO and the
    administrator, the ones they head for a head, none for anyone else."""
    if not (user and user.is_authenticated and user.is_active):
        return Department.objects.none()
    if user.is_superuser or user.has_perm("decisions.decide_proposal"):
        return Department.objects.filter(is_active=True).order_by("code")
    return Department.objects.filter(memberships__user=user, memberships__role=Role.HEAD).order_by(
        "code"
    )


def chat_channels_of(department: Department) -> QuerySet[ChatChannel]:
    return ChatChannel.objects.filter(department=department).select_related(
        "subscription", "department"
    )


def chat_channels_for(department_id: int, event: str) -> list[ChatChannel]:
    """The department's active channels that asked for `event` (few: filtered here rather than
    with JSON lookups that SQLite and PostgreSQL answer differently)."""
    channels = ChatChannel.objects.filter(
        department_id=department_id, subscription__is_active=True
    ).select_related("subscription")
    return [c for c in channels if c.wants(event)]


def budgets_may_manage(user: Any) -> bool:
    """Who sets the departments' yearly budgets (page, API, admin) and reads them with their
    committed spend: the CDO and administrators."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    return bool(user.is_superuser) or is_cdo(user)
