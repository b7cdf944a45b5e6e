"""Combine ranked lists (reciprocal rank fusion) and normalise score maps."""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from typing import TypeVar

import numpy as np

K = TypeVar("K", bound=Hashable)


def rrf(
    rankings: Sequence[Sequence[K]],
    k: float = 60.0,
    weights: Sequence[float] | None = None,
    scales: Sequence[Mapping[K, float] | None] | None = None,
) -> list[tuple[K, float]]:
    """Reciprocal rank fusion: ``score = sum_i w_i / (k + rank_i)``, rank from 1, best first.

    ``scales`` (one map or None per list) multiplies an item's contribution from that list, e.g. by
    how much of the query a keyword hit covers; items a map lacks keep their full weight.

    An item repeated within one list counts at its best rank only. Equal scores
    keep the order of first appearance (list by list, top to bottom); sums are
    exact-rounded (``math.fsum``) so equal contributions give equal scores.
    """
    weights = _check_weights(rankings, k, weights)
    if scales is not None and len(scales) != len(rankings):
        raise ValueError(f"rrf: {len(scales)} scale maps for {len(rankings)} rankings")
    parts: dict[K, list[float]] = {}
    for n, (ranking, weight) in enumerate(zip(rankings, weights, strict=True)):
        scale = scales[n] if scales is not None else None
        seen: set[K] = set()
        for rank, item in enumerate(ranking, start=1):
            if item in seen:
                continue
            seen.add(item)
            factor = scale.get(item, 1.0) if scale is not None else 1.0
            parts.setdefault(item, []).append(weight * factor / (k + rank))
    fused = [(item, math.fsum(p)) for item, p in parts.items()]
    fused.sort(key=lambda pair: -pair[1])
    return fused


def _check_weights(rankings: Sequence[Sequence[K]], k: float, weights: Sequence[float] | None) -> Sequence[float]:
    """Validate ``k`` and ``weights``; default to all ones."""
    if not (k >= 0 and math.isfinite(k)):
        raise ValueError(f"rrf k must be finite and >= 0, got {k}")
    if weights is None:
        return [1.0] * len(rankings)
    if len(weights) != len(rankings):
        raise ValueError(f"{len(weights)} weights for {len(rankings)} rankings")
    if any(not (w >= 0 and math.isfinite(w)) for w in weights):
        raise ValueError("rrf weights must be finite and >= 0")
    return weights


def minmax(scores: Mapping[K, float]) -> dict[K, float]:
    """Rescale scores linearly to [0, 1]; all-equal scores map to 1.0, empty to {}."""
    if not scores:
        return {}
    values = list(scores.values())
    if any(math.isnan(v) for v in values):
        raise ValueError("minmax got NaN scores")
    lo, hi = min(values), max(values)
    if hi == lo:
        return dict.fromkeys(scores, 1.0)
    span = hi - lo
    return {key: (value - lo) / span for key, value in scores.items()}


def standardise(x: np.ndarray) -> np.ndarray:
    """Zero mean, unit variance over the candidates (constant input -> zeros)."""
    if x.size == 0:
        return x
    sd = float(x.std())
    return (x - x.mean()) / sd if sd > 1e-9 else np.zeros_like(x)


def zfuse(columns: Sequence[Sequence[float] | np.ndarray], weights: Sequence[float]) -> np.ndarray:
    """Weighted sum of score columns, each standardised to zero mean and unit variance over the
    candidates (a constant column adds nothing). All columns score the same candidates."""
    total = np.zeros(len(columns[0]) if columns else 0)
    for col, w in zip(columns, weights, strict=True):
        x = np.asarray(col, dtype=np.float64)
        sd = x.std()
        if sd > 1e-12:
            total += w * (x - x.mean()) / sd
    return total
