"""landscape.drawing: the vermicelli rules, the integration map's SVG (links, escaping, the CSP,
determinism) and the radar's placement. Pure functions: no database."""

from __future__ import annotations

import itertools
import math
import random
import re
import xml.etree.ElementTree as ET

import pytest

from landscape.drawing import (
    CYCLE_LIMIT,
    CYCLE_MAX_LENGTH,
    LABEL_CHARS,
    LARGE_GRAPH,
    PALETTE,
    RADAR_DOT,
    RADAR_SPACING,
    RINGS,
    TITLE_CHARS,
    MapEdge,
    MapNode,
    RadarEntry,
    draw_map,
    draw_radar,
    vermicelli,
)

SVG = "{http://www.w3.org/2000/svg}"


def node(i, label=None, department="HR", lifecycle="adopted", *, platform=False, url=None):
    return MapNode(
        id=i,
        label=label if label is not None else f"Tool {i}",
        department=department,
        department_name=f"{department} department",
        lifecycle=lifecycle,
        lane="governed",
        url=url if url is not None else f"/landscape/tools/{i}/",
        is_platform=platform,
    )


def edge(i, source, target, method="api", criticality="medium"):
    return MapEdge(id=i, source=source, target=target, criticality=criticality, method=method)


def chain(pairs, method="api"):
    return [edge(i, a, b, method) for i, (a, b) in enumerate(pairs, start=1)]


def parse(svg):
    root = ET.fromstring(svg)  # noqa: S314 (our own output, parsed to check it)
    assert root.tag == f"{SVG}svg"
    return root


def node_links(root):
    return [a for a in root.iter(f"{SVG}a") if "lsc-node" in a.get("class", "")]


# --- vermicelli


def test_a_tool_with_many_connections_is_a_hub_and_a_small_one_is_not():
    nodes = [node(i) for i in range(1, 11)]
    edges = chain([(1, i) for i in range(2, 8)] + [(8, 9), (9, 10), (10, 8)])
    found = vermicelli(nodes, edges)
    assert found.hubs == [1]  # degree 6 >= 5; every other tool has 1 or 2


def test_no_hub_below_the_minimum_degree_even_when_it_is_the_top_tool():
    nodes = [node(i) for i in range(1, 6)]
    edges = chain([(1, 2), (1, 3), (1, 4), (1, 5)])
    assert vermicelli(nodes, edges).hubs == []


def test_the_platform_is_never_a_hub():
    nodes = [node(0, platform=True)] + [node(i) for i in range(1, 9)]
    edges = chain([(0, i) for i in range(1, 9)], method="platform")
    assert vermicelli(nodes, edges).hubs == []


def test_a_three_cycle_is_found_once_starting_at_its_smallest_id():
    nodes = [node(i) for i in (3, 5, 9)]
    edges = chain([(5, 9), (9, 3), (3, 5)])
    assert vermicelli(nodes, edges).cycles == [[3, 5, 9]]


def test_a_diamond_has_no_cycle_and_a_two_way_sync_is_not_reported():
    nodes = [node(i) for i in range(1, 7)]
    edges = chain([(1, 2), (1, 3), (2, 4), (3, 4), (5, 6), (6, 5)])
    assert vermicelli(nodes, edges).cycles == []


def test_point_to_point_is_every_non_platform_method_between_two_tools():
    nodes = [node(0, platform=True), node(1), node(2)]
    edges = [
        edge(10, 1, 2, "api"),  # point-to-point
        edge(11, 1, 2, "manual"),  # point-to-point: a person re-keys it, still bypassing
        edge(12, 1, 2, "platform"),  # routed through the platform
        edge(13, 1, 0, "api"),  # into the platform
        edge(14, 0, 2, "file"),  # out of the platform
    ]
    assert vermicelli(nodes, edges).point_to_point == [10, 11]


def test_disconnected_parts_dangling_edges_and_self_loops():
    nodes = [node(i) for i in range(1, 8)]
    edges = chain([(1, 2), (2, 3), (3, 1), (4, 5), (5, 6), (6, 4), (7, 7), (7, 99)])
    found = vermicelli(nodes, edges)
    assert found.cycles == [[1, 2, 3], [4, 5, 6]]
    # The self-loop and the edge to a tool not drawn are ignored altogether.
    assert found.point_to_point == [1, 2, 3, 4, 5, 6]


def test_a_dense_graph_cannot_explode_the_cycle_search():
    nodes = [node(i) for i in range(40)]
    edges = [
        edge(n, a, b) for n, (a, b) in enumerate(itertools.permutations(range(40), 2), start=1)
    ]
    cycles = vermicelli(nodes, edges).cycles
    assert 0 < len(cycles) <= CYCLE_LIMIT
    assert all(3 <= len(c) <= CYCLE_MAX_LENGTH for c in cycles)
    assert all(c[0] == min(c) for c in cycles)
    assert all(len(set(c)) == len(c) for c in cycles)


# --- the map


def demo():
    nodes = [
        node(1, "Marketing automation", "MKT"),
        node(2, "CRM", "MKT"),
        node(3, "HR system", "HR", "standard"),
        node(4, "Payroll", "HR", "pilot"),
        node(5, "Integration platform", "IT", platform=True),
        node(6, "Ledger", "FIN"),
    ]
    edges = [
        edge(1, 1, 2, criticality="high"),
        edge(2, 2, 3, criticality="critical"),
        edge(3, 3, 4, method="file"),
        edge(4, 4, 1, method="manual", criticality="low"),
        edge(5, 6, 5, method="platform"),
        edge(6, 5, 3, method="platform"),
    ]
    return nodes, edges


def test_every_node_is_a_link_to_its_page_named_by_its_title():
    nodes, edges = demo()
    root = parse(draw_map(nodes, edges).svg)
    links = node_links(root)
    assert sorted(a.get("href") for a in links) == sorted(n.url for n in nodes)
    titles = {a.get("href"): a.find(f"{SVG}title").text for a in links}
    assert titles["/landscape/tools/4/"] == "Payroll, HR department, pilot, 2 connections"
    assert "integration platform" in titles["/landscape/tools/5/"]


def test_an_unsafe_url_is_not_a_link():
    nodes = [node(1, url="javascript:alert(1)"), node(2, url=" data:text/html,x"), node(3)]
    svg = draw_map(nodes, []).svg
    assert "javascript" not in svg
    assert "data:" not in svg
    assert [a.get("href") for a in node_links(parse(svg))] == ["/landscape/tools/3/"]


def test_accessible_svg_within_the_csp():
    nodes, edges = demo()
    svg = draw_map(nodes, edges, title="Map <of> tools").svg
    root = parse(svg)
    assert root.get("role") == "group"  # it holds links: not a presentational image
    assert root.get("width") == "100%"
    assert root.get("viewBox")
    ids = root.get("aria-labelledby").split()
    by_id = {el.get("id"): el for el in root.iter() if el.get("id")}
    assert [by_id[i].tag for i in ids] == [f"{SVG}title", f"{SVG}desc"]
    assert by_id[ids[0]].text == "Map <of> tools"
    assert all(el.get("style") is None for el in root.iter())
    assert not list(root.iter(f"{SVG}style"))
    assert not list(root.iter(f"{SVG}script"))
    assert not list(root.iter(f"{SVG}foreignObject"))
    assert not list(root.iter(f"{SVG}image"))
    # No external reference: every url(...) points into the document.
    assert set(re.findall(r"url\(([^)]*)\)", svg)) <= {f"#{i}" for i in by_id}
    assert re.findall(r"https?://[^\"]*", svg) == ["http://www.w3.org/2000/svg"]


def test_edges_show_direction_criticality_cycles_and_point_to_point():
    nodes, edges = demo()
    drawing = draw_map(nodes, edges)
    assert drawing.vermicelli.cycles == [[1, 2, 3, 4]]
    assert drawing.vermicelli.point_to_point == [1, 2, 3, 4]
    root = parse(drawing.svg)
    lines = [el for el in root.iter(f"{SVG}line") if "lsc-edge" in el.get("class", "")]
    assert len(lines) == len(edges)
    assert all(el.get("marker-end", "").startswith("url(#") for el in lines)
    widths = {el.get("stroke-width") for el in lines}
    assert {"2.8", "4", "1"} <= widths  # high, critical, low
    p2p = [el for el in lines if "lsc-p2p" in el.get("class")]
    assert len(p2p) == 4
    assert all(el.get("stroke-dasharray") for el in p2p)
    assert len({el.get("stroke") for el in lines}) == 2  # cycle edges stand out


def test_departments_keep_their_colour_when_the_map_is_filtered():
    nodes, edges = demo()
    order = ["FIN", "HR", "IT", "MKT"]
    full = draw_map(nodes, edges, department_order=order).legend
    assert full == [
        ("FIN department", PALETTE[0]),
        ("HR department", PALETTE[1]),
        ("IT department", PALETTE[2]),
        ("MKT department", PALETTE[3]),
    ]
    only_hr = [n for n in nodes if n.department == "HR"]
    assert draw_map(only_hr, edges, department_order=order).legend == [
        ("HR department", PALETTE[1])
    ]


HOSTILE = [
    "<script>alert(\"x\")</script> & Co 'quoted'",
    "NUL\x00inside\x07bell",
    "lone \ud800 surrogate \udfff",
    "\u202eevil override\u202c and \u200fRTL mark \u05e9\u05dc\u05d5\u05dd",
    "x" * 10_000,
    "]]> <!-- -->",
]


def test_hostile_labels_give_valid_escaped_svg():
    nodes = [node(i, label, department=label) for i, label in enumerate(HOSTILE, start=1)]
    edges = [MapEdge(1, 1, 2, "high", "api", label=HOSTILE[0]), MapEdge(2, 2, 3, "low", "file")]
    drawing = draw_map(nodes, edges, title=HOSTILE[1])
    svg = drawing.svg
    svg.encode("utf-8")  # a lone surrogate would fail here
    root = parse(svg)
    assert "\x00" not in svg
    assert "\u202e" not in svg
    assert "<script" not in svg
    titles = [a.find(f"{SVG}title").text for a in node_links(root)]
    assert titles[0].startswith("<script>alert(\"x\")</script> & Co 'quoted'")
    assert titles[1].startswith("NULinsidebell")
    assert "\u200fRTL mark" in titles[3]
    assert titles[4].startswith("x" * (TITLE_CHARS - 1) + "…")
    labels = [t.text for t in root.find(f".//{SVG}g[@class='lsc-labels']")]
    assert labels[4] == "x" * (LABEL_CHARS - 1) + "…"
    assert all(len(t) <= LABEL_CHARS for t in labels)
    # Department names (hostile here too) are cut as well: no text carries the 10,000 characters.
    assert max(len(t) for t in root.itertext()) < 2 * TITLE_CHARS
    legend_names = [name for name, _ in drawing.legend]
    assert not any("\x00" in n or "\ud800" in n for n in legend_names)


def test_same_input_same_drawing_whatever_the_order():
    nodes, edges = demo()
    first = draw_map(nodes, edges).svg
    shuffled_nodes, shuffled_edges = list(nodes), list(edges)
    random.Random(4).shuffle(shuffled_nodes)
    random.Random(5).shuffle(shuffled_edges)
    assert draw_map(shuffled_nodes, shuffled_edges).svg == first


def test_an_empty_map_says_so():
    drawing = draw_map([], [])
    root = parse(drawing.svg)
    assert root.get("role") == "group"  # it holds links: not a presentational image
    assert "No tools match" in "".join(root.itertext())
    assert drawing.vermicelli.hubs == drawing.vermicelli.cycles == []
    assert drawing.legend == []


def test_a_large_map_labels_only_its_hubs_and_the_platform():
    count = LARGE_GRAPH + 50
    nodes = [node(0, "Platform", "IT", platform=True)] + [
        node(i, f"Tool {i}", ["HR", "MKT", "FIN"][i % 3]) for i in range(1, count)
    ]
    edges = [edge(i, 1 + i % 7, 8 + i) for i in range(120)]
    drawing = draw_map(nodes, edges)
    root = parse(drawing.svg)
    assert len(node_links(root)) == count
    labels = root.find(f".//{SVG}g[@class='lsc-labels']")
    assert len(labels) == len(drawing.vermicelli.hubs) + 1
    assert drawing.vermicelli.hubs  # tools 1..7 have ~17 connections each


def test_positions_given_are_used():
    nodes, edges = demo()
    svg = draw_map(nodes, edges, positions={1: (1234.5, -987.0)}).svg
    assert 'cx="1234.5" cy="-987"' in svg


# --- the radar


QUADRANTS = ["Core HR", "Collaboration", "Marketing", "Finance"]


def entries_for(cells, per_cell):
    out = []
    n = 1
    for quadrant, ring in cells:
        for k in range(per_cell):
            out.append(
                RadarEntry(n, f"{quadrant} {ring} {k}", ring, quadrant, k % 3 == 0, k % 3 - 1)
            )
            n += 1
    return out


def dots(root):
    """entry number -> (x, y) of its dot, from the SVG."""
    found = {}
    for el in root.iter():
        if "lsc-entry" in el.get("class", ""):
            circle = next(c for c in el.iter(f"{SVG}circle") if c.get("class") == "lsc-dot")
            number = int(el.find(f"{SVG}title").text.split(".")[0])
            found[number] = (float(circle.get("cx")), float(circle.get("cy")))
    return found


def ring_radii(root):
    grid = root.find(f".//{SVG}g[@class='lsc-radar-grid']")
    return sorted(float(c.get("r")) for c in grid.findall(f"{SVG}circle") if c.get("cx") == "0")


@pytest.mark.parametrize(("quadrants", "per_cell"), [(4, 8), (4, 50), (6, 50), (1, 20), (3, 5)])
def test_radar_dots_sit_in_their_cell_without_overlapping(quadrants, per_cell):
    names = [f"Q{i}" for i in range(quadrants)]
    cells = list(itertools.product(names, RINGS))
    entries = entries_for(cells, per_cell)
    drawing = draw_radar(entries, names)
    root = parse(drawing.svg)
    radii = ring_radii(root)
    assert len(radii) == len(RINGS)
    placed = dots(root)
    assert sorted(placed) == sorted(drawing.numbers.values()) == list(range(1, len(entries) + 1))
    span = 2 * math.pi / quadrants
    for entry in entries:
        x, y = placed[drawing.numbers[entry.id]]
        ring = RINGS.index(entry.ring)
        inner = radii[ring - 1] if ring else 0.0
        assert inner + RADAR_DOT < math.hypot(x, y) < radii[ring] - RADAR_DOT
        angle = (math.atan2(y, x) + math.pi / 2) % (2 * math.pi)  # clockwise from the top
        quadrant = names.index(entry.quadrant)
        assert quadrant * span <= angle <= (quadrant + 1) * span
    for a, b in itertools.combinations(placed.values(), 2):
        assert math.dist(a, b) >= RADAR_SPACING - 0.2  # coordinates are rounded to 0.1


def test_radar_numbers_follow_quadrant_ring_and_name():
    entries = [
        RadarEntry(10, "Zoom", "Trial", "Collaboration", False),
        RadarEntry(11, "Slack", "Adopt", "Collaboration", True),
        RadarEntry(12, "Workday", "Hold", "Core HR", False, -1, url="/t/12/"),
        RadarEntry(13, "Personio", "Hold", "Core HR", False, 1),
        RadarEntry(14, "<b>&", "Assess", "Finance", False),
    ]
    drawing = draw_radar(entries, QUADRANTS)
    assert drawing.numbers == {13: 1, 12: 2, 11: 3, 10: 4, 14: 5}
    root = parse(drawing.svg)
    link = next(a for a in root.iter(f"{SVG}a"))
    assert link.get("href") == "/t/12/"
    assert link.find(f"{SVG}title").text == "2. Workday, Hold, Core HR, moved out"
    assert len([el for el in root.iter() if el.get("class") == "lsc-new"]) == 1
    assert len([el for el in root.iter() if el.get("class") == "lsc-moved"]) == 2
    assert "5. <b>&, Assess, Finance" in "".join(root.itertext())


def test_radar_is_deterministic_and_empty_radar_is_valid():
    entries = entries_for(itertools.product(QUADRANTS, RINGS), 3)
    assert draw_radar(entries, QUADRANTS).svg == draw_radar(entries[::-1], QUADRANTS).svg
    empty = draw_radar([], QUADRANTS)
    assert empty.numbers == {}
    assert "No tools match" in "".join(parse(empty.svg).itertext())


def test_radar_refuses_what_it_cannot_place():
    with pytest.raises(ValueError, match="quadrants"):
        draw_radar([], [])
    with pytest.raises(ValueError, match="quadrants"):
        draw_radar([], [f"Q{i}" for i in range(7)])
    with pytest.raises(ValueError, match="unknown ring or quadrant"):
        draw_radar([RadarEntry(1, "x", "Adopt", "Nowhere", False)], QUADRANTS)
    with pytest.raises(ValueError, match="unknown ring or quadrant"):
        draw_radar([RadarEntry(1, "x", "Keep", "Core HR", False)], QUADRANTS)
