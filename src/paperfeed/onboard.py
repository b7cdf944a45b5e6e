"""Which papers are a researcher's own: full-name author matching and works fetched from their services.

``plan_profile`` decides (reads only; remote works are fetched but not stored) so that a front end can
show the matches and the near misses before ``apply_plan`` writes them, each with its provenance.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from paperfeed import normalize
from paperfeed.dedup import unchanged_records
from paperfeed.models import Paper

if TYPE_CHECKING:
    from paperfeed.store.base import Store

ORIGINS = {
    "file": "from file", "key": "added by key", "author": "author match", "arxiv-author": "arXiv author query",
    "orcid": "ORCID", "openalex": "OpenAlex", "semantic-scholar": "Semantic Scholar", "dblp": "dblp",
}
STORE_SOURCE = {"arxiv-author": "arxiv-api"}  # the store's source name where it differs from the option


@dataclass
class AuthorMatch:
    """Papers whose author list names the person, and the ones that only nearly do."""

    name: str
    matched: list[Paper] = field(default_factory=list)
    near: list[tuple[Paper, str]] = field(default_factory=list)  # (paper, the name on it)
    others: Counter = field(default_factory=Counter)  # other people with the same initial and surname

    def as_dict(self) -> dict:
        """JSON shape."""
        return {
            "name": self.name, "matched": [_brief(p) for p in self.matched],
            "near_misses": [{**_brief(p), "name": n} for p, n in self.near],
            "others": dict(self.others.most_common(20)),
        }


@dataclass
class SourcePlan:
    """A researcher's works from one service, split as an author match would split them."""

    option: str
    ident: str
    service: str
    papers: list[Paper]  # normalised, not yet stored
    near: list[tuple[Paper, str]] = field(default_factory=list)
    requests: int = 0
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        """JSON shape."""
        return {"source": self.option, "id": self.ident, "service": self.service, "requests": self.requests,
                "works": [_brief(p) for p in self.papers],
                "near_misses": [{**_brief(p), "name": n} for p, n in self.near], "notes": self.notes}


@dataclass
class ProfilePlan:
    """What ``profile create`` would add from an author name and from the researcher's services."""

    author: AuthorMatch | None = None
    sources: list[SourcePlan] = field(default_factory=list)

    @property
    def count(self) -> int:
        """Papers the plan would add (before removing those already in the profile)."""
        return (len(self.author.matched) if self.author else 0) + sum(len(s.papers) for s in self.sources)

    def as_dict(self) -> dict:
        """JSON shape."""
        return {"author": self.author.as_dict() if self.author else None,
                "sources": [s.as_dict() for s in self.sources], "count": self.count}


def _brief(p: Paper) -> dict:
    return {"key": p.key, "title": p.label, "date": p.date, "authors": list(p.authors[:6])}


def classify(papers: Sequence[Paper], name: str) -> AuthorMatch:
    """Split papers into those by ``name`` (full given name), near misses, and others (see same_person)."""
    out = AuthorMatch(name)
    key = normalize.author_key(name)
    for p in papers:
        verdicts = {a: normalize.same_person(name, a) for a in p.authors if normalize.author_key(a) == key}
        if "match" in verdicts.values():
            out.matched.append(p)
        elif "near" in verdicts.values():
            out.near.append((p, next(a for a, v in verdicts.items() if v == "near")))
        else:
            out.others.update(set(verdicts))
    return out


def match_author(store: Store, name: str) -> AuthorMatch:
    """The library's papers by this person, by full normalised name."""
    name = normalize.author_name(name)
    ids = store.ids_by_author_key(normalize.author_key(name))
    return classify(store.papers_by_ids(sorted(ids)), name)


def source_plan(works) -> SourcePlan:
    """Works from a service as a plan; an arXiv author query keeps only papers that name the person."""
    papers = [normalize.normalize_paper(p) for p in works.papers]
    plan = SourcePlan(works.option, works.ident, works.service, papers, requests=works.requests,
                      notes=list(works.notes))
    if works.option == "arxiv-author":  # a search by name: other people of that name come back too
        m = classify(papers, works.ident)
        plan.papers, plan.near = m.matched, m.near
        left = len(papers) - len(m.matched) - len(m.near)
        if left:
            plan.notes.append(f"{left} arXiv results by other authors left out")
    return plan


def write_works(store: Store, papers: Sequence[Paper], source: str) -> tuple[list[int], dict[str, int]]:
    """Store fetched papers (inside a transaction); their row ids and counts by status."""
    idents = [normalize.record_identity(p) for p in papers]
    known = unchanged_records(store, source, idents)
    counts = {"added": 0, "updated": 0, "unchanged": len(known)}
    ids = list(known.values())
    todo = [i for i in range(len(papers)) if i not in known]
    if todo:
        for status, pid in store.write_papers([normalize.normalize_paper(papers[i]) for i in todo], source,
                                              [idents[i] for i in todo]):
            counts[status] += 1
            ids.append(pid)
    return ids, counts


def apply_plan(store: Store, profile_id: int, plan: ProfilePlan) -> dict:
    """Write a plan's papers into the store and the profile (call inside a transaction)."""
    added, sources, fetched = 0, [], set()
    if plan.author:
        ids = [i for i in store.ids_for_keys([p.key for p in plan.author.matched]).values()]
        added += store.add_profile_papers(profile_id, ids, "author", plan.author.name)
    for s in plan.sources:
        ids, counts = write_works(store, s.papers, STORE_SOURCE.get(s.option, s.option))
        n = store.add_profile_papers(profile_id, ids, s.option, s.ident)
        added += n
        fetched.update(ids)
        sources.append({"source": s.option, "id": s.ident, "fetched": len(s.papers), "profile_added": n, **counts,
                        "near_misses": len(s.near), "notes": s.notes})
    bare = sum(1 for p in store.papers_map(sorted(fetched)).values() if not p.abstract and p.arxiv_id)
    notes = [f"{bare} of the fetched papers have no abstract yet: run `paperfeed enrich` to complete them "
             "from arXiv"] if bare else []
    return {"papers_added": added, "sources": sources, "notes": notes}


def origin_label(origin: str, detail: str) -> str:
    """'author match "Jane Doe"', 'from file my.bib', 'OpenAlex A123'; '' for papers added before this was kept."""
    if not origin:
        return ""
    what = ORIGINS.get(origin, origin)
    return f"{what} \u201c{detail}\u201d" if origin in ("author", "arxiv-author") else f"{what} {detail}".strip()


def origin_dict(origin: str, detail: str) -> dict:
    """The JSON shape of a profile paper's provenance (None where it was added before this was kept)."""
    return {"kind": origin or None, "detail": detail or None, "label": origin_label(origin, detail)}
