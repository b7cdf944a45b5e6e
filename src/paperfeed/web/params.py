"""Request parameters shared by each page and its JSON twin, and the one Library call each makes.

No ``from __future__ import annotations`` here: FastAPI reads these dataclasses' signatures at runtime.
"""

from collections import Counter
from dataclasses import dataclass
from typing import Annotated

from fastapi import Query

from paperfeed.dates import user_date
from paperfeed.library import Library
from paperfeed.models import Hit, Paper
from paperfeed.rank.query import MODES
from paperfeed.web.topicmap import MapRequest, TopicMaps, cluster_labels

MAX_RESULTS = 1000


def _date(value: str | None, name: str) -> str | None:
    return user_date(value, name)


def _text(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


@dataclass
class SearchParams:
    """GET /search and /api/search: the query syntax of `paperfeed search` plus form fields."""

    q: Annotated[str, Query(description='words, "phrase", au:"Jane Doe", cat:cs.LG, -excluded')] = ""
    mode: Annotated[str, Query(description="hybrid, semantic or keyword")] = "hybrid"
    since: Annotated[str | None, Query(description="papers dated on or after YYYY-MM-DD")] = None
    until: Annotated[str | None, Query(description="papers dated on or before YYYY-MM-DD")] = None
    category: Annotated[str | None, Query(description="arXiv category, e.g. cs.CL")] = None
    author: Annotated[str | None, Query(description='the same as au:"NAME" in q')] = None
    offset: Annotated[int, Query(ge=0, le=MAX_RESULTS)] = 0
    limit: Annotated[int, Query(ge=1, le=100)] = 20

    def __post_init__(self) -> None:
        self.q = self.q.strip()
        self.mode = self.mode if self.mode in MODES else "hybrid"
        self.category, self.author = _text(self.category), _text(self.author)

    @property
    def query(self) -> str:
        """The query text, with the author field as au:"NAME"."""
        author = f'au:"{self.author.replace(chr(34), "")}"' if self.author else ""
        return " ".join(x for x in (self.q, author) if x)

    def as_dict(self) -> dict:
        """The parameters, for paging links."""
        return {"q": self.q, "mode": "" if self.mode == "hybrid" else self.mode, "since": self.since or "",
                "until": self.until or "", "category": self.category or "", "author": self.author or "",
                "limit": "" if self.limit == 20 else self.limit, "offset": self.offset}


def run_search(lib: Library, p: SearchParams) -> tuple[list[Hit], bool]:
    """One page of results (Library.search) and whether there are more."""
    end = min(p.offset + p.limit, MAX_RESULTS)
    hits = lib.search(p.query, mode=p.mode, limit=end + 1, since=_date(p.since, "since"),
                      until=_date(p.until, "until"), category=p.category)
    return hits[p.offset : end], len(hits) > end and end < MAX_RESULTS


@dataclass
class FeedParams:
    """GET /profiles/{name}/feed and its twin."""

    since: Annotated[str | None, Query(description="papers dated on or after YYYY-MM-DD")] = None
    until: Annotated[str | None, Query(description="papers dated on or before YYYY-MM-DD")] = None
    category: Annotated[str | None, Query(description="arXiv category")] = None
    limit: Annotated[int, Query(ge=1, le=200)] = 20

    def __post_init__(self) -> None:
        self.category = _text(self.category)


def run_feed(lib: Library, name: str, p: FeedParams) -> list[Hit]:
    """The profile's ranked feed (Library.feed); delivered and seen papers are left out."""
    return lib.feed(name, since=_date(p.since, "since"), until=_date(p.until, "until"), category=p.category,
                    limit=p.limit)


def feed_status(lib: Library, name: str, p: FeedParams) -> dict:
    """The feed's window and how many of its papers are not embedded yet (Library.feed_status)."""
    since, until = lib.feed_window(_date(p.since, "since"), _date(p.until, "until"))
    return lib.feed_status(name, since, until, p.category)


@dataclass
class RecentParams:
    """GET /recent and /api/recent: the newest papers."""

    category: Annotated[str | None, Query(description="arXiv category")] = None
    since: Annotated[str | None, Query(description="papers dated on or after YYYY-MM-DD")] = None
    until: Annotated[str | None, Query(description="papers dated on or before YYYY-MM-DD")] = None
    offset: Annotated[int, Query(ge=0)] = 0
    limit: Annotated[int, Query(ge=1, le=500)] = 100

    def __post_init__(self) -> None:
        self.category = _text(self.category)


def run_recent(lib: Library, p: RecentParams) -> list[Paper]:
    """Newest papers first (Library.recent)."""
    return lib.recent(limit=p.limit, offset=p.offset, since=_date(p.since, "since"),
                      until=_date(p.until, "until"), category=p.category)


def by_day(papers: list[Paper]) -> list[tuple[str, list[Paper]]]:
    """Papers grouped by date, in the order given."""
    groups: dict[str, list[Paper]] = {}
    for p in papers:
        groups.setdefault(p.date or "undated", []).append(p)
    return list(groups.items())


@dataclass
class MapParams:
    """GET /map and /api/map."""

    days: Annotated[int | None, Query(ge=1, le=36500, description="the last N days (from the newest paper)")] = None
    category: Annotated[str | None, Query(description="arXiv category")] = None
    limit: Annotated[int, Query(ge=10, le=50_000, description="at most this many points (a sample)")] = 5000
    profile: Annotated[str | None, Query(description="highlight this profile's papers")] = None

    def __post_init__(self) -> None:
        self.category, self.profile = _text(self.category), _text(self.profile)


PALETTE_SIZE = 12


def run_map(lib: Library, maps: TopicMaps, p: MapParams) -> dict:
    """The topic map as JSON: coordinates, labels, category per point, the profile's points."""
    import time

    start = time.perf_counter()
    extra = set(lib.profile_paper_ids(p.profile)) if p.profile else set()
    ids, coords = maps.points(MapRequest(days=p.days, category=p.category, limit=p.limit), extra)
    papers = lib.papers_map(ids.tolist())
    keep = [j for j, i in enumerate(ids.tolist()) if i in papers]
    ids, coords = ids[keep], coords[keep]
    rows = [papers[i] for i in ids.tolist()]
    primary = [p_.categories[0] if p_.categories else "none" for p_ in rows]
    top = [c for c, _ in Counter(primary).most_common(PALETTE_SIZE)]
    index = {c: n for n, c in enumerate(top)}
    return {
        "count": len(rows), "categories": [*top, "other"],
        "x": [round(float(v), 4) for v in coords[:, 0]], "y": [round(float(v), 4) for v in coords[:, 1]],
        "keys": [p_.key for p_ in rows], "titles": [p_.label for p_ in rows],
        "dates": [p_.date or "" for p_ in rows], "cat": [index.get(c, len(top)) for c in primary],
        "highlight": [j for j, i in enumerate(ids.tolist()) if i in extra], "profile": p.profile,
        "clusters": cluster_labels(coords, [p_.title for p_ in rows]),
        "seconds": round(time.perf_counter() - start, 3),
    }
