"""Sentence-level similarity for "similar papers": split abstracts, compare sentence sets.

Two abstracts can share one facet (the same method, the same finding) while their whole-text
vectors differ. Scoring each query sentence by its best-matching candidate sentence and averaging
(a sentence-level max-sim, as in Aspire's multi-vector matching) rewards that. The title counts
as a sentence.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

VERSION = 1
"""Bumped whenever splitting changes, so sentence vectors cached under the old split are not reused."""
MAX_SENTENCES = 16
"""Sentences kept per paper (title included); the rest of a very long abstract joins the last one."""
MIN_CHARS = 25
"""A fragment shorter than this (a dangling "Code: URL.") joins its neighbour."""

_ABBREV = re.compile(r"(?:\b(?:e\.g|i\.e|et al|etc|cf|vs|Fig|Figs|Eq|Eqs|Sec|Tab|approx|resp|w\.r\.t|Dr|Mr|Ms|No)\.)$")
_BOILERPLATE = re.compile(
    r"https?\s*(?::|URL)|www\.|github\.com|\b(?:code|data|models?|demos?|datasets?)\b[^.]{0,60}\b(?:is|are) "
    r"(?:publicly |freely |now )?(?:available|released)|\bproject (?:page|website)",
    re.IGNORECASE,
)
"""Sentences that say where code or a project page lives: alike across unrelated papers."""
_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[\"'(\[]?[A-Z0-9])")


def split(title: str, abstract: str, keep_boilerplate: bool = False) -> list[str]:
    """The title, then the abstract's sentences (abbreviations and decimals do not end one).

    Unless ``keep_boilerplate``, sentences pointing at code, data or a project page are left out:
    every other paper has one, so they would match each other and say nothing about content."""
    out = [title.strip()] if title.strip() else []
    text = " ".join(abstract.split())
    start = 0
    pieces: list[str] = []
    for m in _BOUNDARY.finditer(text):
        piece = text[start : m.start()].strip()
        if not piece or _ABBREV.search(piece):
            continue
        pieces.append(piece)
        start = m.end()
    if text[start:].strip():
        pieces.append(text[start:].strip())
    merged: list[str] = []
    for p in pieces:
        if merged and (len(p) < MIN_CHARS or len(merged[-1]) < MIN_CHARS):
            merged[-1] = f"{merged[-1]} {p}"
        else:
            merged.append(p)
    if not keep_boilerplate:
        merged = [p for p in merged if not _BOILERPLATE.search(p)]
    room = MAX_SENTENCES - len(out)
    if len(merged) > room:
        merged = merged[: room - 1] + [" ".join(merged[room - 1 :])]
    return out + merged


def max_sim(query: np.ndarray, cand: np.ndarray) -> tuple[float, int, int]:
    """Mean over query sentences of the best cosine with a candidate sentence, plus the best pair.

    Both arguments are unit-length sentence vectors (rows). Returns (score, query row, candidate
    row) where the pair is the single most similar one; (0.0, -1, -1) if either side is empty.
    """
    if len(query) == 0 or len(cand) == 0:
        return 0.0, -1, -1
    sims = query @ cand.T
    best = sims.max(axis=1)
    qi = int(best.argmax())
    return float(best.mean()), qi, int(sims[qi].argmax())


def embed_split(texts: Sequence[tuple[str, str]], embed: Callable[[list[str]], np.ndarray],
                dim: int) -> list[np.ndarray]:
    """Each (title, abstract)'s sentence vectors (n x dim), all sentences embedded in one call."""
    parts = [split(title, abstract) for title, abstract in texts]
    flat = [x for ss in parts for x in ss]
    embedded = embed(flat) if flat else np.zeros((0, dim), np.float32)
    mats, at = [], 0
    for ss in parts:
        mats.append(embedded[at : at + len(ss)])
        at += len(ss)
    return mats
