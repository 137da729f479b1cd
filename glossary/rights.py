"""Who may change the glossary. Everyone signed in reads it. The head of a department adds and
edits terms (their name and shared definition) and writes their own department's meaning; the
CDO edits everything, every department's meaning included. Administrators administer: being a
superuser gives no right here (as for decisions)."""

from __future__ import annotations

from typing import Any

from stakeholders.models import Department, Membership, Role
from stakeholders.selectors import is_cdo


def headed_department_ids(user: Any) -> frozenset[int]:
    """The active departments `user` heads: one query, remembered on the user object."""
    if not (user and user.is_authenticated and user.is_active):
        return frozenset()
    cached = getattr(user, "_glossary_heads", None)
    if cached is None:
        cached = user._glossary_heads = frozenset(
            Membership.objects.filter(
                user=user, role=Role.HEAD, department__is_active=True
            ).values_list("department_id", flat=True)
        )
    return frozenset(cached)


def may_edit_terms(user: Any) -> bool:
    """Add a term, rename one or change its shared definition: a department head or the CDO."""
    return bool(headed_department_ids(user)) or is_cdo(user)


def may_edit_meaning(user: Any, department: Department) -> bool:
    """Write (or clear) `department`'s meaning of a term: its head, or the CDO."""
    return department.pk in headed_department_ids(user) or is_cdo(user)


def meaning_departments(user: Any, departments: list[Department]) -> list[Department]:
    """Those of `departments` whose meanings `user` may write."""
    return [d for d in departments if may_edit_meaning(user, d)]
