"""Rendering a keyword ``Match`` as an SQLite FTS5 MATCH expression (the SQLite store's half of rank/query.py)."""

from __future__ import annotations

from paperfeed.rank.query import Match, terms_of


def _phrase(text: str) -> str:
    """An FTS5 string literal of the words in ``text`` (safe against FTS syntax)."""
    words = terms_of(text)
    return '"' + " ".join(words) + '"' if words else ""


def fts5_expression(m: Match) -> str:
    """FTS5 MATCH expression; empty when the match has nothing searchable."""
    required = [p for p in (_phrase(ph) for ph in m.phrases) if p]
    required += [f"authors : {p}" for p in (_phrase(a) for a in m.authors) if p]
    required += [f"categories : {p}" for p in (_phrase(c) for c in m.categories) if p]
    ors = [p for p in (_phrase(w) for w in m.words) if p]
    if ors:
        required.append("(" + (" AND " if m.all_words else " OR ").join(ors) + ")")
    if not required:
        return ""
    expr = " AND ".join(required)
    for ex in m.excluded:
        p = _phrase(ex)
        if p:
            expr = f"({expr}) NOT {p}"
    return expr
