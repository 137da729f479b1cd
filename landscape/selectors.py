"""Reads of the landscape: the list, one tool with its flows, what breaks when it goes, the map."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext

from core.dataversion import data_version
from core.i18n import in_default_language, language_codes, per_language, pick
from landscape import drawing
from landscape import impact as graph_impact
from landscape.models import LIVE_LIFECYCLES, Integration, Tool, ToolLifecycleChange
from stakeholders.models import Department

LIVE_FLOWS = Q(removed_at__isnull=True)


def _count(field: str) -> Coalesce:
    """Live integrations in or out of each tool: a correlated count on the partial index, so
    a page of 50 tools costs the same whatever the size of the landscape."""
    return Coalesce(
        Subquery(
            Integration.objects.filter(LIVE_FLOWS, **{field: OuterRef("pk")})
            .order_by()
            .values(field)
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def tools_listed() -> QuerySet[Tool]:
    """Tools with what a row shows: solution, vendor, owner department and owners, flow counts."""
    return Tool.objects.select_related(
        "solution__vendor", "owner_department", "business_owner", "it_steward"
    ).annotate(
        flows_out_count=_count("source"),
        flows_in_count=_count("target"),
        connections=F("flows_out_count") + F("flows_in_count"),
    )


@dataclass(frozen=True, slots=True)
class DepartmentRow:
    id: int
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class ToolRow:
    """A tool as an impact report names it: read as plain values, not model instances (a
    removal can hit most of a large landscape)."""

    id: int
    name: str
    lifecycle: str
    department: DepartmentRow

    @property
    def owner_department(self) -> str:
        return self.department.code


@dataclass(frozen=True, slots=True)
class FlowRow:
    id: int
    source: ToolRow
    target: ToolRow
    data: str
    method: str
    criticality: str


@dataclass(frozen=True, slots=True)
class ImpactedTool:
    tool: ToolRow
    distance: int


@dataclass
class ToolImpact:
    tool: Tool
    direct: list[ImpactedTool]
    transitive: list[ImpactedTool]
    integrations: list[tuple[FlowRow, str]]  # with "direct" or "transitive"

    @property
    def departments(self) -> list[DepartmentRow]:
        """The owner departments of every tool that breaks (the tool's own excluded)."""
        seen = {item.tool.department.id: item.tool.department for item in self.direct}
        seen.update((item.tool.department.id, item.tool.department) for item in self.transitive)
        return sorted(seen.values(), key=lambda d: d.code)

    @property
    def is_empty(self) -> bool:
        return not self.integrations


def tool_impact(tool: Tool) -> ToolImpact:
    """What breaks if `tool` goes (landscape.impact has the rule)."""
    return tools_impact([tool])[tool.pk]


@dataclass(frozen=True)
class LiveLandscape:
    """The live graph with what an impact report shows of it, read once per data version."""

    key: tuple[str, int]
    flows: dict[int, tuple[int, int, str, str, str]]  # id -> source, target, data, method, crit.
    graph: Any
    platforms: frozenset[int]
    tools: dict[int, ToolRow]


_LIVE: dict[str, LiveLandscape] = {}
_LIVE_LOCK = threading.Lock()


def _read_live_landscape(key: tuple[str, int]) -> LiveLandscape:
    flows = {
        pk: (s, t, data, method, criticality)
        for pk, s, t, data, method, criticality in Integration.objects.filter(
            LIVE_FLOWS,
            source__lifecycle__in=LIVE_LIFECYCLES,
            target__lifecycle__in=LIVE_LIFECYCLES,
        ).values_list("pk", "source_id", "target_id", "data", "method", "criticality")
    }
    departments: dict[int, DepartmentRow] = {}
    tools: dict[int, ToolRow] = {}
    platforms = set()
    for pk, name, lifecycle, platform, dept_id, code, dept_name in Tool.objects.filter(
        lifecycle__in=LIVE_LIFECYCLES
    ).values_list(
        "pk",
        "solution__name",
        "lifecycle",
        "is_platform",
        "owner_department_id",
        "owner_department__code",
        # The API's impact report names departments in the default language (core.i18n).
        in_default_language("owner_department__name"),
    ):
        department = departments.setdefault(dept_id, DepartmentRow(dept_id, code, dept_name))
        tools[pk] = ToolRow(pk, name, lifecycle, department)
        if platform:
            platforms.add(pk)
    graph = graph_impact.graph(graph_impact.Flow(pk, f[0], f[1]) for pk, f in flows.items())
    return LiveLandscape(key, flows, graph, frozenset(platforms), tools)


def live_landscape() -> LiveLandscape:
    """The live landscape, two queries, kept in this process until the data version moves (a
    committed change to a tool or an integration moves it). Inside a transaction — which may
    hold its own uncommitted changes, such as a submission computing who signs — it is read
    afresh."""
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        return _read_live_landscape(("", 0))
    key = (str(connection.settings_dict["NAME"]), data_version())
    with _LIVE_LOCK:
        cached = _LIVE.get("current")
    if cached is not None and cached.key == key:
        return cached
    fresh = _read_live_landscape(key)
    with _LIVE_LOCK:
        _LIVE["current"] = fresh
    return fresh


def tools_impact(tools: list[Tool]) -> dict[int, ToolImpact]:
    """tool_impact for several tools (a page of decision cards): the live landscape (two
    queries, or none when this process read it since the last change), then the walk. What
    grows is what the report shows, never the history (removed integrations stay out, on their
    partial index)."""
    if not tools:
        return {}
    live = live_landscape()
    found = {t.pk: graph_impact.impact(live.graph, t.pk, platforms=live.platforms) for t in tools}
    rows = live.tools

    def report(tool: Tool, f: graph_impact.Impact) -> ToolImpact:
        def items(ids: list[int]) -> list[ImpactedTool]:
            return sorted(
                (ImpactedTool(rows[i], f.tools[i]) for i in ids if i in rows),
                key=lambda it: (it.distance, it.tool.name, it.tool.id),
            )

        broken = []
        for pk, how in f.flows.items():
            source, target, data, method, criticality = live.flows[pk]
            if source in rows and target in rows:
                flow = FlowRow(pk, rows[source], rows[target], data, method, criticality)
                broken.append((flow, how))
        broken.sort(key=lambda fh: (fh[1] != "direct", fh[0].source.name, fh[0].target.name))
        return ToolImpact(
            tool=tool, direct=items(f.direct), transitive=items(f.transitive), integrations=broken
        )

    return {t.pk: report(t, found[t.pk]) for t in tools}


def tool_flows(tool: Tool) -> tuple[list[Integration], list[Integration]]:
    """The tool's live integrations out and in, for its page."""
    related = ("source__solution", "target__solution", "owner")
    out = list(tool.flows_out.filter(LIVE_FLOWS).select_related(*related))
    into = list(tool.flows_in.filter(LIVE_FLOWS).select_related(*related))
    return out, into


# The workflow (decisions) says which proposals a person may see; it registers its rule at
# start-up (decisions.apps), since the landscape sits below it and does not import it.
_proposal_visibility: list[Callable[[Any], Q]] = []


def register_proposal_visibility(rule: Callable[[Any], Q]) -> None:
    _proposal_visibility[:] = [rule]


# The workflow's onboarding checklist of the proposal that brought a tool in: its progress, for
# the tool's page (registered by decisions.apps, as above).
_tool_onboarding: list[Callable[[Any], Any]] = []


def register_tool_onboarding(rule: Callable[[Any], Any]) -> None:
    _tool_onboarding[:] = [rule]


def tool_onboarding(tool: Tool) -> Any:
    """The onboarding's progress of the proposal that brought `tool` in ({"reference",
    "progress"}), or None without a checklist."""
    return _tool_onboarding[0](tool) if _tool_onboarding else None


def tool_proposals(tool: Tool, *, user: Any, limit: int = 20) -> list[Any]:
    """The proposals about this tool the user may see (that brought it in, retire or renew
    it), newest first, at most `limit`."""
    visible = _proposal_visibility[0](user) if _proposal_visibility else Q(pk__in=[])
    return list(
        tool.proposals.filter(visible)
        .select_related("requesting_department")
        .order_by("-created_at")[:limit]
    )


def lifecycle_history(tool: Tool, *, limit: int = 50) -> list[ToolLifecycleChange]:
    return list(tool.lifecycle_changes.select_related("actor")[:limit])


def map_drawing(*, department: str = "") -> drawing.MapDrawing:
    """The integration map of the live landscape (one department's tools and what they connect
    to, when `department` is a code): three queries read as values, then the drawing
    (landscape.drawing)."""
    tools = Tool.objects.filter(lifecycle__in=LIVE_LIFECYCLES)
    flows = Integration.objects.filter(
        LIVE_FLOWS, source__lifecycle__in=LIVE_LIFECYCLES, target__lifecycle__in=LIVE_LIFECYCLES
    )
    if department:
        own = Q(source__owner_department__code=department) | Q(
            target__owner_department__code=department
        )
        flows = flows.filter(own)
    edges = [
        drawing.MapEdge(id=pk, source=s, target=t, criticality=c, method=m, label=d)
        for pk, s, t, c, m, d in flows.values_list(
            "pk", "source_id", "target_id", "criticality", "method", "data"
        )
    ]
    if department:
        ends = {e.source for e in edges} | {e.target for e in edges}
        tools = tools.filter(Q(owner_department__code=department) | Q(pk__in=sorted(ends)))
    url = reverse("tool-detail", args=[0]).replace("/0/", "/{}/")
    nodes = [
        drawing.MapNode(
            id=pk,
            label=name,
            department=code,
            department_name=pick(dict(zip(language_codes(), dept_names, strict=True))),
            lifecycle=lifecycle,
            lane=lane,
            url=url.format(pk),
            is_platform=platform,
        )
        for pk, name, code, lifecycle, lane, platform, *dept_names in tools.values_list(
            "pk",
            "solution__name",
            "owner_department__code",
            "lifecycle",
            "lane",
            "is_platform",
            # Each language's name, shown in the reader's (a related lookup is not rewritten).
            *per_language("owner_department__name"),
        )
    ]
    order = list(
        Department.objects.filter(is_active=True).order_by("code").values_list("code", flat=True)
    )
    return drawing.draw_map(nodes, edges, title=gettext("Integration map"), department_order=order)
