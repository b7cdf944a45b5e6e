"""JSON Lines: arXiv's bulk metadata snapshot and paperfeed's own schema (shared/data, export)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from email.utils import parsedate_to_datetime

import orjson

from paperfeed.ingest.base import Record
from paperfeed.models import Paper, Parsed, Rejected


def _s(v: object) -> str | None:
    """A string field, or None for missing/empty/non-string values."""
    if v is None:
        return None
    if isinstance(v, str):
        return v or None
    if isinstance(v, int | float):
        return str(v)
    return None


def _rfc2822_date(s: str | None) -> str | None:
    """'Mon, 2 Apr 2007 19:18:42 GMT' -> '2007-04-02'."""
    if not s:
        return None
    try:
        return parsedate_to_datetime(s).date().isoformat()
    except (TypeError, ValueError, IndexError):
        return None


def _authors_bulk(obj: dict) -> tuple[str, ...]:
    """Authors from arXiv's authors_parsed ([last, first, suffix]) or the authors string."""
    from paperfeed.ingest.latex import latex_to_text

    parsed = obj.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        out = []
        for a in parsed:
            if isinstance(a, list) and a:
                parts = [latex_to_text(str(x)) for x in (a[1:2] + a[0:1] + a[2:3]) if x]
                out.append(" ".join(parts))
        return tuple(out)
    raw = obj.get("authors")
    if isinstance(raw, str):
        s = latex_to_text(raw).replace(" and ", ", ")
        return tuple(x.strip() for x in s.split(",") if x.strip())
    return ()


def _from_bulk(obj: dict) -> Paper:
    """A record of arXiv's metadata snapshot (categories space-separated, versions list)."""
    from paperfeed.ingest.latex import latex_to_text

    versions = obj.get("versions") or []
    first = versions[0].get("created") if versions and isinstance(versions[0], dict) else None
    cats = obj.get("categories")
    return Paper(
        title=latex_to_text(_s(obj.get("title")) or ""),
        abstract=_s(obj.get("abstract")) or "",
        authors=_authors_bulk(obj),
        arxiv_id=_s(obj.get("id")),
        doi=_s(obj.get("doi")),
        categories=tuple(cats.split()) if isinstance(cats, str) else (),
        date=_rfc2822_date(first),
        updated=_s(obj.get("update_date")),
        comments=_s(obj.get("comments")),
        journal_ref=_s(obj.get("journal-ref")),
        version=len(versions) or None,
    )


def _from_plain(obj: dict) -> Paper:
    """paperfeed's schema: id/arxiv_id, title, abstract, authors list, categories list, date."""
    authors = obj.get("authors") or ()
    if isinstance(authors, str):
        authors = [a.strip() for a in authors.split(";" if ";" in authors else ",")]
    cats = obj.get("categories") or ()
    if isinstance(cats, str):
        cats = cats.split()
    date = _s(obj.get("date")) or _s(obj.get("published")) or _s(obj.get("year"))
    version = obj.get("version")
    return Paper(
        title=_s(obj.get("title")) or "",
        abstract=_s(obj.get("abstract")) or _s(obj.get("summary")) or "",
        authors=tuple(str(a) for a in authors if a),
        arxiv_id=_s(obj.get("arxiv_id")) or _s(obj.get("id")),
        doi=_s(obj.get("doi")),
        categories=tuple(str(c) for c in cats if c),
        date=date,
        updated=_s(obj.get("updated")),
        venue=_s(obj.get("venue")),
        url=_s(obj.get("url")),
        comments=_s(obj.get("comments")),
        journal_ref=_s(obj.get("journal_ref")),
        version=version if isinstance(version, int) else None,
    )


def to_paper(obj: dict) -> Paper:
    """Pick the schema by its telltale fields."""
    if "authors_parsed" in obj or "versions" in obj or "journal-ref" in obj:
        return _from_bulk(obj)
    return _from_plain(obj)


def parse(lines: Iterable[str], source: str) -> Iterator[Record]:
    """One JSON object per line; blank lines are skipped, bad lines rejected."""
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError as e:
            yield Rejected(n, f"invalid JSON: {e.args[0].split(':')[0]}")
            continue
        if not isinstance(obj, dict):
            yield Rejected(n, "expected a JSON object")
            continue
        try:
            paper = to_paper(obj)
        except (TypeError, KeyError, AttributeError, ValueError, IndexError) as e:
            yield Rejected(n, f"malformed record ({type(e).__name__}: {e})")
            continue
        if not (paper.title or paper.arxiv_id or paper.doi):
            yield Rejected(n, "record has no title, arXiv id or DOI")
            continue
        yield Parsed(n, paper)


def parse_array(lines: Iterable[str], source: str) -> Iterator[Record]:
    """A JSON array of paper objects (as some tools export)."""
    from paperfeed.errors import InputError

    text = "".join(lines)
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as e:
        raise InputError(source, None, f"invalid JSON: {e}") from None
    if not isinstance(data, list):
        raise InputError(source, 1, "expected a JSON array of paper objects")
    for i, obj in enumerate(data, 1):
        if not isinstance(obj, dict):
            yield Rejected(1, f"item {i}: expected a JSON object")
            continue
        try:
            paper = to_paper(obj)
        except (TypeError, KeyError, AttributeError, ValueError, IndexError) as e:
            yield Rejected(1, f"item {i}: malformed record ({type(e).__name__}: {e})")
            continue
        if not (paper.title or paper.arxiv_id or paper.doi):
            yield Rejected(1, f"item {i}: no title, arXiv id or DOI")
            continue
        yield Parsed(1, paper)
