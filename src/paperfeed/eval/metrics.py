"""Ranking metrics over a ranked order of candidate positions."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import numpy as np


def recall_at(order: np.ndarray, relevant: Collection[int], k: int) -> float:
    """Share of relevant items in the top k."""
    if not relevant:
        return 0.0
    return len(set(order[:k].tolist()) & set(relevant)) / len(relevant)


def ndcg_at(order: np.ndarray, relevant: Collection[int], k: int) -> float:
    """Binary-relevance nDCG at k."""
    rel = set(relevant)
    dcg = sum(1.0 / np.log2(r + 2) for r, i in enumerate(order[:k].tolist()) if i in rel)
    ideal = sum(1.0 / np.log2(r + 2) for r in range(min(k, len(rel))))
    return dcg / ideal if ideal else 0.0


def mrr(order: np.ndarray, relevant: Collection[int]) -> float:
    """Reciprocal rank of the first relevant item."""
    rel = set(relevant)
    for r, i in enumerate(order.tolist()):
        if i in rel:
            return 1.0 / (r + 1)
    return 0.0


def graded_ndcg(order: list, grades: Mapping, cutoff: int) -> float:
    """nDCG with graded relevance (gain = grade), cut off at ``cutoff`` items."""
    gains = [grades.get(c, 0) for c in order[:cutoff]]
    dcg = sum(g / np.log2(r + 2) for r, g in enumerate(gains))
    ideal_g = sorted(grades.values(), reverse=True)[:cutoff]
    idcg = sum(g / np.log2(r + 2) for r, g in enumerate(ideal_g))
    return dcg / idcg if idcg else 0.0


def average_precision(order: list, relevant: Collection) -> float:
    """Average precision of a ranked list against a set of relevant items."""
    rel = set(relevant)
    if not rel:
        return 0.0
    hits, total = 0, 0.0
    for r, c in enumerate(order, 1):
        if c in rel:
            hits += 1
            total += hits / r
    return total / len(rel)


def r_precision(order: list, relevant: Collection) -> float:
    """Precision at R, R = number of relevant items."""
    rel = set(relevant)
    if not rel:
        return 0.0
    return len(set(order[: len(rel)]) & rel) / len(rel)


def paired_bootstrap(a: Sequence[np.ndarray], b: Sequence[np.ndarray], resamples: int = 2000, seed: int = 0,
                     level: float = 0.95) -> dict[str, float]:
    """Paired bootstrap of mean(a) - mean(b) and of mean(a) / mean(b) - 1.

    ``a[s]`` and ``b[s]`` are per-item scores of two systems on stratum ``s`` (a window), paired by
    position. Items are resampled with replacement within each stratum; the statistic is the mean
    over strata of the stratum means, so every window weighs the same. Returns the observed values
    and the percentile interval at ``level``.
    """
    if len(a) != len(b) or any(len(x) != len(y) for x, y in zip(a, b, strict=True)):
        raise ValueError("paired_bootstrap needs the same items in both systems")
    rng = np.random.default_rng(seed)
    ma, mb = np.zeros(resamples), np.zeros(resamples)
    for x, y in zip(a, b, strict=True):
        idx = rng.integers(0, len(x), size=(resamples, len(x)))
        ma += np.asarray(x)[idx].mean(axis=1)
        mb += np.asarray(y)[idx].mean(axis=1)
    ma, mb = ma / len(a), mb / len(a)
    lo, hi = (1 - level) / 2 * 100, (1 + level) / 2 * 100
    obs_a = float(np.mean([np.mean(x) for x in a]))
    obs_b = float(np.mean([np.mean(y) for y in b]))
    rel = (np.divide(ma, mb, out=np.full_like(ma, np.nan), where=mb > 0) - 1)[mb > 0]
    rel_lo, rel_hi = (np.percentile(rel, lo), np.percentile(rel, hi)) if rel.size else (np.nan, np.nan)
    return {
        "diff": obs_a - obs_b,
        "diff_lo": float(np.percentile(ma - mb, lo)), "diff_hi": float(np.percentile(ma - mb, hi)),
        "gain": obs_a / obs_b - 1 if obs_b else float("nan"),
        "gain_lo": float(rel_lo), "gain_hi": float(rel_hi),
        "wins": int(sum(int((np.asarray(x) > np.asarray(y)).sum()) for x, y in zip(a, b, strict=True))),
        "losses": int(sum(int((np.asarray(x) < np.asarray(y)).sum()) for x, y in zip(a, b, strict=True))),
    }
