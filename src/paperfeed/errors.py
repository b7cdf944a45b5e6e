"""Errors a user can act on. Front ends show them as one line and exit 2."""

from __future__ import annotations


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
