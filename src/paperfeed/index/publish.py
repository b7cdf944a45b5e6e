"""Published generations of an index: writers never change what a reader may be opening.

An index directory holds complete generations and a pointer to the newest::

    CURRENT        the published generation's name ("g000007"), replaced atomically
    g000007/       one saved index (meta.json + data files), never changed once published
    .tmp-*/        a generation being written, private to its writer
    writer.lock    flock held by the one process (and thread) that may publish

A writer saves the whole index into a fresh ``.tmp-*`` directory, renames it to the next
generation, points CURRENT at it, and removes the one before. Readers keep the generation they
loaded (in memory) until they open the next one; a reader that was opening the removed one
finds CURRENT moved and opens the new one (factory._open_published). Whoever holds the writer
lock also clears leftovers of crashed writers.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from paperfeed import locks
from paperfeed.index.base import (
    KIND_FILES,
    META_NAME,
    TMP_SUFFIX,
    IndexMeta,
    VectorIndex,
    atomic_write,
    read_meta,
)

log = logging.getLogger(__name__)

CURRENT = "CURRENT"
LOCK_NAME = "writer.lock"
KEEP = 1  # generations kept on disk: readers hold theirs in memory
_GEN = re.compile(r"g(\d{6,})")
_LEGACY = (META_NAME, *{name for names in KIND_FILES.values() for name in names})


def pointer(directory: str | os.PathLike[str]) -> str | None:
    """The name CURRENT holds, or None when there is none (or it is unreadable)."""
    path = Path(directory) / CURRENT
    try:
        name = path.read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, UnicodeDecodeError) as exc:
        log.warning("index pointer %s unreadable: %s", path, exc)
        return None
    if not _GEN.fullmatch(name):
        log.warning("index pointer %s names %r, not a generation", path, name[:40])
        return None
    return name


def current_generation(directory: str | os.PathLike[str]) -> tuple[Path, IndexMeta] | None:
    """The published generation's directory and sidecar, or None when there is none (or it is unreadable)."""
    name = pointer(directory)
    if name is None:
        return None
    meta = read_meta(Path(directory) / name)
    return (Path(directory) / name, meta) if meta is not None else None


def publish(directory: str | os.PathLike[str], index: VectorIndex, *, model_id: str, state: str) -> Path:
    """Save ``index`` as the next generation and point CURRENT at it; the caller holds ``writer_lock``."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=d))
    try:
        index.save(tmp, model_id=model_id, state=state)
        target = d / f"g{_next_number(d):06d}"
        os.rename(tmp, target)
    except OSError as exc:  # a full disk, say: name the index folder, not the temporary one just removed
        shutil.rmtree(tmp, ignore_errors=True)
        raise OSError(exc.errno, exc.strerror, str(d)) from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _fsync_dir(d)
    atomic_write(d / CURRENT, lambda t: None if t.write_text(target.name + "\n", encoding="utf-8") else None)
    _fsync_dir(d)
    _prune(d, keep=target.name)
    return target


def _next_number(d: Path) -> int:
    numbers = [int(m.group(1)) for p in d.iterdir() if (m := _GEN.fullmatch(p.name))]
    return max(numbers, default=0) + 1


def _fsync_dir(d: Path) -> None:
    fd = os.open(d, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _prune(d: Path, keep: str) -> None:
    """Drop generations older than the last KEEP, writers' leftovers and the pre-generation layout."""
    gens = sorted((p for p in d.iterdir() if _GEN.fullmatch(p.name)), key=lambda p: int(p.name[1:]))
    for old in gens[:-KEEP]:
        if old.name != keep:
            shutil.rmtree(old, ignore_errors=True)
    for p in d.glob(".tmp-*"):  # only the lock holder writes, so these are a crashed writer's
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
    for p in d.glob(f".*{TMP_SUFFIX}"):  # the CURRENT pointer's temporaries, older versions' files
        p.unlink(missing_ok=True)
    for name in _LEGACY:  # files of the layout before generations (meta.json last: it was the marker)
        (d / name).unlink(missing_ok=True)


# ---------------------------------------------------------------- the writer lock


class _WriterLock:
    """One directory's writer lock: a flock between processes, re-entrant for the thread that holds it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.thread_lock = threading.RLock()
        self.depth = 0
        self.fd: int | None = None

    def acquire(self, what: str, wait: bool, on_wait: Callable[[str], None] | None) -> bool:
        if not self.thread_lock.acquire(blocking=False):
            if not wait:
                return False
            if on_wait is not None:
                on_wait(f"another thread of this process ({locks.holder_of(self.path)})")
            self.thread_lock.acquire()
        if self.depth == 0:
            try:
                self.fd = locks.acquire(self.path, what, wait=wait, on_wait=on_wait)
            except OSError as exc:
                self.thread_lock.release()
                if wait:
                    raise
                log.info("cannot take the index writer lock %s (%s): not writing", self.path, exc)
                return False  # a read-only folder, say: a reader goes on without writing
            except BaseException:
                self.thread_lock.release()
                raise
            if self.fd is None:
                self.thread_lock.release()
                return False
        self.depth += 1
        return True

    def release(self) -> None:
        self.depth -= 1
        if self.depth == 0 and self.fd is not None:
            os.close(self.fd)
            self.fd = None
        self.thread_lock.release()


_locks: dict[Path, _WriterLock] = {}
_locks_guard = threading.Lock()


@contextmanager
def writer_lock(
    directory: str | os.PathLike[str],
    what: str = "index writer",
    *,
    wait: bool = True,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[bool]:
    """Hold the directory's writer lock; yields False (holding nothing) when busy and not ``wait``.

    ``on_wait(holder)`` is called before blocking on a lock another process or thread holds.
    """
    path = (Path(directory) / LOCK_NAME).absolute()
    with _locks_guard:
        lock = _locks.setdefault(path, _WriterLock(path))
    got = lock.acquire(what, wait, on_wait)
    try:
        yield got
    finally:
        if got:
            lock.release()
