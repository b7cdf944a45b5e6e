"""Brute-force inner-product index over a float32 matrix: exact, simple, O(n) per query."""

from __future__ import annotations

import logging
import os
from collections.abc import Collection, Iterable
from pathlib import Path

import numpy as np

from paperfeed.index.base import (
    IndexMeta,
    Match,
    SingleQuery,
    as_ids,
    begin_save,
    check_batch,
    check_meta,
    check_queries,
    commit_save,
    exclude_ids,
    save_array,
)

log = logging.getLogger(__name__)

# Score matrices of query_many are computed in blocks of about this many floats.
_BLOCK_FLOATS = 32 * 1024 * 1024


class ExactIndex(SingleQuery):
    """Exact nearest neighbours by a full scan; rows are kept dense (swap-remove)."""

    kind = "exact"

    def __init__(self, dim: int, capacity: int = 0) -> None:
        """An empty index for ``dim``-dimensional vectors."""
        if dim <= 0:
            raise ValueError(f"dim must be positive, got {dim}")
        self.dim = dim
        self._vecs = np.empty((capacity, dim), np.float32)
        self._ids = np.empty(capacity, np.int64)
        self._n = 0
        self._rows: dict[int, int] = {}

    def __len__(self) -> int:
        """Number of vectors stored."""
        return self._n

    def __repr__(self) -> str:
        """Kind, dimension and size."""
        return f"ExactIndex(dim={self.dim}, count={self._n})"

    def ids(self) -> np.ndarray:
        """All stored ids as int64."""
        return self._ids[: self._n].copy()

    # ------------------------------------------------------------ mutation

    def add(self, ids: np.ndarray, vecs: np.ndarray) -> None:
        """Upsert vectors ``(n, dim)`` under ``ids``."""
        ids, vecs = check_batch(ids, vecs, self.dim)
        rows = np.fromiter((self._rows.get(i, -1) for i in ids.tolist()), np.int64, len(ids))
        old = rows >= 0
        if not old.any():  # the common case: skip copying the batch
            self._append(ids, vecs)
            return
        self._vecs[rows[old]] = vecs[old]
        self._append(ids[~old], vecs[~old])

    def _append(self, ids: np.ndarray, vecs: np.ndarray) -> None:
        """Append rows for ids not yet stored."""
        if not len(ids):
            return
        start, end = self._n, self._n + len(ids)
        self._reserve(end)
        self._vecs[start:end] = vecs
        self._ids[start:end] = ids
        self._rows.update(zip(ids.tolist(), range(start, end), strict=True))
        self._n = end

    def _reserve(self, needed: int) -> None:
        """Grow the backing arrays geometrically to hold ``needed`` rows."""
        if needed <= len(self._ids):
            return
        cap = max(needed, int(len(self._ids) * 1.5), 1024)
        vecs = np.empty((cap, self.dim), np.float32)
        ids = np.empty(cap, np.int64)
        vecs[: self._n] = self._vecs[: self._n]
        ids[: self._n] = self._ids[: self._n]
        self._vecs, self._ids = vecs, ids

    def remove(self, ids: Iterable[int] | np.ndarray) -> None:
        """Remove ids by moving the last row into each hole; unknown ids are ignored."""
        rows = [self._rows.pop(i) for i in as_ids(ids).tolist() if i in self._rows]
        for row in sorted(rows, reverse=True):
            last = self._n - 1
            if row != last:
                moved = int(self._ids[last])
                self._vecs[row] = self._vecs[last]
                self._ids[row] = moved
                self._rows[moved] = row
            self._n = last

    # --------------------------------------------------------------- query

    def query_many(self, vecs: np.ndarray, k: int, exclude: Collection[int] = ()) -> list[list[Match]]:
        """``query`` for each row of ``vecs``."""
        q = check_queries(vecs, self.dim)
        banned = self._excluded_rows(exclude)
        k = min(k, self._n - len(banned))
        if k <= 0:
            return [[] for _ in range(len(q))]
        block = max(1, _BLOCK_FLOATS // max(self._n, 1))
        out: list[list[Match]] = []
        for start in range(0, len(q), block):
            scores = q[start : start + block] @ self._vecs[: self._n].T
            scores[:, banned] = -np.inf
            out.extend(self._top_k(row, k) for row in scores)
        return out

    def _excluded_rows(self, exclude: Collection[int]) -> np.ndarray:
        """Rows of the excluded ids that are stored."""
        rows = [self._rows[i] for i in exclude_ids(exclude).tolist() if i in self._rows]
        return np.asarray(rows, dtype=np.int64)

    def _top_k(self, scores: np.ndarray, k: int) -> list[Match]:
        """The ``k`` best rows of one score vector; ties go to the smaller id."""
        n = len(scores)
        cand = np.argpartition(-scores, k - 1)[:k] if k < n else np.arange(n)
        ids = self._ids[cand]
        order = np.lexsort((ids, -scores[cand]))
        return list(zip(ids[order].tolist(), scores[cand][order].tolist(), strict=True))

    # --------------------------------------------------------- persistence

    def save(self, directory: str | os.PathLike[str], *, model_id: str = "", state: str = "") -> None:
        """Write ``ids.npy``, ``vectors.npy`` and the sidecar into ``directory``."""
        d = begin_save(directory)
        save_array(d / "ids.npy", self._ids[: self._n])
        save_array(d / "vectors.npy", self._vecs[: self._n])
        commit_save(d, IndexMeta(self.kind, self.dim, self._n, model_id, state))

    @classmethod
    def load(
        cls,
        directory: str | os.PathLike[str],
        expected_state: str | None,
        *,
        model_id: str | None = None,
        dim: int | None = None,
    ) -> ExactIndex | None:
        """The saved index, or None when missing, stale (state/model/dim) or corrupt."""
        meta = check_meta(directory, cls.kind, expected_state, model_id=model_id, dim=dim)
        if meta is None:
            return None
        try:
            return cls._read(Path(directory), meta)
        except Exception as exc:  # any unreadable file means "rebuild", never a traceback
            # (a generation a writer removed while we read it is not damage: the caller reopens)
            say = log.warning if Path(directory).is_dir() else log.info
            say("exact index in %s unreadable: %s", directory, exc)
            return None

    @classmethod
    def _read(cls, d: Path, meta: IndexMeta) -> ExactIndex:
        """Read the arrays and check them against the sidecar."""
        ids = np.load(d / "ids.npy", allow_pickle=False)
        vecs = np.load(d / "vectors.npy", allow_pickle=False)
        if ids.dtype != np.int64 or ids.shape != (meta.count,):
            raise ValueError(f"ids.npy has {ids.dtype} {ids.shape}, expected ({meta.count},)")
        if vecs.dtype != np.float32 or vecs.shape != (meta.count, meta.dim):
            raise ValueError(f"vectors.npy has {vecs.dtype} {vecs.shape}")
        index = cls(meta.dim)
        index._vecs, index._ids, index._n = vecs, ids, meta.count
        index._rows = dict(zip(ids.tolist(), range(meta.count), strict=True))
        if len(index._rows) != meta.count:
            raise ValueError("ids.npy has duplicate ids")
        return index
