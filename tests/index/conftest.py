"""Fixtures for the index tests: both index kinds and normalised test vectors.

Helpers are handed out as fixtures (``unit_vectors``, ``clustered_vectors``) rather than
imported, because tests/ has no __init__.py files and conftest module names collide.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from paperfeed.index import ExactIndex, HnswIndex, VectorIndex

DIM = 32


def _normalised(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, as float32."""
    x = np.asarray(x, dtype=np.float32)
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def _unit(n: int, dim: int = DIM, seed: int = 0) -> np.ndarray:
    """``n`` uniformly random unit vectors."""
    return _normalised(np.random.default_rng(seed).standard_normal((n, dim)))


def _clustered(n: int, dim: int = 384, seed: int = 0, clusters: int = 40) -> np.ndarray:
    """``n`` unit vectors: a shared direction, cluster centres, sub-centres and noise."""
    rng = np.random.default_rng(seed)
    common = _normalised(rng.standard_normal(dim))
    centres = _normalised(rng.standard_normal((clusters, dim)))
    subs = centres[rng.integers(0, clusters, clusters * 8)]
    subs = subs + rng.standard_normal(subs.shape).astype(np.float32) / np.sqrt(dim)
    noise = rng.standard_normal((n, dim)).astype(np.float32) * (0.8 / np.sqrt(dim))
    return _normalised(0.6 * common + subs[rng.integers(0, len(subs), n)] + noise)


@pytest.fixture(scope="session")
def unit_vectors() -> Callable[..., np.ndarray]:
    """``unit_vectors(n, dim=32, seed=0)``: random unit vectors."""
    return _unit


@pytest.fixture(scope="session")
def clustered_vectors() -> Callable[..., np.ndarray]:
    """``clustered_vectors(n, dim=384, seed=0)``: unit vectors with cluster structure."""
    return _clustered


@pytest.fixture(params=["exact", "hnsw"])
def make_index(request: pytest.FixtureRequest) -> Callable[..., VectorIndex]:
    """``make_index(dim=32)``: an empty index of each concrete kind in turn."""
    cls = {"exact": ExactIndex, "hnsw": HnswIndex}[request.param]
    return lambda dim=DIM: cls(dim)
