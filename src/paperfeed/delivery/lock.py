"""One daily run (or digest send) at a time per data directory: a flock on a lock file."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from paperfeed import locks
from paperfeed.errors import PaperfeedError

LOCK_NAME = "daily.lock"
EXIT_LOCKED = 75  # EX_TEMPFAIL: another run is busy; try again later


class LockedError(PaperfeedError):
    """Another paperfeed run holds the lock."""

    exit_code = EXIT_LOCKED


@contextmanager
def run_lock(home: Path, what: str = "daily") -> Iterator[None]:
    """Hold the data directory's run lock, or raise LockedError at once (never waits).

    The lock is released by the kernel when the process ends, however it ends.
    """
    path = Path(home) / LOCK_NAME
    fd = locks.acquire(path, what, wait=False)
    if fd is None:
        raise LockedError(f"another paperfeed run is in progress ({locks.holder_of(path)}); not starting {what}")
    try:
        yield
    finally:
        os.close(fd)
