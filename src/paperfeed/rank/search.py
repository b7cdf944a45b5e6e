"""Keyword (the store's full text: FTS5 BM25 or tsvector), semantic (vector index) and hybrid (RRF) search."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from paperfeed import normalize
from paperfeed.embed.base import Embedder
from paperfeed.errors import PaperfeedError
from paperfeed.index.base import VectorIndex
from paperfeed.models import Hit, Paper
from paperfeed.rank.fusion import rrf
from paperfeed.rank.query import (  # MODES is re-exported: the search modes
    MODES,
    STOPWORDS,
    Query,
    any_word_match,
    constraint_match,
    content_free_words,
    excluded_match,
    keyword_match,
    parse_query,
)
from paperfeed.store.base import Store

if TYPE_CHECKING:
    from paperfeed.rank.similar import Progress

RRF_K = 60.0
"""Reciprocal-rank-fusion constant: score = sum(w / (RRF_K + rank)). Larger flattens the ranks."""
HYBRID_WEIGHTS = (1.0, 1.0)
"""Weights of (keyword, semantic) lists in hybrid fusion."""
RARE_SHARE = 0.05
"""A free word in more than this share of papers is dropped from the OR fallback of keyword search."""
POOL = 100
"""How many results each side contributes to fusion."""
EXACT_FILTER_MAX = 5_000
"""With filters matching at most this many papers, semantic search scores them exactly."""
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9\-]+")
_WORKERS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="paperfeed-semantic")
"""Runs the semantic half of hybrid search beside the keyword half (SQLite and ONNX Runtime release
the GIL); each worker thread has its own SQLite connection (the store's connections are per thread)."""


@dataclass
class Filters:
    """Restrictions from options and query syntax."""

    since: str | None = None
    until: str | None = None
    category: str | None = None


class Searcher:
    """Runs searches against one store, one embedder and its vector index."""

    def __init__(self, store: Store, embedder: Embedder, index_provider: Callable[[], VectorIndex]) -> None:
        self.store = store
        self.embedder = embedder
        self._index = index_provider

    # ---- public ----------------------------------------------------------------

    def search(self, raw: str, mode: str = "hybrid", limit: int = 20, filters: Filters | None = None) -> list[Hit]:
        """Hits for a query string in the query syntax (see rank/query.py)."""
        if mode not in MODES:
            raise PaperfeedError(f"unknown search mode {mode!r}; choose one of: {', '.join(MODES)}")
        q = parse_query(raw)
        f = filters or Filters()
        f = Filters(q.since or f.since, q.until or f.until, f.category)
        if not q.dense_text and not q.has_constraints:
            raise PaperfeedError("empty query: give some words, a \"phrase\", au:NAME or cat:CATEGORY")
        pool = max(POOL, limit)
        dense_later = None
        if mode == "hybrid" and q.dense_text:
            self._index()  # load it here, once; the worker thread then only reads it
            dense_later = _WORKERS.submit(self._semantic, q, f, pool)  # overlaps the keyword half
        kw, partial = self._keyword(q, f, pool) if mode in ("keyword", "hybrid") else ([], set())
        if dense_later is not None:
            dense = dense_later.result()
        else:
            dense = self._semantic(q, f, pool) if mode == "semantic" and q.dense_text else []
        if any(len(a.split()) > 1 for a in q.authors):
            # FTS matches a full-name phrase across neighbouring names; the author keys decide
            by = self._by_authors(q)
            kw = [(i, s) for i, s in kw if i in by]
            dense = [(i, s) for i, s in dense if i in by]
        read: dict[int, Paper] = {}
        if mode == "keyword" or (mode == "hybrid" and not dense):
            ranked = kw[:limit]
        elif mode == "semantic" or not kw:
            ranked = dense[:limit]
        else:
            coverage = self._coverage(q, partial, read)
            ranked = rrf([[i for i, _ in kw], [i for i, _ in dense]], k=RRF_K, weights=HYBRID_WEIGHTS,
                         scales=[coverage, None])[:limit]
        return self.hits(ranked, q, dict(kw), dict(dense), papers=read)

    def similar(self, ref: str | None = None, text: str | None = None, limit: int = 20,
                progress: Progress | None = None, second: Embedder | None = None) -> list[Hit]:
        """Papers like a stored paper (by key) or like a pasted text (see rank/similar.py)."""
        from paperfeed.rank.similar import similar

        return similar(self, ref, text, limit, progress, second)

    # ---- parts -----------------------------------------------------------------

    def _keyword(self, q: Query, f: Filters, pool: int) -> tuple[list[tuple[int, float]], set[int]]:
        """BM25 over papers with all the words first; then, if too few, over those with any
        selective word. Words in more than RARE_SHARE of papers are left out of the OR query:
        they add little to BM25 but make FTS5 score most of the library (100s of ms).
        Returns the hits and the ids that matched only some of the words (the OR fallback)."""
        words = content_free_words(q)
        match = keyword_match(q, all_words=True)
        if match.is_empty:
            return [], set()
        found = self.store.search_fts(match, pool, f.since, f.until, f.category)
        if len(found) >= pool or len(words) < 2:
            return found, set()
        n = max(self.store.count(), 1)
        df = self.doc_freqs(words)
        rare = [w for w in words if df[w] <= RARE_SHARE * n] or sorted(words, key=lambda w: df[w])[:2]
        more = self.store.search_fts(keyword_match(q, words=rare), pool, f.since, f.until, f.category)
        seen = dict(found)
        merged = found + [(i, s) for i, s in more if i not in seen]
        return sorted(merged, key=lambda x: -x[1])[:pool], {i for i, _ in more if i not in seen}

    def _coverage(self, q: Query, ids: set[int], read: dict[int, Paper] | None = None) -> dict[int, float]:
        """Share of the query's free words each paper's title and abstract contain (see
        ``covered``): in hybrid fusion a keyword hit that matched one word of six counts for a sixth,
        as Lucene's coordination factor does, so it cannot outrank the closest paper in meaning.
        The papers read are added to ``read`` (the hits reuse them)."""
        words = content_free_words(q)
        if not ids or not words:
            return {}
        papers = self.store.papers_map(sorted(ids))
        if read is not None:
            read.update(papers)
        return {i: covered(words, f"{p.title} {p.abstract}") / len(words) for i, p in papers.items()}

    def doc_freqs(self, words: list[str]) -> dict[str, int]:
        """How many papers contain each word (FTS5 counts, remembered by the store)."""
        return {w: self.store.count_fts(any_word_match([w])) for w in words}

    def _by_authors(self, q: Query) -> set[int]:
        """Papers having every full name given with au: (matched by normalised author key)."""
        sets = [set(self.store.ids_by_author_key(normalize.author_key(a))) for a in q.authors if len(a.split()) > 1]
        return set.intersection(*sets) if sets else set()

    def nearest(self, vec: np.ndarray, k: int, exclude: set[int] | None = None) -> list[tuple[int, float]]:
        """The k papers whose current vectors are closest to ``vec`` (cosine), leaving out ``exclude``."""
        return self._current(self._index().query(vec, k + len(exclude or ()), exclude=exclude or ())[:k])

    def _current(self, hits: list[tuple[int, float]]) -> list[tuple[int, float]]:
        """Drop hits whose stored vector no longer matches the paper's text (not re-embedded yet)."""
        ok = self.store.vectors_for(self.embedder.model_id, [i for i, _ in hits], self.embedder.dim)
        return [(i, s) for i, s in hits if i in ok]

    def _allowed(self, q: Query, f: Filters) -> set[int] | None:
        """Ids the semantic side may return, or None for all."""
        allowed: set[int] | None = None
        if f.since or f.until or f.category:
            allowed = set(self.store.filter_ids(f.since, f.until, f.category).tolist())
        required = constraint_match(q)
        if not required.is_empty:
            ids = {i for i, _ in self.store.search_fts(required, 10**7, f.since, f.until, f.category)}
            allowed = ids if allowed is None else allowed & ids
        ex = excluded_match(q)
        if not ex.is_empty:
            banned = {i for i, _ in self.store.search_fts(ex, 10**7)}
            if allowed is None:
                allowed = set(self.store.filter_ids().tolist())
            allowed -= banned
        return allowed

    def _semantic(self, q: Query, f: Filters, pool: int) -> list[tuple[int, float]]:
        vec = self.embedder.embed_batch([q.dense_text])[0]
        allowed = self._allowed(q, f)
        if allowed is not None and len(allowed) <= EXACT_FILTER_MAX:
            if not allowed:
                return []
            got = self.store.vectors_for(self.embedder.model_id, sorted(allowed), self.embedder.dim)
            if not got:
                return []
            ids = np.fromiter(got.keys(), dtype=np.int64, count=len(got))
            sims = np.stack(list(got.values())) @ vec
            top = np.argsort(-sims)[:pool]
            return [(int(ids[j]), float(sims[j])) for j in top]
        index = self._index()
        if allowed is None:
            return self._current(index.query(vec, pool))
        k = pool * 4
        while True:
            res = [(i, s) for i, s in index.query(vec, k) if i in allowed]
            if len(res) >= pool or k >= len(index):
                return self._current(res[:pool])
            k *= 4

    def hits(self, ranked: list[tuple[int, float]], q: Query, kw: dict[int, float],
             dense: dict[int, float], notes: dict[int, str] | None = None,
             papers: dict[int, Paper] | None = None) -> list[Hit]:
        """Ranked (id, score) pairs as hits with their papers and reasons (keyword, meaning, notes).
        Papers already read (``papers``) are not read again."""
        known = papers or {}
        by_id = {i: known[i] for i, _ in ranked if i in known}
        if len(by_id) < len(ranked):
            by_id.update(self.store.papers_map([i for i, _ in ranked if i not in by_id]))
        out = []
        for pid, score in ranked:
            p = by_id.get(pid)
            if p is None:
                continue
            why = "; ".join(x for x in (_why(p, q, kw.get(pid), dense.get(pid)), (notes or {}).get(pid)) if x)
            out.append(Hit(key=p.key, score=round(float(score), 6), why=why, paper=p))
        return out


def covered(words: list[str], text: str) -> int:
    """How many of ``words`` occur in ``text``, a word counting where a text word starts with its
    stem (the word less up to three letters, at least four): "estimating" is found in "estimation",
    as FTS5's porter tokenizer would find it."""
    found = {m.lower() for m in _WORD.findall(text)}
    n = 0
    for w in words:
        stem = w.lower()[: max(4, len(w) - 3)]
        n += any(t.startswith(stem) for t in found)
    return n


def content_words(text: str, n: int) -> list[str]:
    """The n most frequent non-stopword words of a text."""
    counts = Counter(w.lower() for w in _WORD.findall(text) if w.lower() not in STOPWORDS and len(w) > 2)
    return [w for w, _ in counts.most_common(n)]


def _why(p: Paper, q: Query, kw: float | None, dense: float | None) -> str:
    """Which part of the query matched: terms found in title/abstract, and meaning similarity."""
    parts = []
    if kw is not None:
        text_t, text_a = p.title.lower(), p.abstract.lower()
        in_title = [t for t in q.terms if t in text_t]
        in_abs = [t for t in q.terms if t in text_a and t not in in_title]
        if in_title:
            parts.append("title matches " + ", ".join(in_title[:5]))
        if in_abs:
            parts.append("abstract mentions " + ", ".join(in_abs[:5]))
        if q.authors:
            parts.append("author " + ", ".join(q.authors))
        if not (in_title or in_abs or q.authors):
            parts.append("keyword match")
    if dense is not None:
        parts.append(f"close in meaning (cosine {dense:.2f})")
    return "; ".join(parts)
