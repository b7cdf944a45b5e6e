"""HNSW against exact search on clustered 384-d vectors, and its search expansion."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from paperfeed.index import ExactIndex, HnswIndex
from paperfeed.index.hnsw import auto_expansion_search

N, QUERIES, K = 5_000, 200, 10


@pytest.fixture(scope="module")
def data(clustered_vectors) -> tuple[np.ndarray, np.ndarray]:
    """5,000 indexed vectors and 200 held-out queries from the same clusters."""
    x = clustered_vectors(N + QUERIES, seed=3)
    return x[:N], x[N:]


@pytest.fixture(scope="module")
def pair(data) -> tuple[ExactIndex, HnswIndex]:
    """Exact and HNSW indexes over the same vectors."""
    x, _ = data
    ids = np.arange(N) * 3 + 1
    exact, hnsw = ExactIndex(384), HnswIndex(384)
    exact.add(ids, x)
    hnsw.add(ids, x)
    return exact, hnsw


def recall(truth: list[list[tuple[int, float]]], got: list[list[tuple[int, float]]]) -> float:
    """Mean share of the true neighbours found."""
    hits = [len({i for i, _ in t} & {i for i, _ in g}) / len(t) for t, g in zip(truth, got, strict=True)]
    return float(np.mean(hits))


def test_recall_at_10(pair, data) -> None:
    exact, hnsw = pair
    _, queries = data
    assert recall(exact.query_many(queries, K), hnsw.query_many(queries, K)) >= 0.95


def test_recall_with_exclusion(pair, data) -> None:
    exact, hnsw = pair
    _, queries = data
    banned = {i for i, _ in exact.query(queries[0], 30)}
    truth = exact.query_many(queries[:50], K, exclude=banned)
    got = hnsw.query_many(queries[:50], K, exclude=banned)
    assert all(len(g) == K and not banned & {i for i, _ in g} for g in got)
    assert recall(truth, got) >= 0.95


def test_scores_agree_with_exact(pair, data) -> None:
    exact, hnsw = pair
    _, queries = data
    truth = dict(exact.query(queries[1], 50))
    for i, score in hnsw.query(queries[1], 10):
        assert score == pytest.approx(truth[i], abs=1e-5)


def test_expansion_search_scales_with_size() -> None:
    assert auto_expansion_search(0) == 128
    assert auto_expansion_search(170_000) == 128
    assert auto_expansion_search(400_000) == 256
    assert auto_expansion_search(5_000_000) == 384


def test_fixed_expansion_search_persists(unit_vectors, tmp_path: Path) -> None:
    index = HnswIndex(8)
    assert index.expansion_search == 128
    index.expansion_search = 40
    index.add(np.arange(20), unit_vectors(20, 8))
    index.save(tmp_path / "ix", state="s")
    loaded = HnswIndex.load(tmp_path / "ix", "s")
    assert loaded is not None and loaded.expansion_search == 40
    loaded.expansion_search = None
    assert loaded.expansion_search == 128
