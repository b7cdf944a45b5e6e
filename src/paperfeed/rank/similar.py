"""Similar papers: a paper (by key) or a pasted text against the library, in two stages.

1. Candidates: the POOL nearest papers by embedding and the POOL best by BM25 over the text's rarest
   content words, fused by RRF (SIMILAR_WEIGHTS).
2. Re-rank of the first RERANK_POOL: whole-text cosine, sentence-level max-sim (rank/sentences.py)
   and BM25, each standardised over the candidates and summed with SIMILAR_FUSION weights.
   With a second tier (config similar.rerank_model, e.g. all-mpnet-base-v2), the whole-text cosine of
   each candidate that has that model's vector (the daily run embeds the new papers and the profiles'
   papers with it; `embed --model` a whole library) is the stronger model's, standardised over those
   candidates: on CSFCube 0.622 -> 0.642 NDCG%20 with every paper embedded (docs/figures.md).
Sentence vectors are embedded on first use and cached in the store (or ahead: `embed --sentences`).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext

import numpy as np

from paperfeed import normalize
from paperfeed.embed.base import Embedder
from paperfeed.errors import NotFound, PaperfeedError, ReadOnlyStore
from paperfeed.models import Hit, Paper
from paperfeed.rank import sentences
from paperfeed.rank.fusion import rrf, standardise, zfuse
from paperfeed.rank.query import Query, any_word_match
from paperfeed.rank.search import POOL, RRF_K, Searcher, content_words

SIMILAR_WEIGHTS = (1.0, 0.5)
"""Weights of (semantic, keyword) lists when gathering candidates (first stage)."""
SIMILAR_FUSION = (1.0, 1.0, 0.3)
"""Weights of standardised (whole-text cosine, sentence max-sim, BM25) in the re-rank. On CSFCube
(eval csfcube) every setting in [0.5-1.5] x [0.1-0.5] scores 0.61-0.625 NDCG%20."""
RERANK_POOL = 50
"""How many first-stage candidates (at least 2 x limit) the re-rank scores."""
SENTENCE_CHUNK = 8
"""Papers whose sentences are embedded per call (one progress step)."""
Progress = Callable[[str, int], AbstractContextManager[Callable[[int], None]]]
"""``progress(what, total)``: a context manager yielding ``advance(n)`` (cli.progress.progress fits)."""
POSTINGS_BUDGET = 40_000
"""The keyword half ORs the text's rarest content words while their document frequencies add up to at
most this: over 170k papers, 52 ms instead of 450 ms for all 40 words; CSFCube unchanged."""


def similar(s: Searcher, ref: str | None = None, text: str | None = None, limit: int = 20,
            progress: Progress | None = None, second: Embedder | None = None) -> list[Hit]:
    """Papers like a stored paper (by key) or like a pasted text, best first. ``progress`` is told when
    candidates' sentences must be embedded first (the first query near a topic); ``second`` is the
    second tier's embedder (its stored vectors are used, never written)."""
    exclude: set[int] = set()
    pid: int | None = None
    if ref is not None:
        pid = s.store.resolve_id(ref)
        if pid is None:
            raise NotFound(f"no paper {ref!r} in the library")
        paper = s.store.papers_by_ids([pid])[0]
        text = f"{paper.title}. {paper.abstract}".strip(". ")
        exclude.add(pid)
        vec = s.store.vectors_for(s.embedder.model_id, [pid], s.embedder.dim).get(pid)
    else:
        paper, vec = None, None
    if not text or not text.strip():
        raise PaperfeedError("nothing to compare: the paper has no title or abstract, or the text is empty")
    if vec is None:
        vec = s.embedder.embed_batch([text])[0]
    pool = max(POOL, limit)
    dense = s.nearest(vec, pool, exclude)
    words = content_words(text, 40)
    kw = []
    if words:
        match = any_word_match(rarest_within(words, s.doc_freqs(words)))
        kw = [(i, x) for i, x in s.store.search_fts(match, pool + 1) if i not in exclude][:pool]
    first = rrf([[i for i, _ in dense], [i for i, _ in kw]], k=RRF_K, weights=SIMILAR_WEIGHTS)
    head = [i for i, _ in first[: max(RERANK_POOL, 2 * limit)]]
    if paper is not None and pid is not None:
        q_mat = sentence_vectors(s, [pid], {pid: paper})[pid]
    else:
        q_mat = s.embedder.embed_batch(sentences.split("", text))
    papers = s.store.papers_map(head)
    ids = [i for i in head if i in papers]
    strong = second_tier_cosines(s, second, pid, text, ids) if second is not None else {}
    ranked, cosines, notes = _rerank(s, vec, q_mat, papers, ids, dict(kw), limit, progress, strong)
    return s.hits(ranked, Query(raw=text, words=words), dict(kw), {**dict(dense), **cosines}, notes, papers)


def second_tier_cosines(s: Searcher, second: Embedder, pid: int | None, text: str, ids: list[int]) -> dict[int, float]:
    """The second tier's cosine to the query for each of ``ids`` that has its vector stored. The query's
    vector is the stored one, or embedded now (one text) when some candidate has a vector."""
    vecs = s.store.vectors_for(second.model_id, ids if pid is None else [*ids, pid], second.dim)
    q = vecs.pop(pid, None) if pid is not None else None
    if not vecs:
        return {}
    if q is None:
        q = second.embed_batch([text])[0]
    return {i: float(v @ q) for i, v in vecs.items()}


def blend_cosines(first: np.ndarray, strong: list[float | None]) -> np.ndarray:
    """Standardised whole-text cosines: the second tier's where a candidate has one (standardised over
    those), the first tier's elsewhere (standardised over all). With fewer than 2 second-tier values
    the first tier's alone."""
    have = np.array([x is not None for x in strong], bool)
    z = standardise(first)
    if have.sum() >= 2:
        z[have] = standardise(np.array([x for x in strong if x is not None], np.float64))
    return z


def _rerank(s: Searcher, vec: np.ndarray, q_mat: np.ndarray, papers: dict[int, Paper], ids: list[int],
            kw: dict[int, float], limit: int, progress: Progress | None = None,
            strong: dict[int, float] | None = None) -> tuple[list[tuple[int, float]], dict[int, float], dict[int, str]]:
    """Second stage over ``ids`` (their ``papers`` read): the best ``limit`` by fused score, whole-text
    cosines, and for each of those best the quoted sentence closest to the query. ``strong``: second-tier
    cosines by id (see blend_cosines)."""
    if not ids:
        return [], {}, {}
    vecs = s.store.vectors_for(s.embedder.model_id, ids, s.embedder.dim)
    cos = np.array([float(vecs[i] @ vec) if i in vecs else np.nan for i in ids])
    cos = np.where(np.isnan(cos), np.nanmin(cos) if np.isfinite(cos).any() else 0.0, cos)
    mats = sentence_vectors(s, ids, papers, progress)
    sent = np.zeros(len(ids))
    closest: dict[int, int] = {}
    for j, pid in enumerate(ids):
        sent[j], _, closest[pid] = sentences.max_sim(q_mat, mats[pid])
    whole = blend_cosines(cos, [strong.get(i) for i in ids]) if strong else cos
    fused = zfuse([whole, sent, [kw.get(i, 0.0) for i in ids]], SIMILAR_FUSION)
    order = np.argsort(-fused, kind="stable")
    cosines = {i: float(cos[j]) for j, i in enumerate(ids) if i in vecs}
    best = [(ids[j], float(fused[j])) for j in order[:limit]]
    notes = {i: f'closest sentence: "{_clip(sentences.split(papers[i].title, papers[i].abstract)[closest[i]], 140)}"'
             for i, _ in best if closest[i] >= 0}
    return best, cosines, notes


def sentence_model(s: Searcher) -> str:
    """Key of the embedder's sentence vectors in the store (changes when splitting changes)."""
    return f"{s.embedder.model_id}#split{sentences.VERSION}"


def embed_sentences(s: Searcher, rows: list[tuple[int, str, str, str]],
                    advance: Callable[[int], None] | None = None) -> list[np.ndarray]:
    """Embed the sentences of (id, title, abstract, text_hash) rows and cache them in the store in one
    write. With ``advance``, SENTENCE_CHUNK papers per model call, each an ``advance`` step."""
    mats: list[np.ndarray] = []
    step = SENTENCE_CHUNK if advance else max(len(rows), 1)
    for at in range(0, len(rows), step):
        chunk = rows[at : at + step]
        mats += sentences.embed_split([(title, abstract) for _, title, abstract, _ in chunk], s.embedder.embed_batch,
                                      s.embedder.dim)
        if advance:
            advance(len(chunk))
    try:
        s.store.put_sentence_vectors(sentence_model(s), [(r[0], r[3]) for r in rows], mats)
    except ReadOnlyStore:  # a read-only library: the vectors are simply not cached
        pass
    return mats


def sentence_vectors(s: Searcher, ids: list[int], papers: dict[int, Paper],
                     progress: Progress | None = None) -> dict[int, np.ndarray]:
    """Sentence matrices of papers: from the store, else embedded now (``progress`` told) and cached there."""
    have = s.store.sentence_vectors_for(sentence_model(s), ids, s.embedder.dim)
    todo = [(i, papers[i].title, papers[i].abstract, normalize.text_hash(papers[i].title, papers[i].abstract))
            for i in ids if i not in have]
    if not todo:
        return have
    with (progress("embedding the sentences of", len(todo)) if progress else nullcontext(None)) as advance:
        have.update(zip([r[0] for r in todo], embed_sentences(s, todo, advance), strict=True))
    return have


def rarest_within(words: list[str], df: dict[str, int], budget: int = POSTINGS_BUDGET) -> list[str]:
    """The rarest words (at least one) whose document frequencies add up to at most ``budget``, in the
    order given: BM25 work is bounded, and the words left out are the least informative."""
    keep: set[str] = set()
    total = 0
    for w in sorted(words, key=lambda w: df[w]):
        if keep and total + df[w] > budget:
            break
        keep.add(w)
        total += df[w]
    return [w for w in words if w in keep]


def _clip(text: str, n: int) -> str:
    """Text cut to about n characters at a word boundary."""
    return text if len(text) <= n else text[:n].rsplit(" ", 1)[0] + " …"
