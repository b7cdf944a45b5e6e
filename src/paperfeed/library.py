"""The facade every front end (CLI, web, delivery) calls. Owns the store, embedder and index."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence

from paperfeed.config import Settings
from paperfeed.errors import NotFound
from paperfeed.ingest.pipeline import IngestReport, ingest_file
from paperfeed.models import Paper
from paperfeed.store.base import Store, open_store


class Library:
    """One paper library: ingest, read, embed, search, recommend."""

    def __init__(self, settings: Settings, store: Store | None = None) -> None:
        self.settings = settings
        self.store = store or open_store(settings.db_path)
        self._search = None

    def close(self) -> None:
        """Release the database connection."""
        self.store.close()

    # ---- ingest ------------------------------------------------------------

    def ingest(
        self, paths: Sequence[str], fmt: str | None = None, strict: bool = False,
        progress: Callable[[int], None] | None = None, collect_ids: bool = False,
    ) -> IngestReport:
        """Ingest files ('-' is stdin); each file is one transaction.

        Raises InputError for a file that cannot be read; files before it stay ingested.
        """
        report = IngestReport()
        for path in paths:
            ingest_file(self.store, path, report, fmt=fmt, strict=strict, progress=progress,
                        collect_ids=collect_ids)
        return report

    # ---- reading -------------------------------------------------------------

    def get(self, ref: str) -> Paper:
        """The paper for a key, arXiv id or DOI; NotFound otherwise."""
        paper = self.store.get(ref)
        if paper is None:
            raise NotFound(f"no paper {ref!r} in the library")
        return paper

    def recent(
        self, limit: int = 20, offset: int = 0, since: str | None = None, until: str | None = None,
        category: str | None = None,
    ) -> list[Paper]:
        """Newest papers first."""
        return self.store.list_papers(limit=limit, offset=offset, since=since, until=until, category=category)

    def stats(self) -> dict:
        """Library statistics (counts by source, category, year; missing fields; vectors)."""
        st = self.store.stats()
        vm = getattr(self.store, "vector_models", None)
        if vm is not None:
            st["vectors"] = vm()
        return st

    def papers(self, ids: Iterable[int] | None = None) -> Iterator[Paper]:
        """Stream papers (all, or the given row ids)."""
        return self.store.iter_papers(list(ids) if ids is not None else None)
