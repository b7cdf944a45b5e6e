"""The PostgreSQL store: papers with a weighted tsvector (GIN), pgvector vectors with HNSW, and
everything else a SQLite library holds, for a server that many processes and machines share.

Connections come from a psycopg_pool pool. ``transaction()`` pins one connection to the calling
thread until it ends; outside a transaction each call borrows a connection (autocommit) for its
statements. Writes of papers take a transaction-level advisory lock, so two ingests at once
serialise their batches (no lost updates, no duplicate papers); the daily run and digest sends take
a session-level advisory lock instead of SQLite's lock file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np
import orjson

from paperfeed import normalize
from paperfeed.dedup import plan_writes
from paperfeed.errors import PaperfeedError
from paperfeed.models import Paper
from paperfeed.rank.query import Match
from paperfeed.store import tsquery
from paperfeed.store.pg_base import PgBase
from paperfeed.store.pg_delivery import PgDeliveryMixin
from paperfeed.store.pg_profiles import PgProfileMixin
from paperfeed.store.pg_reading import PgReadingMixin
from paperfeed.store.pg_users import PgUserMixin
from paperfeed.store.pg_vectors import PgVectorMixin, _array
from paperfeed.store.rows import PaperRow, author_keys, newest_first
from paperfeed.store.rows import values as row_values
from paperfeed.store.sqlhelpers import now as _now
from paperfeed.store.tables import TABLES, VECTOR_COLUMNS
from paperfeed.store.tsquery import CONFIG, tsquery_text

PAPER_COLS = (
    "id, key, arxiv_id, doi, title, abstract, authors, categories, date, updated, venue, url, "
    "comments, journal_ref, version, sources"
)
EXACT_COUNT_MAX = 5_000
"""count_fts counts exactly up to this many matches (by the planner's estimate), else estimates."""
LOCK_PAPERS = 7_245_300_002
"""pg_advisory_xact_lock key held by a transaction that writes papers (dedup needs one writer)."""


def row_to_paper(row: Sequence) -> Paper:
    """Build a Paper from a row selected with PAPER_COLS."""
    return Paper(
        key=row[1], arxiv_id=row[2], doi=row[3], title=row[4], abstract=row[5],
        authors=tuple(orjson.loads(row[6])), categories=tuple(row[7].split()) if row[7] else (),
        date=row[8], updated=row[9], venue=row[10], url=row[11], comments=row[12],
        journal_ref=row[13], version=row[14], sources=tuple(orjson.loads(row[15])),
    )


def open_postgres(url: str) -> PostgresStore:
    """A PostgreSQL store for ``url``; a clear error without the postgres extra or the server."""
    try:
        import psycopg  # noqa: F401
        import psycopg_pool  # noqa: F401
    except ImportError:
        raise PaperfeedError(
            "a postgresql:// library needs the postgres extra: pip install 'paperfeed[postgres]'"
        ) from None
    return PostgresStore(url)


class PostgresStore(PgProfileMixin, PgDeliveryMixin, PgUserMixin, PgVectorMixin, PgReadingMixin, PgBase):
    """Papers, vectors, profiles, delivery, accounts and reading state in one PostgreSQL database."""

    # ---- papers: writing ------------------------------------------------------------------

    def has_source(self, source: str) -> bool:
        """Whether any record was stored from ``source``."""
        return self._one("SELECT 1 FROM paper_sources WHERE source = %s LIMIT 1", (source,)) is not None

    def known_record_hashes(self, source: str, hashes: Sequence[str]) -> dict[str, int]:
        """Which record hashes were already stored from ``source``, with their paper ids."""
        rows = self._all("SELECT record_hash, paper_id FROM paper_sources WHERE source = %s AND record_hash = ANY(%s)",
                         (source, list(dict.fromkeys(hashes))))
        return dict(rows)

    def seen_records(self, source: str, keys: Sequence[str]) -> dict[str, tuple[int, str]]:
        """(paper id, record hash) of the records with these keys stored from ``source``."""
        rows = self._all("SELECT record_key, paper_id, record_hash FROM paper_sources "
                         "WHERE source = %s AND record_key = ANY(%s)", (source, list(dict.fromkeys(keys))))
        return {rk: (pid, rh) for rk, pid, rh in rows}

    def write_papers(
        self, papers: Sequence[Paper], source: str, record_ids: Sequence[tuple[str, str]] | None = None,
        rows: Sequence[PaperRow] | None = None,
    ) -> list[tuple[str, int]]:
        """Add or merge normalised papers from ``source`` (matching: paperfeed/dedup.py), under the papers lock.

        Returns (status, row id) per paper; status is added, updated or unchanged."""
        with self.transaction():
            self._run("SELECT pg_advisory_xact_lock(%s)", (LOCK_PAPERS,))
            plan = plan_writes(self, papers, source, record_ids, rows)
            self._insert_many(plan.new)
            for pid, merged in plan.changed.items():
                self._update(pid, merged)
            if plan.new or plan.changed:
                self._run("INSERT INTO meta(name, value) VALUES ('papers_generation', '1') ON CONFLICT(name) "
                          "DO UPDATE SET value = (meta.value::bigint + 1)::text")
            self._many(
                "INSERT INTO paper_sources(source, record_key, paper_id, record_hash) VALUES (%s,%s,%s,%s) "
                "ON CONFLICT (source, record_key) DO UPDATE SET paper_id = excluded.paper_id, "
                "record_hash = excluded.record_hash", plan.sources,
            )
        return plan.statuses

    def _insert_many(self, new: dict[int, tuple[Paper, PaperRow]]) -> None:
        if not new:
            return
        now = _now()
        self._many(
            "INSERT INTO papers(arxiv_id, doi, title_key, title, abstract, authors, categories, date, "
            "updated, venue, url, comments, journal_ref, version, sources, content_hash, text_hash, "
            f"key, added_at, modified_at, id) VALUES ({','.join(['%s'] * 21)})",
            [(*r.values, p.key, now, now, pid) for pid, (p, r) in new.items()],
        )
        self._many("INSERT INTO paper_authors(author_key, paper_id) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                   [(k, pid) for pid, (_, r) in new.items() for k in r.author_keys])

    def _update(self, pid: int, p: Paper) -> None:
        vals = row_values(p)
        self._run(
            "UPDATE papers SET arxiv_id=%s, doi=%s, title_key=%s, title=%s, abstract=%s, authors=%s, "
            "categories=%s, date=%s, updated=%s, venue=%s, url=%s, comments=%s, journal_ref=%s, version=%s, "
            "sources=%s, content_hash=%s, text_hash=%s, modified_at=%s WHERE id=%s",
            (*vals, _now(), pid),
        )
        self._run("DELETE FROM paper_authors WHERE paper_id = %s", (pid,))
        self._many("INSERT INTO paper_authors(author_key, paper_id) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                   [(k, pid) for k in author_keys(p.authors)])

    # ---- dedup candidates (paperfeed/dedup.py) -----------------------------------------------

    def has_unidentified(self) -> bool:
        """Whether any stored paper lacks an arXiv id."""
        return self._one("SELECT 1 FROM papers WHERE arxiv_id IS NULL LIMIT 1") is not None

    def papers_sharing_ids(self, arxiv_ids: Iterable[str], dois: Iterable[str],
                           title_keys: Iterable[str]) -> dict[int, Paper]:
        """Stored papers having any of these arXiv ids, DOIs or normalised titles."""
        rows = self._all(
            f"SELECT {PAPER_COLS} FROM papers WHERE arxiv_id = ANY(%s) OR doi = ANY(%s) OR title_key = ANY(%s)",
            (sorted(set(arxiv_ids)), sorted(set(dois)), sorted(set(title_keys))),
        )
        return {r[0]: row_to_paper(r) for r in rows}

    def title_keys_by_author(self, author_keys: Sequence[str], without_arxiv: bool) -> list[tuple[int, str]]:
        """(id, title key) of papers with any of these author keys (only those without an arXiv id)."""
        extra = "AND p.arxiv_id IS NULL" if without_arxiv else ""
        return self._all(
            "SELECT p.id, p.title_key FROM papers p WHERE p.id IN (SELECT paper_id FROM paper_authors "
            f"WHERE author_key = ANY(%s)) {extra}", (list(author_keys),),
        )

    # ---- papers: reading ------------------------------------------------------------------

    def resolve_id(self, ref: str) -> int | None:
        """Row id for a key (arxiv:ID, doi:..., title:...), a bare arXiv id or a DOI."""
        ref = ref.strip()
        row = self._one("SELECT id FROM papers WHERE key = %s", (ref,))
        if row:
            return row[0]
        low = ref.lower()
        if low.startswith("doi:") or low.startswith("10.") or "doi.org/" in low:
            d = normalize.doi(ref[4:] if low.startswith("doi:") else ref)
            row = self._one("SELECT id FROM papers WHERE doi = %s", (d,)) if d else None
            return row[0] if row else None
        aid, _ = normalize.arxiv_id(ref.removeprefix("arxiv:").removeprefix("arXiv:"))
        if aid:
            row = self._one("SELECT id FROM papers WHERE arxiv_id = %s", (aid,))
            return row[0] if row else None
        return None

    def get(self, ref: str) -> Paper | None:
        """The paper for a key or id-like reference, or None."""
        pid = self.resolve_id(ref)
        return self.papers_by_ids([pid])[0] if pid is not None else None

    def papers_map(self, ids: Sequence[int]) -> dict[int, Paper]:
        """Papers for row ids, keyed by id (missing ids are absent)."""
        rows = self._all(f"SELECT {PAPER_COLS} FROM papers WHERE id = ANY(%s)", (_ints(ids),))
        return {r[0]: row_to_paper(r) for r in rows}

    def papers_meta(self, ids: Sequence[int]) -> dict[int, tuple[tuple[str, ...], str | None]]:
        """(categories, date) per row id."""
        rows = self._all("SELECT id, categories, date FROM papers WHERE id = ANY(%s)", (_ints(ids),))
        return {pid: (tuple(cats.split()), d) for pid, cats, d in rows}

    def papers_by_ids(self, ids: Sequence[int]) -> list[Paper]:
        """Papers for row ids, in the given order (missing ids are dropped)."""
        found = self.papers_map(ids)
        return [found[i] for i in ids if i in found]

    def ids_for_keys(self, keys: Sequence[str]) -> dict[str, int]:
        """Row ids for paper keys that exist."""
        return dict(self._all("SELECT key, id FROM papers WHERE key = ANY(%s)", (list(keys),)))

    def list_papers(
        self, limit: int = 20, offset: int = 0, since: str | None = None, until: str | None = None,
        category: str | None = None,
    ) -> list[Paper]:
        """Newest first (by date, undated last), optionally filtered (rows.newest_first: through the date index)."""
        where, args = filters_sql(since, until, category)
        rows = newest_first(self._all, PAPER_COLS, where, args, limit, offset, bool(since or until), ph="%s")
        return [row_to_paper(r) for r in rows]

    def newest_date(self) -> str | None:
        """The newest paper date (max over the date index)."""
        row = self._one("SELECT max(date) FROM papers")
        return row[0] if row else None

    def iter_papers(self, ids: Sequence[int] | None = None, batch: int = 2000) -> Iterator[Paper]:
        """Every paper (or the given ids) in id order, streamed."""
        if ids is not None:
            ids = list(ids)
            for i in range(0, len(ids), batch):
                yield from self.papers_by_ids(ids[i : i + batch])
            return
        last = 0
        while True:
            rows = self._all(f"SELECT {PAPER_COLS} FROM papers WHERE id > %s ORDER BY id LIMIT %s", (last, batch))
            if not rows:
                return
            yield from (row_to_paper(r) for r in rows)
            last = rows[-1][0]

    def filter_ids(
        self, since: str | None = None, until: str | None = None, category: str | None = None
    ) -> np.ndarray:
        """Row ids matching date/category filters (all ids when no filter)."""
        where, args = filters_sql(since, until, category)
        rows = self._all(f"SELECT id FROM papers {where}", args)
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def paper_dates(self, ids: Sequence[int]) -> dict[int, str | None]:
        """Date of each row id."""
        return dict(self._all("SELECT id, date FROM papers WHERE id = ANY(%s)", (_ints(ids),)))

    def ids_by_author_key(self, key: str) -> list[int]:
        """Papers with an author whose matching key equals ``key``."""
        return [r[0] for r in self._all("SELECT paper_id FROM paper_authors WHERE author_key = %s ORDER BY paper_id",
                                        (key,))]

    def ids_with_any_author_key(self, keys: Sequence[str]) -> set[int]:
        """Papers having any of these author keys."""
        return {r[0] for r in self._all("SELECT paper_id FROM paper_authors WHERE author_key = ANY(%s)", (list(keys),))}

    def ids_with_any_category(self, cats: Sequence[str]) -> set[int]:
        """Papers carrying any of these categories."""
        pats = [f"% {c} %" for c in cats]
        return {r[0] for r in self._all("SELECT id FROM papers WHERE (' ' || categories || ' ') LIKE ANY(%s)", (pats,))}

    def text_hashes(self) -> list[tuple[int, str]]:
        """(id, text_hash) of every paper, by id."""
        return self._all("SELECT id, text_hash FROM papers ORDER BY id")

    def change_token(self) -> str:
        """A string that changes whenever any paper is added, changed or removed."""
        row = self._one("SELECT value FROM meta WHERE name = 'papers_generation'")
        return f"{row[0] if row else 0}:{self.count()}"

    def max_id(self) -> int:
        """The largest paper row id (0 for an empty library)."""
        row = self._one("SELECT coalesce(max(id), 0) FROM papers")
        return int(row[0]) if row else 0

    def count(self) -> int:
        """Number of papers; remembered until the papers change (count(*) scans the table, and every
        keyword search asks for it)."""
        row = self._one("SELECT value FROM meta WHERE name = 'papers_generation'")
        generation = row[0] if row else "0"
        cached = getattr(self, "_count_cache", None)
        if cached is not None and cached[0] == generation:
            return cached[1]
        found = self._one("SELECT count(*) FROM papers")
        n = int(found[0]) if found else 0
        if getattr(self._local, "tx", None) is None:  # never what an uncommitted transaction sees
            self._count_cache = (generation, n)
        return n

    def stats(self) -> dict[str, Any]:
        """Counts by source, category and year, and missing fields."""
        sources = self._all(
            "SELECT source, count(DISTINCT paper_id) FROM paper_sources GROUP BY source ORDER BY 2 DESC, 1"
        )
        years = self._all("SELECT substr(date, 1, 4) y, count(*) FROM papers GROUP BY y ORDER BY y")
        cats = self._all(
            "SELECT c, count(*) FROM papers, unnest(string_to_array(categories, ' ')) c WHERE categories != '' "
            "GROUP BY c ORDER BY 2 DESC, 1 LIMIT 30"
        )
        missing = self._one(
            "SELECT count(*) FILTER (WHERE title = ''), count(*) FILTER (WHERE abstract = ''), "
            "count(*) FILTER (WHERE authors = '[]'), count(*) FILTER (WHERE date IS NULL), "
            "count(*) FILTER (WHERE categories = ''), count(*) FILTER (WHERE arxiv_id IS NULL AND doi IS NULL) "
            "FROM papers"
        ) or (0,) * 6
        names = ("title", "abstract", "authors", "date", "categories", "arxiv_id_and_doi")
        return {
            "papers": self.count(),
            "by_source": dict(sources),
            "by_year": {(y or "unknown"): n for y, n in years},
            "by_category": dict(cats),
            "missing": {n: int(v or 0) for n, v in zip(names, missing, strict=True)},
        }

    def papers_to_enrich(self, limit: int | None = None) -> list[tuple[int, str]]:
        """(id, arXiv id) of papers missing a title, authors or date, never fetched from arXiv itself."""
        return self._all(
            "SELECT id, arxiv_id FROM papers WHERE arxiv_id IS NOT NULL "
            "AND (title = '' OR authors = '[]' OR date IS NULL) "
            "AND NOT EXISTS (SELECT 1 FROM paper_sources s WHERE s.paper_id = papers.id "
            "AND s.source IN ('arxiv-api', 'arxiv-oai')) ORDER BY id LIMIT %s", (limit,),
        )

    # ---- whole tables (paperfeed/copy.py) ----------------------------------------------

    def table_counts(self) -> dict[str, int]:
        """Rows in each table of store/tables.py."""
        out = {}
        for t, _ in TABLES:
            row = self._one(f"SELECT count(*) FROM {t}")
            out[t] = int(row[0]) if row else 0
        return out

    def table_rows(self, table: str, columns: Sequence[str], batch: int) -> Iterator[list[tuple]]:
        """A table's rows in batches, streamed through a server-side cursor (vectors as float32 arrays)."""
        vec = [i for i, c in enumerate(columns) if (table, c) in VECTOR_COLUMNS]
        with self.pool.connection() as conn, conn.transaction(), conn.cursor(name=f"copy_{table}") as cur:
            cur.execute(f"SELECT {', '.join(columns)} FROM {table}")
            while rows := cur.fetchmany(batch):
                yield [tuple(_array(v) if i in vec else bytes(v) if isinstance(v, memoryview) else v
                             for i, v in enumerate(r)) for r in rows]

    def put_table_rows(self, table: str, columns: Sequence[str], rows: Sequence[tuple]) -> None:
        """Insert rows into a table as they are (the server computes papers' tsvector; call in a transaction)."""
        cols, marks = ", ".join(columns), ",".join(["%s"] * len(columns))
        vec = [i for i, c in enumerate(columns) if (table, c) in VECTOR_COLUMNS]
        if vec:
            rows = [tuple(np.asarray(v, dtype=np.float32) if i in vec else v for i, v in enumerate(r)) for r in rows]
        self._many(f"INSERT INTO {table}({cols}) VALUES ({marks})", rows)

    def finish_copy(self) -> None:
        """After put_table_rows: identity columns continue after the copied ids."""
        for table in ("profiles", "digests", "users", "alerts"):
            self._run(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce(max(id), 0) + 1, false) "
                      f"FROM {table}")

    # ---- keyword search ----------------------------------------------------------------------

    def search_fts(
        self, match: Match, limit: int, since: str | None = None, until: str | None = None,
        category: str | None = None,
    ) -> list[tuple[int, float]]:
        """tsvector search ranked by ts_rank (title weighted above abstract); (id, score), best first."""
        text = tsquery_text(match)
        if not text:
            return []
        where, args = filters_sql(since, until, category)
        where = where.replace("WHERE", "AND", 1)
        q = (
            f"SELECT id, {tsquery.RANK_SQL} AS s FROM papers, to_tsquery('{CONFIG}', %s) q "
            f"WHERE tsv @@ q {where} ORDER BY s DESC, id LIMIT %s"
        )
        return [(r[0], float(r[1])) for r in self._all(q, (text, *args, limit))]

    def count_fts(self, match: Match) -> int:
        """How many papers a keyword match selects (remembered until the papers change)."""
        text = tsquery_text(match)
        if not text:
            return 0
        row = self._one("SELECT value FROM meta WHERE name = 'papers_generation'")
        generation = row[0] if row else "0"
        cache = self._fts_counts
        if self._fts_counts_generation != generation or len(cache) > 50_000:
            cache.clear()
            self._fts_counts_generation = generation
        if text not in cache:
            cache[text] = self._count_matches(text)
        return cache[text]

    def _count_matches(self, text: str) -> int:
        """Papers matching a tsquery: exact up to EXACT_COUNT_MAX, else the planner's estimate.

        The callers want document frequencies to tell rare words from common ones; counting a common
        word exactly reads tens of thousands of rows (0.1-0.7 s at 170k papers), while the estimate
        from the tsvector column's statistics (ANALYZE, kept by autovacuum) is within a few percent."""
        sql = f"SELECT 1 FROM papers WHERE tsv @@ to_tsquery('{CONFIG}', %s)"
        plan = self._one(f"EXPLAIN (FORMAT JSON) {sql}", (text,))
        estimate = int(plan[0][0]["Plan"]["Plan Rows"]) if plan else 0
        if estimate > EXACT_COUNT_MAX:
            return estimate
        found = self._one(f"SELECT count(*) FROM ({sql} LIMIT {EXACT_COUNT_MAX * 4}) m", (text,))
        return int(found[0]) if found else 0


def filters_sql(since: str | None, until: str | None, category: str | None) -> tuple[str, tuple]:
    """WHERE clause (%s placeholders) and arguments for date range and category filters."""
    conds: list[str] = []
    args: list[str] = []
    if since:
        conds.append("date >= %s")
        args.append(since)
    if until:
        conds.append("date <= %s")
        args.append(until + "\uffff")
    if category:
        conds.append("(' ' || categories || ' ') LIKE %s")
        args.append(f"% {category} %")
    return ("WHERE " + " AND ".join(conds)) if conds else "", tuple(args)


def _ints(ids: Sequence[int]) -> list[int]:
    return [int(i) for i in ids]






