"""Small helpers shared by the SQLite store's modules."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

from paperfeed.models import Profile

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
            "WHERE (x.paper_id IS NULL OR x.text_hash != p.text_hash)")


def missing_rows(conn: sqlite3.Connection, table: str, model_id: str, limit: int,
                 ids: Sequence[int] | None = None) -> list[tuple[int, str, str, str]]:
    """Up to ``limit`` (id, title, abstract, text_hash) of papers lacking a current row in ``table``.

    Newest papers first (undated ones last), so that a feed over recent papers works while older
    ones are still pending; ``ids`` (at most CHUNK) limits it to those papers."""
    among = f"AND p.id IN ({','.join('?' * len(ids))}) " if ids is not None else ""
    q = (f"SELECT p.id, p.title, p.abstract, p.text_hash {_stale(table)} {among}"
         "ORDER BY p.date DESC, p.id DESC LIMIT ?")
    return conn.execute(q, (model_id, *(ids or ()), limit)).fetchall()


def count_missing(conn: sqlite3.Connection, table: str, model_id: str, ids: Sequence[int] | None = None) -> int:
    """How many papers (of ``ids``, if given) lack a current row in ``table`` for this model."""
    if ids is None:
        return conn.execute(f"SELECT count(*) {_stale(table)}", (model_id,)).fetchone()[0]
    q = f"SELECT count(*) {_stale(table)} AND p.id IN ({{}})"
    return sum(conn.execute(q.format(",".join("?" * len(c))), (model_id, *c)).fetchone()[0] for c in chunks(ids))


def profile_from_rows(name: str, interests: str, authors: str, email: str | None, created: str | None,
                      papers: Sequence[tuple[int, str]], feedback: Sequence[tuple[int, str, int]],
                      mutes: Sequence[tuple[str, str]]) -> Profile:
    """A models.Profile from a profile's rows (either backend): (id, key) of its papers, (id, key,
    value) of its feedback in order, (kind, value) of its mutes; ``authors`` is the stored JSON list."""
    liked = [(i, k) for i, k, v in feedback if v > 0]
    disliked = [(i, k) for i, k, v in feedback if v <= 0]
    return Profile(
        name=name, interests=interests or "", authors=tuple(json.loads(authors or "[]")), email=email,
        created_at=created, paper_ids=tuple(i for i, _ in papers), paper_keys=tuple(k for _, k in papers),
        liked_ids=tuple(i for i, _ in liked), liked=tuple(k for _, k in liked),
        disliked_ids=tuple(i for i, _ in disliked), disliked=tuple(k for _, k in disliked),
        muted_authors=tuple(v for k, v in mutes if k == "author"),
        muted_categories=tuple(v for k, v in mutes if k == "category"),
    )
