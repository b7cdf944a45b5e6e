"""A write that fills the database (SQLite rolls the transaction back itself) raises the real error.

``PRAGMA max_page_count`` makes SQLite answer "database or disk is full" in the middle of a
statement, exactly as a full disk does; tests/cli/test_operator_errors.py fills a real one.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from paperfeed.config import load_settings
from paperfeed.library import Library

MODEL = "test-hashing-64"


def _papers(path: Path, first: int, count: int) -> str:
    path.write_text("".join(json.dumps({
        "id": f"2406.{n:05d}", "title": f"Paper {n} on subject {n % 71}",
        "abstract": "We study " + " ".join(f"w{(n * k) % 1999}" for k in range(80)),
        "authors": [f"Author {n % 97}"], "date": "2024-06-01"}) + "\n" for n in range(first, first + count)),
        encoding="utf-8")
    return str(path)


def _cap_growth(lib: Library, pages: int) -> None:
    """Let the database grow by at most ``pages`` pages."""
    conn = lib.store.conn
    conn.execute(f"PRAGMA max_page_count = {conn.execute('PRAGMA page_count').fetchone()[0] + pages}")


@pytest.fixture
def small_lib(tmp_path: Path):
    lib = Library(load_settings(tmp_path / "lib.db", model_id=MODEL))
    lib.ingest([_papers(tmp_path / "a.jsonl", 0, 100)])
    lib.embed_pending()
    yield lib
    lib.close()


def test_full_database_during_ingest(small_lib: Library, tmp_path: Path) -> None:
    big = _papers(tmp_path / "big.jsonl", 100, 5000)
    _cap_growth(small_lib, 20)
    with pytest.raises(sqlite3.OperationalError, match="database or disk is full"):
        small_lib.ingest([big])
    assert not small_lib.store.conn.in_transaction
    assert small_lib.store.count() == 100 and small_lib.store.vector_models() == {MODEL: 100}
    _cap_growth(small_lib, 100_000)  # room again: the same connection goes on
    assert small_lib.ingest([big]).added == 5000


def test_full_database_during_embed(small_lib: Library, tmp_path: Path) -> None:
    small_lib.ingest([_papers(tmp_path / "more.jsonl", 100, 2000)])
    _cap_growth(small_lib, 15)
    with pytest.raises(sqlite3.OperationalError, match="database or disk is full"):
        small_lib.embed_pending()
    kept = small_lib.store.vector_models()[MODEL]
    assert not small_lib.store.conn.in_transaction and kept >= 100 and (kept - 100) % 64 == 0
    _cap_growth(small_lib, 100_000)
    assert small_lib.embed_pending() == 2100 - kept
