"""Sentence vectors of papers (a cache for sentence-level similarity), for SqliteStore."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path

import numpy as np

from paperfeed.errors import ReadOnlyStore
from paperfeed.store.sqlhelpers import chunks, count_missing, missing_rows


class SentenceStoreMixin:
    """Per-paper matrices of sentence vectors, keyed by (paper, model) and valid for one text hash."""

    conn: sqlite3.Connection
    path: Path
    transaction: Callable[[], AbstractContextManager[None]]

    def sentence_vectors_for(self, model_id: str, ids: Sequence[int], dim: int) -> dict[int, np.ndarray]:
        """Current sentence matrices (float32, n x dim) for some row ids; stale or missing are absent."""
        out: dict[int, np.ndarray] = {}
        for chunk in chunks(list(ids)):
            q = (
                "SELECT s.paper_id, s.n, s.vecs FROM sentence_vectors s JOIN papers p ON p.id = s.paper_id "
                "WHERE s.model_id = ? AND s.text_hash = p.text_hash AND s.paper_id IN "
                f"({','.join('?' * len(chunk))})"
            )
            for pid, n, blob in self.conn.execute(q, (model_id, *chunk)):
                out[pid] = np.frombuffer(blob, dtype=np.float16, count=n * dim).reshape(n, dim).astype(np.float32)
        return out

    def put_sentence_vectors(self, model_id: str, rows: Sequence[tuple[int, str]], mats: Sequence[np.ndarray]) -> None:
        """Store the sentence matrix of each (id, text_hash) row, replacing an older one."""
        data = [
            (pid, model_id, th, len(m), np.ascontiguousarray(m, dtype=np.float16).tobytes())
            for (pid, th), m in zip(rows, mats, strict=True)
        ]
        try:
            with self.transaction():
                self.conn.executemany(
                    "INSERT OR REPLACE INTO sentence_vectors(paper_id, model_id, text_hash, n, vecs) "
                    "VALUES (?,?,?,?,?)", data,
                )
        except sqlite3.OperationalError as e:
            if "readonly" in str(e):
                raise ReadOnlyStore(f"{self.path}: the library is read-only") from None
            raise

    def papers_missing_sentence_vectors(self, model_id: str, limit: int) -> list[tuple[int, str, str, str]]:
        """Up to ``limit`` (id, title, abstract, text_hash) whose sentence vectors are missing or stale."""
        return missing_rows(self.conn, "sentence_vectors", model_id, limit)

    def count_missing_sentence_vectors(self, model_id: str) -> int:
        """How many papers need their sentence vectors (re-)computed for this model."""
        return count_missing(self.conn, "sentence_vectors", model_id)

    def keep_sentences_ahead(self, model_id: str) -> None:
        """Remember that sentence vectors for this embedder are to be kept complete (daily adds new papers')."""
        with self.transaction():
            self.conn.execute(
                "INSERT INTO meta(name, value) VALUES ('sentences_ahead', ?) "
                "ON CONFLICT(name) DO UPDATE SET value = excluded.value", (model_id,),
            )

    def sentences_ahead(self) -> str | None:
        """The embedder whose sentence vectors are kept complete (set by `embed --sentences`), or None."""
        row = self.conn.execute("SELECT value FROM meta WHERE name = 'sentences_ahead'").fetchone()
        return row[0] if row else None
