"""CSFCube query-by-example evaluation: keyword vs semantic vs hybrid, per facet.

Protocol (iesl/CSFCube eval_scripts/ranking_eval.py): each query ranks its own candidate pool;
NDCG%20 on grades 0-3 cut at 20% of the pool; MAP and R-precision count grade >= 2 as relevant.
The rankers are the product's: FTS5 BM25 with the library's column weights and tokenizer over a
query built like `paperfeed similar --text`, MiniLM cosine, their reciprocal rank fusion (the
similar-paper first stage), and hybrid = the similar-paper re-rank: standardised whole-text cosine,
sentence-level max-sim and BM25, weighted by SIMILAR_FUSION.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from paperfeed.embed.base import paper_text
from paperfeed.eval.corpus import read_jsonl_gz, require
from paperfeed.eval.metrics import average_precision, graded_ndcg, paired_bootstrap, r_precision
from paperfeed.rank import sentences
from paperfeed.rank.fusion import rrf, zfuse
from paperfeed.rank.search import RRF_K, content_words
from paperfeed.rank.similar import SIMILAR_FUSION, SIMILAR_WEIGHTS, rarest_within

PAPERS = "eval-csfcube-papers.jsonl.gz"
JUDGMENTS = "eval-csfcube-judgments.jsonl.gz"
MODES = ("keyword", "semantic", "rrf", "hybrid")


@dataclass
class Item:
    """One query-facet item with its judged pool."""

    query: str
    facet: str
    splits: list[str]
    grades: dict[str, int]


def load(data_dir: Path) -> tuple[dict[str, dict], list[Item]]:
    """Papers by corpus id, and the 50 judged items (candidates without text are skipped)."""
    papers = {o["corpus_id"]: o for o in read_jsonl_gz(require(data_dir, PAPERS))}
    items = []
    for o in read_jsonl_gz(require(data_dir, JUDGMENTS)):
        grades = {c["corpus_id"]: int(c["relevance"]) for c in o["candidates"] if c["corpus_id"] in papers}
        items.append(Item(o["query_corpus_id"], o["facet"], o.get("splits", []), grades))
    return papers, items


def query_text(paper: dict, facet: str | None) -> str:
    """The query paper's text: title + abstract, or title + the sentences of one facet."""
    if facet:
        sents = [s["text"] for s in paper.get("abstract_sentences", []) if s.get("facet") == facet]
        if sents:
            return paper_text(paper["title"], " ".join(sents))
    return paper_text(paper["title"], paper["abstract"])


class Bm25:
    """The library's FTS5 configuration over the evaluation papers, in memory."""

    def __init__(self, papers: dict[str, dict]) -> None:
        self.conn = sqlite3.connect(":memory:")
        self.conn.execute(
            "CREATE VIRTUAL TABLE f USING fts5(cid UNINDEXED, title, abstract, "
            "tokenize='porter unicode61 remove_diacritics 2')"
        )
        self.conn.executemany("INSERT INTO f(cid, title, abstract) VALUES (?,?,?)",
                              [(cid, p["title"], p["abstract"]) for cid, p in papers.items()])

    def scores(self, text: str, pool: list[str]) -> dict[str, float]:
        """BM25 of pool papers matching any of the rarest content words of ``text`` (others absent),
        the way `similar` queries the library."""
        words = content_words(text, 40)
        if not words:
            return {}
        df = {w: self.conn.execute("SELECT count(*) FROM f WHERE f MATCH ?", (f'"{w}"',)).fetchone()[0] for w in words}
        expr = " OR ".join(f'"{w}"' for w in rarest_within(words, df))
        marks = ",".join("?" * len(pool))
        rows = self.conn.execute(
            f"SELECT cid, -bm25(f, 0.0, 3.0, 1.0) FROM f WHERE f MATCH ? AND cid IN ({marks})", (expr, *pool)
        )
        return {cid: float(s) for cid, s in rows}


class StoreKeyword:
    """Keyword scores from a real store (the SQLite store's FTS5 or PostgreSQL's tsvector), queried the
    way `similar` queries the library; the papers are written into that (empty) store first."""

    def __init__(self, papers: dict[str, dict], store_url: str) -> None:
        from paperfeed.models import Paper
        from paperfeed.normalize import normalize_paper
        from paperfeed.store.base import open_store

        self.store = open_store(store_url)
        cids = list(papers)
        batch = [normalize_paper(Paper(title=papers[c]["title"], abstract=papers[c]["abstract"],
                                       key=f"csfcube:{c}")) for c in cids]
        with self.store.transaction():
            ids = [pid for _, pid in self.store.write_papers(batch, "csfcube")]
        self.cid_of: dict[int, list[str]] = defaultdict(list)
        for c, pid in zip(cids, ids, strict=True):
            self.cid_of[pid].append(c)

    def scores(self, text: str, pool: list[str]) -> dict[str, float]:
        """Keyword scores of the pool papers matching any of the rarest content words of ``text``."""
        from paperfeed.rank.query import any_word_match

        words = content_words(text, 40)
        if not words:
            return {}
        df = {w: self.store.count_fts(any_word_match([w])) for w in words}
        wanted = set(pool)
        out = {}
        for pid, s in self.store.search_fts(any_word_match(rarest_within(words, df)), 10**7):
            for c in self.cid_of.get(pid, ()):
                if c in wanted:
                    out[c] = s
        return out


def _order(scores: dict[str, float], pool: list[str]) -> list[str]:
    """Pool ordered by score (missing scores last, ties by pool order)."""
    return sorted(pool, key=lambda c: -scores.get(c, -1e18))


def sentence_matrices(papers: dict[str, dict], embed: Callable[[list[str]], np.ndarray]) -> dict[str, np.ndarray]:
    """Each paper's sentence vectors, split the way the product splits them."""
    mats = sentences.embed_split([(p["title"], p["abstract"]) for p in papers.values()], embed, dim=0)  # never empty
    return dict(zip(papers, mats, strict=True))


def run(data_dir: Path, embed: Callable[[list[str]], np.ndarray], facet_queries: bool = False,
        hybrid_weights: tuple[float, float] = SIMILAR_WEIGHTS,
        fusion: tuple[float, float, float] = SIMILAR_FUSION, store_url: str | None = None,
        second: Callable[[list[str]], np.ndarray] | None = None) -> dict:
    """Metrics per mode and facet (and for the fold test halves). Keyword scores come from an in-memory
    FTS5 table, or with ``store_url`` from that (empty) store: a SQLite path or a postgresql:// URL.

    ``second`` (a second-tier model's embed function) adds two modes: that model's cosine alone
    ("semantic-2"), and the hybrid with its whole-text cosine in place of the first model's, the
    sentence term and BM25 unchanged ("hybrid-2", what `similar` does with a second tier)."""
    papers, items = load(data_dir)
    ids = list(papers)
    texts = [paper_text(papers[c]["title"], papers[c]["abstract"]) for c in ids]
    vecs = dict(zip(ids, embed(texts), strict=True))
    vecs2 = dict(zip(ids, second(texts), strict=True)) if second else {}
    sents = sentence_matrices(papers, embed)
    qtexts = [query_text(papers[it.query], it.facet if facet_queries else None) for it in items]
    qvecs = embed(qtexts)
    qvecs2 = second(qtexts) if second else [None] * len(items)
    bm25: Bm25 | StoreKeyword = StoreKeyword(papers, store_url) if store_url else Bm25(papers)
    rows: dict[str, dict[str, list[tuple[float, float, float]]]] = defaultdict(lambda: defaultdict(list))
    for it, qt, qv, qv2 in zip(items, qtexts, qvecs, qvecs2, strict=True):
        pool = [c for c in it.grades if c != it.query]
        kw_scores = bm25.scores(qt, pool)
        kw = _order(kw_scores, pool)
        cos = {c: float(vecs[c] @ qv) for c in pool}
        dense = _order(cos, pool)
        fused = [c for c, _ in rrf([dense, kw], k=RRF_K, weights=hybrid_weights)]
        q_sents = _query_sentences(papers[it.query], it.facet if facet_queries else None, sents)
        sent = [sentences.max_sim(q_sents, sents[c])[0] for c in pool]
        z = zfuse([[cos[c] for c in pool], sent, [kw_scores.get(c, 0.0) for c in pool]], fusion)
        hybrid = _order(dict(zip(pool, z, strict=True)), pool)
        modes = [("keyword", kw), ("semantic", dense), ("rrf", fused), ("hybrid", hybrid)]
        if qv2 is not None:
            cos2 = {c: float(vecs2[c] @ qv2) for c in pool}
            z2 = zfuse([[cos2[c] for c in pool], sent, [kw_scores.get(c, 0.0) for c in pool]], fusion)
            modes += [("semantic-2", _order(cos2, pool)), ("hybrid-2", _order(dict(zip(pool, z2, strict=True)), pool))]
        relevant = {c for c, g in it.grades.items() if g >= 2}
        for mode, order in modes:
            m = (graded_ndcg(order, it.grades, max(1, int(0.2 * len(pool)))),
                 average_precision(order, relevant), r_precision(order, relevant))
            for group in ("all", it.facet, *[s for s in it.splits if s.endswith("_test")]):
                rows[mode][group].append(m)
    out: dict = {mode: {g: {"ndcg%20": float(np.mean([r[0] for r in v])), "map": float(np.mean([r[1] for r in v])),
                            "r-precision": float(np.mean([r[2] for r in v])), "queries": len(v)}
                        for g, v in sorted(groups.items())}
                 for mode, groups in rows.items()}
    for mode, against in (("semantic-2", "semantic"), ("hybrid-2", "hybrid")):
        if mode in rows:  # per query, paired: the second tier against the first, NDCG%20 over all queries
            b = paired_bootstrap([np.array([r[0] for r in rows[mode]["all"]])],
                                 [np.array([r[0] for r in rows[against]["all"]])])
            out[mode]["all"]["vs_first_tier"] = {"against": against,
                                                 **{k: b[k] for k in ("diff", "diff_lo", "diff_hi", "wins", "losses")}}
    return out


def _query_sentences(paper: dict, facet: str | None, sents: dict[str, np.ndarray]) -> np.ndarray:
    """The query's sentence vectors: all of them, or (facet queries) the title and that facet's."""
    mat = sents[paper["corpus_id"]]
    if not facet:
        return mat
    labelled = {s["text"] for s in paper.get("abstract_sentences", []) if s.get("facet") == facet}
    split = sentences.split(paper["title"], paper["abstract"])
    keep = [i for i, s in enumerate(split) if i == 0 or any(t in s for t in labelled)]
    return mat[keep]
