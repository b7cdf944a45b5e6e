"""A profile's ranked feed: candidates -> profile signals -> recommend.score -> MMR -> explained hits."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from paperfeed import normalize
from paperfeed.embed.base import Embedder, paper_text
from paperfeed.index.base import VectorIndex
from paperfeed.models import Hit, Paper, Profile
from paperfeed.rank import recommend, rerank
from paperfeed.rank.lexical_index import LexicalIndex
from paperfeed.store.base import Store

PRESELECT_ABOVE = 50_000
"""With more candidates than this, score only the union of each profile row's nearest neighbours."""
PRESELECT_K = 400
BACKGROUND = 300
COAUTHOR_CANDIDATES = 300
"""In a preselected feed, at most this many of the newest papers by co-authors join the candidates."""


@dataclass
class FeedRequest:
    """What to rank for whom."""

    profile: Profile
    since: str | None = None
    until: str | None = None
    category: str | None = None
    limit: int = 20
    exclude: frozenset[int] = frozenset()


class FeedRanker:
    """Ranks library papers for a profile (models.Profile, as Store.profile_record reads it)."""

    def __init__(self, store: Store, embedder: Embedder, vector_index: VectorIndex,
                 lexical_index: LexicalIndex, second: tuple[rerank.Rerank, Embedder] | None = None) -> None:
        self.store, self.embedder = store, embedder
        self.vector_index, self.lexical_index = vector_index, lexical_index
        self.second = second
        """The second tier (see rank/rerank.py): its settings and its embedder, or None."""

    def signals(self, prof: Profile) -> tuple[recommend.ProfileSignals, list[int]]:
        """Profile rows: own papers, liked papers, interests; plus the row ids used."""
        own, liked = prof.paper_ids, prof.liked_ids
        row_ids = list(dict.fromkeys(own + liked))
        papers = self.store.papers_map(row_ids)
        row_ids = [i for i in row_ids if i in papers and (papers[i].title or papers[i].abstract)]
        dense = self._vectors(row_ids, papers)
        lex = self.lexical_index.rows_for(row_ids) if row_ids else _empty_lex(self.lexical_index)
        labels = [("a paper you liked" if i in liked and i not in own else "your paper")
                  + f" \u201c{papers[i].label}\u201d" for i in row_ids]
        if prof.interests.strip():
            dense = np.vstack([dense, _text_vector(self.embedder, prof.interests)])
            lex = sparse.vstack([lex, self.lexical_index.transform([prof.interests])]).tocsr()
            labels.append(f"your interests \u201c{_clip(prof.interests, 60)}\u201d")
        cats = Counter(c for i in row_ids for c in papers[i].categories[:1])
        sig = recommend.ProfileSignals(dense=dense, lex=lex, labels=labels, categories=cats)
        if prof.disliked_ids:
            dis = self.store.papers_map(list(prof.disliked_ids))
            sig.neg_dense = self._vectors(list(dis), dis)
        return sig, row_ids

    def _vectors(self, ids: list[int], papers: dict[int, Paper] | None = None, emb=None) -> np.ndarray:
        """Stored vectors (of ``emb``, by default the first tier's), embedding on the fly any paper
        that has none yet (nothing is stored: a feed only reads). Papers not in ``papers`` are read
        only when they need embedding."""
        emb = emb or self.embedder
        got = self.store.vectors_for(emb.model_id, ids, emb.dim)
        missing = [i for i in ids if i not in got]
        if missing:
            papers = papers if papers is not None and all(i in papers for i in missing) \
                else self.store.papers_map(missing)
            vecs = emb.embed_batch([paper_text(papers[i].title, papers[i].abstract) for i in missing])
            got.update(zip(missing, vecs, strict=True))
        return np.stack([got[i] for i in ids]).astype(np.float32) if ids else np.zeros((0, emb.dim), np.float32)

    def candidates(self, req: FeedRequest, sig: recommend.ProfileSignals,
                   extra: np.ndarray | None = None) -> np.ndarray:
        """Candidate ids: filters applied, profile/feedback/muted/delivered papers removed.

        A large unfiltered library is first narrowed to the union of each profile row's nearest
        neighbours in the vector index (plus ``extra``: the newest co-author papers), so the exact
        scoring stays fast.
        """
        prof = req.profile
        filtered = bool(req.since or req.until or req.category)
        if not filtered and self.store.count() > PRESELECT_ABOVE and len(sig.dense):
            ids = self._neighbours(sig)
            if extra is not None and len(extra):
                ids = np.union1d(ids, extra)
        else:
            ids = self.store.filter_ids(req.since, req.until, req.category)
        banned = set(prof.paper_ids) | set(prof.liked_ids) | set(prof.disliked_ids) | set(req.exclude)
        if prof.muted_authors:
            keys = [normalize.author_key(a) for a in prof.muted_authors]
            banned |= self.store.ids_with_any_author_key(keys)
        if prof.muted_categories:
            banned |= self.store.ids_with_any_category(prof.muted_categories)
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
        sig, row_ids = self.signals(req.profile)
        if len(sig.dense) == 0:
            return []
        people, by_key = self._coauthor_keys(req.profile)
        ids = self.candidates(req, sig, by_key[-COAUTHOR_CANDIDATES:])
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
        coauthored = self._coauthored(people, ids[np.isin(ids, by_key)]) if people else {}
        total = scored.score + boost + params.w_coauthor * (np.array([i in coauthored for i in ids.tolist()],
                                                                     dtype=np.float32) if coauthored else 0)
        strong: dict[int, float] = {}
        if self.second is not None:
            total, strong = self._rerank(req.profile, row_ids, ids, total)
        order = np.argsort(-total, kind="stable")
        gains: list[float] = []
        picked = recommend.mmr(order, total, dense, req.limit, params.mmr_lambda, params.mmr_top, gains)
        papers = self.store.papers_map([int(ids[j]) for j in picked])
        hits = []
        for j, gain in zip(picked, gains, strict=True):
            p = papers[int(ids[j])]
            why = self._why(sig, scored, j, lex, bool(boost[j]), p, req.profile,
                            coauthored.get(int(ids[j]), ()) if not boost[j] else ())
            # the score is the one that ordered the feed (relevance traded against diversity), so it
            # never rises down the list; the relevance alone is in the explanation
            if j in strong and self.second is not None:
                why += f"; {self.second[1].model_id} similarity {strong[j]:.2f}"
            why += f"; relevance {float(total[j]):.3f}"
            hits.append(Hit(key=p.key, score=round(gain, 4), why=why, paper=p))
        return hits

    def _rerank(self, prof: Profile, row_ids: list[int], ids: np.ndarray,
                total: np.ndarray) -> tuple[np.ndarray, dict[int, float]]:
        """The second tier over the first stage's top candidates: new scores, and the second tier's
        similarity by candidate index."""
        assert self.second is not None
        cfg, emb = self.second
        picked = rerank.top_indices(total, cfg.top)
        cand = [int(ids[j]) for j in picked]
        cand_vecs = self._vectors(cand, emb=emb)
        prof_vecs = self._vectors(row_ids, emb=emb)
        if prof.interests.strip():
            prof_vecs = np.vstack([prof_vecs, _text_vector(emb, prof.interests)])
        fused, sim = rerank.fuse(total, picked, cand_vecs, prof_vecs, cfg)
        return fused, {int(j): float(s) for j, s in zip(picked, sim, strict=True)}

    def _background(self, exclude: np.ndarray) -> np.ndarray:
        """Random library vectors as negatives for the feedback model."""
        top = self.store.max_id()
        rng = np.random.default_rng(top)
        # ids are dense (rows are never deleted in bulk), so sampling the id range samples papers
        pick = np.unique(rng.integers(1, top + 1, size=min(BACKGROUND, top))).tolist() if top else []
        got = self.store.vectors_for(self.embedder.model_id, pick, self.embedder.dim)
        return np.stack(list(got.values())) if got else np.zeros((0, self.embedder.dim), np.float32)

    def _followed(self, prof: Profile, ids: np.ndarray) -> np.ndarray:
        """A boost for papers by authors the profile follows (--author)."""
        boost = np.zeros(len(ids), np.float32)
        keys = [normalize.author_key(a) for a in prof.authors]
        if keys:  # the key is initial + surname; the full name decides (see normalize.same_person)
            cands = self.store.papers_map(sorted(self.store.ids_with_any_author_key(keys)))
            by = [i for i, p in cands.items() if _by_followed(p, prof.authors)]
            boost[np.isin(ids, np.array(by, dtype=np.int64))] = 2.0
        return boost

    def _coauthor_keys(self, prof: Profile) -> tuple[dict[str, str], np.ndarray]:
        """The profile's co-authors (see ``coauthors``) and the sorted ids of papers whose author keys
        match one of them; the keys (initial + last name) are only a prefilter, see ``_coauthored``."""
        people = coauthors([p.authors for p in self.store.papers_map(list(prof.paper_ids)).values()], prof.authors)
        if not people:
            return {}, np.zeros(0, np.int64)
        by_key = self.store.ids_with_any_author_key(sorted({normalize.author_key(n) for n in people.values()}))
        return people, np.array(sorted(by_key), dtype=np.int64)

    def _coauthored(self, people: dict[str, str], ids: np.ndarray) -> dict[int, tuple[str, ...]]:
        """Of ``ids``, the papers by one of ``people`` (names matched in full, accent- and case-folded):
        id -> the co-authors' names as written on the profile's papers."""
        out = {}
        for pid, p in self.store.papers_map([int(i) for i in ids]).items():
            names = tuple(people[f] for f in map(_fold, p.authors) if f in people)
            if names:
                out[pid] = names
        return out

    def _why(self, sig, scored, j: int, lex: sparse.csr_matrix, followed: bool, p: Paper, prof: Profile,
             coauthors: tuple[str, ...] = ()) -> str:
        parts = []
        if followed:
            names = [a for a in p.authors if any(normalize.same_person(x, a) == "match" for x in prof.authors)]
            parts.append(f"by {', '.join(names[:2]) or 'an author you follow'}, whom you follow")
        parts.append(f"close to {sig.labels[int(scored.dense_row[j])]} (similarity {scored.dense[j]:.2f})")
        if scored.lex[j] > 0:
            row = int(scored.lex_row[j])
            terms = self.lexical_index.lexical.shared_terms(lex[j], sig.lex[row], 3)
            if terms:
                where = "" if row == int(scored.dense_row[j]) else f" with {sig.labels[row]}"
                parts.append(f"shared terms{where}: {', '.join(terms)}")
        if coauthors and not followed:
            parts.append(f"by your co-author{'s' if len(coauthors) > 1 else ''} {', '.join(coauthors[:2])}")
        return "; ".join(parts)


_TEXT_VECTORS: dict[tuple[str, str], np.ndarray] = {}


def _text_vector(emb: Embedder, text: str) -> np.ndarray:
    """A profile's interests text embedded once per process and model, not on every feed (a
    second-tier model takes a few hundred ms for it). Read-only: callers stack copies."""
    key = (emb.model_id, text)
    vec = _TEXT_VECTORS.get(key)
    if vec is None:
        if len(_TEXT_VECTORS) >= 256:
            _TEXT_VECTORS.clear()
        vec = emb.embed_batch([text])
        vec.setflags(write=False)
        _TEXT_VECTORS[key] = vec
    return vec


@functools.lru_cache(maxsize=65536)
def _fold(name: str) -> str:
    return " ".join(normalize.ascii_fold(name).lower().replace(".", " ").replace("-", " ").split())


def coauthors(author_lists: Sequence[Sequence[str]], owners: Sequence[str] = ()) -> dict[str, str]:
    """The people who wrote a profile's own papers with its owner: folded name -> name as written.

    The owner is whichever of ``owners`` (the profile's --author names) is on those papers; else the
    one author on the most papers, when that is at least two and at least half of them. Without an
    owner (one paper, a tie, a reading list of other people's papers) there are no co-authors, since
    "by your co-author" would not be true. Papers without the owner add nobody.
    """
    folded = [{_fold(n) for n in names if n.strip()} for names in author_lists]
    named = {_fold(o) for o in owners} & set().union(*folded) if folded else set()
    if not named:
        top = Counter(f for names in folded for f in names).most_common(2)
        if not top or top[0][1] < 2 or 2 * top[0][1] < len(folded) or (len(top) > 1 and top[1][1] == top[0][1]):
            return {}
        named = {top[0][0]}
    out: dict[str, str] = {}
    for names, fs in zip(author_lists, folded, strict=True):
        if fs & named:
            for name in names:
                f = _fold(name)
                if f and f not in named:
                    out.setdefault(f, name)
    return out


def _clip(s: str, n: int) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "\u2026"


def _empty_lex(index) -> sparse.csr_matrix:
    return sparse.csr_matrix((0, index.rows.shape[1]), dtype=np.float32)


def _by_followed(p: Paper, followed: Sequence[str]) -> bool:
    """Whether one of the paper's authors is a person the profile follows (full name, not initials)."""
    return any(normalize.same_person(f, a) == "match" for f in followed for a in p.authors)
