"""The default store: one SQLite file in WAL mode with an FTS5 index over papers."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import orjson

from paperfeed import normalize
from paperfeed.dedup import plan_writes
from paperfeed.errors import PaperfeedError
from paperfeed.models import Paper
from paperfeed.rank.query import Match
from paperfeed.store.fts5 import fts5_expression
from paperfeed.store.migrations import migrate
from paperfeed.store.rows import PaperRow, author_keys, newest_first
from paperfeed.store.rows import values as row_values
from paperfeed.store.sqlhelpers import chunks as _chunks
from paperfeed.store.sqlhelpers import count_missing, missing_rows
from paperfeed.store.sqlhelpers import now as _now
from paperfeed.store.sqlite_delivery import DeliveryStoreMixin
from paperfeed.store.sqlite_profiles import ProfileStoreMixin
from paperfeed.store.sqlite_reading import ReadingStoreMixin
from paperfeed.store.sqlite_sentences import SentenceStoreMixin
from paperfeed.store.sqlite_users import UserStoreMixin
from paperfeed.store.tables import TABLES, VECTOR_COLUMNS

PAPER_COLS = (
    "id, key, arxiv_id, doi, title, abstract, authors, categories, date, updated, venue, url, "
    "comments, journal_ref, version, sources"
)



def row_to_paper(row: Sequence) -> Paper:
    """Build a Paper from a row selected with PAPER_COLS."""
    return Paper(
        key=row[1], arxiv_id=row[2], doi=row[3], title=row[4], abstract=row[5],
        authors=tuple(orjson.loads(row[6])), categories=tuple(row[7].split()) if row[7] else (),
        date=row[8], updated=row[9], venue=row[10], url=row[11], comments=row[12],
        journal_ref=row[13], version=row[14], sources=tuple(orjson.loads(row[15])),
    )


MMAP_BYTES = 1 << 31
"""Bytes of the library file SQLite may map for reading (its build caps this near 2 GiB)."""


class SqliteStore(ProfileStoreMixin, DeliveryStoreMixin, UserStoreMixin, SentenceStoreMixin, ReadingStoreMixin):
    """Papers, vectors, profiles and feedback in one SQLite database.

    One connection per thread; writes go through ``transaction()`` (BEGIN IMMEDIATE),
    so there is one writer at a time and readers never block.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._fts_counts: dict[str, int] = {}
        self._fts_counts_generation: object = None
        try:
            migrate(self.conn)
        except sqlite3.DatabaseError as e:
            raise PaperfeedError(f"{self.path}: not a paperfeed library ({e})") from None

    @property
    def conn(self) -> sqlite3.Connection:  # type: ignore[override]  # the mixins declare it as an attribute
        """This thread's connection, opened on first use."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA cache_size=-65536")
            conn.execute("PRAGMA temp_store=MEMORY")
            # reads through a memory map (writes still go through the journal): a feed reads the vectors
            # of ~3,000 candidates spread over the file, 3x faster than by read() calls (docs/figures.md)
            conn.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
            self._local.conn = conn
        return conn

    def close(self) -> None:
        """Close this thread's connection."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction; rolled back on any exception (including KeyboardInterrupt)."""
        conn = self.conn
        if conn.in_transaction:
            yield
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
            conn.execute("COMMIT")
        except BaseException:
            # SQLite has already rolled back after some errors (a full disk during a statement);
            # a second ROLLBACK would fail and hide the real error
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    # ---- papers: writing -------------------------------------------------

    def has_source(self, source: str) -> bool:
        """Whether any record was stored from ``source`` (a file name, or stdin)."""
        q = "SELECT 1 FROM paper_sources WHERE source = ? LIMIT 1"
        return self.conn.execute(q, (source,)).fetchone() is not None

    def known_record_hashes(self, source: str, hashes: Sequence[str]) -> dict[str, int]:
        """Which record hashes were already stored from ``source``, with their paper ids."""
        out: dict[str, int] = {}
        for chunk in _chunks(list(dict.fromkeys(hashes))):
            q = (
                "SELECT record_hash, paper_id FROM paper_sources INDEXED BY paper_sources_hash "
                f"WHERE source = ? AND record_hash IN ({','.join('?' * len(chunk))})"
            )
            out.update(self.conn.execute(q, (source, *chunk)).fetchall())
        return out

    def seen_records(self, source: str, keys: Sequence[str]) -> dict[str, tuple[int, str]]:
        """(paper id, record hash) of the records with these keys stored from ``source``."""
        out: dict[str, tuple[int, str]] = {}
        for chunk in _chunks(list(dict.fromkeys(keys))):
            q = (
                "SELECT record_key, paper_id, record_hash FROM paper_sources "
                f"WHERE source = ? AND record_key IN ({','.join('?' * len(chunk))})"
            )
            for rk, pid, rh in self.conn.execute(q, (source, *chunk)):
                out[rk] = (pid, rh)
        return out

    def write_papers(
        self, papers: Sequence[Paper], source: str, record_ids: Sequence[tuple[str, str]] | None = None,
        rows: Sequence[PaperRow] | None = None,
    ) -> list[tuple[str, int]]:
        """Add or merge normalised papers from ``source``, in bulk (matching: paperfeed/dedup.py).

        Returns (status, row id) per paper; status is added, updated or unchanged."""
        with self.transaction():
            plan = plan_writes(self, papers, source, record_ids, rows)
            self._insert_many(plan.new)
            for pid, merged in plan.changed.items():
                self._update(pid, merged)
            if plan.new or plan.changed:
                self.conn.execute(
                    "INSERT INTO meta(name, value) VALUES ('papers_generation', '1') ON CONFLICT(name) "
                    "DO UPDATE SET value = CAST(value AS INTEGER) + 1"
                )
            self.conn.executemany(
                "INSERT OR REPLACE INTO paper_sources(source, record_key, paper_id, record_hash) VALUES (?,?,?,?)",
                plan.sources,
            )
        return plan.statuses

    # ---- dedup candidates (paperfeed/dedup.py) ------------------------------

    def has_unidentified(self) -> bool:
        """Whether any stored paper lacks an arXiv id (only those can fuzzy-match an arXiv record)."""
        return self.conn.execute("SELECT 1 FROM papers WHERE arxiv_id IS NULL LIMIT 1").fetchone() is not None

    def papers_sharing_ids(self, arxiv_ids: Iterable[str], dois: Iterable[str],
                           title_keys: Iterable[str]) -> dict[int, Paper]:
        """Stored papers having any of these arXiv ids, DOIs or normalised titles."""
        out: dict[int, Paper] = {}
        for col, vals in (("arxiv_id", arxiv_ids), ("doi", dois), ("title_key", title_keys)):
            for chunk in _chunks(sorted(set(vals))):
                q = f"SELECT {PAPER_COLS} FROM papers WHERE {col} IN ({','.join('?' * len(chunk))})"
                for row in self.conn.execute(q, chunk):
                    out[row[0]] = row_to_paper(row)
        return out

    def title_keys_by_author(self, author_keys: Sequence[str], without_arxiv: bool) -> list[tuple[int, str]]:
        """(id, title key) of papers with any of these author keys (only those without an arXiv id)."""
        extra = "AND p.arxiv_id IS NULL" if without_arxiv else ""
        q = (
            "SELECT p.id, p.title_key FROM papers p WHERE p.id IN (SELECT paper_id FROM paper_authors "
            f"WHERE author_key IN ({','.join('?' * len(author_keys))})) {extra}"
        )
        return self.conn.execute(q, list(author_keys)).fetchall()

    def _insert_many(self, new: dict[int, tuple[Paper, PaperRow]]) -> None:
        """Insert new papers with preassigned row ids, their author keys and their FTS rows."""
        if not new:
            return
        now = _now()
        self.conn.executemany(
            "INSERT INTO papers(arxiv_id, doi, title_key, title, abstract, authors, categories, date, "
            "updated, venue, url, comments, journal_ref, version, sources, content_hash, text_hash, "
            "key, added_at, modified_at, id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [(*r.values, p.key, now, now, pid) for pid, (p, r) in new.items()],
        )
        self.conn.executemany(
            "INSERT OR IGNORE INTO paper_authors(author_key, paper_id) VALUES (?, ?)",
            [(k, pid) for pid, (_, r) in new.items() for k in r.author_keys],
        )
        lo, hi = min(new), max(new)
        self.conn.execute(
            "INSERT INTO papers_fts(rowid, title, abstract, authors, categories) "
            "SELECT id, title, abstract, authors, categories FROM papers WHERE id BETWEEN ? AND ?",
            (lo, hi),
        )

    def _update(self, pid: int, p: Paper) -> None:
        self.conn.execute(
            "UPDATE papers SET arxiv_id=?, doi=?, title_key=?, title=?, abstract=?, authors=?, "
            "categories=?, date=?, updated=?, venue=?, url=?, comments=?, journal_ref=?, version=?, "
            "sources=?, content_hash=?, text_hash=?, modified_at=? WHERE id=?",
            (*row_values(p), _now(), pid),
        )
        self.conn.execute("DELETE FROM paper_authors WHERE paper_id = ?", (pid,))
        self._set_authors(pid, p.authors)

    def _set_authors(self, pid: int, authors: Iterable[str]) -> None:
        self.conn.executemany(
            "INSERT OR IGNORE INTO paper_authors(author_key, paper_id) VALUES (?, ?)",
            [(k, pid) for k in author_keys(authors)],
        )

    # ---- papers: reading -------------------------------------------------

    def resolve_id(self, ref: str) -> int | None:
        """Row id for a key (arxiv:ID, doi:..., title:...), a bare arXiv id or a DOI."""
        ref = ref.strip()
        conn = self.conn
        row = conn.execute("SELECT id FROM papers WHERE key = ?", (ref,)).fetchone()
        if row:
            return row[0]
        low = ref.lower()
        if low.startswith("doi:") or low.startswith("10.") or "doi.org/" in low:
            d = normalize.doi(ref[4:] if low.startswith("doi:") else ref)
            row = conn.execute("SELECT id FROM papers WHERE doi = ?", (d,)).fetchone() if d else None
            return row[0] if row else None
        aid, _ = normalize.arxiv_id(ref.removeprefix("arxiv:").removeprefix("arXiv:"))
        if aid:
            row = conn.execute("SELECT id FROM papers WHERE arxiv_id = ?", (aid,)).fetchone()
            return row[0] if row else None
        return None

    def get(self, ref: str) -> Paper | None:
        """The paper for a key or id-like reference, or None."""
        pid = self.resolve_id(ref)
        return self.papers_by_ids([pid])[0] if pid is not None else None

    def papers_map(self, ids: Sequence[int]) -> dict[int, Paper]:
        """Papers for row ids, keyed by id (missing ids are absent)."""
        found: dict[int, Paper] = {}
        for chunk in _chunks(list(ids)):
            q = f"SELECT {PAPER_COLS} FROM papers WHERE id IN ({','.join('?' * len(chunk))})"
            for row in self.conn.execute(q, chunk):
                found[row[0]] = row_to_paper(row)
        return found

    def papers_meta(self, ids: Sequence[int]) -> dict[int, tuple[tuple[str, ...], str | None]]:
        """(categories, date) per row id: what the ranker needs without the text."""
        out: dict[int, tuple[tuple[str, ...], str | None]] = {}
        for chunk in _chunks(list(ids)):
            q = f"SELECT id, categories, date FROM papers WHERE id IN ({','.join('?' * len(chunk))})"
            for pid, cats, d in self.conn.execute(q, chunk):
                out[pid] = (tuple(cats.split()), d)
        return out

    def papers_by_ids(self, ids: Sequence[int]) -> list[Paper]:
        """Papers for row ids, in the given order (missing ids are dropped)."""
        found = self.papers_map(ids)
        return [found[i] for i in ids if i in found]

    def ids_for_keys(self, keys: Sequence[str]) -> dict[str, int]:
        """Row ids for paper keys that exist."""
        out: dict[str, int] = {}
        for chunk in _chunks(list(keys)):
            q = f"SELECT key, id FROM papers WHERE key IN ({','.join('?' * len(chunk))})"
            out.update(dict(self.conn.execute(q, chunk).fetchall()))
        return out

    def list_papers(
        self, limit: int = 20, offset: int = 0, since: str | None = None, until: str | None = None,
        category: str | None = None,
    ) -> list[Paper]:
        """Newest first (by date, undated last), optionally filtered (rows.newest_first: through the date index)."""
        where, args = _filters(since, until, category)
        rows = newest_first(self.conn.execute, PAPER_COLS, where, args, limit, offset, bool(since or until))
        return [row_to_paper(r) for r in rows]

    def newest_date(self) -> str | None:
        """The newest paper date (max over the date index: list_papers' ORDER BY sorts every row)."""
        return self.conn.execute("SELECT max(date) FROM papers").fetchone()[0]

    def iter_papers(self, ids: Sequence[int] | None = None, batch: int = 2000) -> Iterator[Paper]:
        """Every paper (or the given ids) in id order, streamed."""
        if ids is not None:
            for chunk in _chunks(list(ids), batch):
                yield from self.papers_by_ids(chunk)
            return
        last = 0
        while True:
            rows = self.conn.execute(
                f"SELECT {PAPER_COLS} FROM papers WHERE id > ? ORDER BY id LIMIT ?", (last, batch)
            ).fetchall()
            if not rows:
                return
            yield from (row_to_paper(r) for r in rows)
            last = rows[-1][0]

    def filter_ids(
        self, since: str | None = None, until: str | None = None, category: str | None = None
    ) -> np.ndarray:
        """Row ids matching date/category filters (all ids when no filter)."""
        where, args = _filters(since, until, category)
        rows = self.conn.execute(f"SELECT id FROM papers {where}", args).fetchall()
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def paper_dates(self, ids: Sequence[int]) -> dict[int, str | None]:
        """Date of each row id."""
        out: dict[int, str | None] = {}
        for chunk in _chunks(list(ids)):
            q = f"SELECT id, date FROM papers WHERE id IN ({','.join('?' * len(chunk))})"
            out.update(dict(self.conn.execute(q, chunk).fetchall()))
        return out

    def ids_by_author_key(self, key: str) -> list[int]:
        """Papers with an author whose matching key equals ``key``."""
        rows = self.conn.execute("SELECT paper_id FROM paper_authors WHERE author_key = ?", (key,))
        return [r[0] for r in rows]

    def text_hashes(self) -> list[tuple[int, str]]:
        """(id, text_hash) of every paper, by id."""
        return self.conn.execute("SELECT id, text_hash FROM papers ORDER BY id").fetchall()

    def change_token(self) -> str:
        """A string that changes whenever any paper is added, changed or removed."""
        row = self.conn.execute("SELECT value FROM meta WHERE name = 'papers_generation'").fetchone()
        return f"{row[0] if row else 0}:{self.count()}"

    def max_id(self) -> int:
        """The largest paper row id (0 for an empty library)."""
        return self.conn.execute("SELECT coalesce(max(id), 0) FROM papers").fetchone()[0]

    def count(self) -> int:
        """Number of papers."""
        return self.conn.execute("SELECT count(*) FROM papers").fetchone()[0]

    def stats(self) -> dict:
        """Counts by source, category and year, and missing fields."""
        conn = self.conn
        total = self.count()
        sources = conn.execute(
            "SELECT source, count(DISTINCT paper_id) FROM paper_sources GROUP BY source ORDER BY 2 DESC"
        ).fetchall()
        years = conn.execute(
            "SELECT substr(date, 1, 4) y, count(*) FROM papers GROUP BY y ORDER BY y"
        ).fetchall()
        cats: dict[str, int] = {}
        for (c,) in conn.execute("SELECT categories FROM papers WHERE categories != ''"):
            for cat in c.split():
                cats[cat] = cats.get(cat, 0) + 1
        missing = conn.execute(
            "SELECT sum(title = ''), sum(abstract = ''), sum(authors = '[]'), sum(date IS NULL), "
            "sum(categories = ''), sum(arxiv_id IS NULL AND doi IS NULL) FROM papers"
        ).fetchone()
        names = ("title", "abstract", "authors", "date", "categories", "arxiv_id_and_doi")
        return {
            "papers": total,
            "by_source": dict(sources),
            "by_year": {(y or "unknown"): n for y, n in years},
            "by_category": dict(sorted(cats.items(), key=lambda kv: -kv[1])[:30]),
            "missing": {n: int(v or 0) for n, v in zip(names, missing, strict=True)},
        }

    # ---- keyword search ----------------------------------------------------

    def search_fts(
        self, match: Match, limit: int, since: str | None = None, until: str | None = None,
        category: str | None = None,
    ) -> list[tuple[int, float]]:
        """FTS5 BM25 search (title weighted above abstract); returns (id, score), best first."""
        expr = fts5_expression(match)
        if not expr:
            return []
        where, args = _filters(since, until, category, prefix="p.")
        where = where.replace("WHERE", "AND", 1) if where else ""
        join = "JOIN papers p ON p.id = papers_fts.rowid " if where else ""  # the join costs 2-3x
        q = (
            "SELECT papers_fts.rowid, -bm25(papers_fts, 3.0, 1.0, 1.0, 0.5) AS s FROM papers_fts "
            f"{join}WHERE papers_fts MATCH ? {where} ORDER BY s DESC LIMIT ?"
        )
        try:
            return [(r[0], float(r[1])) for r in self.conn.execute(q, (expr, *args, limit))]
        except sqlite3.OperationalError as e:
            raise PaperfeedError(f"cannot run keyword query {expr!r}: {e}") from None

    def count_fts(self, match: Match) -> int:
        """How many papers a keyword match selects.

        Remembered until the papers change (search asks for the same words' frequencies often)."""
        expr = fts5_expression(match)
        if not expr:
            return 0
        row = self.conn.execute("SELECT value FROM meta WHERE name = 'papers_generation'").fetchone()
        generation = row[0] if row else "0"
        cache = self._fts_counts
        if self._fts_counts_generation != generation or len(cache) > 50_000:
            cache.clear()
            self._fts_counts_generation = generation
        if expr not in cache:
            sql = "SELECT count(*) FROM papers_fts WHERE papers_fts MATCH ?"
            cache[expr] = self.conn.execute(sql, (expr,)).fetchone()[0]
        return cache[expr]

    # ---- vectors -------------------------------------------------------------

    def papers_missing_vectors(self, model_id: str, limit: int,
                               ids: Sequence[int] | None = None) -> list[tuple[int, str, str, str]]:
        """Up to ``limit`` (id, title, abstract, text_hash) whose vector is missing or stale, newest first.

        ``ids`` (at most 500) restricts it to those papers."""
        return missing_rows(self.conn, "vectors", model_id, limit, ids)

    def count_missing_vectors(self, model_id: str, ids: Sequence[int] | None = None) -> int:
        """How many papers (of ``ids``, if given) need (re-)embedding for this model."""
        return count_missing(self.conn, "vectors", model_id, ids)

    def put_vectors(self, model_id: str, rows: Sequence[tuple[int, str]], vecs: np.ndarray) -> None:
        """Store vectors for (id, text_hash) rows and bump the model's generation."""
        data = [
            (pid, model_id, th, np.ascontiguousarray(v, dtype=np.float32).tobytes())
            for (pid, th), v in zip(rows, vecs, strict=True)
        ]
        with self.transaction():
            self.conn.executemany(
                "INSERT OR REPLACE INTO vectors(paper_id, model_id, text_hash, vec) VALUES (?,?,?,?)", data
            )
            self.conn.execute(
                "INSERT INTO vector_state(model_id, generation) VALUES (?, 1) "
                "ON CONFLICT(model_id) DO UPDATE SET generation = generation + 1",
                (model_id,),
            )

    def vector_state(self, model_id: str) -> str:
        """Opaque token that changes whenever this model's vectors change."""
        row = self.conn.execute(
            "SELECT generation FROM vector_state WHERE model_id = ?", (model_id,)
        ).fetchone()
        # the generation grows with every write of this model's vectors (put_vectors), so it alone
        # tells a saved index whether it is current; no count(*) over the table on every search
        return str(row[0] if row else 0)

    def load_vectors(self, model_id: str, dim: int) -> tuple[np.ndarray, np.ndarray]:
        """All current vectors of a model as (ids int64, matrix float32 (n, dim))."""
        q = (
            "SELECT v.paper_id, v.vec FROM vectors v JOIN papers p ON p.id = v.paper_id "
            "WHERE v.model_id = ? AND v.text_hash = p.text_hash ORDER BY v.paper_id"
        )
        rows = self.conn.execute(q, (model_id,)).fetchall()
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        mat = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), dim)
        return ids, mat

    def vectors_for(self, model_id: str, ids: Sequence[int], dim: int) -> dict[int, np.ndarray]:
        """Current vectors for some row ids."""
        out: dict[int, np.ndarray] = {}
        for chunk in _chunks(list(ids)):
            q = (
                "SELECT v.paper_id, v.vec FROM vectors v JOIN papers p ON p.id = v.paper_id "
                f"WHERE v.model_id = ? AND v.text_hash = p.text_hash AND v.paper_id IN "
                f"({','.join('?' * len(chunk))})"
            )
            for pid, blob in self.conn.execute(q, (model_id, *chunk)):
                out[pid] = np.frombuffer(blob, dtype=np.float32, count=dim)
        return out

    def database_index(self, model_id: str, dim: int) -> None:
        """None: a SQLite library's vector index is a file beside it (index/factory.py)."""
        return None

    def build_vector_index(self, model_id: str, dim: int) -> None:
        """Nothing: Library builds and saves the file index."""

    # ---- whole tables (paperfeed/copy.py) ----------------------------------------------

    def table_counts(self) -> dict[str, int]:
        """Rows in each table of store/tables.py."""
        return {t: self.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t, _ in TABLES}

    def table_rows(self, table: str, columns: Sequence[str], batch: int) -> Iterator[list[tuple]]:
        """A table's rows in batches (vectors as float32 arrays)."""
        cur = self.conn.execute(f"SELECT {', '.join(columns)} FROM {table}")
        vec = [i for i, c in enumerate(columns) if (table, c) in VECTOR_COLUMNS]
        while rows := cur.fetchmany(batch):
            if vec:
                rows = [tuple(np.frombuffer(v, dtype=np.float32) if i in vec else v for i, v in enumerate(r))
                        for r in rows]
            yield rows

    def put_table_rows(self, table: str, columns: Sequence[str], rows: Sequence[tuple]) -> None:
        """Insert rows into a table as they are (call in a transaction)."""
        vec = [i for i, c in enumerate(columns) if (table, c) in VECTOR_COLUMNS]
        if vec:
            rows = [tuple(np.ascontiguousarray(v, dtype=np.float32).tobytes() if i in vec else v
                          for i, v in enumerate(r)) for r in rows]
        self.conn.executemany(f"INSERT INTO {table}({', '.join(columns)}) VALUES ({','.join('?' * len(columns))})",
                              rows)

    def finish_copy(self) -> None:
        """After put_table_rows: index the copied papers' text."""
        self.conn.execute("INSERT INTO papers_fts(papers_fts) VALUES('rebuild')")

    def vector_models(self) -> dict[str, int]:
        """Models with stored vectors and how many each has."""
        return dict(self.conn.execute("SELECT model_id, count(*) FROM vectors GROUP BY model_id").fetchall())


def _filters(
    since: str | None, until: str | None, category: str | None, prefix: str = ""
) -> tuple[str, tuple]:
    """WHERE clause and arguments for date range and category filters."""
    conds, args = [], []
    if since:
        conds.append(f"{prefix}date >= ?")
        args.append(since)
    if until:
        conds.append(f"{prefix}date <= ?")
        args.append(until + "\uffff")
    if category:
        conds.append(f"(' ' || {prefix}categories || ' ') LIKE ?")
        args.append(f"% {category} %")
    return ("WHERE " + " AND ".join(conds)) if conds else "", tuple(args)

