"""Pick, build, open and rebuild indexes.

``kind`` is ``"exact"``, ``"hnsw"`` or ``"auto"``: exact below ``EXACT_MAX``
vectors, HNSW from there on. With ``"auto"``, a saved index of the kind not
chosen for its size counts as stale, so the index is rebuilt once as the
collection crosses the threshold. Each index owns its directory.

Typical use, where ``source()`` returns ``(ids int64 (n,), vecs float32 (n, dim))``::

    index = load_or_build(index_dir, dim, model_id, state, source)
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from paperfeed.index.base import VectorIndex, read_meta
from paperfeed.index.exact import ExactIndex
from paperfeed.index.hnsw import HnswIndex

log = logging.getLogger(__name__)

EXACT_MAX = 20_000
KINDS = ("auto", "exact", "hnsw")
_CLASSES: dict[str, type[ExactIndex] | type[HnswIndex]] = {"exact": ExactIndex, "hnsw": HnswIndex}

VectorSource = Callable[[], tuple[np.ndarray, np.ndarray]]


def choose_kind(count: int, kind: str = "auto") -> str:
    """The concrete kind for ``count`` vectors: ``kind`` itself unless it is "auto"."""
    if kind not in KINDS:
        raise ValueError(f"unknown index kind {kind!r}; expected one of {', '.join(KINDS)}")
    if kind != "auto":
        return kind
    return "exact" if count < EXACT_MAX else "hnsw"


def new_index(kind: str, dim: int) -> VectorIndex:
    """An empty index of a concrete kind ("exact" or "hnsw")."""
    if kind not in _CLASSES:
        raise ValueError(f"unknown concrete index kind {kind!r}")
    return _CLASSES[kind](dim)


def build_index(kind: str, dim: int, ids: np.ndarray, vecs: np.ndarray) -> VectorIndex:
    """An index of ``kind`` (or the one "auto" picks for ``len(ids)``) holding ``vecs``."""
    index = new_index(choose_kind(len(ids), kind), dim)
    index.add(ids, vecs)
    return index


def open_index(
    directory: str | os.PathLike[str],
    dim: int,
    model_id: str,
    state: str,
    kind: str = "auto",
) -> VectorIndex | None:
    """The index saved in ``directory`` if current; None when missing, stale or corrupt."""
    meta = read_meta(directory)
    if meta is None:
        return None
    wanted = choose_kind(meta.count, kind)
    if meta.kind != wanted:
        log.info("index in %s is %s, %s wanted: rebuilding", directory, meta.kind, wanted)
        return None
    return _CLASSES[wanted].load(directory, state, model_id=model_id, dim=dim)


def load_or_build(
    directory: str | os.PathLike[str],
    dim: int,
    model_id: str,
    state: str,
    source: VectorSource,
    kind: str = "auto",
) -> VectorIndex:
    """Open the saved index, or build one from ``source() -> (ids, vecs)`` and save it."""
    index = open_index(directory, dim, model_id, state, kind)
    if index is not None:
        return index
    ids, vecs = source()
    index = build_index(kind, dim, ids, vecs)
    index.save(Path(directory), model_id=model_id, state=state)
    return index
