"""Dedup matching for a batch of papers, independent of the store backend.

The store is asked only for candidates (by arXiv id, DOI, title key, author key) and for the
records it already holds; the plan it gets back says which papers to insert, which stored papers
to update, and the status of each record. Both backends apply the plan in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from paperfeed import normalize
from paperfeed.merge import close_titles, is_upload, merge, provisional, same_paper_fuzzy, same_people, supersede
from paperfeed.models import Paper
from paperfeed.store.rows import PaperRow, paper_row

if TYPE_CHECKING:
    from paperfeed.store.base import PaperStore


@dataclass
class WritePlan:
    """What writing a batch changes: new rows (with preassigned ids), updated rows, and per-record status."""

    new: dict[int, tuple[Paper, PaperRow]] = field(default_factory=dict)
    changed: dict[int, Paper] = field(default_factory=dict)
    statuses: list[tuple[str, int]] = field(default_factory=list)
    sources: list[tuple[str, str, int, str]] = field(default_factory=list)
    """(source, record key, paper id, record hash) rows for the paper_sources table."""


def unchanged_records(store: PaperStore, source: str, idents: Sequence[tuple[str, str]]) -> dict[int, int]:
    """Positions of (record key, record hash) pairs already stored from ``source``, with row ids."""
    return seen_records(store, source, idents)[0]


def seen_records(store: PaperStore, source: str,
                 idents: Sequence[tuple[str, str]]) -> tuple[dict[int, int], dict[int, int]]:
    """Positions of the records stored from ``source`` as they are, and of those stored with another
    hash (the same record revised), each with its paper's row id."""
    seen = store.seen_records(source, [k for k, _ in idents])
    same: dict[int, int] = {}
    revised: dict[int, int] = {}
    for i, (k, h) in enumerate(idents):
        if k in seen:
            (same if seen[k][1] == h else revised)[i] = seen[k][0]
    return same, revised


def _still_that_paper(store: PaperStore, p: Paper, pid: int,
                      changed: dict[int, tuple[Paper, Paper]]) -> tuple[int | None, Paper | None]:
    """A revised record that no identifier or title matches any more (a BibTeX entry known by its citation
    key, its title rewritten) is still the paper it was stored under, if that paper has its people."""
    old = changed[pid][1] if pid in changed else store.papers_map([pid]).get(pid)
    return (pid, old) if old is not None and same_people(p, old) else (None, None)


def plan_writes(
    store: PaperStore, papers: Sequence[Paper], source: str, record_ids: Sequence[tuple[str, str]] | None = None,
    rows: Sequence[PaperRow] | None = None,
) -> WritePlan:
    """Match each paper to a stored or earlier-in-batch paper and merge; call inside the write transaction.

    ``record_ids`` are the raw records' (key, hash) (see normalize.record_identity); by default the
    normalised paper's. ``rows``, if given, are ``rows.paper_row`` of each paper as given with
    ``source`` among its sources; a paper inserted unmerged is stored with them. Statuses are added,
    updated or unchanged.
    """
    idents = list(record_ids) if record_ids is not None else [(p.key, normalize.content_hash(p)) for p in papers]
    known, revised = seen_records(store, source, idents)  # revised: a corrected title, say
    out: list[tuple[str, int] | None] = [None] * len(papers)
    for i, pid in known.items():
        out[i] = ("unchanged", pid)
    todo = [i for i in range(len(papers)) if i not in known]
    plan = WritePlan()
    if todo:
        _match_batch(store, [papers[i] for i in todo], source, todo, out,
                     [rows[i] for i in todo] if rows is not None else None, plan, revised)
        plan.sources = [(source, idents[s][0], out[s][1], idents[s][1]) for s in todo]  # type: ignore[index]
    plan.statuses = out  # type: ignore[assignment]
    return plan


def _match_batch(
    store: PaperStore, papers: list[Paper], source: str, slots: list[int], out: list[tuple[str, int] | None],
    rows: list[PaperRow] | None, plan: WritePlan, revised: dict[int, int] | None = None,
) -> None:
    given = papers
    papers = [p if source in p.sources else replace(p, sources=(*p.sources, source)) for p in papers]
    # rows computed ahead hold for a paper exactly as given (by identity: a merge makes a new one)
    ahead = {id(p): r for p, g, r in zip(papers, given, rows, strict=True) if p is g} if rows else {}
    fuzzy_possible = store.has_unidentified() or any(not p.arxiv_id for p in papers)
    upload = is_upload(source)
    cand = Candidates(fuzzy_possible)
    for stored_id, stored in store.papers_sharing_ids(
        {p.arxiv_id for p in papers if p.arxiv_id}, {p.doi for p in papers if p.doi},
        {normalize.title_key(p.title) for p in papers if p.title},
    ).items():
        cand.add(stored_id, stored)
    next_id = store.max_id() + 1
    new: dict[int, Paper] = {}
    changed: dict[int, tuple[Paper, Paper]] = {}  # row id -> (stored, merged)
    for p, slot in zip(papers, slots, strict=True):
        pid, old = cand.lookup(p)
        if pid is None and fuzzy_possible:
            pid, old = cand.fuzzy(p) or find_fuzzy(store, p) or (None, None)
            if pid is None and revised and slot in revised:
                pid, old = _still_that_paper(store, p, revised[slot], changed)
            if pid is not None and old is not None:
                cand.add(pid, old)
        if pid is None or old is None:
            new_id, next_id = next_id, next_id + 1
            new[new_id] = p
            cand.add(new_id, p)
            out[slot] = ("added", new_id)
            continue
        if upload and pid not in new:  # a user's upload links to a stored paper, never rewrites it
            out[slot] = ("unchanged", pid)
            continue
        stored = changed[pid][0] if pid in changed else old
        base = new.get(pid) or changed.get(pid, (old, old))[1]
        # a trusted record replaces a provisional one (an earlier upload) instead of merging into it, and
        # so does a revision of the record a paper was known by alone: an edit there is a correction
        sole = (revised or {}).get(slot) == pid and set(stored.sources) <= {source}
        combine = supersede if pid not in new and not upload and (provisional(base) or sole) else merge
        merged = cand.keep_ids_unique(pid, combine(base, p))
        cand.add(pid, merged)
        if pid in new:
            new[pid] = merged
            out[slot] = ("unchanged", pid)
        elif merged == stored:
            out[slot] = ("unchanged", pid)
        else:
            changed[pid] = (stored, merged)
            out[slot] = ("updated", pid)
    plan.new = {pid: (p, ahead.get(id(p)) or paper_row(p)) for pid, p in new.items()}
    plan.changed = {pid: merged for pid, (_, merged) in changed.items()}


def find_fuzzy(store: PaperStore, p: Paper) -> tuple[int, Paper] | None:
    """A stored paper with a near-identical title and a shared author (no conflicting ids)."""
    keys = sorted(k for k in {normalize.author_key(a) for a in p.authors} if k)
    if not keys or not p.title:
        return None
    tk = normalize.title_key(p.title)
    rows = store.title_keys_by_author(keys, without_arxiv=bool(p.arxiv_id))
    close = [rows[i][0] for i in close_titles(tk, [k for _, k in rows])]
    for pid, old in store.papers_map(close).items():
        if same_paper_fuzzy(old, p):
            return pid, old
    return None


class Candidates:
    """Papers a batch may merge into, indexed by arXiv id, DOI and title key."""

    def __init__(self, index_authors: bool = True) -> None:
        self.index_authors = index_authors  # only needed when fuzzy matching is possible
        self.by_arxiv: dict[str, int] = {}
        self.by_doi: dict[str, int] = {}
        self.by_title: dict[str, list[int]] = {}
        self.by_author: dict[str, list[int]] = {}
        self.papers: dict[int, Paper] = {}
        self.title_keys: dict[int, str] = {}

    def add(self, pid: int, p: Paper) -> None:
        """Remember (or refresh) a candidate paper."""
        self.papers[pid] = p
        if p.arxiv_id:
            self.by_arxiv[p.arxiv_id] = pid
        if p.doi:
            self.by_doi[p.doi] = pid
        tk = self.title_keys[pid] = normalize.title_key(p.title)
        if tk and pid not in self.by_title.setdefault(tk, []):
            self.by_title[tk].append(pid)
        for key in {normalize.author_key(a) for a in p.authors} if self.index_authors else ():
            if pid not in self.by_author.setdefault(key, []):
                self.by_author[key].append(pid)

    def fuzzy(self, p: Paper) -> tuple[int, Paper] | None:
        """An earlier paper of this batch that is the same paper by fuzzy title and shared author."""
        pids = list(dict.fromkeys(pid for key in sorted({normalize.author_key(a) for a in p.authors})
                                  for pid in self.by_author.get(key, ())))
        for i in close_titles(normalize.title_key(p.title), [self.title_keys[pid] for pid in pids]):
            if same_paper_fuzzy(self.papers[pids[i]], p):
                return pids[i], self.papers[pids[i]]
        return None

    def keep_ids_unique(self, pid: int, merged: Paper) -> Paper:
        """Drop an arXiv id or DOI that already belongs to another paper (no two papers share one)."""
        if merged.doi and self.by_doi.get(merged.doi, pid) != pid:
            merged = replace(merged, doi=self.papers[pid].doi if self.papers[pid].doi != merged.doi else None)
        if merged.arxiv_id and self.by_arxiv.get(merged.arxiv_id, pid) != pid:
            merged = replace(merged, arxiv_id=None)
        return merged

    def lookup(self, p: Paper) -> tuple[int | None, Paper | None]:
        """The candidate with the same arXiv id, else DOI, else title (without conflicting ids)."""
        for table, val in ((self.by_arxiv, p.arxiv_id), (self.by_doi, p.doi)):
            if val and val in table:
                return table[val], self.papers[table[val]]
        for pid in self.by_title.get(normalize.title_key(p.title), ()) if p.title else ():
            if not _conflicting_ids(self.papers[pid], p):
                return pid, self.papers[pid]
        return None, None


def _conflicting_ids(a: Paper, b: Paper) -> bool:
    return bool((a.arxiv_id and b.arxiv_id and a.arxiv_id != b.arxiv_id) or (a.doi and b.doi and a.doi != b.doi))
