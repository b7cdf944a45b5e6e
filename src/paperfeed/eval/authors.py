"""Author-continuity evaluation: does the ranker put an author's next papers in their top 10?

Protocol: in a window of days, take authors with >= 3 papers before it and >= 1 inside;
sample N of them with a fixed seed. Profile = each author's 10 latest earlier papers;
candidates = every paper in the window; relevant = that author's papers in the window.
Rankers see title + abstract (+ categories for paperfeed's ranker), never author names.
"""

from __future__ import annotations

import functools
import random
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from paperfeed.eval.corpus import Doc
from paperfeed.eval.metrics import mrr, ndcg_at, recall_at
from paperfeed.rank import recommend
from paperfeed.rank.lexical import Lexical


def author_identity(name: str) -> str:
    """Full name, accent-folded and lower-cased: a stricter identity than the library's key."""
    s = unicodedata.normalize("NFKD", name)
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    return " ".join(s.replace(".", " ").split())


@dataclass
class Task:
    """Profiles, candidates and relevance for one evaluation window."""

    window: tuple[str, str]
    candidates: list[Doc]
    profiles: list[list[Doc]]
    relevant: list[set[int]]
    authors: list[str]


def build_task(docs: list[Doc], start: str, end: str, n_authors: int = 150, seed: int | Sequence[int] = 13,
               profile_size: int = 10) -> Task:
    """Select authors and build profiles/candidates for the window [start, end].

    Several seeds take the union of each seed's sample of ``n_authors`` (each author once)."""
    dated = [(d, d.date) for d in docs if d.date]
    cands = sorted((d for d, day in dated if start <= day <= end), key=lambda d: d.id)
    before: dict[str, list[Doc]] = defaultdict(list)
    for d, day in dated:
        if day < start:
            for a in d.authors:
                before[author_identity(a)].append(d)
    inside: dict[str, set[int]] = defaultdict(set)
    for i, d in enumerate(cands):
        for a in d.authors:
            inside[author_identity(a)].add(i)
    eligible = sorted(a for a in inside if len(before.get(a, ())) >= 3 and a)
    chosen: list[str] = []
    for one in ([seed] if isinstance(seed, int) else seed):
        chosen += random.Random(one).sample(eligible, min(n_authors, len(eligible)))
    chosen = list(dict.fromkeys(chosen))
    profiles = [sorted(before[a], key=lambda d: (d.date, d.id))[-profile_size:] for a in chosen]
    return Task((start, end), cands, profiles, [inside[a] for a in chosen], chosen)


Ranker = Callable[[int], np.ndarray]


def per_author(task: Task, rank: Ranker, k: int = 10) -> dict[str, np.ndarray]:
    """recall@k, nDCG@k and MRR of one ranker for each of the task's authors."""
    rec, nd, rr = [], [], []
    for i, rel in enumerate(task.relevant):
        order = np.argsort(-rank(i), kind="stable")
        rec.append(recall_at(order, rel, k))
        nd.append(ndcg_at(order, rel, k))
        rr.append(mrr(order, rel))
    return {f"recall@{k}": np.array(rec), f"ndcg@{k}": np.array(nd), "mrr": np.array(rr)}


def evaluate(task: Task, rankers: dict[str, Ranker], k: int = 10) -> dict[str, dict[str, float]]:
    """recall@k, nDCG@k and MRR of each ranker, averaged over the task's authors."""
    return {name: {m: float(v.mean()) if v.size else 0.0 for m, v in per_author(task, rank, k).items()}
            for name, rank in rankers.items()}


class Features:
    """Every view of the task's texts that the rankers need, computed once."""

    def __init__(self, task: Task, embed: Callable[[list[str]], np.ndarray]) -> None:
        self.task = task
        prof_docs = [d for p in task.profiles for d in p]
        self.offsets = np.cumsum([0] + [len(p) for p in task.profiles])
        cand_texts = [d.text for d in task.candidates]
        prof_texts = [d.text for d in prof_docs]
        self.cand_dense = embed(cand_texts)
        self.prof_dense = embed(prof_texts)
        # arxiv-sanity-lite's exact vectorizer settings, fit on the papers it sees
        self.sanity_vec = TfidfVectorizer(
            strip_accents="unicode", lowercase=True, analyzer="word", stop_words="english",
            token_pattern=r"(?u)\b[a-zA-Z_][a-zA-Z0-9_]+\b", ngram_range=(1, 2), max_features=20000,
            norm="l2", use_idf=True, smooth_idf=True, sublinear_tf=True, max_df=0.1, min_df=5,
        ).fit(cand_texts + prof_texts)
        self.sanity_cand = self.sanity_vec.transform(cand_texts)
        self.sanity_prof = self.sanity_vec.transform(prof_texts)
        self.lexical = Lexical.fit(cand_texts + prof_texts)
        self.cand_lex = self.lexical.transform(cand_texts)
        self.prof_lex = self.lexical.transform(prof_texts)
        self.cand_cats = [d.categories for d in task.candidates]
        self.cand_dates = [d.date for d in task.candidates]
        self.prof_cats = [Counter(c for d in p for c in d.categories[:1]) for p in task.profiles]

    def rows(self, i: int) -> slice:
        """Profile rows of author i."""
        return slice(int(self.offsets[i]), int(self.offsets[i + 1]))

    def signals(self, i: int) -> recommend.ProfileSignals:
        """The profile of author i as the product's ranker sees it."""
        r = self.rows(i)
        return recommend.ProfileSignals(
            dense=self.prof_dense[r], lex=self.prof_lex[r], labels=[d.title for d in self.task.profiles[i]],
            categories=self.prof_cats[i], row_dates=[d.date for d in self.task.profiles[i]],
        )


def baseline_rankers(f: Features) -> dict[str, Ranker]:
    """arxiv-sanity's SVM recipe, TF-IDF centroid, dense centroid and dense max-sim."""

    def sanity(i: int) -> np.ndarray:
        r = f.rows(i)
        x = sparse.vstack([f.sanity_prof[r], f.sanity_cand]).tocsr()
        y = np.r_[np.ones(r.stop - r.start), np.zeros(f.sanity_cand.shape[0])]
        clf = LinearSVC(class_weight="balanced", max_iter=10000, tol=1e-6, C=0.01)
        clf.fit(x, y)
        return clf.decision_function(f.sanity_cand)

    def tfidf_centroid(i: int) -> np.ndarray:
        c = np.asarray(f.sanity_prof[f.rows(i)].mean(axis=0)).ravel()
        return np.asarray(f.sanity_cand @ c).ravel()

    def dense_centroid(i: int) -> np.ndarray:
        c = f.prof_dense[f.rows(i)].mean(axis=0)
        return f.cand_dense @ (c / (np.linalg.norm(c) + 1e-9))

    def dense_maxsim(i: int) -> np.ndarray:
        return (f.cand_dense @ f.prof_dense[f.rows(i)].T).max(axis=1)

    return {
        "arxiv-sanity (tfidf+svm)": sanity,
        "tfidf centroid": tfidf_centroid,
        "dense centroid": dense_centroid,
        "dense max-sim": dense_maxsim,
    }


def paperfeed_ranker(f: Features, params: recommend.Params = recommend.DEFAULT) -> Ranker:
    """The product's default ranker (recommend.score), recency off: the window is one week.

    Scores are kept per author, so the rows built on this one (co-authors, feed order) pay once."""
    p = recommend.Params(**{**params.__dict__, "w_recency": 0.0})

    @functools.cache
    def rank(i: int) -> np.ndarray:
        out = recommend.score(f.signals(i), f.cand_dense, f.cand_lex, f.cand_cats, None, params=p).score
        out.flags.writeable = False
        return out

    return rank


def feed_order_ranker(f: Features, base: Ranker, params: recommend.Params = recommend.DEFAULT) -> Ranker:
    """The order the product's feed shows: ``base``'s relevance diversified by MMR over its top
    ``mmr_top`` (recommend.mmr, as in rank/feed.py), the rest below in relevance order."""

    def rank(i: int) -> np.ndarray:
        rel = base(i)
        order = np.argsort(-rel, kind="stable")
        picked = recommend.mmr(order, rel, f.cand_dense, params.mmr_top, params.mmr_lambda, params.mmr_top)
        full = np.r_[np.array(picked, dtype=np.int64), order[~np.isin(order, picked)]]
        out = np.empty(len(rel), np.float64)
        out[full] = -np.arange(len(rel), dtype=np.float64)
        return out

    return rank


def followed_authors_ranker(f: Features, base: Ranker) -> Ranker:
    """Product variant: candidates sharing an author with the profile's papers get a large boost."""
    cand_authors = [{author_identity(a) for a in d.authors} for d in f.task.candidates]

    def rank(i: int) -> np.ndarray:
        prof = {author_identity(a) for d in f.task.profiles[i] for a in d.authors}
        boost = np.array([len(prof & ca) > 0 for ca in cand_authors], dtype=np.float32)
        return base(i) + 10.0 * boost

    return rank


def wide_lexical(docs: list[Doc], task: Task, sample: int = 20_000, seed: int = 0) -> Lexical:
    """TF-IDF fitted like the product's library index: a sample of the earlier corpus plus the window."""
    before = [d for d in docs if d.date and d.date < task.window[0]]
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(before), min(sample, len(before)), replace=False)
    return Lexical.fit([before[i].text for i in pick] + [d.text for d in task.candidates])
