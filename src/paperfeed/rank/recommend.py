"""Scoring candidate papers against a researcher profile.

The profile is a set of rows (own papers, liked papers, free-text interests), not one centroid:
a candidate's evidence is its best match over those rows (a soft maximum), from two views
fused after per-view standardisation:

- dense: cosine of sentence embeddings (topical similarity);
- lexical: cosine of TF-IDF uni+bigram vectors (the specific vocabulary an author reuses);
- discriminative dense (off by default, ``w_disc_dense``): a linear SVM on the embedding vectors, the
  profile's rows against the candidates (arxiv-sanity's recipe, on dense vectors instead of TF-IDF):
  the directions that set this profile apart from what else is in the pool.

Then, optionally: agreement with the profile's arXiv categories, a per-profile linear model
once there is feedback, a gentle recency prior, and MMR diversification of the top.
The weights below were chosen on the development windows of ``paperfeed eval authors`` and are
reported on four disjoint held-out windows (docs/figures.md). The co-author weight cannot be
measured without leakage in that protocol; see ``w_coauthor`` and eval/windows.py.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from scipy import sparse

from paperfeed.rank.fusion import standardise  # re-exported: the views are standardised over the candidates


@dataclass(frozen=True)
class Params:
    """Tunable weights of the default ranker."""

    w_dense: float = 1.0
    w_lex: float = 1.0
    w_cat: float = 0.3
    w_model: float = 0.7
    w_recency: float = 0.1
    recency_half_life_days: float = 60.0
    dense_temp: float = 0.1
    lex_temp: float = 0.05
    mmr_lambda: float = 0.85
    mmr_top: int = 60
    w_coauthor: float = 1.0
    """Added to papers by a co-author of the profile's own papers (the owner excluded); see feed.py."""
    row_half_life_days: float = 0.0
    """Profile rows weigh exp(-age / this) in the soft maximum, age from the newest dated row; 0 = off."""
    w_disc_dense: float = 0.0
    """Weight of the linear SVM's standardised decision values (profile rows vs candidates); 0 = off.

    Off by default: 0.5 gained on the development windows (+0.016 recall@10 [+0.003, +0.033]) but not
    clearly on the held-out ones (+0.003 [-0.005, +0.012]), for about 100 ms more CPU per feed (docs/figures.md)."""
    disc_c: float = 0.1
    """The SVM's C (LinearSVC, squared hinge, balanced class weights)."""
    disc_negatives: int = 2000
    """At most this many candidates (a fixed-seed sample of them) are the SVM's negatives."""
    w_disc_lex: float = 0.0
    """Weight of a linear SVM on the TF-IDF rows (arxiv-sanity's recipe), standardised; 0 = off."""
    disc_lex_c: float = 0.01
    """Its C (arxiv-sanity's value)."""
    disc_lex_negatives: int = 5000
    """At most this many candidates are its negatives."""


DEFAULT = Params()


@dataclass
class ProfileSignals:
    """A profile turned into vectors: one row per own/liked paper or interest text."""

    dense: np.ndarray
    lex: sparse.csr_matrix
    labels: list[str]
    categories: Counter = field(default_factory=Counter)
    neg_dense: np.ndarray | None = None
    neg_lex: sparse.csr_matrix | None = None
    row_dates: Sequence[str | None] | None = None


@dataclass
class Scored:
    """Scores for each candidate, and which profile row explains each view."""

    score: np.ndarray
    dense: np.ndarray
    dense_row: np.ndarray
    lex: np.ndarray
    lex_row: np.ndarray


def soft_max_sim(sims: np.ndarray, temp: float, log_w: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per row of ``sims`` (candidates x profile rows): temperature-smoothed max and the argmax.

    ``log_w`` (one per profile row) weighs the rows inside the soft maximum: temp * log(sum w e^(s/temp)).
    """
    if sims.shape[1] == 0:
        return np.zeros(sims.shape[0], np.float32), np.zeros(sims.shape[0], np.int64)
    best = sims.argmax(axis=1)
    if log_w is not None and temp > 0:
        sims = sims + temp * log_w[None, :]
    m = sims.max(axis=1)
    if temp <= 0:
        return m, best
    lse = m + temp * np.log(np.exp((sims - m[:, None]) / temp).sum(axis=1))
    return lse, best


def row_log_weights(dates: Sequence[str | None] | None, n: int, half_life_days: float) -> np.ndarray | None:
    """log of exp(-age / half-life) per profile row, age in days from the newest dated row; undated rows
    (interests) weigh 1. None when off or nothing is dated."""
    if not half_life_days or not dates:
        return None
    parsed = [date.fromisoformat(d) if d and len(d) == 10 else None for d in dates]
    known = [d for d in parsed if d]
    if not known:
        return None
    newest = max(known)
    out = np.zeros(n, np.float32)
    for j, d in enumerate(parsed[:n]):
        if d:
            out[j] = -(newest - d).days / half_life_days
    return out


def category_affinity(profile: Counter, cand_cats: Sequence[Sequence[str]]) -> np.ndarray:
    """Share of profile papers in each candidate's categories (primary category counts double)."""
    total = sum(profile.values())
    out = np.zeros(len(cand_cats), np.float32)
    if not total:
        return out
    for i, cats in enumerate(cand_cats):
        if cats:
            out[i] = (2 * profile.get(cats[0], 0) + sum(profile.get(c, 0) for c in cats[1:])) / (2 * total)
    return out


def recency(dates: Sequence[str | None], half_life_days: float) -> np.ndarray:
    """exp(-age / half-life) relative to the newest date among the candidates; undated get 0."""
    parsed = [date.fromisoformat(d) if d and len(d) == 10 else None for d in dates]
    known = [d for d in parsed if d]
    if not known:
        return np.zeros(len(dates), np.float32)
    newest = max(known)
    return np.array(
        [np.exp(-(newest - d).days / half_life_days) if d else 0.0 for d in parsed], dtype=np.float32
    )


def feedback_model(sig: ProfileSignals, background: np.ndarray, cand: np.ndarray) -> np.ndarray | None:
    """Logistic regression on dense vectors: own+liked vs disliked+background. None without feedback."""
    if sig.neg_dense is None or len(sig.dense) == 0:
        return None
    from sklearn.linear_model import LogisticRegression

    neg = np.vstack([sig.neg_dense, background]) if len(background) else sig.neg_dense
    if len(neg) == 0:
        return None
    x = np.vstack([sig.dense, neg])
    y = np.r_[np.ones(len(sig.dense)), np.zeros(len(neg))]
    weights = np.r_[np.ones(len(sig.dense)), np.full(len(sig.neg_dense), 3.0), np.ones(len(neg) - len(sig.neg_dense))]
    clf = LogisticRegression(C=1.0, class_weight="balanced", solver="liblinear", tol=1e-3)
    clf.fit(x, y, sample_weight=weights)
    return clf.decision_function(cand).astype(np.float32)


DISLIKE_WEIGHT = 3.0
"""Sample weight of a disliked paper among the negatives (an explicit no counts more than the pool)."""


def _svm_decision(pos, dis, pool, cand, c: float, negatives: int, seed: int, dual: bool) -> np.ndarray:
    """Decision values on ``cand`` of a linear SVM: ``pos`` against ``dis`` (weight DISLIKE_WEIGHT) and up to
    ``negatives`` rows of ``pool`` (a fixed-seed sample). Dense arrays or sparse rows alike."""
    from sklearn.svm import LinearSVC

    is_sparse = sparse.issparse(pos)
    if pool.shape[0] > negatives:
        pool = pool[np.sort(np.random.default_rng(seed).choice(pool.shape[0], negatives, replace=False))]
    if is_sparse:
        x = sparse.vstack([pos, dis, pool]).tocsr()
    else:
        x = np.vstack([pos, dis, pool]).astype(np.float32, copy=False)
    n_pos, n_dis = pos.shape[0], dis.shape[0]
    y = np.r_[np.ones(n_pos), np.zeros(n_dis + pool.shape[0])]
    weights = np.r_[np.ones(n_pos), np.full(n_dis, DISLIKE_WEIGHT), np.ones(pool.shape[0])]
    clf = LinearSVC(C=c, class_weight="balanced", dual=dual, tol=1e-4, max_iter=1000)
    clf.fit(x, y, sample_weight=weights)
    return clf.decision_function(cand).astype(np.float32)


def discriminative_dense(sig: ProfileSignals, cand: np.ndarray, c: float = DEFAULT.disc_c,
                         negatives: int = DEFAULT.disc_negatives, seed: int = 0) -> np.ndarray | None:
    """Decision values of a linear SVM on dense vectors: profile rows (own, liked, interests) against
    up to ``negatives`` candidates and the disliked papers. None without a profile row or a candidate.

    The candidates that are truly relevant are among the negatives, as in arxiv-sanity (which trains
    on the whole library); a small C keeps one of them from being learned away."""
    if len(sig.dense) == 0 or len(cand) == 0:
        return None
    dis = sig.neg_dense if sig.neg_dense is not None else np.zeros((0, cand.shape[1]), np.float32)
    # primal (dual=False): far more samples than the 384 dimensions, and the solution is unique
    return _svm_decision(sig.dense, dis, cand, cand, c, negatives, seed, dual=False)


def discriminative_lexical(sig: ProfileSignals, cand: sparse.csr_matrix, c: float = DEFAULT.disc_lex_c,
                           negatives: int = DEFAULT.disc_lex_negatives, seed: int = 0) -> np.ndarray | None:
    """arxiv-sanity's recipe on the product's TF-IDF rows: a linear SVM, the profile's rows against up to
    ``negatives`` candidates and the disliked papers. None without a profile row or a candidate."""
    if sig.lex.shape[0] == 0 or cand.shape[0] == 0:
        return None
    dis = sig.neg_lex if sig.neg_lex is not None else sparse.csr_matrix((0, cand.shape[1]), dtype=np.float32)
    # dual: the uni+bigram vocabulary has far more dimensions than there are samples
    return _svm_decision(sig.lex, dis, cand, cand, c, negatives, seed, dual=True)


def score(
    sig: ProfileSignals, cand_dense: np.ndarray, cand_lex: sparse.csr_matrix,
    cand_cats: Sequence[Sequence[str]] | None = None, cand_dates: Sequence[str | None] | None = None,
    background: np.ndarray | None = None, params: Params = DEFAULT,
) -> Scored:
    """Fused relevance of each candidate to the profile (higher is better)."""
    n = cand_dense.shape[0]
    d_sims = cand_dense @ sig.dense.T if len(sig.dense) else np.zeros((n, 0), np.float32)
    log_w = row_log_weights(sig.row_dates, d_sims.shape[1], params.row_half_life_days)
    dense, dense_row = soft_max_sim(d_sims, params.dense_temp, log_w)
    if sig.lex.shape[0] and cand_lex.shape[0]:
        l_sims = (cand_lex @ sig.lex.T).toarray()
    else:
        l_sims = np.zeros((n, 0), np.float32)
    lex, lex_row = soft_max_sim(l_sims, params.lex_temp, log_w if log_w is not None and len(log_w) == l_sims.shape[1]
                                else None)
    total = params.w_dense * standardise(dense) + params.w_lex * standardise(lex)
    if params.w_disc_dense and n:
        disc = discriminative_dense(sig, cand_dense, params.disc_c, params.disc_negatives)
        if disc is not None:
            total += params.w_disc_dense * standardise(disc)
    if params.w_disc_lex and n and cand_lex.shape[0]:
        disc = discriminative_lexical(sig, cand_lex, params.disc_lex_c, params.disc_lex_negatives)
        if disc is not None:
            total += params.w_disc_lex * standardise(disc)
    if cand_cats is not None and params.w_cat and sig.categories:
        total += params.w_cat * standardise(category_affinity(sig.categories, cand_cats))
    if sig.neg_dense is not None and len(sig.neg_dense):
        neg, _ = soft_max_sim(cand_dense @ sig.neg_dense.T, params.dense_temp)
        total -= 0.5 * params.w_dense * np.clip(standardise(neg) - standardise(dense), 0, None)
        model = feedback_model(sig, background if background is not None else np.zeros((0, 1)), cand_dense)
        if model is not None:
            total += params.w_model * standardise(model)
    if cand_dates is not None and params.w_recency:
        total += params.w_recency * recency(cand_dates, params.recency_half_life_days)
    return Scored(total.astype(np.float32), dense, dense_row, lex, lex_row)


def mmr(order: np.ndarray, rel: np.ndarray, vecs: np.ndarray, k: int, lam: float, top: int,
        gains: list[float] | None = None) -> list[int]:
    """Maximal marginal relevance over the ``top`` best candidates; returns ``k`` positions.

    ``gains``, if given, receives the score each pick was chosen by: non-increasing along the
    returned order (relevance without diversity; below the last pick's for picks after the pool)."""
    pool = list(order[:top])
    rest = list(order[top:])
    if len(pool) <= 1 or lam >= 1.0:
        if gains is not None:
            gains.extend(float(rel[j]) for j in order[:k])
        return list(order[:k])
    r = rel[pool]
    r = (r - r.min()) / (r.max() - r.min() + 1e-9)
    v = vecs[pool]
    chosen: list[int] = []
    max_sim = np.full(len(pool), -1.0, dtype=np.float32)
    available = np.ones(len(pool), bool)
    while len(chosen) < min(k, len(pool)):
        gain = lam * r - (1 - lam) * np.where(max_sim < 0, 0, max_sim)
        gain[~available] = -np.inf
        j = int(np.argmax(gain))
        chosen.append(j)
        if gains is not None:
            gains.append(float(gain[j]))
        available[j] = False
        max_sim = np.maximum(max_sim, v @ v[j])
    tail = rest[: max(0, k - len(chosen))]
    if gains is not None and tail:  # below the pool, in relevance order
        floor = min(gains[-1], 0.0)
        gains.extend(floor - (i + 1) * 1e-4 for i in range(len(tail)))
    return [pool[j] for j in chosen] + tail
