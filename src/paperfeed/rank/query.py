"""Search query syntax: free words, "phrases", au:"Name", cat:cs.LG, -excluded, since:/until:.

Turned into a backend-neutral ``Match`` (free words OR-ed and ranked; phrases, authors and categories
required; excluded terms removed) that the store renders, and into the plain text a dense model sees.
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


def content_free_words(q: Query) -> list[str]:
    """The query's free words without stop words (all of them if only stop words were given)."""
    return [w for w in q.words if w.lower() not in STOPWORDS] or q.words


@dataclass(frozen=True)
class Match:
    """A keyword search as the store receives it; each backend renders it (store/fts5.py, store/tsquery.py).

    A paper matches when it has every phrase (in any field), every author phrase (in the authors),
    every category phrase (in the categories), at least one of ``words`` (each a word or phrase, in
    any field; all of them with ``all_words``), and none of ``excluded``. Only the word characters
    of each part count, so no query syntax of a backend can leak in.
    """

    phrases: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    all_words: bool = False
    excluded: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        """Nothing searchable: no part with a word character (such a match selects nothing)."""
        return not any(_WORD.search(x) for x in (*self.phrases, *self.authors, *self.categories, *self.words))


def terms_of(text: str) -> list[str]:
    """The word-character runs of a part (what a backend turns into one phrase)."""
    return _WORD.findall(text)


def keyword_match(q: Query, free_words: bool = True, words: list[str] | None = None, all_words: bool = False) -> Match:
    """The match of a query: its constraints and its free words (content words by default; ``words``
    overrides which), any of them, or all with ``all_words``."""
    chosen = (words if words is not None else content_free_words(q)) if free_words else []
    return Match(tuple(q.phrases), tuple(q.authors), tuple(q.categories), tuple(chosen), all_words, tuple(q.excluded))


def constraint_match(q: Query) -> Match:
    """The required parts only (phrases, authors, categories); empty if none."""
    return Match(tuple(q.phrases), tuple(q.authors), tuple(q.categories))


def excluded_match(q: Query) -> Match:
    """Papers having any excluded term; empty if none."""
    return Match(words=tuple(q.excluded))


def any_word_match(words: list[str]) -> Match:
    """Papers having any of these words."""
    return Match(words=tuple(words))
