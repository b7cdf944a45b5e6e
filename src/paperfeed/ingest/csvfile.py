"""CSV/TSV parser: a header row, then one paper per row.

The delimiter (comma, tab or semicolon) is taken from the header line. Column
names are matched case-insensitively against synonyms (``summary`` for the
abstract, ``arxiv_id``/``eprint`` for the arXiv id, ...). Each record carries
the physical line its row starts on; rows with the wrong number of fields are
``Rejected``. A header without any title, arXiv id or DOI column raises
``InputError``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator

from paperfeed.errors import InputError
from paperfeed.ingest.base import Record
from paperfeed.ingest.latex import latex_to_text
from paperfeed.models import Paper, Parsed, Rejected
from paperfeed.normalize import arxiv_from_doi, arxiv_version, as_arxiv_id, clean_ws, find_arxiv_id, find_doi, iso_date

__all__ = ["COLUMNS", "parse", "sniff_delimiter", "split_authors"]

# Paper field -> accepted header names (normalised: lower case, single spaces), best first.
COLUMNS: dict[str, tuple[str, ...]] = {
    "title": ("title", "paper title", "article title", "document title"),
    "abstract": ("abstract", "summary", "abstract note", "description"),
    "authors": ("authors", "author", "author(s)", "creators", "author full names"),
    "arxiv_id": ("arxiv id", "arxivid", "arxiv", "eprint", "id"),
    "doi": ("doi",),
    "date": ("date", "published", "publication date", "created", "submitted", "year",
             "publication year", "pub date"),
    "updated": ("updated", "last updated", "modified"),
    "categories": ("categories", "category", "tags", "primary category"),
    "venue": ("venue", "journal", "publication title", "source title", "booktitle",
              "conference"),
    "url": ("url", "link", "abs url"),
    "comments": ("comments", "comment"),
    "journal_ref": ("journal ref", "journal reference"),
}
# Columns whose values are taken even when they do not look like an arXiv id.
_EXPLICIT_ARXIV = {"arxiv id", "arxivid", "arxiv"}
_DELIMITERS = (",", "\t", ";")


def _norm_header(name: str) -> str:
    """Header cell as matched against COLUMNS: lower case, '_'/'-' as spaces."""
    return " ".join(re.sub(r"[_\-]+", " ", name.strip().lstrip("\ufeff").lower()).split())


def sniff_delimiter(header: str, source: str = "") -> str:
    """The delimiter occurring most often outside quotes in ``header``."""
    counts = dict.fromkeys(_DELIMITERS, 0)
    quoted = False
    for ch in header:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(counts.values())
    if best == 0:
        return "\t" if source.lower().endswith(".tsv") else ","
    if source.lower().endswith(".tsv") and counts["\t"] == best:
        return "\t"
    return max(_DELIMITERS, key=lambda d: counts[d])


def _map_columns(header: list[str]) -> dict[str, int]:
    """Paper field -> column index, using the first matching synonym."""
    names = [_norm_header(h) for h in header]
    found: dict[str, int] = {}
    for field, synonyms in COLUMNS.items():
        for synonym in synonyms:
            if synonym in names:
                found[field] = names.index(synonym)
                break
    return found


def split_authors(value: str) -> tuple[str, ...]:
    """Split an authors cell on ';' (names kept as-is), else on ' and ' / ','."""
    value = clean_ws(latex_to_text(value)) if "\\" in value else clean_ws(value)
    if not value:
        return ()
    if ";" in value:
        parts = value.split(";")
    elif re.search(r"\s+and\s+", value) and all(
        p.count(",") == 1 for p in re.split(r"\s+and\s+", value)
    ):
        parts = re.split(r"\s+and\s+", value)  # "Doe, Jane and Roe, Rick"
    else:
        parts = re.split(r",\s*(?:and\s+)?|\s+and\s+|\s*&\s*", value)
        words = [p.strip() for p in parts if p.strip()]
        if len(words) % 2 == 0 and all(" " not in w for w in words):
            parts = [f"{a}, {b}" for a, b in zip(words[::2], words[1::2], strict=True)]
    names = (clean_ws(p) for p in parts)
    return tuple(n for n in names if n and n.lower() not in ("et al.", "et al", "others"))


def _cell(row: list[str], columns: dict[str, int], field: str) -> str:
    """Whitespace-collapsed cell for ``field``, or ''."""
    index = columns.get(field)
    return clean_ws(row[index]) if index is not None and index < len(row) else ""


def _arxiv(row: list[str], columns: dict[str, int], header: list[str], url: str) -> str | None:
    """arXiv id from its column (as found), or from an arxiv.org url."""
    raw = _cell(row, columns, "arxiv_id")
    if raw:
        found = as_arxiv_id(raw) or find_arxiv_id(raw)
        explicit = _norm_header(header[columns["arxiv_id"]]) in _EXPLICIT_ARXIV
        if found or explicit:
            return found or raw
    return find_arxiv_id(url) if url else None


def _paper(row: list[str], columns: dict[str, int], header: list[str]) -> Paper:
    """Build a Paper from one row."""
    url = _cell(row, columns, "url")
    raw_doi = _cell(row, columns, "doi")
    doi = (find_doi(raw_doi) or raw_doi) if raw_doi else None
    arxiv_id = _arxiv(row, columns, header, url) or arxiv_from_doi(doi)
    title = _cell(row, columns, "title")
    cats = re.split(r"[\s,;]+", _cell(row, columns, "categories"))
    return Paper(
        title=clean_ws(latex_to_text(title)) if "\\" in title else title,
        abstract=_cell(row, columns, "abstract"),
        authors=split_authors(row[columns["authors"]]) if "authors" in columns else (),
        arxiv_id=arxiv_id,
        doi=doi,
        categories=tuple(dict.fromkeys(c for c in cats if c)),
        date=iso_date(_cell(row, columns, "date")),
        updated=iso_date(_cell(row, columns, "updated")),
        venue=_cell(row, columns, "venue") or None,
        url=url or None,
        comments=_cell(row, columns, "comments") or None,
        journal_ref=_cell(row, columns, "journal_ref") or None,
        version=arxiv_version(arxiv_id),
    )


def _rows(lines: Iterable[str], delimiter: str) -> Iterator[tuple[int, list[str] | str]]:
    """(start line, fields) per non-blank row, or (line, error text) for unreadable rows."""
    reader = csv.reader((ln.rstrip("\r\n") + "\n" for ln in lines), delimiter=delimiter)
    done = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield done + 1, str(exc)
            done = reader.line_num
            continue
        start, done = done + 1, reader.line_num
        if row and any(cell.strip() for cell in row):
            yield start, row


def _check_row(row: list[str], width: int) -> str | None:
    """Why a row has the wrong shape, or None. Trailing empty extra cells are fine."""
    if len(row) > width and not any(c.strip() for c in row[width:]):
        return None
    if len(row) != width:
        return f"expected {width} fields, got {len(row)}"
    return None


def parse(lines: Iterable[str], source: str) -> Iterator[Record]:
    """Parse CSV/TSV text with a header row into one record per data row."""
    lines = list(lines)
    first = next((ln for ln in lines if ln.strip()), None)
    if first is None:
        return
    rows = _rows(lines, sniff_delimiter(first, source))
    first_row = next(rows, None)
    if first_row is None:
        return
    header_line, header = first_row
    if isinstance(header, str):
        raise InputError(source, header_line, f"unreadable CSV header: {header}")
    columns = _map_columns(header)
    if not {"title", "arxiv_id", "doi"} & columns.keys():
        names = ", ".join(repr(clean_ws(h)) for h in header)
        raise InputError(
            source, header_line, f"no title, arXiv id or DOI column; columns found: {names}"
        )
    for line, row in rows:
        if isinstance(row, str):
            yield Rejected(line, f"unreadable row: {row}")
            continue
        problem = _check_row(row, len(header))
        if problem:
            yield Rejected(line, problem)
            continue
        paper = _paper(row, columns, header)
        if not (paper.title or paper.arxiv_id or paper.doi):
            yield Rejected(line, "row has no title, arXiv id or DOI")
        else:
            yield Parsed(line, paper)
