"""Plain data types shared by every layer. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass, field

LABEL_WORDS = 12
"""Words of the abstract that stand in for a missing title (until `paperfeed enrich` finds it)."""


@dataclass(frozen=True)
class Paper:
    """One paper as parsed from a source or read from the store.

    Dates are ISO strings (``YYYY-MM-DD``, or ``YYYY`` / ``YYYY-MM`` when only
    that much is known). ``key`` is empty until the store assigns one.
    """

    title: str = ""
    abstract: str = ""
    authors: tuple[str, ...] = ()
    arxiv_id: str | None = None
    doi: str | None = None
    categories: tuple[str, ...] = ()
    date: str | None = None
    updated: str | None = None
    venue: str | None = None
    url: str | None = None
    comments: str | None = None
    journal_ref: str | None = None
    version: int | None = None
    sources: tuple[str, ...] = ()
    key: str = ""

    @property
    def label(self) -> str:
        """Title; without one, the first words of the abstract (…), else the key."""
        if self.title:
            return self.title
        if self.abstract:
            words = self.abstract.split()
            return " ".join(words[:LABEL_WORDS]) + ("\u2026" if len(words) > LABEL_WORDS else "")
        return self.key or (f"arXiv:{self.arxiv_id}" if self.arxiv_id else "(untitled)")


@dataclass(frozen=True)
class Rejected:
    """A record a parser could not use; the rest of the file goes on."""

    line: int
    reason: str


@dataclass(frozen=True)
class Note:
    """Something a parser changed that the ingest report should say (e.g. a split name joined)."""

    line: int
    text: str


@dataclass(frozen=True)
class Parsed:
    """A paper together with the line of the source it started on."""

    line: int
    paper: Paper
    key: str | None = None
    """The record's own key in its source, where that is steadier than the paper's title: a BibTeX
    entry's citation key when it has no arXiv id or DOI. None: the paper's key (normalize.record_identity)."""


@dataclass(frozen=True)
class Hit:
    """One ranked result. Higher score is better; ``why`` explains the match."""

    key: str
    score: float
    why: str = ""
    paper: Paper | None = None


@dataclass(frozen=True)
class Profile:
    """A researcher's interests: own papers, liked papers, free-text interests; as the store reads it
    (``Store.profile_record``), with the papers' row ids beside their keys (ids in id order for own
    papers, in feedback order for likes and dislikes)."""

    name: str
    paper_keys: tuple[str, ...] = ()
    liked: tuple[str, ...] = ()
    disliked: tuple[str, ...] = ()
    interests: str = ""
    authors: tuple[str, ...] = ()
    muted_authors: tuple[str, ...] = ()
    muted_categories: tuple[str, ...] = ()
    email: str | None = None
    extra: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    paper_ids: tuple[int, ...] = ()
    liked_ids: tuple[int, ...] = ()
    disliked_ids: tuple[int, ...] = ()
    created_at: str | None = None
