"""Who may change the landscape. IT Operations governs the fleet; a tool's owners (its business
owner, its IT steward, the head of its owner department) look after their own tool and its
integrations. Everyone signed in may read it."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from landscape.models import Tool
from stakeholders.models import Membership, Role


def _memberships(user: Any) -> list[Membership]:
    """The user's memberships (department codes and roles), one query, remembered on the user."""
    cached = getattr(user, "_landscape_memberships", None)
    if cached is None:
        cached = user._landscape_memberships = list(
            Membership.objects.filter(user=user, department__is_active=True).select_related(
                "department"
            )
        )
    return cached


def _signed_in(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def governs_landscape(user: Any) -> bool:
    """A reviewer or head of IT Operations (the department `LANDSCAPE_IT_DEPARTMENT` names).
    Being a superuser is not enough: administrators administer, they do not govern."""
    if not _signed_in(user):
        return False
    code = settings.LANDSCAPE_IT_DEPARTMENT
    return any(
        m.department.code == code and m.role in (Role.REVIEWER, Role.HEAD)
        for m in _memberships(user)
    )


def owns_tool(user: Any, tool: Tool) -> bool:
    """The tool's business owner, its IT steward, or the head of its owner department."""
    if not _signed_in(user):
        return False
    if user.pk in (tool.business_owner_id, tool.it_steward_id):
        return True
    return any(
        m.department_id == tool.owner_department_id and m.role == Role.HEAD
        for m in _memberships(user)
    )


def can_edit_tool(*, user: Any, tool: Tool) -> bool:
    return governs_landscape(user) or owns_tool(user, tool)


def can_connect(*, user: Any, source: Tool, target: Tool) -> bool:
    """Create, edit or remove an integration between these tools: IT Operations, or an owner
    of either end."""
    return governs_landscape(user) or owns_tool(user, source) or owns_tool(user, target)
