"""The feed's second tier (rank/rerank.py) in the author-continuity evaluation.

For each author, the headline ranker's top ``cfg.top`` candidates are re-ranked by a second model's
similarity to the author's profile papers, exactly as the product's feed does. Only those texts are
embedded with the (slow) second model: about ``authors x top`` abstracts per window, not the window.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from paperfeed.eval import authors
from paperfeed.eval.corpus import Doc
from paperfeed.rank.rerank import Rerank, fuse, top_indices

Embed = Callable[[list[str]], np.ndarray]


def rerank_ranker(f: authors.Features, base: authors.Ranker, embed: Embed, cfg: Rerank,
                  warm: Callable[[list[str]], None] | None = None) -> authors.Ranker:
    """``base`` re-ranked over its top ``cfg.top`` by ``embed``'s similarity to the profile.

    The base scores are computed once per author here; ``warm`` (if given) receives every text the
    second model will embed, once, so a cache can embed them in one batch with a progress bar."""
    task = f.task
    base_scores = [base(i) for i in range(len(task.authors))]
    picked = [top_indices(s, cfg.top) for s in base_scores]
    if warm is not None:
        warm([task.candidates[j].text for p in picked for j in p] + [d.text for prof in task.profiles for d in prof])

    def rank(i: int) -> np.ndarray:
        cand = embed([task.candidates[j].text for j in picked[i]])
        prof = embed([d.text for d in task.profiles[i]])
        return fuse(base_scores[i], picked[i], cand, prof, cfg)[0]

    return rank


def second_tier_row(cfg: Rerank) -> str:
    """The row name of the two-tier ranker."""
    return f"paperfeed + {cfg.model_id} re-rank (top {cfg.top}, weight {cfg.weight:g})"


def with_second_tier(factory: Callable[[authors.Features, list[Doc]], dict[str, authors.Ranker]], headline: str,
                     embed: Embed, cfg: Rerank, warm: Callable[[list[str]], None] | None = None):
    """A ranker factory (see eval/windows.run) adding the two-tier row after ``factory``'s rows."""

    def make(f: authors.Features, docs: list[Doc]) -> dict[str, authors.Ranker]:
        rankers = factory(f, docs)
        rankers[second_tier_row(cfg)] = rerank_ranker(f, rankers[headline], embed, cfg, warm)
        return rankers

    return make
