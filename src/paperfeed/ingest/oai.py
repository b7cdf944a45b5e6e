"""OAI-PMH parser for arXiv's ``arXiv`` and ``arXivRaw`` metadata formats.

One record per ``<record>``; deleted records are skipped silently, records in
other metadata formats are ``Rejected``. OAI-PMH ``<error>`` responses raise
``InputError`` (except ``noRecordsMatch``, an empty result). ``resumption_token``
helps a harvesting client page through ListRecords.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from lxml import etree

from paperfeed.errors import InputError
from paperfeed.ingest.arxiv_atom import children, join_lines, local, parse_xml, text_of
from paperfeed.ingest.base import Record
from paperfeed.ingest.latex import latex_to_text
from paperfeed.models import Paper, Parsed, Rejected
from paperfeed.normalize import as_arxiv_id, clean_ws, iso_date

__all__ = ["OAI_NS", "parse", "parse_bytes", "resumption_token", "split_author_string"]

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
_SUFFIX = re.compile(r"^(?:Jr|Sr|II|III|IV)\.?$")


def resumption_token(xml_bytes: bytes | str, source: str = "<response>") -> str | None:
    """The ListRecords resumption token, or None when the list is complete."""
    data = xml_bytes.encode("utf-8") if isinstance(xml_bytes, str) else xml_bytes
    root = parse_xml(data, source, utf8=isinstance(xml_bytes, str))
    for el in root.iter():
        if local(el) == "resumptionToken":
            return text_of(el) or None
    return None


def parse(lines: Iterable[str], source: str) -> Iterator[Record]:
    """Parse an OAI-PMH response given as text lines."""
    return _records(parse_xml(join_lines(lines), source, utf8=True), source)


def parse_bytes(data: bytes, source: str) -> Iterator[Record]:
    """Parse an OAI-PMH response given as raw bytes (declared encoding honoured)."""
    return _records(parse_xml(data, source), source)


def _records(root: etree._Element, source: str) -> Iterator[Record]:
    """Records of a parsed OAI-PMH response, in document order."""
    if local(root) != "OAI-PMH":
        raise InputError(source, root.sourceline, f"not an OAI-PMH response (root <{local(root)}>)")
    for error in children(root, "error"):
        code = error.get("code") or "error"
        if code == "noRecordsMatch":
            return
        raise InputError(source, error.sourceline, f"OAI-PMH {code}: {text_of(error)}")
    for record in (el for el in root.iter() if local(el) == "record"):
        line = record.sourceline or 1
        header = children(record, "header")
        if header and header[0].get("status") == "deleted":
            continue
        meta = [c for m in children(record, "metadata") for c in m if local(c)]
        if not meta:
            yield Rejected(line, "record without metadata")
        elif local(meta[0]) == "arXiv":
            yield _checked(_from_arxiv(meta[0]), line)
        elif local(meta[0]) == "arXivRaw":
            yield _checked(_from_raw(meta[0]), line)
        else:
            yield Rejected(line, f"unsupported metadata format <{local(meta[0])}>")


def _checked(paper: Paper, line: int) -> Record:
    """Parsed, unless the paper has neither title nor id."""
    if not (paper.title or paper.arxiv_id or paper.doi):
        return Rejected(line, "record has no title, arXiv id or DOI")
    return Parsed(line, paper)


def _common(meta: etree._Element) -> dict[str, object]:
    """Fields spelled the same way in the arXiv and arXivRaw formats."""
    raw_id = text_of(meta, "id")
    return {
        "title": clean_ws(latex_to_text(text_of(meta, "title"))),
        "abstract": clean_ws(latex_to_text(text_of(meta, "abstract"))),
        "arxiv_id": (as_arxiv_id(raw_id) or raw_id) or None,
        "doi": text_of(meta, "doi") or None,
        "categories": tuple(dict.fromkeys(text_of(meta, "categories").split())),
        "comments": text_of(meta, "comments") or None,
        "journal_ref": text_of(meta, "journal-ref") or None,
    }


def _from_arxiv(meta: etree._Element) -> Paper:
    """Paper from metadataPrefix=arXiv (structured authors, created/updated dates)."""
    authors = []
    for groups in children(meta, "authors"):
        for author in children(groups, "author"):
            parts = (text_of(author, n) for n in ("forenames", "keyname", "suffix"))
            name = clean_ws(latex_to_text(" ".join(p for p in parts if p)))
            if name:
                authors.append(name)
    return Paper(
        authors=tuple(authors),
        date=iso_date(text_of(meta, "created")),
        updated=iso_date(text_of(meta, "updated")),
        **_common(meta),  # type: ignore[arg-type]
    )


def _version_number(el: etree._Element) -> int | None:
    """5 for ``<version version="v5">``."""
    m = re.fullmatch(r"v?(\d{1,4})", (el.get("version") or "").strip())
    return int(m.group(1)) if m else None


def _from_raw(meta: etree._Element) -> Paper:
    """Paper from metadataPrefix=arXivRaw (author string, per-version dates)."""
    versions = children(meta, "version")
    dates = [iso_date(text_of(v, "date")) for v in versions]
    numbers = [n for n in map(_version_number, versions) if n is not None]
    return Paper(
        authors=split_author_string(text_of(meta, "authors")),
        date=dates[0] if dates else None,
        updated=dates[-1] if dates else None,
        version=max(numbers) if numbers else (len(versions) or None),
        **_common(meta),  # type: ignore[arg-type]
    )


def _drop_parentheticals(text: str) -> str:
    """Remove (possibly nested) parenthesised affiliations and stray brackets."""
    previous = None
    while previous != text:
        previous, text = text, re.sub(r"\([^()]*\)", " ", text)
    return text.replace("(", " ").replace(")", " ")


def split_author_string(text: str) -> tuple[str, ...]:
    """Split "A. Smith, B. Jones and C. Lee (MIT)" into names, dropping affiliations."""
    names: list[str] = []
    for part in _drop_parentheticals(text).split(","):
        for piece in re.split(r"(?:^|\s+)and\s+", part.strip()):
            name = clean_ws(latex_to_text(piece))
            if names and _SUFFIX.match(name):
                names[-1] = f"{names[-1]} {name}"
            elif name and name.lower() not in ("et al.", "et al", "others"):
                names.append(name)
    return tuple(names)
