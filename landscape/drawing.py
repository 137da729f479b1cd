"""Server-side SVG drawings for the landscape: the integration map and the tech radar.

Pure functions (no database, no request): the views pass plain dataclasses and mark the
returned SVG safe. Everything from users (tool names, department names, labels, URLs) is
cleaned and escaped here; the output holds no `style` attribute, no <style>, no script and no
external reference (the page's CSP), only presentation attributes and `lsc-*` classes whose
rules live in static/css/app.css.

Integration map
---------------
Layout: a deterministic cluster layout, not a force layout. Measured with networkx 3.7 on
2,000 tools / 5,000 integrations: spring_layout 14 s, forceatlas2_layout 19 s (500 / 1,200:
2.8 s and 1.5 s; kamada_kawai 2 s already at 60 tools), far over the 300 ms budget. So:

- each department is a cluster: its tools fill the cells of a grid nearest the cluster's
  centre, the most connected first (hubs in the middle, ties by name then id);
- the clusters sit on a circle in the order of `department_order` (default: sorted codes),
  spaced so that neighbours never overlap; the integration platform(s) sit at the centre,
  where every spoke meets;
- a caller holding a cached force layout can pass `positions` (node id -> (x, y) in drawing
  units); nodes missing from it fall back to the cluster layout.

The same input always gives the same SVG (sorted orders, no randomness).

Vermicelli (`vermicelli()`), the markers of integrations grown without a plan:

- hubs: tools (not the platform) whose degree, in + out counting each integration, is at
  least HUB_MIN_DEGREE (5) and at least the degree of the tool ranked ceil(5 %) of the tools
  (at least 1), ties included; ordered by degree descending, then id;
- cycles: directed simple cycles of 3 to CYCLE_MAX_LENGTH (6) tools along point-to-point
  integrations (a loop through the integration platform is what the platform is for; a
  two-way sync between two tools, A <-> B, is common and not reported), at most CYCLE_LIMIT
  (50) of them, searched in at most CYCLE_STEPS (100,000) steps, so that a dense graph cannot
  explode (the cap may then leave cycles unreported); each starts at its smallest id; sorted;
- point_to_point: ids of integrations whose method is not "platform" and neither of whose ends
  is the platform (so a "manual" transfer between two tools counts: it bypasses the platform).

Self-loops and integrations whose ends are not among the nodes are ignored (a department
filter may pass integrations leaving the selection).

Labels: names are cut to LABEL_CHARS characters with an ellipsis (the full name, up to
TITLE_CHARS, is in the node's <title>). Above LARGE_GRAPH (150) tools only hubs and the
platform are labelled, the cells shrink, and integrations lose their tooltips (size).

Tech radar
----------
1 to 6 quadrants (equal sectors, in the order given) and the four RINGS, Adopt innermost.
Entries are numbered 1..n by quadrant, ring, name, id (`RadarDrawing.numbers`: entry id ->
number, for the list beside it). In each quadrant/ring cell the dots sit on a hexagonal
lattice whose spacing is the largest that fits them (never less than the dot spacing, so no
two overlap), those nearest the cell's centre taken; when a cell cannot hold its entries the
whole radar grows. A new entry has an outer ring; one that moved has a triangle pointing
inwards (towards Adopt) or outwards.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import networkx as nx
from django.utils.translation import gettext as _

RINGS = ("Adopt", "Trial", "Assess", "Hold")
CRITICALITIES = ("low", "medium", "high", "critical")

# Okabe & Ito (2008): eight colours told apart with every common colour-vision deficiency.
PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermilion
    "#F0E442",  # yellow
    "#000000",  # black
)
INK = "#1d2330"  # the page's text colour: 15.4:1 on white
MUTED = "#5d6778"  # 5.9:1 on white
EDGE = "#5d6778"
CYCLE = "#b3261e"  # the page's "bad" red: 6.5:1 on white
HALO = "#ffffff"

HUB_MIN_DEGREE = 5
HUB_SHARE = 0.05
CYCLE_MIN_LENGTH = 3
CYCLE_MAX_LENGTH = 6
CYCLE_LIMIT = 50
CYCLE_STEPS = 100_000
LARGE_GRAPH = 150
LABEL_CHARS = 15
TITLE_CHARS = 200

STROKE_WIDTH = {"low": 1.0, "medium": 1.8, "high": 2.8, "critical": 4.0}
P2P_DASH = "7 4"

# Not allowed in XML 1.0 (C0 controls but tab/newline/return, lone surrogates, U+FFFE/U+FFFF),
# C1 controls, and the bidi embeddings/overrides/isolates that could reorder the text after
# them. Letters' own direction and the RTL/LRM marks stay.
_UNWANTED = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069]"
)
_SPACES = re.compile(r"\s+")


# ---------------------------------------------------------------------------------------------
# Data


@dataclass(frozen=True, slots=True)
class MapNode:
    id: int
    label: str
    department: str
    department_name: str
    lifecycle: str  # pilot | adopted | standard | sunset | retired
    lane: str  # governed | plug_in
    url: str
    is_platform: bool = False


@dataclass(frozen=True, slots=True)
class MapEdge:
    id: int
    source: int  # data flows source -> target
    target: int
    criticality: str  # low | medium | high | critical
    method: str  # api | file | platform | manual
    label: str = ""


@dataclass(frozen=True)
class Vermicelli:
    hubs: list[int]
    cycles: list[list[int]]
    point_to_point: list[int]


@dataclass(frozen=True)
class MapDrawing:
    svg: str
    vermicelli: Vermicelli
    legend: list[tuple[str, str]]  # (department name, or code when unnamed; colour)


@dataclass(frozen=True, slots=True)
class RadarEntry:
    id: int
    name: str
    ring: str  # one of RINGS
    quadrant: str  # one of the quadrants passed to draw_radar
    is_new: bool
    moved: int = 0  # +1 moved in (towards Adopt), -1 moved out, 0 unchanged
    url: str = ""
    description: str = ""


@dataclass(frozen=True)
class RadarDrawing:
    svg: str
    numbers: dict[int, int]  # RadarEntry.id -> the number drawn on its dot


# ---------------------------------------------------------------------------------------------
# Text


def clean_text(text: str, limit: int | None = None) -> str:
    """`text` without what XML or a one-line label cannot hold, whitespace collapsed, cut to
    `limit` characters with an ellipsis."""
    text = _SPACES.sub(" ", _UNWANTED.sub("", text)).strip()
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def _esc(text: str, limit: int | None = None) -> str:
    return html.escape(clean_text(text, limit), quote=True)


def safe_url(url: str) -> str | None:
    """The URL when it is a relative or http(s) one, else None (no javascript: or data:)."""
    url = clean_text(url)
    if not url:
        return None
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    if scheme in ("", "http", "https"):
        return url
    return None


def _f(value: float) -> str:
    text = f"{value:.1f}"
    return "0" if text == "-0.0" else text.removesuffix(".0")


def _ink_on(colour: str) -> str:
    """Black or white, whichever contrasts more with `colour` (#rrggbb): always >= 4.5:1 on the
    palette."""

    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    lum = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    return "#000000" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "#ffffff"


def _svg_open(
    prefix: str, box: tuple[float, float, float, float], title: str, desc: str, css: str
) -> list[str]:
    # role="group", not "img": an image's content is presentational, and the drawing holds
    # links (one per tool or entry) that keyboard and screen-reader users must reach.
    x, y, w, h = box
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{_f(x)} {_f(y)} {_f(w)} {_f(h)}" '
        f'width="100%" preserveAspectRatio="xMidYMid meet" role="group" class="{css}" '
        f'aria-labelledby="{prefix}-title {prefix}-desc" font-family="system-ui, sans-serif">',
        f'<title id="{prefix}-title">{_esc(title, TITLE_CHARS)}</title>',
        f'<desc id="{prefix}-desc">{html.escape(desc, quote=True)}</desc>',
    ]


def _text(
    x: float, y: float, text: str, size: float, *, anchor: str = "start", extra: str = ""
) -> str:
    """A label with a white halo (painted under the glyphs), readable over lines."""
    return (
        f'<text x="{_f(x)}" y="{_f(y)}" font-size="{_f(size)}" text-anchor="{anchor}" '
        f'fill="{INK}" stroke="{HALO}" stroke-width="{_f(size / 4)}" paint-order="stroke" '
        f'stroke-linejoin="round"{extra}>{text}</text>'
    )


# ---------------------------------------------------------------------------------------------
# Vermicelli


def _graph(
    nodes: Sequence[MapNode], edges: Sequence[MapEdge]
) -> tuple[nx.DiGraph[int], list[MapEdge]]:
    known = {node.id for node in nodes}
    graph: nx.DiGraph[int] = nx.DiGraph()
    graph.add_nodes_from(sorted(known))
    kept = [
        edge
        for edge in sorted(edges, key=lambda e: e.id)
        if edge.source in known and edge.target in known and edge.source != edge.target
    ]
    graph.add_edges_from((edge.source, edge.target) for edge in kept)
    return graph, kept


def _degrees(nodes: Sequence[MapNode], edges: Iterable[MapEdge]) -> dict[int, int]:
    degree = {node.id: 0 for node in nodes}
    for edge in edges:
        degree[edge.source] += 1
        degree[edge.target] += 1
    return degree


def _hubs(nodes: Sequence[MapNode], degree: Mapping[int, int]) -> list[int]:
    tools = [node.id for node in nodes if not node.is_platform]
    if not tools:
        return []
    ranked = sorted(tools, key=lambda i: (-degree[i], i))
    rank = max(1, math.ceil(len(ranked) * HUB_SHARE))
    threshold = max(HUB_MIN_DEGREE, degree[ranked[rank - 1]])
    return [i for i in ranked if degree[i] >= threshold]


def _cycles(graph: nx.DiGraph[int]) -> list[list[int]]:
    """Directed simple cycles of CYCLE_MIN_LENGTH..CYCLE_MAX_LENGTH tools, at most CYCLE_LIMIT,
    found by a depth-bounded search of at most CYCLE_STEPS steps inside the strongly connected
    components (networkx's simple_cycles, even length-bounded, took 2.8 s for 50 cycles on
    2,000 tools / 5,000 integrations). Each cycle starts at its smallest id and is found once
    from there; starts go by ascending id, so which cycles a cap keeps is deterministic."""
    successors: dict[int, list[int]] = {}
    for component in nx.strongly_connected_components(graph):
        if len(component) < CYCLE_MIN_LENGTH:
            continue
        for node in component:
            successors[node] = sorted(n for n in graph.successors(node) if n in component)
    found: list[list[int]] = []
    steps = CYCLE_STEPS
    for start in sorted(successors):
        path = [start]
        on_path = {start}
        stack = [iter(successors[start])]
        while stack:
            steps -= 1
            if steps < 0:
                return sorted(found, key=lambda c: (len(c), c))
            following = next(stack[-1], None)
            if following is None:
                stack.pop()
                on_path.discard(path.pop())
            elif following == start:
                if len(path) >= CYCLE_MIN_LENGTH:
                    found.append(list(path))
                    if len(found) >= CYCLE_LIMIT:
                        return sorted(found, key=lambda c: (len(c), c))
            elif following > start and following not in on_path and len(path) < CYCLE_MAX_LENGTH:
                path.append(following)
                on_path.add(following)
                stack.append(iter(successors[following]))
    return sorted(found, key=lambda c: (len(c), c))


def _vermicelli(
    nodes: Sequence[MapNode],
    graph: nx.DiGraph[int],
    kept: Sequence[MapEdge],
    degree: Mapping[int, int],
) -> Vermicelli:
    platform = {node.id for node in nodes if node.is_platform}
    direct = [
        edge
        for edge in kept
        if edge.method != "platform" and edge.source not in platform and edge.target not in platform
    ]
    # A loop is vermicelli only when it is wired point to point: data going round through the
    # integration platform is what the platform is for.
    wired: nx.DiGraph[int] = nx.DiGraph()
    wired.add_edges_from((edge.source, edge.target) for edge in direct)
    return Vermicelli(
        hubs=_hubs(nodes, degree),
        cycles=_cycles(wired),
        point_to_point=[edge.id for edge in direct],
    )


def vermicelli(nodes: Sequence[MapNode], edges: Sequence[MapEdge]) -> Vermicelli:
    """Hubs, cycles and point-to-point integrations (the rules are in the module's docstring)."""
    graph, kept = _graph(nodes, edges)
    return _vermicelli(nodes, graph, kept, _degrees(nodes, kept))


# ---------------------------------------------------------------------------------------------
# The map's layout

Point = tuple[float, float]


def _cells(count: int, width: float, height: float) -> list[Point]:
    """The `count` cells of a width x height grid nearest its centre, nearest first."""
    if count == 0:
        return []
    half = math.ceil(math.sqrt(count)) + 1
    cells = [
        (col * width + (width / 2 if row % 2 else 0.0), row * height)
        for row in range(-half, half + 1)
        for col in range(-half - 1, half + 2)
    ]
    cells.sort(key=lambda p: (round(math.hypot(p[0], p[1]), 3), math.atan2(p[1], p[0])))
    return cells[:count]


def _cluster_layout(
    members: Sequence[MapNode], degree: Mapping[int, int], cell: Point
) -> tuple[dict[int, Point], float]:
    ordered = sorted(members, key=lambda n: (-degree[n.id], clean_text(n.label).casefold(), n.id))
    points = _cells(len(ordered), *cell)
    layout = {node.id: point for node, point in zip(ordered, points, strict=True)}
    radius = max((math.hypot(x, y) for x, y in points), default=0.0) + cell[0] * 0.6
    return layout, radius


def _department_centres(radii: Sequence[float], centre_radius: float, gap: float) -> list[Point]:
    """Centres on a circle for clusters of these radii, clear of each other and of the middle."""
    count = len(radii)
    if count == 0:
        return []
    if count == 1:
        return [(0.0, 0.0)] if centre_radius == 0 else [(0.0, -(radii[0] + centre_radius + gap))]
    total = sum(2 * r + gap for r in radii)
    angles = []
    at = 0.0
    for r in radii:
        share = (2 * r + gap) / total * 2 * math.pi
        angles.append(at + share / 2)
        at += share
    ring = max(r + centre_radius + gap for r in radii)
    for i in range(count):
        j = (i + 1) % count
        between = (angles[j] - angles[i]) % (2 * math.pi)
        between = min(between, 2 * math.pi - between)
        ring = max(ring, (radii[i] + radii[j] + gap) / (2 * math.sin(between / 2)))
    # Start at the top, go clockwise.
    return [(ring * math.cos(a - math.pi / 2), ring * math.sin(a - math.pi / 2)) for a in angles]


def _layout(
    nodes: Sequence[MapNode],
    degree: Mapping[int, int],
    order: Sequence[str],
    cell: Point,
) -> tuple[dict[int, Point], dict[str, tuple[Point, float]]]:
    """Positions of the nodes, and each department's cluster (centre, radius)."""
    platforms = [n for n in nodes if n.is_platform]
    by_department: dict[str, list[MapNode]] = {}
    for node in nodes:
        if not node.is_platform:
            by_department.setdefault(node.department, []).append(node)
    departments = [d for d in order if d in by_department]
    if len(departments) == 1 and platforms:
        # One department: the platform takes the middle of its cluster.
        layout, radius = _cluster_layout(
            [*platforms, *by_department[departments[0]]], _first(degree, platforms), cell
        )
        return layout, {departments[0]: ((0.0, 0.0), radius)}
    centre, centre_radius = _cluster_layout(platforms, degree, cell)
    if not platforms:
        centre_radius = 0.0
    clusters = [_cluster_layout(by_department[d], degree, cell) for d in departments]
    gap = max(cell) * 0.9
    centres = _department_centres([r for _, r in clusters], centre_radius, gap)
    positions = dict(centre)
    shapes: dict[str, tuple[Point, float]] = {}
    for department, (layout, radius), (cx, cy) in zip(departments, clusters, centres, strict=True):
        positions.update({i: (cx + x, cy + y) for i, (x, y) in layout.items()})
        shapes[department] = ((cx, cy), radius)
    return positions, shapes


def _first(degree: Mapping[int, int], first: Sequence[MapNode]) -> dict[int, int]:
    """Degrees where `first` rank above everything else (the platform in the middle)."""
    top = max(degree.values(), default=0) + 1
    return {**degree, **{n.id: top for n in first}}


# ---------------------------------------------------------------------------------------------
# The map


def department_colours(codes: Iterable[str]) -> dict[str, str]:
    """A palette colour for each department code, in the order given (repeating after 8)."""
    unique = list(dict.fromkeys(codes))
    return {code: PALETTE[i % len(PALETTE)] for i, code in enumerate(unique)}


def _empty(prefix: str, title: str, message: str, css: str) -> str:
    parts = _svg_open(prefix, (0, 0, 400, 80), title, message, css)
    parts.append(
        f'<text x="200" y="45" font-size="16" text-anchor="middle" '
        f'fill="{MUTED}">{_esc(message)}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True, slots=True)
class _Style:
    large: bool
    radius: float
    cell: Point
    font: float


def draw_map(
    nodes: Sequence[MapNode],
    edges: Sequence[MapEdge],
    *,
    title: str = "Integration map",
    department_order: Sequence[str] | None = None,
    positions: Mapping[int, Point] | None = None,
    id_prefix: str = "lsc-map",
) -> MapDrawing:
    """The integration map as an SVG element, its vermicelli and the department legend.

    department_order: every department code in a fixed order (e.g. all departments, not only
    the filtered ones), so that a department keeps its colour and place when the map is
    filtered; codes of nodes missing from it follow, sorted. positions: a cached layout (node
    id -> x, y in drawing units, about 40 units between neighbours) used instead of the
    cluster layout for the nodes it holds. id_prefix: keeps the SVG's ids unique on a page.
    """
    if not nodes:
        message = _("No tools match")
        return MapDrawing(_empty(id_prefix, title, message, "lsc-map"), Vermicelli([], [], []), [])
    graph, kept = _graph(nodes, edges)
    degree = _degrees(nodes, kept)
    found = _vermicelli(nodes, graph, kept, degree)
    given = list(department_order or [])
    order = given + sorted({n.department for n in nodes} - set(given))
    colours = department_colours(order)
    large = len(nodes) > LARGE_GRAPH
    style = _Style(large, 6.0 if large else 9.0, (22.0, 22.0) if large else (112.0, 54.0), 11.0)
    layout, clusters = _layout(nodes, degree, order, style.cell)
    if positions:
        layout.update({i: (float(p[0]), float(p[1])) for i, p in positions.items() if i in layout})
    names = {n.department: n.department_name for n in nodes}
    legend = [(clean_text(names[d]) or clean_text(d), colours[d]) for d in order if d in names]

    left, top, right, bottom = _bounds(layout.values(), clusters.values(), 30.0 if large else 60.0)
    width = max(right - left, 320.0)
    if width > right - left:
        left -= (width - (right - left)) / 2
    key, key_height = _map_key(legend, left, bottom, width, style, id_prefix)
    hubs = set(found.hubs)
    desc = _(
        "%(tools)d tools and %(links)d integrations, coloured by owner department. "
        "%(hubs)d hubs, %(cycles)d cycles and %(p2p)d point-to-point integrations "
        "that bypass the integration platform are marked."
    ) % {
        "tools": len(nodes),
        "links": len(kept),
        "hubs": len(hubs),
        "cycles": len(found.cycles),
        "p2p": len(found.point_to_point),
    }
    parts = _svg_open(
        id_prefix, (left, top, width, bottom - top + key_height), title, desc, "lsc-map"
    )
    parts.append(_markers(id_prefix))
    parts.extend(_cluster_backdrops(clusters, names, style))
    parts.extend(_edges(nodes, kept, found, layout, style, id_prefix))
    parts.extend(_nodes(nodes, layout, degree, hubs, colours, style))
    parts.extend(key)
    parts.append("</svg>")
    return MapDrawing("".join(parts), found, legend)


def _bounds(
    points: Iterable[Point], clusters: Iterable[tuple[Point, float]], pad: float
) -> tuple[float, float, float, float]:
    """Left, top, right, bottom around the nodes and the clusters (with their names above)."""
    boxes = [(x, y, x, y) for x, y in points]
    boxes += [(cx - r, cy - r - 24, cx + r, cy + r) for (cx, cy), r in clusters]
    return (
        min(b[0] for b in boxes) - pad,
        min(b[1] for b in boxes) - pad,
        max(b[2] for b in boxes) + pad,
        max(b[3] for b in boxes) + pad,
    )


def _markers(prefix: str) -> str:
    def marker(name: str, colour: str) -> str:
        return (
            f'<marker id="{prefix}-{name}" viewBox="0 0 10 10" refX="10" refY="5" '
            f'markerWidth="9" markerHeight="9" markerUnits="userSpaceOnUse" orient="auto">'
            f'<path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>'
        )

    return f"<defs>{marker('arrow', EDGE)}{marker('arrow-cycle', CYCLE)}</defs>"


def _cluster_backdrops(
    clusters: Mapping[str, tuple[Point, float]], names: Mapping[str, str], style: _Style
) -> list[str]:
    parts = ['<g class="lsc-clusters">']
    size = 13.0 if style.large else 15.0
    for department, ((cx, cy), radius) in clusters.items():
        parts.append(
            f'<circle cx="{_f(cx)}" cy="{_f(cy)}" r="{_f(radius)}" fill="#f3f5f9" '
            f'stroke="#dfe3ea" stroke-width="1"/>'
        )
        name = names.get(department) or department
        parts.append(
            _text(
                cx,
                cy - radius - 6,
                _esc(name, 28),
                size,
                anchor="middle",
                extra=' font-weight="700"',
            )
        )
    parts.append("</g>")
    return parts


def _edge_ends(a: Point, b: Point, radius: float, shift: float) -> tuple[Point, Point] | None:
    dx, dy = b[0] - a[0], b[1] - a[1]
    length = math.hypot(dx, dy)
    if length <= 2 * radius + 2:
        return None
    ux, uy = dx / length, dy / length
    # Shifted to the right of the flow, so that A->B and B->A are two visible lines.
    ox, oy = -uy * shift, ux * shift
    start = (a[0] + ux * radius + ox, a[1] + uy * radius + oy)
    end = (b[0] - ux * (radius + 1) + ox, b[1] - uy * (radius + 1) + oy)
    return start, end


def _edges(
    nodes: Sequence[MapNode],
    kept: Sequence[MapEdge],
    found: Vermicelli,
    layout: Mapping[int, Point],
    style: _Style,
    prefix: str,
) -> list[str]:
    in_cycle = {
        (cycle[i], cycle[(i + 1) % len(cycle)]) for cycle in found.cycles for i in range(len(cycle))
    }
    p2p = set(found.point_to_point)
    names = {n.id: clean_text(n.label, 60) for n in nodes}
    opacity = ' stroke-opacity="0.55"' if style.large else ""
    under: list[str] = ['<g class="lsc-cycle-halo">']
    lines: list[str] = ['<g class="lsc-edges">']
    for edge in kept:
        ends = _edge_ends(layout[edge.source], layout[edge.target], style.radius + 2, 2.5)
        if ends is None:
            continue
        (x1, y1), (x2, y2) = ends
        coords = f'x1="{_f(x1)}" y1="{_f(y1)}" x2="{_f(x2)}" y2="{_f(y2)}"'
        cyclic = (edge.source, edge.target) in in_cycle
        width = STROKE_WIDTH.get(edge.criticality, STROKE_WIDTH["low"])
        colour, arrow = (CYCLE, "arrow-cycle") if cyclic else (EDGE, "arrow")
        dash = f' stroke-dasharray="{P2P_DASH}"' if edge.id in p2p else ""
        css = "lsc-edge lsc-p2p" if edge.id in p2p else "lsc-edge"
        if cyclic:
            under.append(
                f'<line {coords} stroke="{CYCLE}" stroke-opacity="0.22" '
                f'stroke-width="{_f(width + 7)}" '
                f'stroke-linecap="round"/>'
            )
        title = ""
        if not style.large:
            what = _(" (point-to-point)") if edge.id in p2p else ""
            text = f"{names[edge.source]} → {names[edge.target]}: {clean_text(edge.label, 80)} "
            text += f"({edge.criticality}, {edge.method}){what}"
            title = f"<title>{html.escape(text, quote=True)}</title>"
        lines.append(
            f'<line {coords} class="{css}" stroke="{colour}" '
            f'stroke-width="{_f(width)}"{dash}{opacity} '
            f'marker-end="url(#{prefix}-{arrow})">{title}</line>'
        )
    under.append("</g>")
    lines.append("</g>")
    return [*under, *lines]


def _node_title(node: MapNode, degree: int, hub: bool) -> str:
    department = clean_text(node.department_name, 60) or clean_text(node.department, 60)
    parts = [
        clean_text(node.label, TITLE_CHARS),
        department,
        clean_text(node.lifecycle),
        _("%(count)d connections") % {"count": degree},
    ]
    if node.is_platform:
        parts.append(_("integration platform"))
    if hub:
        parts.append(_("hub"))
    return html.escape(", ".join(p for p in parts if p), quote=True)


def _nodes(
    nodes: Sequence[MapNode],
    layout: Mapping[int, Point],
    degree: Mapping[int, int],
    hubs: set[int],
    colours: Mapping[str, str],
    style: _Style,
) -> list[str]:
    parts = ['<g class="lsc-nodes">']
    labels = ['<g class="lsc-labels" aria-hidden="true">']
    r = style.radius
    for node in sorted(nodes, key=lambda n: n.id):
        x, y = layout[node.id]
        fill = colours[node.department]
        hub = node.id in hubs
        shape = ""
        if hub:
            shape += (
                f'<circle cx="{_f(x)}" cy="{_f(y)}" r="{_f(r + 4.5)}" fill="none" stroke="{INK}" '
                f'stroke-width="2.5" class="lsc-hub"/>'
            )
        dash = ' stroke-dasharray="2 2"' if node.lifecycle in ("pilot", "sunset", "retired") else ""
        if node.is_platform:
            s = r * 1.5
            shape += (
                f'<rect x="{_f(x - s)}" y="{_f(y - s)}" width="{_f(2 * s)}" height="{_f(2 * s)}" '
                f'rx="3" fill="{fill}" stroke="{INK}" stroke-width="1.5"{dash} class="lsc-dot"/>'
            )
        else:
            shape += (
                f'<circle cx="{_f(x)}" cy="{_f(y)}" r="{_f(r)}" fill="{fill}" stroke="{INK}" '
                f'stroke-width="1.2"{dash} class="lsc-dot"/>'
            )
        life = re.sub(r"[^a-z_]", "", node.lifecycle.lower())
        css = f"lsc-node lsc-life-{life}" if life else "lsc-node"
        title = f"<title>{_node_title(node, degree[node.id], hub)}</title>"
        url = safe_url(node.url)
        if url is None:
            parts.append(f'<g class="{css}">{title}{shape}</g>')
        else:
            parts.append(
                f'<a href="{html.escape(url, quote=True)}" class="{css}">{title}{shape}</a>'
            )
        if not style.large or hub or node.is_platform:
            below = r * (1.5 if node.is_platform else 1) + style.font + 2
            labels.append(
                _text(x, y + below, _esc(node.label, LABEL_CHARS), style.font, anchor="middle")
            )
    parts.append("</g>")
    labels.append("</g>")
    return [*parts, *labels]


def _map_key(
    legend: Sequence[tuple[str, str]],
    left: float,
    top: float,
    width: float,
    style: _Style,
    prefix: str,
) -> tuple[list[str], float]:
    """The legend under the map: flowing rows of (sample, words), wrapped to the width."""
    size = max(12.0, width / 70)
    row = size * 2.2
    items: list[tuple[str, str]] = []  # (sample drawn in a size x size box at 0,0; words)

    def swatch(colour: str) -> str:
        return (
            f'<circle cx="{_f(size / 2)}" cy="0" r="{_f(size / 2.4)}" fill="{colour}" '
            f'stroke="{INK}" stroke-width="1"/>'
        )

    items.extend((swatch(colour), html.escape(clean_text(name, 40))) for name, colour in legend)
    line_width = size * 2.2

    def line(width: float, colour: str = EDGE, extra: str = "") -> str:
        return (
            f'<line x1="0" y1="0" x2="{_f(line_width)}" y2="0" stroke="{colour}" '
            f'stroke-width="{_f(width)}"{extra}/>'
        )

    for level in CRITICALITIES:
        words = _("%(level)s criticality") % {"level": _criticality_name(level)}
        items.append((line(STROKE_WIDTH[level]), html.escape(words)))
    items.append(
        (
            line(1.8, extra=f' stroke-dasharray="{P2P_DASH}" marker-end="url(#{prefix}-arrow)"'),
            html.escape(_("point-to-point (bypasses the platform), arrow = data flow")),
        )
    )
    halo = (
        f'<line x1="0" y1="0" x2="{_f(line_width)}" y2="0" stroke="{CYCLE}" '
        f'stroke-opacity="0.22" stroke-width="8"/>'
    )
    items.append((halo + line(1.8, CYCLE), html.escape(_("in a cycle"))))
    r = size / 2.6
    items.append(
        (
            f'<circle cx="{_f(size / 2)}" cy="0" r="{_f(r + 3)}" fill="none" stroke="{INK}" '
            f'stroke-width="2"/>'
            f'<circle cx="{_f(size / 2)}" cy="0" r="{_f(r)}" fill="#ffffff" stroke="{INK}" '
            f'stroke-width="1"/>',
            html.escape(_("hub (most connections)")),
        )
    )
    items.append(
        (
            f'<rect x="0" y="{_f(-size / 2)}" width="{_f(size)}" height="{_f(size)}" rx="2" '
            f'fill="#ffffff" '
            f'stroke="{INK}" stroke-width="1.2"/>',
            html.escape(_("integration platform")),
        )
    )
    items.append(
        (
            f'<circle cx="{_f(size / 2)}" cy="0" r="{_f(size / 2.4)}" fill="#ffffff" '
            f'stroke="{INK}" '
            f'stroke-width="1.2" stroke-dasharray="2 2"/>',
            html.escape(_("pilot, sunset or retired")),
        )
    )
    parts = [f'<g class="lsc-key" aria-hidden="true" font-size="{_f(size)}" fill="{INK}">']
    x, y = left + size, top + row / 2
    for sample, words in items:
        sample_width = line_width if sample.startswith(("<line", '<line x1="0"')) else size
        item_width = (
            sample_width + size * 0.6 + len(html.unescape(words)) * size * 0.56 + size * 1.2
        )
        if x > left + size and x + item_width > left + width:
            x, y = left + size, y + row
        parts.append(f'<g transform="translate({_f(x)} {_f(y)})">{sample}')
        parts.append(
            f'<text x="{_f(sample_width + size * 0.6)}" y="{_f(size * 0.35)}">{words}</text></g>'
        )
        x += item_width
    parts.append("</g>")
    return parts, y + row / 2 - top + size / 2


def _criticality_name(level: str) -> str:
    return {
        "low": _("low"),
        "medium": _("medium"),
        "high": _("high"),
        "critical": _("critical"),
    }[level]


# ---------------------------------------------------------------------------------------------
# The radar

RADAR_DOT = 9.0  # a dot's radius
RADAR_SPACING = 34.0  # the least distance between two dots' centres (room for the markers)
RADAR_RADII = (110.0, 180.0, 245.0, 305.0)  # outer radius of each ring, Adopt first
RING_FILLS = ("#e4e8f0", "#ebeef4", "#f1f3f7", "#f7f8fa")


def _sector(quadrant: int, count: int) -> tuple[float, float]:
    """The quadrant's start and end angle in radians, in screen coordinates (y down): quadrant
    0 starts at the top and the quadrants go clockwise."""
    span = 2 * math.pi / count
    return quadrant * span - math.pi / 2, (quadrant + 1) * span - math.pi / 2


def _in_cell(
    point: Point, inner: float, outer: float, start: float, end: float, margin: float, full: bool
) -> bool:
    x, y = point
    radius = math.hypot(x, y)
    if radius < inner + margin or radius > outer - margin:
        return False
    if full:
        return True
    angle = (math.atan2(y, x) - start) % (2 * math.pi)
    span = end - start
    if angle > span:
        return False
    # Distance to each of the sector's two edges (rays from the centre).
    to_start = radius * math.sin(angle) if angle < math.pi / 2 else radius
    to_end = radius * math.sin(span - angle) if span - angle < math.pi / 2 else radius
    return to_start >= margin and to_end >= margin


def _lattice(outer: float, spacing: float) -> list[Point]:
    steps = int(outer / spacing) + 2
    row_height = spacing * math.sqrt(3) / 2
    rows = int(outer / row_height) + 2
    return [
        (col * spacing + (spacing / 2 if row % 2 else 0.0), row * row_height)
        for row in range(-rows, rows + 1)
        for col in range(-steps - 1, steps + 1)
    ]


def _place_cell(
    count: int, inner: float, outer: float, start: float, end: float, full: bool
) -> list[Point] | None:
    """`count` points in the cell, at least RADAR_SPACING apart and as spread as fits; None
    when the cell cannot hold them."""
    if count == 0:
        return []
    margin = RADAR_SPACING / 2
    middle_radius = (inner + outer) / 2 if inner > 0 or full else outer * 0.55
    middle_angle = (start + end) / 2
    centre = (middle_radius * math.cos(middle_angle), middle_radius * math.sin(middle_angle))
    if full and inner == 0:
        centre = (0.0, 0.0)
    spacing = max(outer - inner, RADAR_SPACING * 2)
    while spacing >= RADAR_SPACING:
        inside = [
            p
            for p in _lattice(outer, spacing)
            if _in_cell(p, inner, outer, start, end, margin, full)
        ]
        if len(inside) >= count:
            inside.sort(key=lambda p: (round(math.hypot(p[0] - centre[0], p[1] - centre[1]), 3), p))
            return inside[:count]
        spacing = (
            spacing * 0.92
            if spacing * 0.92 >= RADAR_SPACING or spacing == RADAR_SPACING
            else RADAR_SPACING
        )
    return None


def _radar_layout(
    cells: Mapping[tuple[int, int], int], quadrants: int
) -> tuple[tuple[float, ...], dict[tuple[int, int], list[Point]]]:
    scale = 1.0
    while True:
        radii = tuple(r * scale for r in RADAR_RADII)
        placed: dict[tuple[int, int], list[Point]] = {}
        for (quadrant, ring), count in sorted(cells.items()):
            start, end = _sector(quadrant, quadrants)
            inner = radii[ring - 1] if ring else 0.0
            points = _place_cell(count, inner, radii[ring], start, end, quadrants == 1)
            if points is None:
                break
            placed[(quadrant, ring)] = points
        else:
            return radii, placed
        scale *= 1.1


QUADRANT_FONT = 16.0


def _radar_labels(names: Sequence[str], radius: float) -> list[tuple[float, float, str]]:
    """Where each quadrant's name goes: (x, y, text-anchor). Above or below the circle, at the
    side of its sector (so that the drawing is no wider than the circle), or beside the circle
    for a sector facing left or right."""
    out = []
    for q in range(len(names)):
        start, end = _sector(q, len(names))
        sin, cos = math.sin((start + end) / 2), math.cos((start + end) / 2)
        if abs(sin) >= 0.35:
            y = -(radius + 18) if sin < 0 else radius + 32
            if cos > 0.35:
                out.append((radius, y, "end"))
            elif cos < -0.35:
                out.append((-radius, y, "start"))
            else:
                out.append((0.0, y, "middle"))
        else:
            out.append((radius + 14, 5.0, "start") if cos > 0 else (-(radius + 14), 5.0, "end"))
    return out


def _label_width(name: str) -> float:
    return len(clean_text(name, 30)) * QUADRANT_FONT * 0.6 + 20


def _radar_box(names: Sequence[str], radius: float) -> tuple[float, float, float, float]:
    left, top, right, bottom = -radius - 12, -radius - 12, radius + 12, radius + 12
    for (x, y, anchor), name in zip(_radar_labels(names, radius), names, strict=True):
        width = _label_width(name)
        lo = x if anchor == "start" else x - width if anchor == "end" else x - width / 2
        left, right = min(left, lo - 8), max(right, lo + width + 8)
        top, bottom = min(top, y - 26), max(bottom, y + 12)
    return left, top, right, bottom


def draw_radar(
    entries: Sequence[RadarEntry],
    quadrants: Sequence[str],
    *,
    title: str = "Tech radar",
    id_prefix: str = "lsc-radar",
) -> RadarDrawing:
    """The radar as an SVG element and the number drawn for each entry (id -> number).

    quadrants: 1 to 6 distinct names, drawn clockwise from the top. Raises ValueError for an
    entry whose ring is not in RINGS or whose quadrant is not among `quadrants`.
    """
    names = list(quadrants)
    if not 1 <= len(names) <= 6 or len(set(names)) != len(names):
        raise ValueError("draw_radar needs 1 to 6 distinct quadrants")
    index = {name: i for i, name in enumerate(names)}
    for entry in entries:
        if entry.ring not in RINGS or entry.quadrant not in index:
            raise ValueError(f"radar entry {entry.id}: unknown ring or quadrant")
    ordered = sorted(
        entries,
        key=lambda e: (index[e.quadrant], RINGS.index(e.ring), clean_text(e.name).casefold(), e.id),
    )
    numbers = {entry.id: n for n, entry in enumerate(ordered, start=1)}
    cells: dict[tuple[int, int], int] = {}
    for entry in ordered:
        key = (index[entry.quadrant], RINGS.index(entry.ring))
        cells[key] = cells.get(key, 0) + 1
    radii, placed = _radar_layout(cells, len(names))
    outer = radii[-1]
    colours = department_colours(names)

    left, top, right, bottom = _radar_box(names, outer)
    legend_parts, key_height = _radar_key(left + 12, bottom + 8, right - left - 24)
    box = (left, top, right - left, bottom - top + key_height + 16)
    desc = _(
        "%(count)d tools in %(quadrants)d quadrants and four rings, from Adopt in the middle "
        "to Hold outside; new and moved tools are marked."
    ) % {"count": len(entries), "quadrants": len(names)}
    parts = _svg_open(id_prefix, box, title, desc, "lsc-radar")
    parts.extend(_radar_grid(names, radii, colours))
    parts.append('<g class="lsc-radar-entries">')
    at: dict[tuple[int, int], int] = {}
    for entry in ordered:
        key = (index[entry.quadrant], RINGS.index(entry.ring))
        i = at.get(key, 0)
        at[key] = i + 1
        parts.append(
            _radar_entry(entry, numbers[entry.id], placed[key][i], colours[entry.quadrant])
        )
    parts.append("</g>")
    parts.extend(legend_parts)
    if not entries:
        parts.append(_text(0, 6, html.escape(_("No tools match")), 18, anchor="middle"))
    parts.append("</svg>")
    return RadarDrawing("".join(parts), numbers)


def _radar_grid(
    names: Sequence[str], radii: Sequence[float], colours: Mapping[str, str]
) -> list[str]:
    parts = ['<g class="lsc-radar-grid">']
    parts.extend(
        f'<circle cx="0" cy="0" r="{_f(radii[ring])}" fill="{RING_FILLS[ring]}" '
        f'stroke="#b9c1cf" stroke-width="1.5"/>'
        for ring in reversed(range(len(RINGS)))
    )
    count = len(names)
    if count > 1:
        for q in range(count):
            start, _end = _sector(q, count)
            x, y = radii[-1] * math.cos(start), radii[-1] * math.sin(start)
            parts.append(
                f'<line x1="0" y1="0" x2="{_f(x)}" y2="{_f(y)}" stroke="#8a93a3" stroke-width="2"/>'
            )
    # Ring names astride the top of each ring's circle, on a halo: the dots keep clear of it.
    for ring, name in enumerate(RINGS):
        words = html.escape(_ring_name(name))
        y = -radii[ring] + 4.5
        parts.append(_text(0, y, words, 12, anchor="middle", extra=' font-weight="700"'))
    for (x, y, anchor), name in zip(_radar_labels(names, radii[-1]), names, strict=True):
        # A swatch of the quadrant's dot colour: on the outer side of the name.
        width = _label_width(name)
        if anchor == "start":
            swatch, text_x = x + 7, x + 20
        elif anchor == "end":
            swatch, text_x = x - 7, x - 20
        else:
            swatch, text_x = x - width / 2 + 7, x + 10
        parts.append(
            f'<circle cx="{_f(swatch)}" cy="{_f(y - 5.5)}" r="7" fill="{colours[name]}" '
            f'stroke="{INK}" stroke-width="1"/>'
        )
        parts.append(
            _text(
                text_x, y, _esc(name, 30), QUADRANT_FONT, anchor=anchor, extra=' font-weight="700"'
            )
        )
    parts.append("</g>")
    return parts


def _ring_name(ring: str) -> str:
    return {"Adopt": _("Adopt"), "Trial": _("Trial"), "Assess": _("Assess"), "Hold": _("Hold")}[
        ring
    ]


def _radar_entry(entry: RadarEntry, number: int, point: Point, colour: str) -> str:
    x, y = point
    r = RADAR_DOT
    marks = ""
    if entry.is_new:
        marks += (
            f'<circle cx="{_f(x)}" cy="{_f(y)}" r="{_f(r + 4)}" fill="none" '
            f'stroke="{INK}" stroke-width="2" class="lsc-new"/>'
        )
    if entry.moved:
        # A triangle on the side towards the centre (moved in) or away from it (moved out).
        distance = math.hypot(x, y) or 1.0
        ux, uy = x / distance, y / distance
        sign = -1 if entry.moved > 0 else 1
        tip = r + 10
        base = r + 1
        tx, ty = x + sign * ux * tip, y + sign * uy * tip
        bx, by = x + sign * ux * base, y + sign * uy * base
        px, py = -uy * 6, ux * 6
        marks += (
            f'<path d="M{_f(tx)},{_f(ty)} L{_f(bx + px)},{_f(by + py)} '
            f'L{_f(bx - px)},{_f(by - py)} z" '
            f'fill="{INK}" class="lsc-moved"/>'
        )
    ink = _ink_on(colour)
    size = 10 if number < 100 else 8
    dot = (
        f'<circle cx="{_f(x)}" cy="{_f(y)}" r="{_f(r)}" fill="{colour}" stroke="{INK}" '
        f'stroke-width="1" class="lsc-dot"/>'
        f'<text x="{_f(x)}" y="{_f(y + size * 0.36)}" font-size="{size}" font-weight="700" '
        f'text-anchor="middle" fill="{ink}" aria-hidden="true">{number}</text>'
    )
    state = []
    if entry.is_new:
        state.append(_("new"))
    if entry.moved > 0:
        state.append(_("moved in"))
    elif entry.moved < 0:
        state.append(_("moved out"))
    words = [
        f"{number}. {clean_text(entry.name, TITLE_CHARS)}",
        _ring_name(entry.ring),
        clean_text(entry.quadrant),
        *state,
    ]
    if entry.description:
        words.append(clean_text(entry.description, TITLE_CHARS))
    title = f"<title>{html.escape(', '.join(w for w in words if w), quote=True)}</title>"
    url = safe_url(entry.url)
    if url is None:
        return f'<g class="lsc-entry">{title}{marks}{dot}</g>'
    return f'<a href="{html.escape(url, quote=True)}" class="lsc-entry">{title}{marks}{dot}</a>'


def _radar_key(left: float, top: float, width: float) -> tuple[list[str], float]:
    """The radar's legend, wrapped to `width`, and its height."""
    size = 14.0
    r = RADAR_DOT
    cx = r + 12  # room for the "moved" triangle on the left
    dot = f'<circle cx="{_f(cx)}" cy="0" r="{_f(r)}" fill="#ffffff" stroke="{INK}"/>'
    new = (
        f'<circle cx="{_f(cx)}" cy="0" r="{_f(r + 4)}" fill="none" stroke="{INK}" '
        f'stroke-width="2"/>'
    )
    moved = (
        f'<path d="M{_f(cx - r - 10)},0 L{_f(cx - r - 1)},-6 L{_f(cx - r - 1)},6 z" fill="{INK}"/>'
    )
    items = [
        (dot, _("unchanged")),
        (new + dot, _("new in its ring since last quarter")),
        (moved + dot, _("moved in or out: the triangle points the way it moved")),
    ]
    parts = [f'<g class="lsc-key" aria-hidden="true" font-size="{_f(size)}" fill="{INK}">']
    x, y = left, top + 14
    for sample, words in items:
        item_width = cx + r + 10 + len(words) * size * 0.56 + 24
        if x > left and x + item_width > left + width:
            x, y = left, y + 32
        parts.append(
            f'<g transform="translate({_f(x)} {_f(y)})">{sample}'
            f'<text x="{_f(cx + r + 8)}" y="5">{html.escape(words)}</text></g>'
        )
        x += item_width
    parts.append("</g>")
    return parts, y + 16 - top
