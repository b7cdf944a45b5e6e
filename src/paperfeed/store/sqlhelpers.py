"""Small helpers shared by the SQLite store's modules."""

from __future__ import annotations

import sqlite3
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


def _stale(table: str) -> str:
    """FROM/WHERE of papers whose row in ``table`` (paper_id, model_id, text_hash) is missing or stale."""
    return (f"FROM papers p LEFT JOIN {table} x ON x.paper_id = p.id AND x.model_id = ? "
            "WHERE x.paper_id IS NULL OR x.text_hash != p.text_hash")


def missing_rows(conn: sqlite3.Connection, table: str, model_id: str, limit: int) -> list[tuple[int, str, str, str]]:
    """Up to ``limit`` (id, title, abstract, text_hash) of papers lacking a current row in ``table``."""
    q = f"SELECT p.id, p.title, p.abstract, p.text_hash {_stale(table)} ORDER BY p.id LIMIT ?"
    return conn.execute(q, (model_id, limit)).fetchall()


def count_missing(conn: sqlite3.Connection, table: str, model_id: str) -> int:
    """How many papers lack a current row in ``table`` for this model."""
    return conn.execute(f"SELECT count(*) {_stale(table)}", (model_id,)).fetchone()[0]
