"""What breaks when a tool goes: the rule of landscape.impact on small graphs."""

from __future__ import annotations

from landscape.impact import Flow, graph, impact


def flows(*edges: tuple[int, int]) -> list[Flow]:
    return [Flow(n, s, t) for n, (s, t) in enumerate(edges, start=100)]


def test_direct_neighbours_either_way_and_everything_downstream():
    # 1 -> 2 -> 3 -> 4, and 5 -> 2 (5 only sends to 2).
    g = graph(flows((1, 2), (2, 3), (3, 4), (5, 2)))
    found = impact(g, 2)
    assert found.direct == [1, 3, 5]
    assert found.transitive == [4]
    assert found.tools[4] == 2
    assert found.flows == {100: "direct", 101: "direct", 103: "direct", 102: "transitive"}


def test_upstream_of_the_upstream_is_not_affected():
    # 7 -> 1 -> 2: removing 2 breaks 1's flow into it, not 7's flow into 1.
    found = impact(graph(flows((7, 1), (1, 2))), 2)
    assert found.direct == [1]
    assert found.transitive == []
    assert 100 not in found.flows


def test_a_cycle_is_walked_once_and_the_removed_tool_is_not_its_own_victim():
    # 1 -> 2 -> 3 -> 1
    found = impact(graph(flows((1, 2), (2, 3), (3, 1))), 1)
    assert found.direct == [2, 3]
    assert 1 not in found.tools
    assert found.flows == {100: "direct", 102: "direct", 101: "transitive"}


def test_a_diamond_counts_each_tool_once_at_its_shortest_distance():
    # 1 -> 2 -> 4, 1 -> 3 -> 4, 4 -> 5
    found = impact(graph(flows((1, 2), (1, 3), (2, 4), (3, 4), (4, 5))), 1)
    assert found.tools == {2: 1, 3: 1, 4: 2, 5: 3}
    assert sorted(k for k, v in found.flows.items() if v == "transitive") == [102, 103, 104]


def test_a_disconnected_part_is_untouched_and_an_isolated_tool_breaks_nothing():
    g = graph(flows((1, 2), (3, 4)))
    assert impact(g, 1).tools == {2: 1}
    assert impact(g, 9).tools == {}
    assert impact(g, 9).flows == {}


def test_two_flows_between_the_same_tools_both_break():
    found = impact(graph([Flow(1, 1, 2), Flow(2, 1, 2)]), 1)
    assert found.flows == {1: "direct", 2: "direct"}


def test_the_walk_does_not_go_on_through_the_integration_platform():
    # 1 -> P -> 3 -> 4, and 1 -> 5 -> 6: P is hit, what it routes on is not attributed to 1.
    g = graph(flows((1, 9), (9, 3), (3, 4), (1, 5), (5, 6)))
    found = impact(g, 1, platforms=frozenset({9}))
    assert found.tools == {9: 1, 5: 1, 6: 2}
    assert found.flows == {100: "direct", 103: "direct", 104: "transitive"}
    # Removing the platform itself breaks its own flows, and what is downstream of them.
    assert impact(g, 9, platforms=frozenset({9})).tools == {1: 1, 3: 1, 4: 2}
