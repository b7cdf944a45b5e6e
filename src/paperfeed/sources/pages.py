"""Pure readers for one fetched arXiv page: papers plus the paging facts a harvester needs.

Papers come from the ingest parsers (ingest/arxiv_atom.py, ingest/oai.py); this module only adds
what they leave out (OAI datestamps and error codes, the API's totalResults). No I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from paperfeed.ingest import arxiv_atom, oai
from paperfeed.ingest.arxiv_atom import children, local, parse_xml, text_of
from paperfeed.models import Paper, Parsed


@dataclass
class Page:
    """One response: its papers, rejected record count and paging facts."""

    papers: list[Paper] = field(default_factory=list)
    rejected: int = 0
    entries: int = 0  # records on the page, parsed or not (API paging counts these)
    total: int | None = None  # API: opensearch:totalResults
    token: str | None = None  # OAI-PMH: resumption token of the next page
    datestamps: list[str] = field(default_factory=list)  # OAI-PMH header datestamps
    error: str | None = None  # OAI-PMH error code other than noRecordsMatch
    error_text: str = ""


def _collect(page: Page, records) -> Page:
    for rec in records:
        if isinstance(rec, Parsed):
            page.papers.append(rec.paper)
        else:
            page.rejected += 1
    return page


def read_oai_page(body: bytes, source: str) -> Page:
    """An OAI-PMH ListRecords page; raises InputError when malformed."""
    root = parse_xml(body, source)
    page = Page()
    for err in children(root, "error") if local(root) == "OAI-PMH" else []:
        code = err.get("code") or "error"
        if code != "noRecordsMatch":
            page.error, page.error_text = code, text_of(err)
            return page
    _collect(page, oai.parse_bytes(body, source))
    for el in root.iter():
        name = local(el)
        if name == "datestamp":
            page.datestamps.append(text_of(el)[:10])
        elif name == "record":
            page.entries += 1
    page.token = oai.resumption_token(body, source)
    return page


def read_api_page(body: bytes, source: str) -> Page:
    """An export API Atom page; raises InputError when malformed or an API error entry."""
    page = _collect(Page(), arxiv_atom.parse_bytes(body, source))
    root = parse_xml(body, source)
    page.entries = len(children(root, "entry"))
    page.total = arxiv_atom.total_results(body, source)
    return page


def archive_set(category: str) -> str:
    """The OAI-PMH set holding an arXiv category: cs.LG -> cs, hep-th -> physics:hep-th."""
    archive = category.split(".", 1)[0]
    if archive in ("cs", "math", "stat", "eess", "econ", "q-bio", "q-fin"):
        return archive
    return f"physics:{archive}"


def wanted(paper: Paper, categories: list[str]) -> bool:
    """Whether a paper carries one of the categories (an archive such as 'cs' matches cs.*)."""
    if not categories:
        return True
    return any(cat in categories or cat.split(".", 1)[0] in categories for cat in paper.categories)
