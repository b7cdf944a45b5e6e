"""One daily run (or digest send) at a time per data directory: fcntl.flock on a lock file."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

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
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "unknown"
            raise LockedError(f"another paperfeed run is in progress ({holder}); not starting {what}") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{what}, pid {os.getpid()}, since {datetime.now(UTC):%Y-%m-%d %H:%M:%SZ}\n".encode(), 0)
        yield
    finally:
        os.close(fd)
