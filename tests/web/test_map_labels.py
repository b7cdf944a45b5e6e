"""Topic-map cluster labels: the words that set a cluster apart, not the words common everywhere."""

from __future__ import annotations

import numpy as np

from paperfeed.web.topicmap import cluster_labels


def test_two_blobs_are_named_by_their_own_words() -> None:
    rng = np.random.default_rng(1)
    a = rng.normal((0.2, 0.2), 0.02, (60, 2))
    b = rng.normal((0.8, 0.8), 0.02, (40, 2))
    texts = [f"language model for robot grasping {i}" for i in range(60)] + \
            [f"language model for protein folding {i}" for i in range(40)]
    labels = cluster_labels(np.vstack([a, b]), texts, clusters=2)
    assert [lab["size"] for lab in labels] == [60, 40]
    assert set(labels[0]["terms"]) == {"robot", "grasping"} and set(labels[1]["terms"]) == {"protein", "folding"}
    assert abs(labels[0]["x"] - 0.2) < 0.05 and abs(labels[1]["y"] - 0.8) < 0.05
    assert labels[0]["label"] == " · ".join(labels[0]["terms"])


def test_too_few_points_have_no_labels() -> None:
    assert cluster_labels(np.zeros((5, 2)), ["a b c"] * 5) == []
