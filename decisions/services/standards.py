"""The CDO makes a tool the standard for its category (the commodity), or withdraws it. The
rules of who may become it are landscape.standards; losing it on retirement or shelfware is
landscape.services.tool_standard_drop. Here, because only the CDO (decisions.rights.is_cdo, not
any superuser) decides it."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.actors import Actor
from core.errors import DomainError, InvalidTransition, NotAllowed
from decisions.rights import is_cdo
from landscape.models import Tool
from landscape.services import standard_event, tool_standard_drop
from landscape.standards import standard_eligibility, standard_lock_category


def standard_set(*, tool: Tool, by: Actor, today: dt.date | None = None) -> Tool:
    """Make `tool` its category's standard. The previous standard of the category, if any, is
    withdrawn in the same transaction: every tool of the category is locked first, so two CDOs
    at once end with one standard, the later one."""
    with transaction.atomic():
        if not is_cdo(by):
            raise NotAllowed(_("Only the Chief Digital Officer can make a tool the standard."))
        category = Tool.objects.filter(pk=tool.pk).values_list("solution__category", flat=True)
        if not category:
            raise DomainError(_("No such tool."))
        locked = {t.pk: t for t in standard_lock_category(category[0])}
        tool = locked[tool.pk]
        if tool.standard_since is not None:
            raise InvalidTransition(_("%(tool)s is the standard already.") % {"tool": tool.name})
        reasons = standard_eligibility(tool, today)
        if reasons:
            raise InvalidTransition(
                _("%(tool)s cannot become the standard: %(why)s")
                % {"tool": tool.name, "why": " ".join(reasons)},
                code="not_eligible",
            )
        previous = next((t for t in locked.values() if t.standard_since is not None), None)
        if previous is not None:
            tool_standard_drop(
                tool=previous,
                actor=by,
                reason=_("%(tool)s became the standard.") % {"tool": tool.name},
                locked=True,  # above, with the whole category
            )
        now = timezone.now()
        tool.standard_since = now
        tool.save(update_fields=["standard_since", "updated_at"])
        standard_event(kind="tool.standard_set", tool=tool, previous=previous, actor=by, at=now)
        return tool


def standard_withdraw(*, tool: Tool, by: Actor, reason: str) -> Tool:
    """The CDO withdraws the standard, saying why; the category has none until another is set."""
    with transaction.atomic():
        if not is_cdo(by):
            raise NotAllowed(_("Only the Chief Digital Officer can withdraw a standard."))
        reason = (reason or "").strip()
        if not reason:
            raise DomainError(_("Say why the standard is withdrawn."), field="reason")
        locked = Tool.objects.select_for_update(of=("self",)).select_related("solution")
        tool = locked.get(pk=tool.pk)
        if tool.standard_since is None:
            raise InvalidTransition(_("%(tool)s is not the standard.") % {"tool": tool.name})
        tool_standard_drop(tool=tool, actor=by, reason=reason, locked=True)
        return tool
