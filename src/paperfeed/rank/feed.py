"""A profile's ranked feed: candidates -> profile signals -> recommend.score -> MMR -> explained hits."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from paperfeed import normalize
from paperfeed.embed.base import Embedder, paper_text
from paperfeed.index.base import VectorIndex
from paperfeed.models import Hit, Paper
from paperfeed.rank import recommend
from paperfeed.rank.lexical_index import LexicalIndex
from paperfeed.store.base import Store

PRESELECT_ABOVE = 50_000
"""With more candidates than this, score only the union of each profile row's nearest neighbours."""
PRESELECT_K = 400
BACKGROUND = 300


@dataclass
class FeedRequest:
    """What to rank for whom."""

    profile: dict
    since: str | None = None
    until: str | None = None
    category: str | None = None
    limit: int = 20
    exclude: frozenset[int] = frozenset()


class FeedRanker:
    """Ranks library papers for a profile record (see SqliteStore.profile_record)."""

    def __init__(self, store: Store, embedder: Embedder, vector_index: VectorIndex,
                 lexical_index: LexicalIndex) -> None:
        self.store, self.embedder = store, embedder
        self.vector_index, self.lexical_index = vector_index, lexical_index

    def signals(self, prof: dict) -> tuple[recommend.ProfileSignals, list[int]]:
        """Profile rows: own papers, liked papers, interests; plus the row ids used."""
        own, liked = prof["paper_ids"], prof["liked_ids"]
        row_ids = list(dict.fromkeys(own + liked))
        papers = self.store.papers_map(row_ids)
        row_ids = [i for i in row_ids if i in papers and (papers[i].title or papers[i].abstract)]
        dense = self._vectors(row_ids, papers)
        lex = self.lexical_index.rows_for(row_ids) if row_ids else _empty_lex(self.lexical_index)
        labels = [("a paper you liked" if i in liked and i not in own else "your paper")
                  + f" \u201c{papers[i].label}\u201d" for i in row_ids]
        if prof["interests"].strip():
            dense = np.vstack([dense, self.embedder.embed_batch([prof["interests"]])])
            lex = sparse.vstack([lex, self.lexical_index.transform([prof["interests"]])]).tocsr()
            labels.append(f"your interests \u201c{_clip(prof['interests'], 60)}\u201d")
        cats = Counter(c for i in row_ids for c in papers[i].categories[:1])
        sig = recommend.ProfileSignals(dense=dense, lex=lex, labels=labels, categories=cats)
        if prof["disliked_ids"]:
            dis = self.store.papers_map(prof["disliked_ids"])
            sig.neg_dense = self._vectors(list(dis), dis)
        return sig, row_ids

    def _vectors(self, ids: list[int], papers: dict[int, Paper]) -> np.ndarray:
        """Stored vectors, embedding on the fly any paper that has none yet."""
        emb = self.embedder
        got = self.store.vectors_for(emb.model_id, ids, emb.dim)
        missing = [i for i in ids if i not in got]
        if missing:
            vecs = emb.embed_batch([paper_text(papers[i].title, papers[i].abstract) for i in missing])
            got.update(zip(missing, vecs, strict=True))
        return np.stack([got[i] for i in ids]).astype(np.float32) if ids else np.zeros((0, emb.dim), np.float32)

    def candidates(self, req: FeedRequest, sig: recommend.ProfileSignals) -> np.ndarray:
        """Candidate ids: filters applied, profile/feedback/muted/delivered papers removed.

        A large unfiltered library is first narrowed to the union of each profile row's nearest
        neighbours in the vector index, so the exact scoring stays fast.
        """
        prof = req.profile
        filtered = bool(req.since or req.until or req.category)
        if not filtered and self.store.count() > PRESELECT_ABOVE and len(sig.dense):
            ids = self._neighbours(sig)
        else:
            ids = self.store.filter_ids(req.since, req.until, req.category)
        banned = set(prof["paper_ids"]) | set(prof["liked_ids"]) | set(prof["disliked_ids"]) | set(req.exclude)
        if prof["muted_authors"]:
            keys = [normalize.author_key(a) for a in prof["muted_authors"]]
            banned |= self.store.ids_with_any_author_key(keys)
        if prof["muted_categories"]:
            banned |= self.store.ids_with_any_category(prof["muted_categories"])
        if banned:
            ids = ids[~np.isin(ids, np.fromiter(banned, dtype=np.int64, count=len(banned)))]
        if len(ids) > PRESELECT_ABOVE and len(sig.dense):
            ids = ids[np.isin(ids, self._neighbours(sig))]
        return ids

    def _neighbours(self, sig: recommend.ProfileSignals) -> np.ndarray:
        """Union of each profile row's PRESELECT_K nearest papers in the vector index."""
        near = self.vector_index.query_many(sig.dense, PRESELECT_K)
        return np.unique(np.fromiter((i for res in near for i, _ in res), dtype=np.int64))

    def rank(self, req: FeedRequest, params: recommend.Params = recommend.DEFAULT) -> list[Hit]:
        """The ranked, diversified, explained feed."""
        sig, _ = self.signals(req.profile)
        if len(sig.dense) == 0:
            return []
        ids = self.candidates(req, sig)
        vecs = self.store.vectors_for(self.embedder.model_id, ids.tolist(), self.embedder.dim)
        ids = np.array([i for i in ids.tolist() if i in vecs], dtype=np.int64)
        if len(ids) == 0:
            return []
        dense = np.stack([vecs[i] for i in ids.tolist()])
        lex = self.lexical_index.rows_for(ids)
        meta = self.store.papers_meta(ids.tolist())
        background = self._background(ids) if sig.neg_dense is not None else None
        scored = recommend.score(sig, dense, lex, [meta[i][0] for i in ids.tolist()],
                                 [meta[i][1] for i in ids.tolist()], background, params)
        boost = self._followed(req.profile, ids)
        total = scored.score + boost
        order = np.argsort(-total, kind="stable")
        picked = recommend.mmr(order, total, dense, req.limit, params.mmr_lambda, params.mmr_top)
        papers = self.store.papers_map([int(ids[j]) for j in picked])
        hits = []
        for j in picked:
            p = papers[int(ids[j])]
            why = self._why(sig, scored, j, lex, bool(boost[j]), p, req.profile)
            hits.append(Hit(key=p.key, score=round(float(total[j]), 4), why=why, paper=p))
        return hits

    def _background(self, exclude: np.ndarray) -> np.ndarray:
        """Random library vectors as negatives for the feedback model."""
        top = self.store.max_id()
        rng = np.random.default_rng(top)
        # ids are dense (rows are never deleted in bulk), so sampling the id range samples papers
        pick = np.unique(rng.integers(1, top + 1, size=min(BACKGROUND, top))).tolist() if top else []
        got = self.store.vectors_for(self.embedder.model_id, pick, self.embedder.dim)
        return np.stack(list(got.values())) if got else np.zeros((0, self.embedder.dim), np.float32)

    def _followed(self, prof: dict, ids: np.ndarray) -> np.ndarray:
        """A boost for papers by authors the profile follows (--author)."""
        boost = np.zeros(len(ids), np.float32)
        keys = [normalize.author_key(a) for a in prof["authors"]]
        if keys:
            by = self.store.ids_with_any_author_key(keys)
            boost[np.isin(ids, np.fromiter(by, dtype=np.int64, count=len(by)))] = 2.0
        return boost

    def _why(self, sig, scored, j: int, lex: sparse.csr_matrix, followed: bool, p: Paper, prof: dict) -> str:
        parts = []
        if followed:
            names = [a for a in p.authors if normalize.author_key(a) in
                     {normalize.author_key(x) for x in prof["authors"]}]
            parts.append(f"by {', '.join(names[:2]) or 'an author you follow'}, whom you follow")
        parts.append(f"close to {sig.labels[int(scored.dense_row[j])]} (similarity {scored.dense[j]:.2f})")
        if scored.lex[j] > 0:
            row = int(scored.lex_row[j])
            terms = self.lexical_index.lexical.shared_terms(lex[j], sig.lex[row], 3)
            if terms:
                where = "" if row == int(scored.dense_row[j]) else f" with {sig.labels[row]}"
                parts.append(f"shared terms{where}: {', '.join(terms)}")
        return "; ".join(parts)


def _clip(s: str, n: int) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "\u2026"


def _empty_lex(index) -> sparse.csr_matrix:
    return sparse.csr_matrix((0, index.rows.shape[1]), dtype=np.float32)
