"""Merging two records of the same paper: keep the richest value of each field."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from rapidfuzz import fuzz, process

from paperfeed import normalize
from paperfeed.models import Paper

FUZZY_TITLE_MIN = 93.0
UPLOAD_PREFIX = "upload:"
"""Source names of listings users paste or upload on the web: untrusted, they never rewrite a paper."""


def is_upload(source: str) -> bool:
    """Whether records from this source came from a web user (not the operator's ingest or fetch)."""
    return source.startswith(UPLOAD_PREFIX)


def provisional(p: Paper) -> bool:
    """A stored paper known only from users' uploads: the first trusted record of it replaces its text."""
    return bool(p.sources) and all(is_upload(s) for s in p.sources)


def supersede(old: Paper, new: Paper) -> Paper:
    """``new``'s fields win (version included), gaps filled from ``old``: a trusted record over a
    provisional paper, or a revised record from the only source a paper has (dedup.plan_writes)."""
    fields = ("title", "abstract", "arxiv_id", "doi", "date", "updated", "venue", "url", "comments",
              "journal_ref")
    return replace(
        old, **{f: getattr(new, f) or getattr(old, f) for f in fields},
        authors=new.authors or old.authors, categories=new.categories or old.categories, version=new.version,
        sources=tuple(dict.fromkeys(old.sources + new.sources)),
    )


def _longer(a: str | None, b: str | None) -> str | None:
    """The longer of two optional strings, preferring the first on ties."""
    if not b:
        return a
    if not a:
        return b
    return b if len(b) > len(a) else a


def _earlier_date(a: str | None, b: str | None) -> str | None:
    """The more precise date; of two full dates the earlier (first appearance)."""
    if not a or not b:
        return a or b
    if len(a) != len(b):
        return a if len(a) > len(b) else b
    return min(a, b)


def merge(old: Paper, new: Paper) -> Paper:
    """Merge ``new`` into ``old``; a newer arXiv version's text wins, else the richest value."""
    newer = (new.version or 0) > (old.version or 0)
    older = new.version is not None and (old.version or 0) > new.version
    if older:
        # the stored record is a later version: its text stands, gaps are filled
        title, abstract = old.title or new.title, old.abstract or new.abstract
        authors = old.authors or new.authors
    elif newer:
        title = new.title or old.title
        abstract = new.abstract or old.abstract
        authors = new.authors or old.authors
    else:
        title = old.title or new.title
        abstract = _longer(old.abstract, new.abstract) or ""
        authors = new.authors if len(new.authors) > len(old.authors) else old.authors
    cats = tuple(dict.fromkeys(old.categories + new.categories))
    if newer and new.categories:
        cats = tuple(dict.fromkeys(new.categories + old.categories))
    updated = max(filter(None, (old.updated, new.updated)), default=None)
    return replace(
        old,
        title=title,
        abstract=abstract,
        authors=authors,
        arxiv_id=old.arxiv_id or new.arxiv_id,
        doi=old.doi or new.doi,
        categories=cats,
        date=_earlier_date(old.date, new.date),
        updated=updated,
        venue=_longer(old.venue, new.venue),
        url=old.url or new.url,
        comments=(new.comments or old.comments) if newer else (
            (old.comments or new.comments) if older else _longer(old.comments, new.comments)),
        journal_ref=_longer(old.journal_ref, new.journal_ref),
        version=max(filter(None, (old.version, new.version)), default=None),
        sources=tuple(dict.fromkeys(old.sources + new.sources)),
    )


_NUMBERS = re.compile(r"\b(?:\d+|[ivx]{1,4})\b")


def titles_close(ka: str, kb: str) -> bool:
    """Near-identical title keys that also agree on every number (Part I vs Part II differ)."""
    if not ka or not kb or fuzz.ratio(ka, kb) < FUZZY_TITLE_MIN:
        return False
    return _NUMBERS.findall(ka) == _NUMBERS.findall(kb)


def close_titles(key: str, keys: Sequence[str]) -> list[int]:
    """Indices of the ``keys`` that ``titles_close`` accepts against ``key``, the closest first.

    One C loop with a score cut-off over all of them: a batch or a library with thousands of papers
    by one author (a lab's bibliography) compares each new title to all of theirs."""
    if not key or not keys:
        return []
    found = process.extract(key, keys, scorer=fuzz.ratio, score_cutoff=FUZZY_TITLE_MIN, limit=None)
    numbers = _NUMBERS.findall(key)
    return [i for k, _, i in found if k and _NUMBERS.findall(k) == numbers]


def same_paper_fuzzy(a: Paper, b: Paper) -> bool:
    """Near-identical titles with at least one shared author, and no conflicting ids."""
    if a.arxiv_id and b.arxiv_id and a.arxiv_id != b.arxiv_id:
        return False
    if a.doi and b.doi and a.doi != b.doi:
        return False
    ka, kb = normalize.title_key(a.title), normalize.title_key(b.title)
    if not titles_close(ka, kb):
        return False
    return bool(_author_keys(a) & _author_keys(b))


def same_people(a: Paper, b: Paper) -> bool:
    """Whether two records can be one paper re-titled: at least half of their authors (by author key)
    shared, and the same year when both are dated. A citation key reused for another paper (the old
    entry deleted, "smith2020deep" generated again) fails this and becomes a paper of its own."""
    ka, kb = _author_keys(a), _author_keys(b)
    if not ka or not kb or 2 * len(ka & kb) < len(ka | kb):
        return False
    return not (a.date and b.date) or a.date[:4] == b.date[:4]


def _author_keys(p: Paper) -> set[str]:
    return {normalize.author_key(n) for n in p.authors}
