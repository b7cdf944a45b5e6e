"""The vector-index contract, input checks, and the JSON sidecar for staleness.

An index lives in a directory of its own: the data files of its kind plus
``meta.json``, the sidecar ``{format, kind, dim, count, model_id, state, files,
params}``. ``state`` is an opaque string chosen by the caller (a hash or counter
of the vectors table); ``load`` returns ``None`` when it differs, so the caller
rebuilds. Saving deletes the sidecar first and writes it last, after every data
file has been atomically replaced: the sidecar is the commit marker, and a save
interrupted half-way reads back as "missing", never as a mix of two versions.
One writer per directory at a time.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Callable, Collection, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

log = logging.getLogger(__name__)

FORMAT = 1
META_NAME = "meta.json"
TMP_SUFFIX = ".tmp"
# Data files of every kind, so a save of one kind removes leftovers of another.
KIND_FILES: dict[str, tuple[str, ...]] = {
    "exact": ("ids.npy", "vectors.npy"),
    "hnsw": ("index.usearch",),
}

Match = tuple[int, float]


@runtime_checkable
class VectorIndex(Protocol):
    """Nearest-neighbour search over L2-normalised float32 vectors keyed by int ids."""

    kind: str
    dim: int

    def __len__(self) -> int:
        """Number of vectors stored."""
        ...

    def ids(self) -> np.ndarray:
        """All stored ids as int64, in no particular order."""
        ...

    def add(self, ids: np.ndarray, vecs: np.ndarray) -> None:
        """Upsert: add vectors ``(n, dim)``; an id added again replaces its vector."""
        ...

    def remove(self, ids: Iterable[int] | np.ndarray) -> None:
        """Remove ids; unknown ids are ignored."""
        ...

    def query(self, vec: np.ndarray, k: int, exclude: Collection[int] = ()) -> list[Match]:
        """Up to ``k`` ``(id, cosine)`` pairs nearest to ``vec``, best first."""
        ...

    def query_many(self, vecs: np.ndarray, k: int, exclude: Collection[int] = ()) -> list[list[Match]]:
        """``query`` for each row of ``vecs`` ``(m, dim)``."""
        ...

    def save(self, directory: str | os.PathLike[str], *, model_id: str = "", state: str = "") -> None:
        """Write the index and its sidecar into ``directory`` atomically."""
        ...


class SingleQuery:
    """``query`` for one vector in terms of the class's ``query_many``."""

    dim: int

    def query(self, vec: np.ndarray, k: int, exclude: Collection[int] = ()) -> list[Match]:
        """Up to ``k`` ``(id, cosine)`` pairs nearest to ``vec``, best first."""
        q = check_queries(vec, self.dim)
        if q.shape[0] != 1:
            raise ValueError("query takes one vector; use query_many")
        return self.query_many(q, k, exclude)[0]  # type: ignore[attr-defined]


@dataclass
class IndexMeta:
    """The sidecar: what was saved, for which model, at which caller state."""

    kind: str
    dim: int
    count: int
    model_id: str = ""
    state: str = ""
    files: dict[str, int] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    format: int = FORMAT


# ---------------------------------------------------------------- input checks


def as_ids(ids: Iterable[int] | np.ndarray) -> np.ndarray:
    """Ids as a 1-d int64 array; raises ValueError on negative ids."""
    arr = ids if isinstance(ids, np.ndarray) else np.fromiter(ids, dtype=np.int64)
    arr = np.asarray(arr).reshape(-1)
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"ids must be integers, got {arr.dtype}")
    arr = arr.astype(np.int64, copy=False)
    if arr.size and int(arr.min()) < 0:
        raise ValueError("ids must be non-negative")
    return arr


def check_batch(ids: np.ndarray, vecs: np.ndarray, dim: int) -> tuple[np.ndarray, np.ndarray]:
    """Validated ``(ids, vecs)``; for an id repeated in the batch the last row wins."""
    ids = as_ids(ids)
    vecs = np.ascontiguousarray(vecs, dtype=np.float32)
    if vecs.size == 0 and len(ids) == 0:
        return ids, vecs.reshape(0, dim)
    if vecs.ndim == 1 and vecs.size == dim:
        vecs = vecs.reshape(1, dim)
    if vecs.ndim != 2 or vecs.shape[1] != dim:
        raise ValueError(f"vectors must have shape (n, {dim}), got {vecs.shape}")
    if len(ids) != len(vecs):
        raise ValueError(f"{len(ids)} ids for {len(vecs)} vectors")
    if not np.isfinite(vecs).all():
        raise ValueError("vectors contain NaN or infinity")
    return _last_wins(ids, vecs)


def _last_wins(ids: np.ndarray, vecs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drop earlier rows of ids that repeat within one batch."""
    rev_unique, rev_pos = np.unique(ids[::-1], return_index=True)
    if len(rev_unique) == len(ids):
        return ids, vecs
    keep = np.sort(len(ids) - 1 - rev_pos)
    return ids[keep], vecs[keep]


def check_queries(vecs: np.ndarray, dim: int) -> np.ndarray:
    """Query vectors as a contiguous float32 ``(m, dim)`` array."""
    arr = np.ascontiguousarray(vecs, dtype=np.float32)
    if arr.ndim == 1:
        arr = arr.reshape(1, -1)
    if arr.ndim != 2 or arr.shape[1] != dim:
        raise ValueError(f"query vectors must have {dim} columns, got shape {arr.shape}")
    return arr


def exclude_ids(exclude: Collection[int]) -> np.ndarray:
    """The exclusion collection as a unique int64 array."""
    if not exclude:
        return np.empty(0, np.int64)
    return np.unique(np.fromiter((int(i) for i in exclude), dtype=np.int64))


# ------------------------------------------------------------------- file I/O


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` on a temporary file next to ``path``, fsync it, then rename it over."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TMP_SUFFIX, dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def save_array(path: Path, arr: np.ndarray) -> None:
    """Atomically write one array as ``.npy``."""

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as f:
            np.save(f, arr, allow_pickle=False)

    atomic_write(path, write)


def begin_save(directory: str | os.PathLike[str]) -> Path:
    """Create ``directory``, drop its sidecar and stale temporaries; return it as a Path."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    (d / META_NAME).unlink(missing_ok=True)
    for tmp in d.glob(f".*{TMP_SUFFIX}"):
        tmp.unlink(missing_ok=True)
    return d


def commit_save(directory: Path, meta: IndexMeta) -> None:
    """Record data file sizes in ``meta``, write the sidecar, remove other kinds' files."""
    own = KIND_FILES[meta.kind]
    meta.files = {name: (directory / name).stat().st_size for name in own}
    text = json.dumps(asdict(meta), sort_keys=True, indent=1)
    atomic_write(directory / META_NAME, lambda tmp: None if tmp.write_text(text, encoding="utf-8") else None)
    for kind, names in KIND_FILES.items():
        if kind != meta.kind:
            for name in names:
                if name not in own:
                    (directory / name).unlink(missing_ok=True)


def read_meta(directory: str | os.PathLike[str]) -> IndexMeta | None:
    """The sidecar of ``directory``, or None when missing or unreadable."""
    path = Path(directory) / META_NAME
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        meta = IndexMeta(**raw)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError) as exc:
        log.warning("index sidecar %s unreadable: %s", path, exc)
        return None
    if not _meta_types_ok(meta):
        log.warning("index sidecar %s malformed", path)
        return None
    return meta


def _meta_types_ok(meta: IndexMeta) -> bool:
    """Whether the sidecar's fields have the expected types."""
    return (
        isinstance(meta.kind, str)
        and isinstance(meta.dim, int)
        and isinstance(meta.count, int)
        and isinstance(meta.model_id, str)
        and isinstance(meta.state, str)
        and isinstance(meta.files, dict)
        and isinstance(meta.params, dict)
    )


def check_meta(
    directory: str | os.PathLike[str],
    kind: str,
    expected_state: str | None,
    *,
    model_id: str | None = None,
    dim: int | None = None,
) -> IndexMeta | None:
    """The sidecar if it describes a complete, current index of ``kind``; else None.

    ``None`` for ``expected_state``/``model_id``/``dim`` skips that check.
    """
    meta = read_meta(directory)
    if meta is None:
        return None
    reason = _stale_reason(Path(directory), meta, kind, expected_state, model_id, dim)
    if reason:
        log.info("index in %s not used: %s", directory, reason)
        return None
    return meta


def _stale_reason(
    d: Path,
    meta: IndexMeta,
    kind: str,
    state: str | None,
    model_id: str | None,
    dim: int | None,
) -> str:
    """Why the sidecar does not match, or '' when it does."""
    checks = [
        (meta.format == FORMAT, f"format {meta.format} != {FORMAT}"),
        (meta.kind == kind, f"kind {meta.kind!r} != {kind!r}"),
        (state is None or meta.state == state, "state changed"),
        (model_id is None or meta.model_id == model_id, f"model {meta.model_id!r} != {model_id!r}"),
        (dim is None or meta.dim == dim, f"dim {meta.dim} != {dim}"),
        (set(meta.files) == set(KIND_FILES.get(kind, ())), "file list differs"),
    ]
    for ok, why in checks:
        if not ok:
            return why
    for name, size in meta.files.items():
        path = d / name
        if not path.is_file() or path.stat().st_size != size:
            return f"{name} missing or truncated"
    return ""
