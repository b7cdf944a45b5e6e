"""Incremental, resumable arXiv harvests and id lookups, written into the store page by page.

Each fetched page is parsed completely first, then its papers and the advanced cursor are written in
one transaction: an interrupted or failed run leaves every earlier page stored, nothing of the bad
page, and a cursor that makes the next run continue exactly there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from paperfeed import normalize
from paperfeed.dedup import unchanged_records
from paperfeed.errors import InputError
from paperfeed.models import Paper
from paperfeed.sources.arxiv import ArxivClient, FetchError
from paperfeed.sources.pages import Page, archive_set, read_api_page, read_oai_page, wanted
from paperfeed.store.base import Store

SOURCE_OAI = "arxiv-oai"
SOURCE_API = "arxiv-api"
ID_BATCH = 100
EMPTY_PAGE_RETRIES = 2


@dataclass
class FetchReport:
    """What a harvest did."""

    source: str
    pages: int = 0
    records: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0  # records outside the followed categories
    rejected: int = 0
    resumed: bool = False
    since: str | None = None
    last_datestamp: str | None = None
    notes: list[str] = field(default_factory=list)

    def add(self, counts: dict[str, int]) -> None:
        """Add one page's write counts."""
        for k in ("added", "updated", "unchanged"):
            setattr(self, k, getattr(self, k) + counts.get(k, 0))

    def as_dict(self) -> dict:
        """JSON shape."""
        return dict(self.__dict__)

    def summary(self) -> str:
        """One line."""
        resumed = " (resumed)" if self.resumed else ""
        return (f"{self.source}{resumed}: {self.pages} pages, {self.added} added, {self.updated} updated, "
                f"{self.unchanged} unchanged, {self.skipped} other categories; up to {self.last_datestamp}")


def write_page(store: Store, papers: Sequence[Paper], source: str) -> dict[str, int]:
    """Normalise and merge papers into the store (call inside a transaction); counts by status."""
    idents = [normalize.record_identity(p) for p in papers]
    known = unchanged_records(store, source, idents)
    normed = [p if i in known else normalize.normalize_paper(p) for i, p in enumerate(papers)]
    counts = {"added": 0, "updated": 0, "unchanged": 0}
    for status, _ in store.write_papers(normed, source, idents) if papers else ():
        counts[status] += 1
    return counts


def _default_since(days: int) -> str:
    return (datetime.now(UTC).date() - timedelta(days=days)).isoformat()


def _later(a: str | None, b: str | None) -> str | None:
    return max(filter(None, (a, b)), default=None)


# ---- OAI-PMH ---------------------------------------------------------------------------


def harvest_oai(
    store: Store, client: ArxivClient, categories: list[str], since: str | None = None, until: str | None = None,
    first_days: int = 3, progress: Callable[[FetchReport], None] | None = None,
) -> list[FetchReport]:
    """Harvest the OAI-PMH sets holding ``categories``, keeping papers in those categories."""
    sets = list(dict.fromkeys(archive_set(c) for c in categories)) or ["cs"]
    return [_harvest_set(store, client, s, categories, since, until, first_days, progress) for s in sets]


def _harvest_set(store: Store, client, set_spec, categories, since, until, first_days, progress) -> FetchReport:
    key = f"{SOURCE_OAI}:{set_spec}"
    cur = store.get_cursor(key) or {}
    token = cur.get("token") if cur.get("token") and since in (None, cur.get("from")) \
        and until == cur.get("until") else None
    start = cur["from"] if token else (since or cur.get("last_datestamp") or _default_since(first_days))
    report = FetchReport(source=key, resumed=bool(token), since=start, last_datestamp=cur.get("last_datestamp"))
    newest = cur.get("newest") if token else None
    restarted = False
    while True:
        label = f"arXiv OAI-PMH {set_spec} page {report.pages + 1}" + (" (resumption token)" if token else "")
        body = client.oai_list_records(token=token, set_spec=set_spec, from_=start, until=until)
        page = read_oai_page(body, label)
        if page.error == "badResumptionToken" and token and not restarted:
            report.notes.append("resumption token expired; restarted the harvest from " + start)
            token, newest, restarted = None, None, True
            continue
        if page.error:
            raise FetchError(f"{label}: OAI-PMH {page.error}: {page.error_text}")
        keep = [p for p in page.papers if wanted(p, categories)]
        newest = _later(newest, max(page.datestamps, default=None))
        with store.transaction():
            report.add(write_page(store, keep, SOURCE_OAI))
            store.set_cursor(key, _oai_cursor(cur, page.token, start, until, newest))
        report.pages += 1
        report.records += page.entries
        report.skipped += len(page.papers) - len(keep)
        report.rejected += page.rejected
        if progress:
            progress(report)
        if not page.token:
            report.last_datestamp = _later(cur.get("last_datestamp"), newest)
            return report
        token = page.token


def _oai_cursor(cur: dict, token: str | None, start: str, until: str | None, newest: str | None) -> dict:
    """In mid-harvest: the token to continue with; at its end: the newest datestamp ever harvested."""
    last = cur.get("last_datestamp")
    if token:
        return {"token": token, "from": start, "until": until, "newest": newest, "last_datestamp": last}
    return {"token": None, "last_datestamp": _later(last, newest) or start}


# ---- export API ------------------------------------------------------------------------------


def api_query(categories: list[str], since: str, until: str | None) -> str:
    """search_query for papers in any category submitted from ``since`` to ``until`` (inclusive days)."""
    cats = " OR ".join(f"cat:{c}" if "." in c else f"cat:{c}.*" for c in categories)
    end = (until or datetime.now(UTC).date().isoformat()).replace("-", "")
    return f"({cats}) AND submittedDate:[{since.replace('-', '')}0000 TO {end}2359]"


def harvest_api(
    store: Store, client: ArxivClient, categories: list[str], since: str | None = None, until: str | None = None,
    first_days: int = 3, page_size: int = 100, progress: Callable[[FetchReport], None] | None = None,
) -> FetchReport:
    """Page through the export API, oldest submission first, resuming a stopped harvest."""
    if not categories:
        raise FetchError("no categories to fetch: pass --category or `paperfeed config set fetch.categories cs.LG`")
    key = f"{SOURCE_API}:" + "+".join(sorted(categories))
    cur = store.get_cursor(key) or {}
    resume = cur.get("query") and since in (None, cur.get("since")) and until == cur.get("until")
    begin = cur["since"] if resume else (since or cur.get("last_datestamp") or _default_since(first_days))
    query = cur["query"] if resume else api_query(categories, begin, until)
    start, newest = (cur["start"], cur.get("newest")) if resume else (0, None)
    report = FetchReport(source=key, resumed=bool(resume), since=begin, last_datestamp=cur.get("last_datestamp"))
    empty_tries = 0
    while True:
        label = f"arXiv API page at start={start}"
        page = read_api_page(client.api_query(query, start=start, max_results=page_size, sort_by="submittedDate",
                                              sort_order="ascending"), label)
        total = page.total or 0
        if page.entries == 0 and start < total:
            empty_tries += 1  # the API sometimes answers an empty page mid-list; asking again helps
            if empty_tries <= EMPTY_PAGE_RETRIES:
                continue
            raise FetchError(f"{label}: empty page before the end ({total} results); run again to resume")
        empty_tries = 0
        nxt = start + page.entries
        done = page.entries == 0 or nxt >= total
        newest = _later(newest, max((p.date or "" for p in page.papers), default=None) or None)
        with store.transaction():
            report.add(write_page(store, page.papers, SOURCE_API))
            store.set_cursor(key, {"last_datestamp": _later(cur.get("last_datestamp"), newest) or begin} if done
                             else {"query": query, "since": begin, "until": until, "start": nxt, "newest": newest,
                                   "last_datestamp": cur.get("last_datestamp")})
        report.pages += 1
        report.records += page.entries
        report.rejected += page.rejected
        if progress:
            progress(report)
        if done:
            report.last_datestamp = _later(cur.get("last_datestamp"), newest)
            return report
        start = nxt


# ---- enrich: look papers up by id ------------------------------------------------------------------


@dataclass
class EnrichReport:
    """What an enrich run did."""

    candidates: int = 0
    requests: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    not_found: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        """JSON shape."""
        return dict(self.__dict__)

    def summary(self) -> str:
        """One line."""
        return (f"enrich: {self.candidates} papers looked up in {self.requests} requests, {self.updated} "
                f"completed, {self.unchanged} unchanged, {len(self.not_found)} not found on arXiv")


def enrich(store: Store, client: ArxivClient, limit: int | None = None, batch: int = ID_BATCH,
           progress: Callable[[int], None] | None = None) -> EnrichReport:
    """Fill missing titles, authors and dates of papers with an arXiv id, ``batch`` ids per request."""
    todo = store.papers_to_enrich(limit)
    report = EnrichReport(candidates=len(todo))
    for i in range(0, len(todo), batch):
        ids = [aid for _, aid in todo[i : i + batch]]
        page = _id_page(client, ids)
        report.requests += 1
        found = {normalize.arxiv_id(p.arxiv_id)[0] for p in page.papers}
        report.not_found += [aid for aid in ids if aid not in found]
        with store.transaction():
            counts = write_page(store, page.papers, SOURCE_API)
        for k, v in counts.items():
            setattr(report, k, getattr(report, k) + v)
        if progress:
            progress(len(ids))
    return report


def _id_page(client: ArxivClient, ids: list[str]) -> Page:
    label = f"arXiv API id_list ({ids[0]}…, {len(ids)} ids)"
    try:
        return read_api_page(client.api_query(id_list=ids, max_results=len(ids)), label)
    except InputError as e:
        raise FetchError(str(e)) from None
