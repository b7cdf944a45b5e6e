"""arXiv API (export.arxiv.org/api/query) Atom feed parser.

One ``Parsed`` per ``<entry>``, located at the entry's line. The feed is parsed
with lxml without entity resolution or network access. Malformed XML and API
error entries raise ``InputError``. ``parse_xml`` is shared with the OAI parser.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from lxml import etree

from paperfeed.errors import InputError
from paperfeed.ingest.base import Record
from paperfeed.ingest.latex import latex_to_text
from paperfeed.models import Paper, Parsed, Rejected
from paperfeed.normalize import arxiv_version, as_arxiv_id, clean_ws, find_arxiv_id, find_doi, iso_date

__all__ = ["ATOM_NS", "ARXIV_NS", "parse", "parse_bytes", "parse_xml", "text_of", "total_results"]

ATOM_NS = "http://www.w3.org/2005/Atom"
ARXIV_NS = "http://arxiv.org/schemas/atom"
OPENSEARCH_NS = "http://a9.com/-/spec/opensearch/1.1/"


def parse_xml(data: bytes, source: str, *, utf8: bool = False) -> etree._Element:
    """Parse XML safely (no entities, DTDs or network); InputError with line on failure.

    ``utf8=True`` overrides the document's declared encoding (for re-encoded text).
    """
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        encoding="utf-8" if utf8 else None,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if isinstance(exc.lineno, int) and exc.lineno > 0 else None
        raise InputError(source, line, f"malformed XML: {exc.msg}") from None
    except (ValueError, LookupError) as exc:
        raise InputError(source, None, f"unreadable XML: {exc}") from None
    if root is None:
        raise InputError(source, None, "empty XML document")
    return root


def join_lines(lines: Iterable[str]) -> bytes:
    """Decoded text lines as UTF-8 bytes for parse_xml(..., utf8=True)."""
    return "".join(lines).encode("utf-8", errors="replace")


def local(el: etree._Element) -> str:
    """Element tag without its namespace ('' for comments and the like)."""
    tag = el.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def children(el: etree._Element, name: str) -> list[etree._Element]:
    """Direct children with local name ``name``, whatever their namespace."""
    return [c for c in el if local(c) == name]


def text_of(el: etree._Element | None, name: str | None = None) -> str:
    """Whitespace-collapsed text of ``el`` (or of its first child called ``name``)."""
    if el is not None and name is not None:
        found = children(el, name)
        el = found[0] if found else None
    if el is None:
        return ""
    return clean_ws("".join(t for t in el.itertext() if isinstance(t, str)))


def total_results(xml: bytes | str, source: str = "<response>") -> int | None:
    """``opensearch:totalResults`` of an arXiv API response, or None if absent."""
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    root = parse_xml(data, source, utf8=isinstance(xml, str))
    for el in root.iter(f"{{{OPENSEARCH_NS}}}totalResults"):
        value = text_of(el)
        return int(value) if value.isdigit() else None
    return None


def parse(lines: Iterable[str], source: str) -> Iterator[Record]:
    """Parse an arXiv API Atom feed given as text lines."""
    return _entries(parse_xml(join_lines(lines), source, utf8=True), source)


def parse_bytes(data: bytes, source: str) -> Iterator[Record]:
    """Parse an arXiv API Atom feed given as raw bytes (declared encoding honoured)."""
    return _entries(parse_xml(data, source), source)


def _entries(root: etree._Element, source: str) -> Iterator[Record]:
    """Records for every entry of a parsed feed."""
    if local(root) != "feed":
        raise InputError(source, root.sourceline, f"not an Atom feed (root element <{local(root)}>)")
    for entry in children(root, "entry"):
        line = entry.sourceline or 1
        raw_id = text_of(entry, "id")
        if "api/errors" in raw_id:
            message = text_of(entry, "summary") or raw_id
            raise InputError(source, line, f"arXiv API error: {message}")
        yield _entry(entry, raw_id, line)


def _links(entry: etree._Element) -> tuple[str | None, str | None]:
    """(abstract page URL, DOI link) from an entry's <link> elements."""
    page = doi = None
    for link in children(entry, "link"):
        href = link.get("href") or ""
        if link.get("title") == "doi":
            doi = find_doi(href)
        elif link.get("rel", "alternate") == "alternate" and page is None:
            page = href or None
    return page, doi


def _categories(entry: etree._Element) -> tuple[str, ...]:
    """Primary category first, then the other category terms, without repeats."""
    terms = [el.get("term") or "" for el in children(entry, "primary_category")]
    terms += [el.get("term") or "" for el in children(entry, "category")]
    return tuple(dict.fromkeys(t.strip() for t in terms if t.strip()))


def _entry(entry: etree._Element, raw_id: str, line: int) -> Record:
    """One <entry> as Parsed, or Rejected when it has neither title nor id."""
    arxiv_id = find_arxiv_id(raw_id) or as_arxiv_id(raw_id)
    title = clean_ws(latex_to_text(text_of(entry, "title")))
    if not (title or arxiv_id):
        return Rejected(line, "entry has no title and no arXiv id")
    page, link_doi = _links(entry)
    authors = (clean_ws(latex_to_text(text_of(a, "name"))) for a in children(entry, "author"))
    paper = Paper(
        title=title,
        abstract=clean_ws(latex_to_text(text_of(entry, "summary"))),
        authors=tuple(a for a in authors if a),
        arxiv_id=arxiv_id,
        doi=text_of(entry, "doi") or link_doi,
        categories=_categories(entry),
        date=iso_date(text_of(entry, "published")),
        updated=iso_date(text_of(entry, "updated")),
        url=page or (raw_id if raw_id.startswith("http") else None),
        comments=text_of(entry, "comment") or None,
        journal_ref=text_of(entry, "journal_ref") or None,
        version=arxiv_version(arxiv_id),
    )
    return Parsed(line, paper)
