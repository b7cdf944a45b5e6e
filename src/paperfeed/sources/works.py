"""Fetch a researcher's works from the services they already keep: arXiv, ORCID, OpenAlex, Semantic
Scholar and DBLP.

Each service gets the polite client of ``fetch arxiv`` (sources/arxiv.py: one request at a time with a
minimum delay, retries with backoff on timeouts, 429 and 5xx, Retry-After honoured) with a User-Agent
that carries a contact address when ``fetch.contact`` is set. Pages are read by sources/works_pages.py.
Nothing is written here: the caller decides what to store.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

import httpx

from paperfeed import __version__, normalize
from paperfeed.errors import InputError, PaperfeedError
from paperfeed.models import Paper
from paperfeed.sources import works_pages
from paperfeed.sources.arxiv import ArxivClient, FetchError
from paperfeed.sources.pages import read_api_page

SERVICES = {  # option -> (service name, the service's own minimum delay between requests in seconds)
    "arxiv-author": ("arXiv", 3.0),  # base URLs: config fetch.api_url, fetch.orcid_url, ...
    "orcid": ("ORCID", 0.1),
    "openalex": ("OpenAlex", 0.1),
    "semantic-scholar": ("Semantic Scholar", 1.0),
    "dblp": ("dblp", 1.0),
}
MAX_WORKS = 2000  # a researcher's works beyond this are not fetched (the page says so)
S2_FIELDS = "title,abstract,authors,externalIds,year,publicationDate,venue,url"
_ORCID = re.compile(r"^(?:https?://(?:www\.)?orcid\.org/)?(\d{4}-\d{4}-\d{4}-\d{3}[\dX])/?$", re.I)
_OPENALEX = re.compile(r"^(?:https?://(?:api\.)?openalex\.org/(?:authors/)?)?(A\d+)/?$", re.I)
_S2 = re.compile(r"^(?:https?://(?:www\.)?semanticscholar\.org/author/(?:[^/]+/)?)?(\d+)/?$")
_DBLP_PID = re.compile(r"^[\w-]+/[\w-]+(?:\.(?:bib|xml|html))?$")


def user_agent(contact: str = "") -> str:
    """paperfeed's User-Agent; with a contact address, as the services' polite pools ask."""
    return f"paperfeed/{__version__} (local research-paper discovery" + (f"; mailto:{contact})" if contact else ")")


class WorksClient(ArxivClient):
    """The polite GET for one service, named in its errors; JSON is asked for where a service offers both."""

    def __init__(self, service: str, contact: str = "", *, timeout: float = 30.0, **kw) -> None:
        http = httpx.Client(timeout=httpx.Timeout(timeout), follow_redirects=True, headers={
            "User-Agent": user_agent(contact), "Accept": "application/json, application/xml;q=0.9, */*;q=0.5"})
        super().__init__(http=http, **kw)
        self._own = True  # the client above is this object's to close
        self.service, self.contact = service, contact
        self._resolved: set[str] = set()

    def error_text(self, resp: httpx.Response) -> str:
        """The message of a JSON error answer (ORCID, OpenAlex, Semantic Scholar), else the body's start."""
        try:
            data = resp.json()
        except ValueError:
            data = None
        if isinstance(data, dict):
            for field in ("user-message", "message", "error"):
                if isinstance(data.get(field), str) and data[field].strip():
                    return " ".join(data[field].split())[:200]
        return super().error_text(resp)

    def get(self, url: str, params: dict) -> bytes:
        """As ArxivClient.get, but an unresolvable host fails at once (offline) instead of being retried."""
        host = urlsplit(url).hostname or ""
        if host and host not in self._resolved:
            try:
                socket.getaddrinfo(host, None)
            except OSError:
                raise FetchError(f"{self.service}: cannot resolve {host} (offline?)") from None
            self._resolved.add(host)
        return super().get(url, params)


@dataclass
class Works:
    """A researcher's works as one service lists them (not yet stored)."""

    option: str
    ident: str
    service: str
    papers: list[Paper] = field(default_factory=list)
    requests: int = 0
    total: int | None = None
    person: str | None = None  # the name the service gives the person, where it gives one
    notes: list[str] = field(default_factory=list)


Progress = Callable[[Works], None]


def check_ident(option: str, value: str) -> str:
    """The canonical id a user gave for a service, or a one-line error naming the option."""
    v = value.strip()
    if option == "arxiv-author":
        if len(normalize.author_name(v).split()) < 2 or '"' in v:
            raise PaperfeedError(f'--arxiv-author: give a full name such as "Jane Doe", not {value!r}')
        return normalize.author_name(v)
    if option == "orcid":
        m = _ORCID.match(v)
        if not m or not _orcid_checksum_ok(m.group(1).upper()):
            raise PaperfeedError(f"--orcid: {value!r} is not an ORCID iD (0000-0002-1825-0097 or its orcid.org URL)")
        return m.group(1).upper()
    if option == "openalex":
        m = _OPENALEX.match(v)
        if not m:
            raise PaperfeedError(f"--openalex: {value!r} is not an OpenAlex author id (A5023888391 or its URL)")
        return m.group(1).upper()
    if option == "semantic-scholar":
        m = _S2.match(v)
        if not m:
            raise PaperfeedError(f"--semantic-scholar: {value!r} is not a Semantic Scholar author id "
                                 "(digits or its URL)")
        return m.group(1)
    if option == "dblp":
        parts = urlsplit(v)
        if parts.scheme in ("http", "https") and (parts.hostname or "").endswith("dblp.org"):
            return parts.path
        if _DBLP_PID.match(v) or (v.startswith(("/pid/", "/pers/")) and " " not in v):
            return v
        raise PaperfeedError(f"--dblp: {value!r} is not a dblp person id (12/3456) or dblp.org person page URL")
    raise PaperfeedError(f"unknown source {option!r}")


def _orcid_checksum_ok(orcid: str) -> bool:
    """ISO 7064 11,2 check digit of an ORCID iD."""
    digits = orcid.replace("-", "")
    total = 0
    for c in digits[:-1]:
        total = (total + int(c)) * 2
    check = (12 - total % 11) % 11
    return digits[-1] == ("X" if check == 10 else str(check))


def fetch_works(client: WorksClient, option: str, ident: str, base_url: str, progress: Progress | None = None,
                page_size: int = 100) -> Works:
    """All of a researcher's works from one service (up to MAX_WORKS), page by page."""
    works = Works(option, ident, client.service)
    if progress:
        progress(works)  # say what is being fetched before the first answer
    fetch = {"arxiv-author": _arxiv_author, "orcid": _orcid, "openalex": _openalex,
             "semantic-scholar": _semantic_scholar, "dblp": _dblp}[option]
    fetch(client, works, base_url.rstrip("/"), progress, page_size)
    works.requests = client.requests
    if works.total is not None and works.total > len(works.papers) and len(works.papers) >= MAX_WORKS:
        works.notes.append(f"{works.service} lists {works.total} works; only the first {MAX_WORKS} were fetched")
    return works


def _read(reader, body: bytes, label: str):
    try:
        return reader(body, label)
    except InputError as e:
        raise FetchError(f"{label}: {e.reason}") from None


def _page_done(works: Works, papers: list[Paper], progress: Progress | None) -> None:
    works.papers.extend(papers)
    if progress:
        progress(works)


def _arxiv_author(client, works: Works, base: str, progress, page_size: int) -> None:
    start = 0
    while len(works.papers) < MAX_WORKS:
        label = f"arXiv API author query {works.ident!r} at start={start}"
        # the name in ASCII: arXiv's search folds accents, and a plain query is safe in its syntax
        body = client.api_query(f'au:"{normalize.ascii_fold(works.ident)}"', start=start, max_results=page_size,
                                sort_by="submittedDate", sort_order="descending")
        page = _read(read_api_page, body, label)
        works.total = page.total
        _page_done(works, page.papers, progress)
        start += page.entries
        if page.entries == 0 or start >= (page.total or 0):
            return


def _orcid(client, works: Works, base: str, progress, page_size: int) -> None:
    label = f"ORCID works of {works.ident}"
    page = _read(works_pages.read_orcid, client.get(f"{base}/{works.ident}/works", {}), label)
    works.total = page.total
    _page_done(works, page.papers[:MAX_WORKS], progress)


def _openalex(client, works: Works, base: str, progress, page_size: int) -> None:
    cursor: str | None = "*"
    params = {"filter": f"author.id:{works.ident}", "per-page": min(page_size, 200)}
    if client.contact:
        params["mailto"] = client.contact
    while cursor and len(works.papers) < MAX_WORKS:
        label = f"OpenAlex works of {works.ident}"
        page = _read(works_pages.read_openalex, client.get(f"{base}/works", {**params, "cursor": cursor}), label)
        works.total = page.total
        _page_done(works, page.papers, progress)
        cursor = page.next if page.papers else None


def _semantic_scholar(client, works: Works, base: str, progress, page_size: int) -> None:
    offset: str | None = "0"
    while offset is not None and len(works.papers) < MAX_WORKS:
        label = f"Semantic Scholar papers of author {works.ident} at offset {offset}"
        body = client.get(f"{base}/author/{quote(works.ident)}/papers",
                          {"fields": S2_FIELDS, "offset": offset, "limit": min(page_size, 1000)})
        page = _read(works_pages.read_semantic_scholar, body, label)
        _page_done(works, page.papers, progress)
        offset = page.next if page.papers else None


def _dblp(client, works: Works, base: str, progress, page_size: int) -> None:
    path = works.ident if works.ident.startswith("/") else f"/pid/{works.ident}"
    if path.endswith(".bib"):
        from paperfeed.ingest import bibtex
        from paperfeed.models import Parsed

        label = f"dblp BibTeX {path}"
        text = client.get(base + path, {}).decode("utf-8", "replace")
        try:
            papers = [r.paper for r in bibtex.parse(text.splitlines(keepends=True), label) if isinstance(r, Parsed)]
        except InputError as e:
            raise FetchError(f"{label}: {e.reason}") from None
        works.total = len(papers)
        _page_done(works, [_dblp_bib_paper(p) for p in papers][:MAX_WORKS], progress)
        return
    path = re.sub(r"\.(html|xml)$", "", path) + ".xml"
    page = _read(works_pages.read_dblp, client.get(base + path, {}), f"dblp person page {path}")
    works.total, works.person = page.total, page.name
    _page_done(works, page.papers[:MAX_WORKS], progress)


def _dblp_bib_paper(p: Paper) -> Paper:
    """dblp's BibTeX writes homonym numbers into author names ('Jane Doe 0002'): drop them."""
    from dataclasses import replace

    return replace(p, authors=tuple(works_pages.dblp_name(a) for a in p.authors), sources=("dblp",))
