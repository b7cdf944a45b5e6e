"""Numbered schema migrations for the SQLite store, each applied in its own transaction.

The schema version lives in ``PRAGMA user_version``. Append new steps; never edit old ones.
"""

from __future__ import annotations

import sqlite3

MIGRATIONS: list[str] = [
    # 1: papers, where they came from, full-text index
    """
    CREATE TABLE papers (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        arxiv_id TEXT UNIQUE,
        doi TEXT UNIQUE,
        title_key TEXT NOT NULL,
        title TEXT NOT NULL,
        abstract TEXT NOT NULL,
        authors TEXT NOT NULL,
        categories TEXT NOT NULL,
        date TEXT,
        updated TEXT,
        venue TEXT,
        url TEXT,
        comments TEXT,
        journal_ref TEXT,
        version INTEGER,
        sources TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        text_hash TEXT NOT NULL,
        added_at TEXT NOT NULL,
        modified_at TEXT NOT NULL
    );
    CREATE INDEX papers_title_key ON papers(title_key);
    CREATE INDEX papers_date ON papers(date);
    CREATE TABLE paper_authors (
        author_key TEXT NOT NULL,
        paper_id INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
        PRIMARY KEY (author_key, paper_id)
    ) WITHOUT ROWID;
    CREATE INDEX paper_authors_paper ON paper_authors(paper_id);
    CREATE TABLE paper_sources (
        source TEXT NOT NULL,
        record_key TEXT NOT NULL,
        paper_id INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
        record_hash TEXT NOT NULL,
        PRIMARY KEY (source, record_key)
    ) WITHOUT ROWID;
    CREATE VIRTUAL TABLE papers_fts USING fts5(
        title, abstract, authors, categories,
        content='papers', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2'
    );
    -- inserts are indexed in bulk by the store (INSERT ... SELECT per batch, 2x faster than a
    -- per-row trigger); updates and deletes keep the index in step through triggers.
    CREATE TRIGGER papers_ad AFTER DELETE ON papers BEGIN
        INSERT INTO papers_fts(papers_fts, rowid, title, abstract, authors, categories)
        VALUES ('delete', old.id, old.title, old.abstract, old.authors, old.categories);
    END;
    CREATE TRIGGER papers_au AFTER UPDATE OF title, abstract, authors, categories ON papers BEGIN
        INSERT INTO papers_fts(papers_fts, rowid, title, abstract, authors, categories)
        VALUES ('delete', old.id, old.title, old.abstract, old.authors, old.categories);
        INSERT INTO papers_fts(rowid, title, abstract, authors, categories)
        VALUES (new.id, new.title, new.abstract, new.authors, new.categories);
    END;
    CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # 2: vectors keyed by (paper, model) with the text hash they were computed from
    """
    CREATE TABLE vectors (
        paper_id INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
        model_id TEXT NOT NULL,
        text_hash TEXT NOT NULL,
        vec BLOB NOT NULL,
        PRIMARY KEY (model_id, paper_id)
    ) WITHOUT ROWID;
    CREATE TABLE vector_state (model_id TEXT PRIMARY KEY, generation INTEGER NOT NULL);
    """,
    # 3: profiles, their papers and feedback
    """
    CREATE TABLE profiles (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        interests TEXT NOT NULL DEFAULT '',
        authors TEXT NOT NULL DEFAULT '[]',
        email TEXT,
        created_at TEXT NOT NULL
    );
    CREATE TABLE profile_papers (
        profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
        paper_id INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
        PRIMARY KEY (profile_id, paper_id)
    ) WITHOUT ROWID;
    CREATE TABLE feedback (
        profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
        paper_id INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
        value INTEGER NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (profile_id, paper_id)
    ) WITHOUT ROWID;
    CREATE TABLE mutes (
        profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('author', 'category')),
        value TEXT NOT NULL,
        PRIMARY KEY (profile_id, kind, value)
    ) WITHOUT ROWID;
    """,
    # 4: delivery (digests and what each delivered) and fetch cursors (issue: daily pipeline)
    """
    CREATE TABLE digests (
        id INTEGER PRIMARY KEY,
        profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
        channel TEXT NOT NULL DEFAULT 'email',
        status TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'failed')),
        message_id TEXT,
        recipient TEXT,
        subject TEXT,
        created_at TEXT NOT NULL,
        sent_at TEXT,
        error TEXT
    );
    CREATE INDEX digests_profile ON digests(profile_id, status);
    CREATE TABLE deliveries (
        profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
        paper_id INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
        digest_id INTEGER NOT NULL REFERENCES digests(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        why TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (profile_id, paper_id)
    ) WITHOUT ROWID;
    CREATE INDEX deliveries_digest ON deliveries(digest_id);
    CREATE TABLE fetch_cursors (
        source TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    """,
    # 5: web users, sessions, API tokens; profiles owned by a user (issue: web app)
    """
    CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        csrf_token TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
    );
    CREATE INDEX sessions_user ON sessions(user_id);
    CREATE TABLE api_tokens (
        token_hash TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX api_tokens_user ON api_tokens(user_id);
    ALTER TABLE profiles ADD COLUMN owner_id INTEGER REFERENCES users(id) ON DELETE SET NULL;
    CREATE INDEX profiles_owner ON profiles(owner_id);
    """,
    # 6: find a source's records by hash (re-ingest skips unchanged JSON Lines before parsing them)
    """
    CREATE INDEX paper_sources_hash ON paper_sources(source, record_hash);
    """,
    # 7: per-sentence vectors (float16, n x dim), filled lazily by similar-paper re-ranking
    """
    CREATE TABLE sentence_vectors (
        paper_id INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
        model_id TEXT NOT NULL,
        text_hash TEXT NOT NULL,
        n INTEGER NOT NULL,
        vecs BLOB NOT NULL,
        PRIMARY KEY (model_id, paper_id)
    ) WITHOUT ROWID;
    """,
    # 8: FTS5 buffers up to 32 MiB of new postings per transaction before writing a segment
    # (default 1 MiB): fewer, larger segments and less merging; a fresh bulk ingest is ~7% faster
    """
    INSERT INTO papers_fts(papers_fts, rank) VALUES ('hashsize', 33554432);
    """,
    # 9: why each paper is in a profile (origin: file, key, author, arxiv-author, orcid, openalex,
    # semantic-scholar, dblp; detail: the file name, key, name or id); '' for papers added before
    """
    ALTER TABLE profile_papers ADD COLUMN origin TEXT NOT NULL DEFAULT '';
    ALTER TABLE profile_papers ADD COLUMN detail TEXT NOT NULL DEFAULT '';
    ALTER TABLE profile_papers ADD COLUMN added_at TEXT;
    """,
    # 10: daily reading (issue 13): a reading list and tags per profile, saved searches (alerts),
    # a secret Atom-feed token per profile, and each user's default profile (user_id 0: single-user mode)
    """
    CREATE TABLE reading_list (
        profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
        paper_id INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
        added_at TEXT NOT NULL,
        PRIMARY KEY (profile_id, paper_id)
    ) WITHOUT ROWID;
    CREATE TABLE paper_tags (
        profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
        paper_id INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
        tag TEXT NOT NULL,
        added_at TEXT NOT NULL,
        PRIMARY KEY (profile_id, tag, paper_id)
    ) WITHOUT ROWID;
    CREATE INDEX paper_tags_paper ON paper_tags(profile_id, paper_id);
    CREATE TABLE alerts (
        id INTEGER PRIMARY KEY,
        profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        query TEXT NOT NULL,
        after_id INTEGER NOT NULL,
        token TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        UNIQUE (profile_id, name)
    );
    CREATE TABLE feed_tokens (
        profile_id INTEGER PRIMARY KEY REFERENCES profiles(id) ON DELETE CASCADE,
        token TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL
    );
    CREATE TABLE default_profiles (
        user_id INTEGER PRIMARY KEY,
        profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE
    );
    """,
    # 11: (PostgreSQL's full-text vector becomes a generated column kept in the row; nothing here:
    # FTS5 keeps its own tables. The step is numbered so that both backends share one schema version)
    "",
    # 12: failed web logins per throttle key (a SHA-256 of "user:NAME" or "addr:IP"), shared by every
    # worker process of `paperfeed serve`; rows older than the throttle's window are deleted as it reads
    """
    CREATE TABLE login_failures (
        key TEXT NOT NULL,
        at REAL NOT NULL
    );
    CREATE INDEX login_failures_key ON login_failures(key, at);
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the database to the newest schema; returns the version it started at."""
    start = conn.execute("PRAGMA user_version").fetchone()[0]
    if start > SCHEMA_VERSION:
        from paperfeed.errors import PaperfeedError

        raise PaperfeedError(
            f"library schema version {start} is newer than this paperfeed ({SCHEMA_VERSION}); upgrade paperfeed"
        )
    for version in range(start + 1, SCHEMA_VERSION + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            # re-check inside the write lock: another process may have migrated meanwhile
            if conn.execute("PRAGMA user_version").fetchone()[0] >= version:
                conn.execute("ROLLBACK")
                continue
            for stmt in _statements(MIGRATIONS[version - 1]):
                conn.execute(stmt)
            conn.execute(f"PRAGMA user_version = {version}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return start


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (triggers keep their inner semicolons)."""
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out
