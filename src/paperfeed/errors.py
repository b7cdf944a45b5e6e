"""Errors a user can act on. Front ends show them as one line and exit 2."""

from __future__ import annotations

import errno
import os
import sqlite3
import sys
from pathlib import Path


class PaperfeedError(Exception):
    """Base class for user-facing errors."""


class InputError(PaperfeedError):
    """A file or stream that cannot be read at all."""

    def __init__(self, source: str, line: int | None, reason: str) -> None:
        self.source = source
        self.line = line
        self.reason = reason
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {reason}")


class NotFound(PaperfeedError):
    """An unknown paper key, profile or model."""


class ProfileTaken(PaperfeedError):
    """A profile name that belongs to another user (or to nobody, in login mode)."""


class ReadOnlyStore(PaperfeedError):
    """A write to a library opened read-only (a file without write permission, a read replica)."""


class AlreadyDelivered(PaperfeedError):
    """A paper recorded for a second live digest of the same profile (another run delivered it meanwhile)."""


class OperatorError(PaperfeedError):
    """The machine or its setup refused: a full disk, a read-only file, a folder that is a file."""


# errno -> what to tell the operator; other OSErrors are bugs and keep their traceback
_OS_CAUSES = {
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "read-only file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.ENOTDIR: "not a folder: a part of this path is a regular file",
    errno.EEXIST: "exists, and is not a folder",
    errno.EISDIR: "is a folder, not a file",
    errno.EIO: "input/output error",
}
_ROLLED_BACK = "the failed step was rolled back, everything stored before it is kept"
"""Every write is one transaction, so a store fault loses only the step it broke."""
# SQLite's messages (sqlite3 carries no path) -> what to tell the operator
_SQLITE_CAUSES = {
    "database or disk is full": "the disk is full",
    "attempt to write a readonly database": "the library file is read-only",
    "unable to open database file": "cannot open the library file (is its folder writable?)",
    "disk I/O error": "disk input/output error (is the disk full or failing?)",
}


def operator_error(exc: BaseException, db_path: os.PathLike[str] | str,
                   folder: os.PathLike[str] | str | None = None) -> OperatorError | None:
    """A one-line error naming the cause and the path for a fault of the machine; None for anything else.

    ``db_path`` names the store in messages (a SQLite file, or a server URL with ``folder`` the home
    folder). Every write is a transaction, so what was stored before the failing step is kept.
    """
    if isinstance(exc, sqlite3.OperationalError):
        text = str(exc)
        for needle, cause in _SQLITE_CAUSES.items():
            if needle in text:
                return OperatorError(f"{db_path}: {cause} ({text}); {_ROLLED_BACK}")
        return None
    server = _server_fault(exc)
    if server is not None:
        return OperatorError(f"{db_path}: {server}; {_ROLLED_BACK}")
    if isinstance(exc, OSError) and exc.errno in _OS_CAUSES:
        where = Path(folder) if folder is not None else Path(db_path).parent
        path = exc.filename if exc.filename is not None else where
        return OperatorError(f"{path}: {_OS_CAUSES[exc.errno]}")
    return None


def _server_fault(exc: BaseException) -> str | None:
    """What to say of a database server's fault (connection lost, server shut down, its disk full, no free
    connection in time); None when it is none of these or the PostgreSQL client was never imported."""
    pool = sys.modules.get("psycopg_pool")
    if pool is not None and isinstance(exc, pool.PoolTimeout):
        return f"no connection to the database server came free in time ({_last_line(exc)})"
    psycopg = sys.modules.get("psycopg")
    if psycopg is not None and isinstance(exc, psycopg.OperationalError):
        return f"the database server failed or closed the connection ({_last_line(exc)})"
    return None


def _last_line(exc: BaseException) -> str:
    lines = [ln.strip() for ln in str(exc).strip().splitlines() if ln.strip()]
    return lines[-1] if lines else type(exc).__name__
