"""A dense geometry learned from the library's own authors: within-author covariance normalisation.

The papers of one researcher differ along directions that do not set that researcher's topics apart
from anyone else's (how a paper is framed, which benchmark it reports, its generic vocabulary). WCCN
(Hatch, Kajarekar and Stolcke, 2006) whitens that within-author covariance: the feed's dense view
compares ``normalise(W x)`` with ``W = (S_w + reg * tr(S_w) / d * I)^(-1/2)``, where ``S_w`` is the
covariance of the library's papers around their author's mean, one author group per person with at
least two papers. Nothing is learned from a profile's answers: ``S_w`` comes from whoever wrote the
library's papers. The search index, `similar` and MMR's diversity keep the model's own vectors.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

REG = 0.1
"""Ridge added to S_w, as a share of its mean eigenvalue (chosen on the development windows)."""
MIN_DOF = 2000
"""Fewer within-author degrees of freedom (papers minus authors, over authors with >= 2 papers) than
this and no map is fitted: the estimate would be noise, and the feed keeps the model's geometry."""


def within_author_scatter(x: np.ndarray, groups: Sequence[Sequence[int]]) -> tuple[np.ndarray, int]:
    """Sum over author groups of the outer products of rows minus their group mean, and the degrees
    of freedom (sum of group size - 1). Groups of fewer than two rows add nothing."""
    d = x.shape[1]
    scatter = np.zeros((d, d), np.float64)
    dof = 0
    for g in groups:
        if len(g) < 2:
            continue
        rows = x[np.asarray(g)].astype(np.float64)
        centred = rows - rows.mean(axis=0)
        scatter += centred.T @ centred
        dof += len(g) - 1
    return scatter, dof


def fit(x: np.ndarray, groups: Sequence[Sequence[int]], reg: float = REG, min_dof: int = MIN_DOF) -> np.ndarray | None:
    """The WCCN matrix (d x d, float32) of rows ``x`` grouped by author, or None below ``min_dof``."""
    scatter, dof = within_author_scatter(x, groups)
    if dof < max(min_dof, 1):
        return None
    cov = scatter / dof
    d = cov.shape[0]
    cov += reg * np.trace(cov) / d * np.eye(d)
    vals, vecs = np.linalg.eigh(cov)
    return ((vecs / np.sqrt(vals)) @ vecs.T).astype(np.float32)


def apply(matrix: np.ndarray | None, x: np.ndarray) -> np.ndarray:
    """Rows mapped by ``matrix`` and scaled to unit length (``x`` itself when there is no matrix)."""
    if matrix is None or len(x) == 0:
        return x
    z = x @ matrix.T
    return (z / np.maximum(np.linalg.norm(z, axis=1, keepdims=True), 1e-9)).astype(np.float32)


def author_groups(author_lists: Sequence[Sequence[str]], fold) -> list[list[int]]:
    """Row indices per person (names folded by ``fold``), people with at least two rows only."""
    by: dict[str, list[int]] = {}
    for j, names in enumerate(author_lists):
        for name in dict.fromkeys(f for f in map(fold, names) if f):
            by.setdefault(name, []).append(j)
    return [g for g in by.values() if len(g) >= 2]
