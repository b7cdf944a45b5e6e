"""Small helpers shared by the SQLite store's modules."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

CHUNK = 500
"""Host parameters per ``IN (...)`` query (well below SQLite's limit)."""


def now() -> str:
    """The current UTC time as stored in the database (ISO 8601, seconds)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def chunks(seq: Sequence, n: int = CHUNK) -> Iterator[Sequence]:
    """Consecutive slices of at most ``n`` items."""
    for i in range(0, len(seq), n):
        yield seq[i : i + n]
