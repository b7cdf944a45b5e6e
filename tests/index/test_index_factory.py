"""Choosing, building, opening and rebuilding indexes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from paperfeed.index import (
    ExactIndex,
    HnswIndex,
    build_index,
    choose_kind,
    current_generation,
    factory,
    load_or_build,
    open_index,
)

DIM = 16


@pytest.fixture
def data(unit_vectors) -> tuple[np.ndarray, np.ndarray]:
    """50 ids and unit vectors."""
    return np.arange(50) + 1, unit_vectors(50, DIM, seed=2)


def test_choose_kind() -> None:
    assert choose_kind(0) == "exact"
    assert choose_kind(factory.EXACT_MAX - 1) == "exact"
    assert choose_kind(factory.EXACT_MAX) == "hnsw"
    assert choose_kind(10, "hnsw") == "hnsw"
    with pytest.raises(ValueError, match="unknown index kind"):
        choose_kind(10, "faiss")


def test_build_index(data) -> None:
    ids, vecs = data
    assert isinstance(build_index("auto", DIM, ids, vecs), ExactIndex)
    hnsw = build_index("hnsw", DIM, ids, vecs)
    assert isinstance(hnsw, HnswIndex) and len(hnsw) == 50
    assert hnsw.query(vecs[3], 1)[0][0] == 4


def test_open_missing_returns_none(tmp_path: Path) -> None:
    assert open_index(tmp_path / "none", DIM, "m", "s") is None


def test_load_or_build_builds_once(data, tmp_path: Path) -> None:
    calls: list[int] = []

    def source() -> tuple[np.ndarray, np.ndarray]:
        calls.append(1)
        return data

    first = load_or_build(tmp_path / "ix", DIM, "m", "s1", source)
    second = load_or_build(tmp_path / "ix", DIM, "m", "s1", source)
    assert len(calls) == 1 and len(first) == len(second) == 50
    load_or_build(tmp_path / "ix", DIM, "m", "s2", source)
    load_or_build(tmp_path / "ix", DIM, "other-model", "s2", source)
    assert len(calls) == 3
    assert open_index(tmp_path / "ix", DIM, "other-model", "s2") is not None
    assert open_index(tmp_path / "ix", DIM + 1, "other-model", "s2") is None


def test_auto_switches_kind_at_threshold(data, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ids, vecs = data
    d = tmp_path / "ix"
    assert isinstance(load_or_build(d, DIM, "m", "s", lambda: data), ExactIndex)
    monkeypatch.setattr(factory, "EXACT_MAX", 40)
    assert open_index(d, DIM, "m", "s") is None
    assert open_index(d, DIM, "m", "s", kind="exact") is not None
    rebuilt = load_or_build(d, DIM, "m", "s", lambda: data)
    assert isinstance(rebuilt, HnswIndex)
    gen, meta = current_generation(d)
    assert meta.kind == "hnsw" and sorted(p.name for p in gen.iterdir()) == ["index.usearch", "meta.json"]
    assert isinstance(open_index(d, DIM, "m", "s"), HnswIndex)
