"""Connections of the PostgreSQL store: a psycopg_pool pool, one pinned connection per transaction.

``transaction()`` pins one connection to the calling thread until it ends; outside a transaction each
call borrows a connection (autocommit) for its statements. The pg_*.py mixins and PostgresStore
build on these helpers (``_all``, ``_one``, ``_run``, ``_many``).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from paperfeed.errors import PaperfeedError, ReadOnlyStore

POOL_SIZE = int(os.environ.get("PAPERFEED_PG_POOL", "8"))
"""Connections per process (PAPERFEED_PG_POOL); each web worker process has its own pool."""


class PgBase:
    """A pool of connections to one PostgreSQL database with the paperfeed schema."""


    def __init__(self, url: str, pool_size: int = POOL_SIZE) -> None:
        import psycopg
        from psycopg_pool import ConnectionPool

        from paperfeed.store.pg_migrations import migrate

        self.url = url
        self._local = threading.local()
        self._fts_counts: dict[str, int] = {}
        self._fts_counts_generation: object = None
        try:
            with psycopg.connect(url, autocommit=True) as conn:
                migrate(conn)
        except psycopg.OperationalError as e:
            raise PaperfeedError(f"cannot connect to {_shown(url)}: {str(e).strip().splitlines()[-1]}") from None
        except psycopg.errors.InsufficientPrivilege as e:
            raise PaperfeedError(f"{_shown(url)}: cannot create the schema ({e}); "
                                 "ask an administrator to run CREATE EXTENSION vector") from None
        self.pool = ConnectionPool(url, min_size=1, max_size=pool_size, kwargs={"autocommit": True},
                                   configure=_configure, open=True, name="paperfeed")

    # ---- connections and transactions -------------------------------------------------

    @contextmanager
    def _conn(self) -> Iterator[Any]:
        """This thread's transaction connection, else one borrowed from the pool."""
        tx = getattr(self._local, "tx", None)
        if tx is not None:
            yield tx
            return
        with self.pool.connection() as conn:
            yield conn

    def _all(self, sql: str, args: Sequence | dict = (), binary: bool = False) -> list[tuple]:
        """All rows; ``binary`` asks for binary results (vectors arrive as raw float32, not text to parse)."""
        with self._conn() as c:
            return c.execute(sql, args, binary=binary).fetchall()

    def _one(self, sql: str, args: Sequence | dict = ()) -> tuple | None:
        with self._conn() as c:
            return c.execute(sql, args).fetchone()

    def _run(self, sql: str, args: Sequence | dict = ()) -> int:
        """Execute a write; returns the row count."""
        with self._conn() as c:
            return _write(c, sql, args)

    def _many(self, sql: str, rows: Sequence[Sequence]) -> int:
        if not rows:
            return 0
        with self._conn() as c:
            import psycopg

            with c.cursor() as cur:
                try:
                    cur.executemany(sql, rows)
                except psycopg.errors.ReadOnlySqlTransaction as e:
                    raise ReadOnlyStore(f"{_shown(self.url)}: {e}") from None
                return cur.rowcount

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction; rolled back on any exception (including KeyboardInterrupt)."""
        if getattr(self._local, "tx", None) is not None:
            yield
            return
        with self.pool.connection() as conn, conn.transaction():
            self._local.tx = conn
            try:
                yield
            finally:
                self._local.tx = None

    def close(self) -> None:
        """Close the pool (all its connections)."""
        self.pool.close()



def _write(conn, sql: str, args: Sequence | dict = ()) -> int:
    import psycopg

    try:
        return conn.execute(sql, args).rowcount
    except psycopg.errors.ReadOnlySqlTransaction as e:
        raise ReadOnlyStore(f"the database is read-only: {e}") from None


def _configure(conn) -> None:
    """Set up each pooled connection: numpy arrays as pgvector values."""
    from pgvector.psycopg import register_vector

    register_vector(conn)


def _shown(url: str) -> str:
    from paperfeed.config import Settings

    return Settings(home=Path("."), store_url=url).store_url_shown
