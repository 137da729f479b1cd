"""Reads of the organisation: whose signing rights a user holds today (their own memberships and
those delegated to them while a colleague is away)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from stakeholders.models import ROLE_RANK, Delegation, Membership, Role


def roles_signable_with(role: str) -> list[str]:
    """The required roles a member with `role` satisfies."""
    return [r for r, rank in ROLE_RANK.items() if rank <= ROLE_RANK[Role(role)]]


def active_delegations(*, user: Any, on: dt.date | None = None) -> QuerySet[Delegation]:
    on = on or timezone.localdate()
    return Delegation.objects.filter(delegate=user, starts_on__lte=on, ends_on__gte=on)


def memberships_held(*, user: Any, on: dt.date | None = None) -> list[tuple[Membership, Any]]:
    """The memberships `user` may sign with today: their own, then those delegated to them,
    each with the delegator (None for their own). Two queries."""
    held: list[tuple[Membership, Any]] = [
        (m, None) for m in Membership.objects.filter(user=user).select_related("user")
    ]
    delegations = list(active_delegations(user=user, on=on))
    if delegations:
        delegated = Membership.objects.filter(
            user_id__in={d.delegator_id for d in delegations}
        ).select_related("user")
        for m in delegated:
            for d in delegations:
                if d.delegator_id == m.user_id and d.department_id in (None, m.department_id):
                    held.append((m, m.user))
                    break
    return held
