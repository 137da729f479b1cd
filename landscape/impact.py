"""What breaks when a tool goes: the integrations touching it, and every tool its data flows on
to (directly or through others). A pure function of the live graph, so it is tested apart from
the database.

The rule, as the tool page and `GET /api/v1/tools/{id}/impact/` state it:
- **direct**: every tool at the other end of a live integration of the removed tool, sending or
  receiving — each loses that integration;
- **transitive**: every tool further downstream — reachable from the removed tool by following
  data flows (source → target) — whose incoming data depends on it; the integrations between
  them break with it. Tools that only send data upstream are not affected further: their own
  data does not depend on the removed tool.
- the integration platform (iPaaS, ESB) is hit like any tool, but the walk does not go on
  through it: it routes every department's data, and which of its outgoing flows carry the
  removed tool's data cannot be told from the graph. Its own flows into and out of the removed
  tool break directly.
Cycles and diamonds are walked once (breadth first, each tool at its shortest distance)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import networkx as nx


@dataclass(frozen=True, slots=True)
class Flow:
    id: int
    source: int
    target: int


@dataclass
class Impact:
    tool: int
    # tool id -> distance: 1 for a direct neighbour (either direction), 2+ downstream.
    tools: dict[int, int] = field(default_factory=dict)
    # integration id -> "direct" (touches the tool) or "transitive" (downstream of it).
    flows: dict[int, str] = field(default_factory=dict)

    @property
    def direct(self) -> list[int]:
        return sorted(t for t, d in self.tools.items() if d == 1)

    @property
    def transitive(self) -> list[int]:
        return sorted(t for t, d in self.tools.items() if d > 1)


def graph(flows: Iterable[Flow]) -> nx.MultiDiGraph:
    g: nx.MultiDiGraph = nx.MultiDiGraph()
    for f in flows:
        g.add_edge(f.source, f.target, key=f.id)
    return g


def impact(g: nx.MultiDiGraph, tool: int, *, platforms: frozenset[int] = frozenset()) -> Impact:
    result = Impact(tool=tool)
    if tool not in g:
        return result
    for _s, other, key in g.out_edges(tool, keys=True):
        result.flows[key] = "direct"
        result.tools[other] = 1
    for other, _t, key in g.in_edges(tool, keys=True):
        result.flows[key] = "direct"
        result.tools.setdefault(other, 1)
    # Downstream, breadth first; the walk stops at a platform (it is hit, not walked through).
    distances = {tool: 0}
    frontier = [tool]
    while frontier:
        following = []
        for node in frontier:
            if node != tool and node in platforms:
                continue
            for _s, other, key in g.out_edges(node, keys=True):
                if node != tool:
                    result.flows.setdefault(key, "transitive")
                if other not in distances:
                    distances[other] = distances[node] + 1
                    following.append(other)
        frontier = following
    for other, distance in distances.items():
        if other != tool:
            result.tools[other] = min(result.tools.get(other, distance), distance)
    # A flow back into the removed tool from downstream is direct (it touches it).
    result.tools.pop(tool, None)
    return result
