"""Vectors of the PostgreSQL store: pgvector columns, one HNSW index per model, and the VectorIndex
the database itself serves (so every server process shares one index, with no file beside it).

Models differ in dimension, so ``vectors.vec`` is an unsized ``vector`` and each model gets a partial
HNSW index over ``vec::vector(dim)`` for its rows (built when first asked for: after an embedding
run, or at the first search). Sentence vectors are float16 matrices in bytea, as in SQLite.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Collection, Iterable, Sequence

import numpy as np

from paperfeed.index.base import SingleQuery, check_batch, check_queries, exclude_ids
from paperfeed.store.pg_base import PgBase

HNSW_M = 16
"""HNSW graph degree (pgvector default); see docs/scaling.md for larger libraries."""
HNSW_EF_CONSTRUCTION = 64
BUILD_MEMORY = os.environ.get("PAPERFEED_PG_BUILD_MEMORY", "1GB")
"""maintenance_work_mem while building an HNSW index (PAPERFEED_PG_BUILD_MEMORY)."""
EF_SEARCH_MIN = 100
"""hnsw.ef_search at least this (the candidate list; pgvector returns at most this many without
iterative scans, which are switched on so that k and filters beyond it still get k results)."""

_STALE = ("FROM papers p LEFT JOIN {t} x ON x.paper_id = p.id AND x.model_id = %s "
          "WHERE (x.paper_id IS NULL OR x.text_hash != p.text_hash)")
NEWEST_FIRST = "ORDER BY p.date DESC NULLS LAST, p.id DESC"
"""Papers to embed come newest first (undated last), as in SQLite: a feed over recent papers works early."""


def _lit(s: str) -> str:
    """A SQL string literal (model ids go into partial-index predicates as constants)."""
    return "'" + s.replace("'", "''") + "'"


def _array(v: object) -> np.ndarray:
    """A pgvector value as float32 (pgvector-python gives a Vector, older versions an array)."""
    to_numpy = getattr(v, "to_numpy", None)
    return np.asarray(to_numpy() if to_numpy else v, dtype=np.float32)


class PgVectorMixin(PgBase):
    """Paper and sentence vectors (mixed into PostgresStore)."""

    def papers_missing_vectors(self, model_id: str, limit: int,
                               ids: Sequence[int] | None = None) -> list[tuple[int, str, str, str]]:
        """Up to ``limit`` (id, title, abstract, text_hash) whose vector is missing or stale, newest first;
        ``ids`` restricts it to those papers."""
        among, args = ("AND p.id = ANY(%s) ", [[int(i) for i in ids]]) if ids is not None else ("", [])
        return self._all(f"SELECT p.id, p.title, p.abstract, p.text_hash {_STALE.format(t='vectors')} {among}"
                         f"{NEWEST_FIRST} LIMIT %s", (model_id, *args, limit))

    def count_missing_vectors(self, model_id: str, ids: Sequence[int] | None = None) -> int:
        """How many papers (of ``ids``, if given) need (re-)embedding for this model."""
        among, args = ("AND p.id = ANY(%s)", [[int(i) for i in ids]]) if ids is not None else ("", [])
        row = self._one(f"SELECT count(*) {_STALE.format(t='vectors')} {among}", (model_id, *args))
        return int(row[0]) if row else 0

    def put_vectors(self, model_id: str, rows: Sequence[tuple[int, str]], vecs: np.ndarray) -> None:
        """Store vectors for (id, text_hash) rows and bump the model's generation."""
        data = [(pid, model_id, th, np.ascontiguousarray(v, dtype=np.float32))
                for (pid, th), v in zip(rows, vecs, strict=True)]
        with self.transaction():
            self._many("INSERT INTO vectors(paper_id, model_id, text_hash, vec) VALUES (%s,%s,%s,%s) "
                       "ON CONFLICT (model_id, paper_id) DO UPDATE SET text_hash = excluded.text_hash, "
                       "vec = excluded.vec", data)
            self._bump(model_id)

    def _bump(self, model_id: str) -> None:
        self._run("INSERT INTO vector_state(model_id, generation) VALUES (%s, 1) "
                  "ON CONFLICT (model_id) DO UPDATE SET generation = vector_state.generation + 1", (model_id,))

    def vector_state(self, model_id: str) -> str:
        """Opaque token that changes whenever this model's vectors change."""
        row = self._one("SELECT generation FROM vector_state WHERE model_id = %s", (model_id,))
        return str(row[0] if row else 0)

    def vector_models(self) -> dict[str, int]:
        """Models with stored vectors and how many each has."""
        return dict(self._all("SELECT model_id, count(*) FROM vectors GROUP BY model_id ORDER BY model_id"))

    def load_vectors(self, model_id: str, dim: int) -> tuple[np.ndarray, np.ndarray]:
        """All current vectors of a model as (ids int64, matrix float32 (n, dim))."""
        rows = self._all("SELECT v.paper_id, v.vec FROM vectors v JOIN papers p ON p.id = v.paper_id "
                         "WHERE v.model_id = %s AND v.text_hash = p.text_hash ORDER BY v.paper_id", (model_id,),
                         binary=True)
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        mat = np.vstack([_array(r[1]) for r in rows]) if rows else np.zeros((0, dim), np.float32)
        return ids, mat

    def vectors_for(self, model_id: str, ids: Sequence[int], dim: int) -> dict[int, np.ndarray]:
        """Current vectors for some row ids."""
        rows = self._all("SELECT v.paper_id, v.vec FROM vectors v JOIN papers p ON p.id = v.paper_id "
                         "WHERE v.model_id = %s AND v.text_hash = p.text_hash AND v.paper_id = ANY(%s)",
                         (model_id, [int(i) for i in ids]), binary=True)
        return {pid: _array(v) for pid, v in rows}

    def database_index(self, model_id: str, dim: int) -> PgVectorIndex:
        """The model's vector index, served by the database (its HNSW index is built at the first query)."""
        return PgVectorIndex(self, model_id, dim)

    def build_vector_index(self, model_id: str, dim: int) -> None:
        """Build the model's HNSW index now unless it exists (after a bulk embedding run: faster than
        keeping it up to date row by row)."""
        PgVectorIndex(self, model_id, dim).ensure_built()

    # ---- sentence vectors -------------------------------------------------------------

    def sentence_vectors_for(self, model_id: str, ids: Sequence[int], dim: int) -> dict[int, np.ndarray]:
        """Current sentence matrices (float32, n x dim) for some row ids; stale or missing are absent."""
        rows = self._all("SELECT s.paper_id, s.n, s.vecs FROM sentence_vectors s JOIN papers p ON p.id = s.paper_id "
                         "WHERE s.model_id = %s AND s.text_hash = p.text_hash AND s.paper_id = ANY(%s)",
                         (model_id, [int(i) for i in ids]))
        return {pid: np.frombuffer(bytes(blob), dtype=np.float16, count=n * dim).reshape(n, dim).astype(np.float32)
                for pid, n, blob in rows}

    def put_sentence_vectors(self, model_id: str, rows: Sequence[tuple[int, str]], mats: Sequence[np.ndarray]) -> None:
        """Store the sentence matrix of each (id, text_hash) row, replacing an older one."""
        data = [(pid, model_id, th, len(m), np.ascontiguousarray(m, dtype=np.float16).tobytes())
                for (pid, th), m in zip(rows, mats, strict=True)]
        with self.transaction():
            self._many("INSERT INTO sentence_vectors(paper_id, model_id, text_hash, n, vecs) VALUES (%s,%s,%s,%s,%s) "
                       "ON CONFLICT (model_id, paper_id) DO UPDATE SET text_hash = excluded.text_hash, "
                       "n = excluded.n, vecs = excluded.vecs", data)

    def papers_missing_sentence_vectors(self, model_id: str, limit: int) -> list[tuple[int, str, str, str]]:
        """Up to ``limit`` (id, title, abstract, text_hash) whose sentence vectors are missing or stale."""
        return self._all(f"SELECT p.id, p.title, p.abstract, p.text_hash {_STALE.format(t='sentence_vectors')} "
                         f"{NEWEST_FIRST} LIMIT %s", (model_id, limit))

    def count_missing_sentence_vectors(self, model_id: str) -> int:
        """How many papers need their sentence vectors (re-)computed for this model."""
        row = self._one(f"SELECT count(*) {_STALE.format(t='sentence_vectors')}", (model_id,))
        return int(row[0]) if row else 0

    def keep_sentences_ahead(self, model_id: str) -> None:
        """Remember that sentence vectors for this embedder are to be kept complete."""
        with self.transaction():
            self._run("INSERT INTO meta(name, value) VALUES ('sentences_ahead', %s) "
                      "ON CONFLICT (name) DO UPDATE SET value = excluded.value", (model_id,))

    def sentences_ahead(self) -> str | None:
        """The embedder whose sentence vectors are kept complete, or None."""
        row = self._one("SELECT value FROM meta WHERE name = 'sentences_ahead'")
        return row[0] if row else None


class PgVectorIndex(SingleQuery):
    """VectorIndex over one model's rows of the ``vectors`` table, answered by its HNSW index.

    ``add`` and ``remove`` write the table (vectors of stored papers only); ``save`` has nothing to do."""

    kind = "pgvector"

    def __init__(self, store: PgVectorMixin, model_id: str, dim: int) -> None:
        self.store, self.model_id, self.dim = store, model_id, dim
        self.name = "vectors_hnsw_" + hashlib.sha1(f"{model_id}/{dim}".encode()).hexdigest()[:12]
        self._expr = f"(vec::vector({int(dim)}))"
        self._built = False

    def ensure_built(self) -> None:
        """Create the model's HNSW index unless it exists (takes a while once for a large library)."""
        if self._built or self.store._one("SELECT 1 FROM pg_indexes WHERE indexname = %s", (self.name,)):
            self._built = True
            return
        with self.store.transaction():
            self.store._run("SELECT pg_advisory_xact_lock(hashtext(%s))", (self.name,))
            # the graph is built in memory up to this much (pgvector's default 64MB spills at ~50k vectors)
            self.store._run("SELECT set_config('maintenance_work_mem', %s, true)", (BUILD_MEMORY,))
            self.store._run(
                f"CREATE INDEX IF NOT EXISTS {self.name} ON vectors USING hnsw ({self._expr} vector_ip_ops) "
                f"WITH (m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION}) WHERE model_id = {_lit(self.model_id)}"
            )
        self._built = True

    def __len__(self) -> int:
        row = self.store._one("SELECT count(*) FROM vectors WHERE model_id = %s", (self.model_id,))
        return int(row[0]) if row else 0

    def ids(self) -> np.ndarray:
        rows = self.store._all("SELECT paper_id FROM vectors WHERE model_id = %s", (self.model_id,))
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def add(self, ids: np.ndarray, vecs: np.ndarray) -> None:
        """Upsert vectors of stored papers (valid for their current text)."""
        ids_arr, mat = check_batch(ids, vecs, self.dim)
        hashes = dict(self.store._all("SELECT id, text_hash FROM papers WHERE id = ANY(%s)",
                                      ([int(i) for i in ids_arr],)))
        keep = [(int(i), hashes[int(i)]) for i in ids_arr if int(i) in hashes]
        rows = {int(i): v for i, v in zip(ids_arr, mat, strict=True)}
        self.store.put_vectors(self.model_id, keep, np.array([rows[i] for i, _ in keep], dtype=np.float32)
                               if keep else np.zeros((0, self.dim), np.float32))

    def remove(self, ids: Iterable[int] | np.ndarray) -> None:
        with self.store.transaction():
            self.store._run("DELETE FROM vectors WHERE model_id = %s AND paper_id = ANY(%s)",
                            (self.model_id, [int(i) for i in ids]))
            self.store._bump(self.model_id)

    def query_many(self, vecs: np.ndarray, k: int, exclude: Collection[int] = ()) -> list[list[tuple[int, float]]]:
        q = check_queries(vecs, self.dim)
        banned = [int(i) for i in exclude_ids(exclude)]
        if k <= 0:
            return [[] for _ in range(len(q))]
        self.ensure_built()
        sql = (
            f"SELECT paper_id, -({self._expr} <#> %s::vector({self.dim})) FROM vectors "
            f"WHERE model_id = {_lit(self.model_id)} {'AND paper_id <> ALL(%s)' if banned else ''} "
            f"ORDER BY {self._expr} <#> %s::vector({self.dim}) LIMIT %s"
        )
        out = []
        with self.store.transaction():  # SET LOCAL lasts for this transaction only
            self.store._run("SELECT set_config('hnsw.ef_search', %s, true), "
                            "set_config('hnsw.iterative_scan', 'strict_order', true)",
                            (str(min(max(EF_SEARCH_MIN, k), 1000)),))
            for v in q:
                args = (v, banned, v, k) if banned else (v, v, k)
                out.append([(int(i), float(s)) for i, s in self.store._all(sql, args)])
        return out

    def save(self, directory: object = None, *, model_id: str = "", state: str = "") -> None:
        """Nothing to write: the database holds the index."""
