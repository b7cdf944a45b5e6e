"""BibTeX parser for Zotero, Google Scholar, DBLP and arXiv exports (bibtexparser v1).

Each entry becomes a ``Parsed`` record located at the line of its ``@type{key``.
Entries bibtexparser could not read become ``Rejected``; so do entries without
title, arXiv id and DOI. Text with no ``@`` entries at all raises ``InputError``.
"""

from __future__ import annotations

import logging
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping

from bibtexparser.bibdatabase import BibDatabase, BibDataString, BibDataStringExpression
from bibtexparser.bparser import BibTexParser

from paperfeed.errors import InputError
from paperfeed.ingest.base import Record
from paperfeed.ingest.latex import latex_to_text
from paperfeed.models import Paper, Parsed, Rejected
from paperfeed.normalize import (
    arxiv_from_doi,
    arxiv_version,
    as_arxiv_id,
    clean_ws,
    find_arxiv_id,
    find_doi,
    iso_date,
    month_number,
)

__all__ = ["entry_blocks", "parse", "split_authors"]

# bibtexparser logs every skipped block; keep that off stderr unless the app asks.
logging.getLogger("bibtexparser").addHandler(logging.NullHandler())

_ENTRY_START = re.compile(r"(?m)^[ \t]*@[ \t]*([A-Za-z][\w-]*)[ \t]*[{(]")
_SPECIAL = re.compile(r"@\s*(?:string|comment|preamble)\s*[{(]", re.IGNORECASE)
_NON_ENTRIES = {"comment", "string", "preamble"}
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
_CATEGORY = re.compile(
    r"^(?:cs|math|stat|physics|q-bio|q-fin|eess|econ|astro-ph|cond-mat|gr-qc|hep-ex|"
    r"hep-lat|hep-ph|hep-th|math-ph|nlin|nucl-ex|nucl-th|quant-ph)(?:\.[A-Za-z-]+)?$"
)
_ARXIV_VENUE = re.compile(r"^(?:arxiv\b.*|corr|arxiv preprint.*|.*\barxiv:\s*\S+.*)$", re.IGNORECASE)


class _Lines:
    """Maps character offsets of a text to 1-based line numbers."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def __call__(self, offset: int) -> int:
        return bisect_right(self.starts, offset)


def parse(lines: Iterable[str], source: str) -> Iterator[Record]:
    """Parse BibTeX text into one record per entry, in file order."""
    text = "".join(lines)
    db = _load(text, source)
    line_of = _Lines(text)
    starts = [
        m.start() for m in _ENTRY_START.finditer(text) if m.group(1).lower() not in _NON_ENTRIES
    ]
    if not db.entries and not starts:
        _check_not_junk(text, source, line_of)
        return
    records: list[Record] = []
    found: set[int] = set()
    # BibTeX compares citation keys without case; a key used twice in a file identifies neither entry
    uses = Counter(str(e.get("ID", "")).strip().casefold() for e in db.entries)
    pos, line = 0, 1
    for entry in db.entries:
        at = _find_entry(text, entry, pos)
        if at >= 0:
            found.add(at)
            pos, line = at + 1, line_of(at)
        cite = str(entry.get("ID", "")).strip()
        key = CITE_KEY + cite if cite and uses[cite.casefold()] == 1 else None
        records.append(_record(entry, line, db.strings, key))
    for at in starts:
        at = text.index("@", at)
        if at not in found:
            snippet = clean_ws(text[at : at + 60].split("\n", 1)[0])
            records.append(Rejected(line_of(at), f"unreadable BibTeX entry: {snippet}"))
    records.sort(key=lambda r: r.line)
    yield from records


def entry_blocks(text: str) -> tuple[str, list[tuple[int, int, int]]]:
    """The text of the file's @string and @preamble blocks (the context every entry is read in), and
    (line, start, end) of each entry: from its ``@`` to the next block. Re-ingest hashes these to
    recognise unchanged entries without parsing them."""
    marks = [(m.start() + m.group(0).index("@"), m.group(1).lower()) for m in _ENTRY_START.finditer(text)]
    line_of = _Lines(text)
    context, blocks = [], []
    for (at, kind), (end, _) in zip(marks, [*marks[1:], (len(text), "")], strict=True):
        if kind in ("string", "preamble"):
            context.append(text[at:end].strip())
        elif kind != "comment":
            blocks.append((line_of(at), at, end))
    return "\n".join(context), blocks


def _load(text: str, source: str) -> BibDatabase:
    """Run bibtexparser with macros kept unexpanded (expanded later, leniently)."""
    parser = BibTexParser(
        common_strings=True,
        homogenize_fields=True,
        ignore_nonstandard_types=False,
        interpolate_strings=False,
    )
    try:
        return parser.parse(text, partial=True)
    except RecursionError:
        raise InputError(source, None, "BibTeX nested too deeply to read") from None
    except Exception as exc:  # noqa: BLE001 - third-party parser, any failure means unreadable
        raise InputError(source, None, f"cannot read BibTeX: {exc}") from None


def _check_not_junk(text: str, source: str, line_of: _Lines) -> None:
    """Raise InputError when entry-less text is not just BibTeX comments/strings."""
    if _SPECIAL.search(text):
        return
    for m in re.finditer(r"(?m)^[ \t]*([^%\s].*)$", text):
        raise InputError(source, line_of(m.start(1)), "no BibTeX entries found (not a BibTeX file?)")


def _find_entry(text: str, entry: Mapping[str, object], pos: int) -> int:
    """Offset of the ``@`` that starts ``entry``, searching from ``pos`` first."""
    pattern = re.compile(
        r"@\s*" + re.escape(str(entry.get("ENTRYTYPE", ""))) + r"\s*[{(]\s*"
        + re.escape(str(entry.get("ID", ""))) + r"\s*[,})]",
        re.IGNORECASE,
    )
    m = pattern.search(text, pos) or pattern.search(text)
    return m.start() if m else -1


def _expand(value: object, strings: Mapping[str, object], depth: int = 0) -> str:
    """Field value as text; undefined or cyclic @string macros stay as their names."""
    if isinstance(value, str):
        return value
    if isinstance(value, BibDataStringExpression):
        return "".join(_expand(part, strings, depth) for part in value.expr)
    if isinstance(value, BibDataString):
        if depth > 10 or value.name not in strings:
            return value.name
        return _expand(strings[value.name], strings, depth + 1)
    return str(value)


def split_authors(field: str) -> tuple[str, ...]:
    """Split a BibTeX author field on top-level ``and``; decode LaTeX in each name."""
    names: list[str] = []
    depth, start = 0, 0
    for i, ch in enumerate(field):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(0, depth - 1)
        elif depth == 0 and ch.isspace():
            m = _AND.match(field, i)
            if m and i >= start:
                names.append(field[start:i])
                start = m.end()
    names.append(field[start:])
    out = (clean_ws(latex_to_text(n)) for n in names)
    return tuple(n for n in out if n and n.lower() != "others")


def _text(fields: Mapping[str, str], *names: str) -> str:
    """First non-empty field among ``names``, LaTeX-decoded and whitespace-collapsed."""
    for name in names:
        value = clean_ws(latex_to_text(fields.get(name, "")))
        if value:
            return value
    return ""


def _date(fields: Mapping[str, str]) -> str | None:
    """ISO date from biblatex ``date`` or from year/month/day fields."""
    if fields.get("date"):
        found = iso_date(fields["date"])
        if found:
            return found
    year = re.search(r"\b(\d{4})\b", fields.get("year", ""))
    if not year:
        return None
    month = month_number(clean_ws(fields.get("month", "")).strip("{}"))
    if month is None:
        return year.group(1)
    day = re.fullmatch(r"\d{1,2}", clean_ws(fields.get("day", "")))
    return iso_date(f"{year.group(1)}-{month:02d}" + (f"-{day.group(0)}" if day else ""))


def _arxiv_id(fields: Mapping[str, str], doi: str | None) -> str | None:
    """arXiv id from eprint/arxivid fields, arXiv journal strings, URLs, DOIs or notes."""
    eprint = clean_ws(fields.get("eprint", ""))
    prefix = clean_ws(fields.get("archiveprefix", "") or fields.get("eprinttype", "")).lower()
    if eprint and (as_arxiv_id(eprint) or prefix == "arxiv"):
        return as_arxiv_id(eprint) or eprint.removeprefix("arXiv:")
    for name in ("arxivid", "arxiv", "arxiv_id"):
        found = as_arxiv_id(fields.get(name, ""))
        if found:
            return found
    journal = clean_ws(fields.get("journal", ""))
    volume = clean_ws(fields.get("volume", ""))
    if journal.lower() == "corr" and volume.lower().startswith("abs/"):
        return as_arxiv_id(volume[4:])
    for name in ("journal", "url", "note", "number", "howpublished", "pages"):
        found = find_arxiv_id(fields.get(name, ""))
        if found:
            return found
    return arxiv_from_doi(doi)


def _doi(fields: Mapping[str, str]) -> str | None:
    """DOI from the doi field (bare or as a URL), else from a doi.org url."""
    raw = clean_ws(fields.get("doi", ""))
    if raw:
        return find_doi(raw) or raw
    url = fields.get("url", "")
    return find_doi(url) if "doi.org/" in url else None


def _categories(fields: Mapping[str, str]) -> tuple[str, ...]:
    """arXiv category codes from primaryClass and keywords; other keywords are ignored."""
    tokens = [clean_ws(fields.get("primaryclass", "")), clean_ws(fields.get("eprintclass", ""))]
    tokens += re.split(r"[,;]\s*", fields.get("keyword", ""))
    seen: dict[str, None] = {}
    for token in tokens:
        token = token.strip()
        if _CATEGORY.match(token):
            seen.setdefault(token, None)
    return tuple(seen)


def _comments(fields: Mapping[str, str]) -> str | None:
    """arXiv comments from a comment(s) field or a Zotero ``Comment:`` note."""
    value = _text(fields, "comments", "comment")
    if value:
        return value
    m = re.search(r"Comment:\s*(.+)", fields.get("note", ""), re.DOTALL)
    return clean_ws(latex_to_text(m.group(1))) if m else None


CITE_KEY = "bibtex:"
"""Prefix of a record key that is a citation key (see models.Parsed.key)."""


def _record(entry: Mapping[str, object], line: int, strings: Mapping[str, object], key: str | None = None) -> Record:
    """Turn one bibtexparser entry dict into Parsed or Rejected. ``key``, the entry's citation key as a
    record key, is kept only for an entry without arXiv id or DOI: those identify it across tools, while
    its title, the paper's key otherwise, changes whenever it is corrected in the reference manager."""
    fields = {
        k: _expand(v, strings) for k, v in entry.items() if k not in ("ENTRYTYPE", "ID")
    }
    doi = _doi(fields)
    arxiv_id = _arxiv_id(fields, doi)
    title = _text(fields, "title")
    if not (title or arxiv_id or doi):
        return Rejected(line, f"entry {entry.get('ID', '')!r} has no title, arXiv id or DOI")
    venue = _text(fields, "journal", "booktitle")
    paper = Paper(
        title=title,
        abstract=_text(fields, "abstract"),
        authors=split_authors(fields.get("author", "")),
        arxiv_id=arxiv_id,
        doi=doi,
        categories=_categories(fields),
        date=_date(fields),
        venue=None if not venue or _ARXIV_VENUE.match(venue) else venue,
        url=clean_ws(fields.get("url", "")) or None,
        comments=_comments(fields),
        version=arxiv_version(arxiv_id),
    )
    return Parsed(line, paper, None if arxiv_id or doi else key)
