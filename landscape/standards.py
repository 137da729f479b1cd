"""The standard tool for a category (the commodity): which tool is it, may a tool become it, and
who decides it. The read side; the CDO's writes (standard_set, standard_withdraw) and the loss of
the standard on retirement or shelfware (tool_standard_drop) are in landscape.services.

A category's standard is the tool whose `standard_since` is set. At most one per category: the
category lives on the catalog solution, not on the tool's row, so no partial unique index can
say it; the writers lock every tool of the category (standard_lock_category) instead."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from landscape.adoption import adoption_latest
from landscape.models import Lifecycle, Tool, ToolLifecycleChange

# The lifecycles a standard may have: in use, kept after its pilot, not on its way out.
STANDARD_LIFECYCLES = (Lifecycle.ADOPTED, Lifecycle.STANDARD)


_deciders: list[Callable[[Any], bool]] = []


def register_standard_decider(rule: Callable[[Any], bool]) -> None:
    """Who may make and withdraw a standard: the workflow registers its CDO check
    (decisions.rights.is_cdo) from DecisionsConfig.ready(); the landscape does not import it."""
    _deciders[:] = [rule]


def may_decide_standard(user: Any) -> bool:
    """Whether `user` makes and withdraws standards (the CDO). Nobody when nothing registered."""
    return bool(_deciders) and bool(_deciders[0](user))


def standards() -> QuerySet[Tool]:
    """Every standard tool, with what a list of them shows."""
    return (
        Tool.objects.filter(standard_since__isnull=False)
        .select_related("solution__vendor", "owner_department")
        .order_by("solution__category", "-standard_since", "pk")
    )


def standard_for(category: str) -> Tool | None:
    """The standard tool of `category`, or None. The newest if a bad import left two."""
    if not category:
        return None
    return (
        standards().filter(solution__category=category).order_by("-standard_since", "-pk").first()
    )


def standards_by_category() -> dict[str, Tool]:
    """{category: its standard tool}, one query."""
    found: dict[str, Tool] = {}
    for tool in standards():
        found.setdefault(tool.solution.category, tool)
    return found


def standard_lock_category(category: str) -> list[Tool]:
    """Lock every tool of `category`, in primary-key order (no deadlock between two writers):
    two CDOs making two tools of one category standard at once queue here, so the second sees
    the first's standard and replaces it. Must run inside a transaction."""
    return list(
        Tool.objects.select_for_update(of=("self",))
        .filter(solution__category=category)
        .select_related("solution")
        .order_by("pk")
    )


def adopted_since(tool: Tool) -> dt.datetime | None:
    """When the tool's current stretch as adopted (or standard lifecycle) began: its last move
    into adopted or standard from a pilot, a retirement or its arrival; None when it is not
    adopted now. A tool back from sunset (a retirement called off) keeps its earlier stretch."""
    if tool.lifecycle not in STANDARD_LIFECYCLES:
        return None
    change = (
        ToolLifecycleChange.objects.filter(tool=tool, to_lifecycle__in=STANDARD_LIFECYCLES)
        .exclude(from_lifecycle__in=[*STANDARD_LIFECYCLES, Lifecycle.SUNSET])
        .order_by("-changed_at", "-pk")
        .values_list("changed_at", flat=True)
        .first()
    )
    return change or tool.lifecycle_changed_at or tool.created_at


def min_adopted_days() -> int:
    return int(getattr(settings, "STANDARD_MIN_ADOPTED_DAYS", 180))


def min_adoption() -> Decimal:
    """The adoption a standard needs: STANDARD_MIN_ADOPTION, else the shelfware threshold."""
    value: Any = getattr(settings, "STANDARD_MIN_ADOPTION", None)
    if value is None:
        value = getattr(settings, "SHELFWARE_THRESHOLD", "0.30")
    return Decimal(str(value))


def adoption_ratio(tool: Tool) -> Decimal | None:
    """The tool's latest adoption (active users ÷ promised users), None when unknown."""
    point = adoption_latest(tool)
    return None if point is None else point.ratio


def standard_eligibility(tool: Tool, today: dt.date | None = None) -> list[str]:
    """Why `tool` cannot become its category's standard today: empty when it can."""
    today = today or timezone.localdate()
    reasons: list[str] = []
    if tool.lifecycle in (Lifecycle.SUNSET, Lifecycle.RETIRED) or tool.retire_on is not None:
        reasons.append(_("It is being retired or is retired."))
    elif tool.lifecycle not in STANDARD_LIFECYCLES:
        reasons.append(_("It is not adopted yet: a pilot becomes a standard only once kept."))
    else:
        since = adopted_since(tool)
        days = min_adopted_days()
        adopted_days = (today - timezone.localtime(since).date()).days if since else 0
        if adopted_days < days:
            reasons.append(
                _("It has been adopted for %(n)s days; a standard needs %(min)s.")
                % {"n": max(adopted_days, 0), "min": days}
            )
    if tool.shelfware_since is not None:
        reasons.append(_("It is flagged as shelfware: hardly anyone uses it."))
    if tool.lifecycle in STANDARD_LIFECYCLES:
        ratio = adoption_ratio(tool)
        needed = min_adoption()
        if ratio is None:
            reasons.append(_("Its adoption is unknown: no usage has been reported yet."))
        elif ratio < needed:
            reasons.append(
                _("Its adoption is %(ratio)s%%; a standard needs at least %(min)s%%.")
                % {"ratio": _percent(ratio), "min": _percent(needed)}
            )
    return reasons


def _percent(ratio: Decimal) -> str:
    """29.5, 30: never rounded up to the threshold it misses."""
    value = (ratio * 100).quantize(Decimal("0.1"), rounding=ROUND_DOWN)
    return f"{value.normalize():f}"


def standards_to_drop() -> QuerySet[Tool]:
    """Standards that no longer hold: retiring or retired, flagged shelfware, or no longer in
    an adopted lifecycle (the scheduled sweep behind the hooks in the lifecycle writes)."""
    return Tool.objects.filter(standard_since__isnull=False).filter(
        Q(shelfware_since__isnull=False)
        | Q(retire_on__isnull=False)
        | ~Q(lifecycle__in=STANDARD_LIFECYCLES)
    )
