"""The feed's second tier: a stronger, slower model re-ranks the first stage's top candidates.

The fast model (MiniLM) embeds the whole library and picks the candidates; a stronger one
(all-mpnet-base-v2, ``paperfeed models install mpnet``) embeds only what a feed shows: the new papers
of the window (``daily`` and ``feed`` embed those with both tiers) and the profile's papers. Its
similarity to the profile (the same soft maximum over profile rows as the first stage's dense view)
is fused with the first-stage score over the top ``top`` candidates, which stay above the rest.
Opt in with ``paperfeed config set feed.rerank_model mpnet-base-int8``; off by default until the
held-out windows of ``paperfeed eval authors --rerank-model`` show that it pays (docs/figures.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from paperfeed.rank.recommend import soft_max_sim, standardise


@dataclass(frozen=True)
class Rerank:
    """Which second-tier model, over how many of the first stage's best, with what weight."""

    model_id: str
    top: int = 50
    weight: float = 1.0
    """Weight of the second tier's standardised similarity against the first stage's standardised score."""
    temp: float = 0.1
    """Soft-maximum temperature over the profile rows (as recommend.Params.dense_temp)."""


def top_indices(total: np.ndarray, top: int) -> np.ndarray:
    """Indices of the ``top`` best first-stage scores, best first (ties by position)."""
    return np.argsort(-total, kind="stable")[: max(top, 0)]


def fuse(total: np.ndarray, picked: np.ndarray, strong_cand: np.ndarray, strong_prof: np.ndarray,
         cfg: Rerank) -> tuple[np.ndarray, np.ndarray]:
    """New scores: over ``picked`` (indices into ``total``), the standardised first-stage score plus
    ``cfg.weight`` times the standardised second-tier similarity, shifted to stay above every score
    outside ``picked``; elsewhere ``total`` unchanged. Also returns the second-tier similarity per
    picked candidate (for the explanation).

    ``strong_cand`` holds the picked candidates' second-tier vectors (rows in ``picked`` order),
    ``strong_prof`` the profile rows' (unit vectors both).
    """
    out = total.astype(np.float32, copy=True)
    if len(picked) == 0 or len(strong_prof) == 0:
        return out, np.zeros(len(picked), np.float32)
    sim, _ = soft_max_sim(strong_cand @ strong_prof.T, cfg.temp)
    first = total[picked]
    fused = standardise(first) + cfg.weight * standardise(sim)
    rest = np.ones(len(total), bool)
    rest[picked] = False
    floor = float(total[rest].max()) if rest.any() else 0.0
    spread = float(first.max() - first.min()) or 1.0
    # map the fused values into (floor, floor + spread]: the re-ranked set keeps its place at the top
    lo, hi = float(fused.min()), float(fused.max())
    scaled = (fused - lo) / (hi - lo) if hi > lo else np.ones_like(fused)
    out[picked] = floor + 1e-3 * spread + scaled * spread
    return out, sim.astype(np.float32)
