"""The PostgreSQL store (pgvector, tsvector): placeholder until the backend lands."""

from __future__ import annotations

from paperfeed.errors import PaperfeedError


def open_postgres(url: str):
    """A PostgreSQL store for ``url``."""
    raise PaperfeedError("the PostgreSQL backend is not available in this version; use a SQLite path (the postgres extra ships in the next version)")
