"""Cross-process locks on files: ``fcntl.flock``, released by the kernel however the holder ends.

The lock file holds one line naming the holder (what, pid, since when), so that whoever finds it
taken can say who is busy.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path


def holder_of(path: Path) -> str:
    """The holder line of a lock file ('unknown' when it cannot be read)."""
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace").strip() or "unknown"
    except OSError:
        return "unknown"


def acquire(path: Path, what: str, *, wait: bool, on_wait: Callable[[str], None] | None = None) -> int | None:
    """Lock ``path`` (created if needed) and return its descriptor; close it to release.

    When another process holds it: None at once if not ``wait``, else ``on_wait(holder line)``
    is called and the call blocks until the lock is free.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                os.close(fd)
                return None
            if on_wait is not None:
                on_wait(holder_of(path))
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{what}, pid {os.getpid()}, since {datetime.now(UTC):%Y-%m-%d %H:%M:%SZ}\n".encode(), 0)
    except BaseException:
        os.close(fd)
        raise
    return fd
