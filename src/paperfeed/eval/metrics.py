"""Ranking metrics over a ranked order of candidate positions."""

from __future__ import annotations

from collections.abc import Collection, Mapping

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
