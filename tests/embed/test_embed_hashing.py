"""The hashing embedder used by other layers' unit tests."""

from __future__ import annotations

import numpy as np

from paperfeed.embed import Embedder, HashingEmbedder


def test_shape_dtype_and_unit_rows() -> None:
    vectors = HashingEmbedder().embed_batch(["graph neural networks", "", "!!!", "a b c d e f"])
    assert vectors.shape == (4, 64)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)


def test_protocol_and_identity() -> None:
    embedder = HashingEmbedder()
    assert isinstance(embedder, Embedder)
    assert embedder.model_id == "test-hashing-64"
    assert embedder.dim == 64
    assert HashingEmbedder(dim=16).embed_batch(["x"]).shape == (1, 16)


def test_deterministic_and_batch_independent() -> None:
    texts = ["Transformers for protein folding", "Graph neural networks for molecules"]
    together = HashingEmbedder().embed_batch(texts)
    alone = np.vstack([HashingEmbedder().embed_batch([t]) for t in texts])
    assert np.array_equal(together, alone)


def test_shared_words_are_more_similar() -> None:
    a, b, c = HashingEmbedder().embed_batch([
        "graph neural networks for molecule property prediction",
        "neural networks on molecule graphs",
        "a recipe for tomato soup with basil",
    ])
    assert a @ b > a @ c + 0.2


def test_case_insensitive() -> None:
    upper, lower = HashingEmbedder().embed_batch(["Deep Learning", "deep learning"])
    assert np.allclose(upper, lower)


def test_empty_batch() -> None:
    assert HashingEmbedder().embed_batch([]).shape == (0, 64)
