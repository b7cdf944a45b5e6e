"""Schema migrations: from a blank database, from every older version, and refusing bad files."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from paperfeed.errors import PaperfeedError
from paperfeed.normalize import text_hash
from paperfeed.rank.query import Match
from paperfeed.store import migrations
from paperfeed.store.migrations import MIGRATIONS, SCHEMA_VERSION, migrate
from paperfeed.store.sqlite import SqliteStore

TITLE = "Sparse Attention for Long Documents"
ABSTRACT = "We study sparse attention over very long documents."


def tables(conn: sqlite3.Connection) -> set[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')").fetchall()
    return {r[0] for r in rows if not r[0].startswith("sqlite_")}


def schema_objects(conn: sqlite3.Connection) -> set[tuple[str, str]]:
    rows = conn.execute("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").fetchall()
    return {(t, n) for t, n in rows}


def user_version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture(scope="module")
def latest_schema(tmp_path_factory: pytest.TempPathFactory) -> set[tuple[str, str]]:
    path = tmp_path_factory.mktemp("latest") / "blank.db"
    SqliteStore(path).close()
    conn = sqlite3.connect(path)
    try:
        return schema_objects(conn)
    finally:
        conn.close()


def build_at_version(path: Path, k: int) -> None:
    """Apply only the first ``k`` migration scripts by hand and insert rows valid at that version."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for i in range(k):
            conn.execute("BEGIN")
            for stmt in migrations._statements(MIGRATIONS[i]):
                conn.execute(stmt)
            conn.execute(f"PRAGMA user_version = {i + 1}")
            conn.execute("COMMIT")
        have = tables(conn)
        conn.execute("BEGIN")
        if "papers" in have:
            conn.execute(
                "INSERT INTO papers(id, key, arxiv_id, doi, title_key, title, abstract, authors, categories, "
                "date, updated, venue, url, comments, journal_ref, version, sources, content_hash, text_hash, "
                "added_at, modified_at) VALUES (1, 'arxiv:2401.00001', '2401.00001', NULL, "
                "'sparse attention for long documents', ?, ?, ?, 'cs.CL cs.LG', '2024-01-05', NULL, NULL, "
                "NULL, NULL, NULL, 2, ?, 'h1', ?, '2024-01-06T00:00:00Z', '2024-01-06T00:00:00Z')",
                (TITLE, ABSTRACT, json.dumps(["Jane Doe", "Bo Li"]), json.dumps(["old.jsonl"]),
                 text_hash(TITLE, ABSTRACT)),
            )
            conn.execute(
                "INSERT INTO papers(id, key, arxiv_id, doi, title_key, title, abstract, authors, categories, "
                "date, sources, content_hash, text_hash, added_at, modified_at) VALUES (2, 'doi:10.1000/x', "
                "NULL, '10.1000/x', 'a published paper', 'A Published Paper', '', '[]', '', '2023', "
                "'[\"old.bib\"]', 'h2', ?, '2024-01-06T00:00:00Z', '2024-01-06T00:00:00Z')",
                (text_hash("A Published Paper", ""),),
            )
            # keep the external-content FTS index consistent with what the rows say
            conn.execute(
                "INSERT INTO papers_fts(papers_fts) VALUES('rebuild')"
            )
        if "paper_authors" in have:
            conn.executemany("INSERT INTO paper_authors(author_key, paper_id) VALUES (?, 1)", [("j doe",), ("b li",)])
        if "paper_sources" in have:
            conn.execute("INSERT INTO paper_sources VALUES ('old.jsonl', 'arxiv:2401.00001', 1, 'r1')")
            conn.execute("INSERT INTO paper_sources VALUES ('old.bib', 'doi:10.1000/x', 2, 'r2')")
        if "meta" in have:
            conn.execute("INSERT INTO meta(name, value) VALUES ('created_by', 'test')")
        if "vectors" in have:
            vec = np.arange(4, dtype=np.float32).tobytes()
            conn.execute("INSERT INTO vectors VALUES (1, 'm', ?, ?)", (text_hash(TITLE, ABSTRACT), vec))
            conn.execute("INSERT INTO vector_state VALUES ('m', 1)")
        if "profiles" in have:
            conn.execute("INSERT INTO profiles(id, name, interests, created_at) VALUES "
                         "(1, 'jane', 'sparse attention', '2024-01-06T00:00:00Z')")
            conn.execute("INSERT INTO profile_papers(profile_id, paper_id) VALUES (1, 1)")
            conn.execute("INSERT INTO feedback VALUES (1, 2, 1, '2024-01-07T00:00:00Z')")
            conn.execute("INSERT INTO mutes VALUES (1, 'category', 'cs.CV')")
        conn.execute("COMMIT")
    finally:
        conn.close()


def test_blank_database_gets_latest_schema(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    store = SqliteStore(path)
    try:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert {"papers", "paper_authors", "paper_sources", "papers_fts", "meta", "vectors", "vector_state",
                "profiles", "profile_papers", "feedback", "mutes"} <= tables(store.conn)
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.conn.execute("SELECT v FROM papers_fts_config WHERE k = 'hashsize'").fetchone() == (33554432,)
        assert store.count() == 0
    finally:
        store.close()


def test_opening_twice_is_a_no_op(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    SqliteStore(path).close()
    conn = sqlite3.connect(path)
    assert migrate(conn) == SCHEMA_VERSION
    conn.close()
    SqliteStore(path).close()
    assert user_version(path) == SCHEMA_VERSION


@pytest.mark.parametrize("k", range(SCHEMA_VERSION))
def test_migrates_from_every_older_version_and_keeps_rows(
    tmp_path: Path, k: int, latest_schema: set[tuple[str, str]]
) -> None:
    path = tmp_path / f"v{k}.db"
    build_at_version(path, k)
    assert user_version(path) == k
    store = SqliteStore(path)
    try:
        conn = store.conn
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert schema_objects(conn) == latest_schema
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        conn.execute("INSERT INTO papers_fts(papers_fts) VALUES('integrity-check')")
        if k == 0:
            assert store.count() == 0
            return
        assert store.count() == 2
        p = store.get("arXiv:2401.00001")
        assert (p.title, p.authors, p.categories, p.version) == (TITLE, ("Jane Doe", "Bo Li"), ("cs.CL", "cs.LG"), 2)
        assert store.get("10.1000/x").title == "A Published Paper"
        found = store.search_fts(Match(words=("sparse",)), 5)
        assert [store.papers_by_ids([i])[0].key for i, _ in found] == ["arxiv:2401.00001"]
        assert store.ids_by_author_key("j doe") == [1]
        assert store.stats()["by_source"] == {"old.jsonl": 1, "old.bib": 1}
        if k >= 2:
            ids, mat = store.load_vectors("m", 4)
            assert ids.tolist() == [1]
            np.testing.assert_array_equal(mat[0], np.arange(4, dtype=np.float32))
        if k >= 3:
            assert conn.execute("SELECT name FROM profiles").fetchall() == [("jane",)]
            assert conn.execute("SELECT count(*) FROM feedback").fetchone()[0] == 1
        # the migrated library accepts writes and still deduplicates against the old rows
        from paperfeed.models import Paper
        from paperfeed.normalize import normalize_paper

        new = normalize_paper(Paper(title=TITLE, arxiv_id="2401.00001v3", abstract="Newer abstract."))
        ((status, pid),) = store.write_papers([new], "new.jsonl")
        assert (status, pid) == ("updated", 1)
        assert store.count() == 2
        conn.execute("INSERT INTO papers_fts(papers_fts) VALUES('integrity-check')")
    finally:
        store.close()


def test_each_migration_is_its_own_transaction(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "x.db"
    SqliteStore(path).close()
    broken = MIGRATIONS + ["CREATE TABLE half_done (a INTEGER);\nCREATE TABLE broken (;"]
    monkeypatch.setattr(migrations, "MIGRATIONS", broken)
    monkeypatch.setattr(migrations, "SCHEMA_VERSION", len(broken))
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        with pytest.raises(sqlite3.OperationalError):
            migrate(conn)
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert "half_done" not in tables(conn)
        assert not conn.in_transaction
    finally:
        conn.close()


def test_newer_schema_than_known_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    SqliteStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(PaperfeedError, match="newer"):
        SqliteStore(path)
    assert user_version(path) == SCHEMA_VERSION + 1


@pytest.mark.parametrize(
    "content",
    [b"this is a text file, not a database\n" * 100, b"SQLite format 3\x00" + b"\xff" * 2000],
    ids=["text", "corrupt-header"],
)
def test_non_database_file_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(content)
    with pytest.raises(PaperfeedError, match="notes.db"):
        SqliteStore(path)
    assert path.read_bytes() == content  # untouched


def test_other_applications_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE papers (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO papers(name) VALUES ('theirs')")
    conn.commit()
    conn.close()
    with pytest.raises(PaperfeedError):
        SqliteStore(path)
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT name FROM papers").fetchall() == [("theirs",)]
    conn.close()
