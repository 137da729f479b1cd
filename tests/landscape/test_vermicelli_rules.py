"""A loop is vermicelli only when wired point to point."""

from __future__ import annotations

from landscape.drawing import MapEdge, MapNode, vermicelli


def node(i, platform=False):
    return MapNode(i, f"T{i}", "IT", "IT", "adopted", "governed", f"/t/{i}/", is_platform=platform)


def test_a_loop_through_the_platform_is_not_a_cycle_but_a_wired_one_is():
    nodes = [node(1), node(2), node(3), node(9, platform=True)]
    through_platform = [
        MapEdge(1, 1, 9, "high", "platform"),
        MapEdge(2, 9, 2, "high", "platform"),
        MapEdge(3, 2, 3, "low", "api"),
        MapEdge(4, 3, 1, "low", "api"),
    ]
    assert vermicelli(nodes, through_platform).cycles == []
    wired = [*through_platform, MapEdge(5, 1, 2, "low", "file")]
    assert vermicelli(nodes, wired).cycles == [[1, 2, 3]]
    assert vermicelli(nodes, wired).point_to_point == [3, 4, 5]
