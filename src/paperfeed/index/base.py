"""The vector-index contract, input checks, and the JSON sidecar for staleness.

An index lives in a directory of its own: the data files of its kind plus
``meta.json``, the sidecar ``{format, kind, dim, count, model_id, state, files,
checksums, params}``. ``state`` is an opaque string chosen by the caller (a hash
or counter of the vectors table); ``load`` returns ``None`` when it differs, so
the caller rebuilds. ``files`` and ``checksums`` hold each data file's size and
CRC-32: a file damaged or replaced, even by one of the right shape, does not
match, is reported, and loads as ``None``. Saving deletes the sidecar first and
writes it last, after every data file has been atomically replaced: the sidecar
is the commit marker, and a save interrupted half-way reads back as "missing",
never as a mix of two versions. One writer per directory at a time: index/publish.py
gives each save a directory of its own and publishes it whole.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import tempfile
import zlib
from collections.abc import Callable, Collection, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

log = logging.getLogger(__name__)

FORMAT = 2  # 2: per-file checksums
META_NAME = "meta.json"
TMP_SUFFIX = ".tmp"
FULL_BELOW = 1 << 20  # a write that failed with less free space than this failed for lack of it
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
    checksums: dict[str, str] = field(default_factory=dict)
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
    except (OSError, RuntimeError) as exc:
        # numpy reports a short write and usearch a RuntimeError, neither with an errno: say what it was
        full = exc.errno is None if isinstance(exc, OSError) else True
        full = full and _free_bytes(path.parent) < FULL_BELOW
        tmp.unlink(missing_ok=True)
        if full:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path.parent)) from exc
        raise
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _free_bytes(directory: Path) -> int:
    st = os.statvfs(directory)
    return st.f_bavail * st.f_frsize


def save_array(path: Path, arr: np.ndarray) -> None:
    """Atomically write one array as ``.npy``."""

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as f:
            np.save(f, arr, allow_pickle=False)

    atomic_write(path, write)


def begin_save(directory: str | os.PathLike[str]) -> Path:
    """Create ``directory`` and drop its sidecar; return it as a Path.

    Temporary files are left alone: they may belong to another writer (each has its own name).
    """
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    (d / META_NAME).unlink(missing_ok=True)
    return d


def file_checksum(path: Path, chunk: int = 1 << 24) -> str:
    """CRC-32 of a file as 8 hex digits (hashlib's sha256 measured 3x slower here)."""
    crc = 0
    with open(path, "rb") as f:
        while block := f.read(chunk):
            crc = zlib.crc32(block, crc)
    return f"{crc:08x}"


def commit_save(directory: Path, meta: IndexMeta) -> None:
    """Record data file sizes and checksums in ``meta``, write the sidecar, remove other kinds' files."""
    own = KIND_FILES[meta.kind]
    meta.files = {name: (directory / name).stat().st_size for name in own}
    meta.checksums = {name: file_checksum(directory / name) for name in own}
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
        and isinstance(meta.checksums, dict)
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
    reason = _stale_reason(meta, kind, expected_state, model_id, dim)
    if reason:
        log.info("index in %s not used: %s", directory, reason)
        return None
    damage = _damage(Path(directory), meta)
    if damage and not Path(directory).is_dir():  # removed by a writer while we read it: not damage
        log.info("index in %s was removed while it was being opened", directory)
        return None
    if damage:
        log.warning("index in %s is damaged (%s); not used, it is rebuilt from the stored vectors",
                    directory, damage)
        return None
    return meta


def _stale_reason(
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
    ]
    for ok, why in checks:
        if not ok:
            return why
    return ""


def _damage(d: Path, meta: IndexMeta) -> str:
    """What is wrong with the data files the sidecar lists, or '' when each matches its size and checksum."""
    if set(meta.files) != set(KIND_FILES.get(meta.kind, ())) or set(meta.checksums) != set(meta.files):
        return "file list differs"
    for name, size in meta.files.items():
        path = d / name
        try:
            if path.stat().st_size != size:
                return f"{name} truncated"
            if file_checksum(path) != meta.checksums[name]:
                return f"{name} checksum mismatch"
        except OSError as exc:
            return f"{name} unreadable ({exc.strerror})"
    return ""
