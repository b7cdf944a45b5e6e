"""Ranking metrics on hand-computed examples, plus range properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paperfeed.eval.metrics import average_precision, graded_ndcg, mrr, ndcg_at, r_precision, recall_at

ORDER = np.array([3, 1, 4, 0, 2])  # ranked candidate positions, best first
RELEVANT = {1, 2}


def test_recall_at() -> None:
    assert recall_at(ORDER, RELEVANT, 1) == 0.0
    assert recall_at(ORDER, RELEVANT, 2) == 0.5
    assert recall_at(ORDER, RELEVANT, 4) == 0.5
    assert recall_at(ORDER, RELEVANT, 5) == 1.0
    assert recall_at(ORDER, RELEVANT, 100) == 1.0
    assert recall_at(ORDER, set(), 3) == 0.0
    assert recall_at(ORDER, {9}, 5) == 0.0  # a relevant item that is not a candidate


def test_ndcg_at() -> None:
    # relevant at ranks 2 and 5: DCG = 1/log2(3) + 1/log2(6); ideal = 1/log2(2) + 1/log2(3)
    expected = (1 / math.log2(3) + 1 / math.log2(6)) / (1 + 1 / math.log2(3))
    assert ndcg_at(ORDER, RELEVANT, 5) == pytest.approx(expected)
    # cut at 2: only rank 2 counts; ideal at 2 has both
    assert ndcg_at(ORDER, RELEVANT, 2) == pytest.approx((1 / math.log2(3)) / (1 + 1 / math.log2(3)))
    assert ndcg_at(np.array([1, 2, 0]), RELEVANT, 2) == pytest.approx(1.0)
    assert ndcg_at(np.array([0, 1]), {1}, 1) == 0.0
    assert ndcg_at(ORDER, set(), 5) == 0.0


def test_mrr() -> None:
    assert mrr(ORDER, RELEVANT) == 0.5
    assert mrr(ORDER, {3}) == 1.0
    assert mrr(ORDER, {2}) == pytest.approx(1 / 5)
    assert mrr(ORDER, {7}) == 0.0
    assert mrr(ORDER, set()) == 0.0


def test_graded_ndcg() -> None:
    grades = {"a": 0, "b": 3, "c": 1, "d": 2, "e": 3}
    order = ["a", "b", "c", "d", "e"]
    dcg = 0 + 3 / math.log2(3) + 1 / math.log2(4)
    idcg = 3 + 3 / math.log2(3) + 2 / math.log2(4)
    assert graded_ndcg(order, grades, 3) == pytest.approx(dcg / idcg)
    assert graded_ndcg(["b", "e", "d", "c", "a"], grades, 5) == pytest.approx(1.0)
    assert graded_ndcg(["x", "y"], grades, 2) == 0.0  # unjudged items have gain 0
    assert graded_ndcg(order, {"a": 0, "b": 0}, 3) == 0.0
    assert graded_ndcg([], grades, 3) == 0.0


def test_graded_ndcg_ideal_uses_every_judged_item() -> None:
    # "e" (grade 3) is judged but missing from the ranking: the ideal still counts it
    grades = {"a": 3, "e": 3}
    assert graded_ndcg(["a"], grades, 2) == pytest.approx(1 / (1 + 1 / math.log2(3)))


def test_average_precision() -> None:
    order = ["a", "b", "c", "d"]
    assert average_precision(order, {"b", "d", "z"}) == pytest.approx((1 / 2 + 2 / 4) / 3)
    assert average_precision(order, {"a", "b"}) == pytest.approx(1.0)
    assert average_precision(order, {"d"}) == pytest.approx(1 / 4)
    assert average_precision(order, set()) == 0.0
    assert average_precision([], {"a"}) == 0.0


def test_r_precision() -> None:
    order = ["a", "b", "c", "d"]
    assert r_precision(order, {"b", "d", "z"}) == pytest.approx(1 / 3)
    assert r_precision(order, {"a", "b"}) == 1.0
    assert r_precision(order, {"c"}) == 0.0
    assert r_precision(order, set()) == 0.0


perm_and_rel = st.integers(1, 30).flatmap(lambda n: st.tuples(
    st.permutations(list(range(n))), st.sets(st.integers(0, n + 3)), st.integers(1, n + 5)))


@settings(max_examples=200, deadline=None)
@given(perm_and_rel)
def test_metrics_are_in_unit_interval(args) -> None:
    perm, rel, k = args
    order = np.array(perm)
    for v in (recall_at(order, rel, k), ndcg_at(order, rel, k), mrr(order, rel), average_precision(perm, rel),
              r_precision(perm, rel)):
        assert 0.0 <= v <= 1.0 + 1e-12
    grades = {i: (i * 7) % 4 for i in rel}
    assert 0.0 <= graded_ndcg(perm, grades, k) <= 1.0 + 1e-12


@settings(max_examples=100, deadline=None)
@given(perm_and_rel)
def test_perfect_ranking_scores_one(args) -> None:
    perm, rel, _ = args
    rel = {i for i in rel if i < len(perm)}
    if not rel:
        return
    order = np.array(sorted(perm, key=lambda i: (i not in rel, i)))
    assert recall_at(order, rel, len(rel)) == 1.0
    assert ndcg_at(order, rel, len(perm)) == pytest.approx(1.0)
    assert mrr(order, rel) == 1.0
    assert average_precision(order.tolist(), rel) == pytest.approx(1.0)
    assert r_precision(order.tolist(), rel) == 1.0
