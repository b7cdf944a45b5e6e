"""Reciprocal rank fusion and min-max normalisation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paperfeed.rank.fusion import minmax, rrf

rankings = st.lists(st.lists(st.integers(0, 30), max_size=20), max_size=5)


def test_rrf_hand_computed() -> None:
    fused = rrf([["a", "b", "c"], ["b", "c", "d"]], k=60)
    expected = {
        "a": 1 / 61,
        "b": 1 / 62 + 1 / 61,
        "c": 1 / 63 + 1 / 62,
        "d": 1 / 63,
    }
    assert [item for item, _ in fused] == ["b", "c", "a", "d"]
    for item, score in fused:
        assert score == pytest.approx(expected[item], rel=1e-12)


def test_rrf_weights() -> None:
    fused = dict(rrf([["x", "y"], ["y", "x"]], k=1, weights=[3.0, 1.0]))
    assert fused["x"] == pytest.approx(3 / 2 + 1 / 3)
    assert fused["y"] == pytest.approx(3 / 3 + 1 / 2)
    assert rrf([["x", "y"], ["y", "x"]], k=1, weights=[3.0, 1.0])[0][0] == "x"


def test_rrf_scales_multiply_one_lists_contribution() -> None:
    fused = dict(rrf([["x", "y"], ["y", "x"]], k=1, scales=[{"x": 0.25}, None]))
    assert fused["x"] == pytest.approx(0.25 / 2 + 1 / 3)
    assert fused["y"] == pytest.approx(1 / 3 + 1 / 2)  # an item the map lacks keeps its weight
    with pytest.raises(ValueError):
        rrf([["a"]], scales=[None, None])


def test_rrf_ties_keep_first_appearance() -> None:
    assert [i for i, _ in rrf([["p", "q"], ["q", "p"]])] == ["p", "q"]
    assert [i for i, _ in rrf([["z"], ["y"], ["x"]])] == ["z", "y", "x"]
    assert [i for i, _ in rrf([["a", "b", "c"], ["c", "b", "a"], ["b", "a", "c"]])][0] == "b"


def test_rrf_duplicates_within_a_list_count_once() -> None:
    assert dict(rrf([["a", "b", "a"]], k=0)) == {"a": 1.0, "b": 0.5}


def test_rrf_empty_and_bad_arguments() -> None:
    assert rrf([]) == []
    assert rrf([[], []]) == []
    with pytest.raises(ValueError):
        rrf([["a"]], weights=[1.0, 2.0])
    with pytest.raises(ValueError):
        rrf([["a"]], weights=[-1.0])
    with pytest.raises(ValueError):
        rrf([["a"]], k=-1)


@given(rankings)
def test_rrf_output_is_permutation_of_union(lists: list[list[int]]) -> None:
    fused = rrf(lists)
    items = [i for i, _ in fused]
    assert sorted(items) == sorted({i for lst in lists for i in lst})
    scores = [s for _, s in fused]
    assert scores == sorted(scores, reverse=True)


@given(rankings, st.integers(100, 200))
def test_rrf_item_first_everywhere_wins(lists: list[list[int]], top: int) -> None:
    lists = [[top, *lst] for lst in lists] or [[top]]
    assert rrf(lists)[0][0] == top


@given(st.lists(st.integers(0, 30), max_size=20, unique=True))
def test_rrf_single_list_keeps_order(ranking: list[int]) -> None:
    assert [i for i, _ in rrf([ranking])] == ranking


@given(rankings)
def test_rrf_scores_do_not_depend_on_list_order(lists: list[list[int]]) -> None:
    forward = dict(rrf(lists))
    backward = dict(rrf(lists[::-1]))
    assert forward == backward


def test_minmax() -> None:
    assert minmax({"a": 2.0, "b": 4.0, "c": 3.0}) == {"a": 0.0, "b": 1.0, "c": 0.5}
    assert minmax({"a": 7.0, "b": 7.0}) == {"a": 1.0, "b": 1.0}
    assert minmax({}) == {}
    with pytest.raises(ValueError):
        minmax({"a": float("nan")})


@given(st.dictionaries(st.integers(), st.floats(-1e6, 1e6), min_size=1))
def test_minmax_range_and_order(scores: dict[int, float]) -> None:
    out = minmax(scores)
    assert out.keys() == scores.keys()
    assert all(0.0 <= v <= 1.0 for v in out.values())
    assert max(out.values()) == 1.0
    for a in scores:
        for b in scores:
            if scores[a] < scores[b]:
                assert out[a] <= out[b]
