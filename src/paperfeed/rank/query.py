"""Search query syntax: free words, "phrases", au:"Name", cat:cs.LG, -excluded, since:/until:.

Turned into an FTS5 MATCH expression (free words OR-ed and ranked by BM25; phrases, authors
and categories required; excluded terms removed) and into the plain text a dense model sees.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from paperfeed.dates import user_date
from paperfeed.errors import PaperfeedError

STOPWORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "in", "into", "is",
    "it", "its", "of", "on", "or", "that", "the", "their", "this", "to", "via", "with", "we", "our",
    "using", "based", "towards", "toward", "how", "what", "which", "why", "where",
})
_WORD = re.compile(r"\w+", re.UNICODE)
MAX_QUERY_CHARS = 400
"""Longest query accepted (the longest useful query is a pasted title, well under this)."""
MAX_QUERY_TERMS = 64
"""Most distinct words, phrases and field terms in one query; each adds work to every search."""
MODES = ("hybrid", "semantic", "keyword")
"""Search modes (rank/search.py), here so that the CLI can offer them without importing numpy."""


@dataclass
class Query:
    """A parsed search query."""

    raw: str
    words: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    since: str | None = None
    until: str | None = None

    @property
    def dense_text(self) -> str:
        """What the embedding model sees: the free words and phrases in order."""
        return " ".join(self.phrases + self.words).strip()

    @property
    def has_constraints(self) -> bool:
        """Whether the query restricts results beyond ranking."""
        return bool(self.authors or self.categories or self.excluded or self.phrases)

    @property
    def terms(self) -> list[str]:
        """Lower-case content words of the query (for explanations)."""
        out = [w.lower() for w in self.words if w.lower() not in STOPWORDS]
        for ph in self.phrases:
            out += [w.lower() for w in _WORD.findall(ph) if w.lower() not in STOPWORDS]
        return list(dict.fromkeys(out))


_TOKEN = re.compile(r'-?(?:[\w.-]+:)?"[^"]*"|\S+')


def _split(raw: str) -> list[str]:
    """Split on spaces, keeping "quoted phrases" (with an optional field: or - prefix) whole."""
    out = []
    for tok in _TOKEN.findall(raw):
        neg = tok.startswith("-") and len(tok) > 1
        body = tok[1:] if neg else tok
        field, sep, rest = body.partition(":") if '"' in body and not body.startswith('"') else ("", "", body)
        rest = rest.replace('"', " ").strip() if sep or rest.count('"') != 2 else rest[1:-1].strip()
        if not rest:
            continue
        out.append(("-" if neg else "") + (f"{field}:" if sep else "") + rest)
    return out


def _bounded_tokens(raw: str) -> list[str]:
    """The query's tokens, repeats merged (ignoring case); QueryTooLarge past the length cap."""
    n = len(raw.strip())
    if n > MAX_QUERY_CHARS:
        raise QueryTooLarge(f"query too long: {n} characters (at most {MAX_QUERY_CHARS})")
    return _first_of_each(_split(raw))


def _first_of_each(items: list[str]) -> list[str]:
    """Items without repeats that differ only in case, in order, each as first spelled."""
    seen: dict[str, str] = {}
    for it in items:
        seen.setdefault(it.lower(), it)
    return list(seen.values())


def _merged(q: Query) -> Query:
    """Repeated words merged (ignoring case); QueryTooLarge past the term cap."""
    q.words = _first_of_each(q.words)
    n = len(q.words) + len(q.phrases) + len(q.authors) + len(q.categories) + len(q.excluded)
    if n > MAX_QUERY_TERMS:
        raise QueryTooLarge(f"query has {n} different terms (at most {MAX_QUERY_TERMS})")
    return q


class QueryTooLarge(PaperfeedError):
    """A query over MAX_QUERY_CHARS characters or MAX_QUERY_TERMS distinct terms."""


def parse_query(raw: str) -> Query:
    """Parse the query syntax; raises QueryTooLarge for an oversized query and DateError for a
    since:/until: that is not a date (nothing else)."""
    q = Query(raw=raw)
    for tok in _bounded_tokens(raw):
        low = tok.lower()
        if low.startswith(("au:", "author:")) and len(tok.split(":", 1)[1]) > 0:
            q.authors.append(tok.split(":", 1)[1])
        elif low.startswith(("cat:", "category:")) and len(tok.split(":", 1)[1]) > 0:
            q.categories.append(tok.split(":", 1)[1])
        elif low.startswith(("since:", "until:")):
            setattr(q, low[:5], user_date(tok[6:], low[:6]) if tok[6:] else None)
        elif tok.startswith("-") and len(tok) > 1:
            q.excluded.append(tok[1:])
        elif " " in tok:
            q.phrases.append(tok)
        else:
            q.words.extend(_WORD.findall(tok))
    return _merged(q)


def _phrase(text: str) -> str:
    """An FTS5 string literal of the words in ``text`` (safe against FTS syntax)."""
    words = _WORD.findall(text)
    return '"' + " ".join(words) + '"' if words else ""


def content_free_words(q: Query) -> list[str]:
    """The query's free words without stop words (all of them if only stop words were given)."""
    return [w for w in q.words if w.lower() not in STOPWORDS] or q.words


def fts_expression(q: Query, free_words: bool = True, words: list[str] | None = None, join: str = "OR") -> str:
    """FTS5 MATCH expression; empty when the query has nothing searchable.

    Free words are OR-ed by default (``join="AND"`` requires all); ``words`` overrides which.
    """
    required = [p for p in (_phrase(ph) for ph in q.phrases) if p]
    required += [f"authors : {p}" for p in (_phrase(a) for a in q.authors) if p]
    required += [f"categories : {p}" for p in (_phrase(c) for c in q.categories) if p]
    if free_words:
        chosen = words if words is not None else content_free_words(q)
        ors = [p for p in (_phrase(w) for w in chosen) if p]
        if ors:
            required.append("(" + f" {join} ".join(ors) + ")")
    if not required:
        return ""
    expr = " AND ".join(required)
    for ex in q.excluded:
        p = _phrase(ex)
        if p:
            expr = f"({expr}) NOT {p}"
    return expr


def constraint_expression(q: Query) -> str:
    """FTS5 expression of the required parts only (phrases, authors, categories); '' if none."""
    if not (q.phrases or q.authors or q.categories):
        return ""
    return fts_expression(Query(raw=q.raw, phrases=q.phrases, authors=q.authors, categories=q.categories))


def excluded_expression(q: Query) -> str:
    """FTS5 expression matching any excluded term; '' if none."""
    return " OR ".join(p for p in (_phrase(x) for x in q.excluded) if p)
