"""The topic-map layout keeps neighbours together; maps are cached on disk."""

from __future__ import annotations

import numpy as np

from paperfeed.web.topicmap import MapRequest, TopicMaps, knn, layout


def clusters(n: int, k: int = 5, dim: int = 32, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((k, dim)) * 3
    labels = rng.integers(0, k, n)
    return (centres[labels] + rng.standard_normal((n, dim))).astype(np.float32), labels


def test_layout_separates_clusters() -> None:
    x, labels = clusters(600)
    y = layout(x, epochs=120)
    assert y.shape == (600, 2) and y.min() >= 0 and y.max() <= 1
    nearest = np.argsort(((y[:, None] - y[None]) ** 2).sum(-1), axis=1)[:, 1:6]
    assert (labels[nearest] == labels[:, None]).mean() > 0.9


def test_approximate_knn_agrees_with_exact() -> None:
    x, _ = clusters(3000, k=30)
    exact = knn(x, 10, exact_below=10**9)
    approx = knn(x, 10, exact_below=100)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(exact, approx, strict=True)])
    assert recall > 0.85


def test_tiny_inputs() -> None:
    assert layout(np.zeros((0, 8), np.float32)).shape == (0, 2)
    assert layout(np.ones((2, 8), np.float32)).shape == (2, 2)
    assert layout(np.random.default_rng(0).standard_normal((5, 8)).astype(np.float32)).shape == (5, 2)


def test_maps_are_cached_and_include_profile_papers(web_lib, tmp_path) -> None:
    maps = TopicMaps(web_lib, tmp_path / "maps")
    ids, coords = maps.points(MapRequest(limit=10), extra_ids={1, 2})
    assert {1, 2} <= set(ids.tolist()) and len(coords) == len(ids)
    assert len(list((tmp_path / "maps").glob("*.npz"))) == 1
    again_ids, again = maps.points(MapRequest(limit=10), extra_ids={1, 2})
    assert np.array_equal(again_ids, ids) and np.array_equal(again, coords)
    recent_ids, _ = maps.points(MapRequest(days=3))
    assert 0 < len(recent_ids) < 50
