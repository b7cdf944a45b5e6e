"""Rendering a keyword ``Match`` as a PostgreSQL tsquery, and the weighted tsvector it is matched against.

The tsvector gives each field a weight (title A, abstract B, authors C, categories D), so a field
restriction is a weight label: ``au:"Jane Doe"`` becomes ``jane:C <-> doe:C``. Text is folded
(diacritics removed, as FTS5's remove_diacritics does; the ``unaccent`` extension is not everywhere):
queries here by ``fold``, papers by the server's ``paperfeed_fold`` (the same NFKD and combining-mark
ranges) in the generated column of pg_migrations step 11. Only word characters reach to_tsquery, so
no operator of its syntax can come from a query.
"""

from __future__ import annotations

import re
import unicodedata

from paperfeed.rank.query import Match, terms_of

CONFIG = "english"
"""Text-search configuration (Snowball English stemmer and stop words, like FTS5's porter tokenizer)."""
RANK_WEIGHTS = "{0.17, 0.33, 0.33, 1.0}"
"""ts_rank weights of D (categories), C (authors), B (abstract), A (title): FTS5's bm25 weights 0.5/1/1/3, scaled."""
RANK_SQL = f"ts_rank('{RANK_WEIGHTS}', tsv, q, 1)"
"""The score of a matching paper: ts_rank with field weights, divided by 1 + log(length) (normalisation 1)."""


_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")


def fold(text: str) -> str:
    """Text without diacritics (é -> e), lower-cased, final sigma as sigma: what the server's
    ``paperfeed_fold`` makes of a paper's text (pg_migrations step 11)."""
    if text.isascii():
        return text.lower()
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text)).lower().replace("ς", "σ")


def _phrase(text: str, weight: str = "") -> str:
    words = [w for w in terms_of(fold(text)) if w.strip("_")]
    label = f":{weight}" if weight else ""
    return "(" + " <-> ".join(f"{w}{label}" for w in words) + ")" if words else ""


def tsquery_text(m: Match) -> str:
    """to_tsquery input for a match; empty when nothing is searchable."""
    required = [p for p in (_phrase(ph) for ph in m.phrases) if p]
    required += [p for p in (_phrase(a, "C") for a in m.authors) if p]
    required += [p for p in (_phrase(c.replace(".", " "), "D") for c in m.categories) if p]
    ors = [p for p in (_phrase(w) for w in m.words) if p]
    if ors:
        required.append("(" + (" & " if m.all_words else " | ").join(ors) + ")")
    if not required:
        return ""
    expr = " & ".join(required)
    excluded = [p for p in (_phrase(x) for x in m.excluded) if p]
    if excluded:
        expr = f"({expr}) & !({' | '.join(excluded)})"
    return expr
