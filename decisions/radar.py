"""The tech radar, generated from the data and never edited by hand (Thoughtworks' rings):

- Adopt: the standard tools (landscape lifecycle `standard`);
- Trial: the tools in pilot;
- Assess: new tools proposed and still being decided (in review or awaiting the CDO);
- Hold: tools in sunset, and new tools rejected in the last 12 months.

Quadrants group the catalog's categories. A name appears once, in the first ring that holds it
in the order Adopt, Trial, Hold, Assess. "Since last quarter" (QUARTER_DAYS): a tool whose
lifecycle moved into its ring then is new there (or moved in or out, when it came from another
ring); a proposal submitted, or a rejection decided, then is new."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from decisions.models import Proposal, ProposalKind, ProposalStatus
from landscape.drawing import RINGS, RadarEntry
from landscape.models import Lifecycle, Tool, ToolLifecycleChange
from vendors.models import Category

QUARTER_DAYS = 90
HOLD_REJECTED_DAYS = 365

QUADRANTS = {
    "people": (
        gettext_lazy("People"),
        [Category.TALENT_ACQUISITION, Category.CORE_HR_PAYROLL, Category.LEARNING,
         Category.ENGAGEMENT, Category.PERFORMANCE],
    ),
    "customers": (
        gettext_lazy("Customers"),
        [Category.MARKETING_AUTOMATION, Category.CRM, Category.CONTENT],
    ),
    "workplace": (
        gettext_lazy("Insight and collaboration"),
        [Category.ANALYTICS, Category.COLLABORATION],
    ),
    "platform": (
        gettext_lazy("Platform and security"),
        [Category.IT_OPERATIONS, Category.SECURITY],
    ),
}  # fmt: skip
QUADRANT_OF = {str(c): key for key, (_label, categories) in QUADRANTS.items() for c in categories}
RING_OF_LIFECYCLE: dict[str, str] = {
    Lifecycle.STANDARD: "Adopt",
    Lifecycle.PILOT: "Trial",
    Lifecycle.SUNSET: "Hold",
}
RING_ORDER = {ring: i for i, ring in enumerate(RINGS)}


@dataclass(frozen=True)
class Blip:
    """One radar entry, with what the page and the API say about it."""

    entry: RadarEntry
    quadrant_key: str
    status: str  # "New", "Moved In", "Moved Out", "No Change" (Build Your Own Radar's words)


def quadrant_labels() -> list[str]:
    return [str(label) for label, _categories in QUADRANTS.values()]


def _status(is_new: bool, moved: int) -> str:
    if is_new:
        return "New"
    return {1: "Moved In", -1: "Moved Out"}.get(moved, "No Change")


def radar_blips(*, now: dt.datetime | None = None) -> list[Blip]:
    """The radar's entries: four queries, whatever the size of the history (the tools on the
    radar, their lifecycle moves of the last quarter, the proposals being decided, and the
    rejections of the last 12 months)."""
    now = now or timezone.now()
    quarter = now - dt.timedelta(days=QUARTER_DAYS)
    blips: dict[str, Blip] = {}

    def add(key: str, name: str, category: str, ring: str, *, is_new: bool, moved: int,
            url: str, description: str) -> None:  # fmt: skip
        quadrant = QUADRANT_OF.get(category, "platform")
        if key in blips:
            return
        entry = RadarEntry(
            id=len(blips) + 1, name=name, ring=ring, quadrant=str(QUADRANTS[quadrant][0]),
            is_new=is_new, moved=moved, url=url, description=description,
        )  # fmt: skip
        blips[key] = Blip(entry, quadrant, _status(is_new, moved))

    tools = list(
        Tool.objects.filter(lifecycle__in=list(RING_OF_LIFECYCLE))
        .select_related("solution__vendor", "owner_department")
        .order_by("solution__name", "pk")
    )
    # The earliest lifecycle a tool had in the quarter: where it was a quarter ago.
    moved_from: dict[int, str] = {}
    for change in (
        ToolLifecycleChange.objects.filter(tool__in=tools, changed_at__gte=quarter)
        .order_by("changed_at", "pk")
        .values("tool_id", "from_lifecycle")
    ):
        moved_from.setdefault(change["tool_id"], change["from_lifecycle"])
    by_ring = sorted(tools, key=lambda t: RING_ORDER[RING_OF_LIFECYCLE[t.lifecycle]])
    for tool in by_ring:
        ring = RING_OF_LIFECYCLE[tool.lifecycle]
        is_new, moved = False, 0
        if tool.pk in moved_from:
            before = RING_OF_LIFECYCLE.get(moved_from[tool.pk])
            if before is None:
                is_new = True
            elif before != ring:
                moved = 1 if RING_ORDER[ring] < RING_ORDER[before] else -1
        add(
            f"s{tool.solution_id}", tool.solution.name, tool.solution.category, ring,
            is_new=is_new, moved=moved, url=reverse("tool-detail", args=[tool.pk]),
            description=_("%(vendor)s; owned by %(department)s.")
            % {"vendor": tool.solution.vendor.name, "department": tool.owner_department.name},
        )  # fmt: skip

    new_tools = Proposal.objects.filter(kind=ProposalKind.NEW).select_related("solution")
    rejected = new_tools.filter(
        status=ProposalStatus.REJECTED,
        decided_at__gte=now - dt.timedelta(days=HOLD_REJECTED_DAYS),
    ).order_by("-decided_at", "pk")
    for proposal in rejected:
        add(
            _blip_key(proposal), _name(proposal), proposal.category, "Hold",
            is_new=proposal.decided_at is not None and proposal.decided_at >= quarter,
            moved=0, url=reverse("proposal-detail", args=[proposal.reference]),
            description=_("Rejected: %(ref)s %(title)s")
            % {"ref": proposal.reference, "title": proposal.title},
        )  # fmt: skip
    deciding = new_tools.filter(
        status__in=[ProposalStatus.IN_REVIEW, ProposalStatus.AWAITING_DECISION]
    ).order_by("submitted_at", "pk")
    for proposal in deciding:
        add(
            _blip_key(proposal), _name(proposal), proposal.category, "Assess",
            is_new=proposal.submitted_at is not None and proposal.submitted_at >= quarter,
            moved=0, url=reverse("proposal-detail", args=[proposal.reference]),
            description=_("Being decided: %(ref)s %(title)s")
            % {"ref": proposal.reference, "title": proposal.title},
        )  # fmt: skip
    return list(blips.values())


def _name(proposal: Proposal) -> str:
    return proposal.solution.name if proposal.solution else proposal.new_solution_name


def _blip_key(proposal: Proposal) -> str:
    if proposal.solution_id:
        return f"s{proposal.solution_id}"
    return "n" + " ".join(proposal.new_solution_name.lower().split())
