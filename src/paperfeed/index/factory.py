"""Pick, build, open and rebuild indexes.

``kind`` is ``"exact"``, ``"hnsw"`` or ``"auto"``: exact below ``EXACT_MAX``
vectors, HNSW from there on. With ``"auto"``, a saved index of the kind not
chosen for its size counts as stale, so the index is rebuilt once as the
collection crosses the threshold. Each index owns its directory, laid out in
published generations (index/publish.py).

Typical use, where ``source()`` returns ``(ids int64 (n,), vecs float32 (n, dim))``::

    index = load_or_build(index_dir, dim, model_id, state, source)

A reader that must not wait for a writer (a server) uses ``current_index``: when
another process holds the writer lock it gets the newest published generation,
stale or not, and takes the current one once it is published.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from paperfeed.index.base import VectorIndex
from paperfeed.index.exact import ExactIndex
from paperfeed.index.hnsw import HnswIndex
from paperfeed.index.publish import current_generation, pointer, publish, writer_lock

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


@dataclass(frozen=True)
class Opened:
    """An index with the vector state it holds and where it came from.

    ``generation`` is the published generation it was loaded from or saved as (None: built in
    memory only); ``seen`` the newest published generation looked at when it was made.
    """

    index: VectorIndex
    state: str
    generation: str | None
    seen: str | None


def open_index(
    directory: str | os.PathLike[str],
    dim: int,
    model_id: str,
    state: str | None,
    kind: str = "auto",
) -> VectorIndex | None:
    """The published index in ``directory`` if current (any state for None); None when missing, stale or damaged."""
    opened = _open_published(directory, dim, model_id, state, kind)
    return opened.index if opened is not None else None


def _open_published(directory: str | os.PathLike[str], dim: int, model_id: str, state: str | None,
                    kind: str) -> Opened | None:
    """The published generation if it fits; tried again when CURRENT moved while it was being opened."""
    for _ in range(10):
        before = pointer(directory)
        opened = _open_generation(directory, dim, model_id, state, kind)
        if opened is not None or pointer(directory) == before:
            return opened
    return None


def _open_generation(directory: str | os.PathLike[str], dim: int, model_id: str, state: str | None,
                     kind: str) -> Opened | None:
    cur = current_generation(directory)
    if cur is None:
        return None
    path, meta = cur
    wanted = choose_kind(meta.count, kind)
    if meta.kind != wanted:
        log.info("index in %s is %s, %s wanted: rebuilding", path, meta.kind, wanted)
        return None
    index = _CLASSES[wanted].load(path, state, model_id=model_id, dim=dim)
    return Opened(index, meta.state, path.name, path.name) if index is not None else None


def save_index(directory: str | os.PathLike[str], index: VectorIndex, model_id: str, state: str) -> Opened:
    """Publish ``index`` as the directory's next generation (waits for the writer lock)."""
    with writer_lock(directory, "index writer"):
        gen = publish(directory, index, model_id=model_id, state=state)
    return Opened(index, state, gen.name, gen.name)


def current_index(
    directory: str | os.PathLike[str],
    dim: int,
    model_id: str,
    state: str,
    source: VectorSource,
    kind: str = "auto",
    held: Opened | None = None,
) -> Opened:
    """The index for ``state``: the published one, or rebuilt from ``source()`` and published.

    Never waits for another writer: while one holds the lock, this returns ``held`` (the caller's
    index) or the newest published generation, whichever is newer, stale or not; with neither, an
    index built in memory. A damaged generation is reported (index/base.py) and rebuilt.
    """
    tried = pointer(directory)
    found = _open_published(directory, dim, model_id, state, kind)
    if found is not None:
        return found
    with writer_lock(directory, "index rebuild", wait=False) as mine:
        if mine:
            return _rebuild(directory, dim, model_id, state, source, kind, tried)
    cur = current_generation(directory)
    newest = cur[0].name if cur is not None else None
    if held is not None and newest == held.seen:
        return held
    stale = _open_published(directory, dim, model_id, None, kind)
    if stale is not None:
        log.info("index %s is being rewritten by another process; using generation %s (state %s) meanwhile",
                 directory, stale.generation, stale.state)
        return stale
    if held is not None:
        return Opened(held.index, held.state, held.generation, newest)
    log.info("index %s is being rewritten by another process; building one in memory meanwhile", directory)
    return Opened(build_index(kind, dim, *source()), state, None, newest)


def _rebuild(directory: str | os.PathLike[str], dim: int, model_id: str, state: str, source: VectorSource,
             kind: str, tried: str | None) -> Opened:
    """Build from ``source()`` and publish; the caller holds the writer lock and tried generation ``tried``."""
    if pointer(directory) != tried:  # published before we got the lock?
        found = _open_published(directory, dim, model_id, state, kind)
        if found is not None:
            return found
    ids, vecs = source()
    index = build_index(kind, dim, ids, vecs)
    try:
        gen = publish(directory, index, model_id=model_id, state=state)
    except OSError as exc:  # a full disk, say: a reader still gets its index
        log.warning("could not save the rebuilt index: %s; using it from memory", exc)
        return Opened(index, state, None, pointer(directory))
    return Opened(index, state, gen.name, gen.name)


def load_or_build(
    directory: str | os.PathLike[str],
    dim: int,
    model_id: str,
    state: str,
    source: VectorSource,
    kind: str = "auto",
) -> VectorIndex:
    """Open the published index, or build one from ``source() -> (ids, vecs)`` and publish it."""
    return current_index(directory, dim, model_id, state, source, kind).index
