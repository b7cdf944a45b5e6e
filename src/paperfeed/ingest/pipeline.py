"""Source -> parser -> normalise -> store, one file at a time, each file in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from paperfeed import normalize
from paperfeed.errors import InputError
from paperfeed.ingest import get_parser
from paperfeed.ingest.reader import open_input
from paperfeed.models import Paper, Parsed

BATCH = 2000


@dataclass
class IngestReport:
    """What one ingest run did, per the CLI's JSON contract."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[dict] = field(default_factory=list)
    files: list[dict] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        """The JSON shape printed by ``ingest --json``."""
        return {
            "added": self.added, "updated": self.updated, "unchanged": self.unchanged,
            "rejected": self.rejected, "files": self.files,
        }


class StrictRejection(InputError):
    """A record was rejected while --strict was given: the file is not written."""


def _detect(head: str, name: str) -> str:
    from paperfeed.ingest.detect import detect_format

    return detect_format(head, None if name == "<stdin>" else name)


def ingest_file(
    store, path: str, report: IngestReport, fmt: str | None = None, strict: bool = False,
    progress: Callable[[int], None] | None = None, collect_ids: bool = False,
) -> None:
    """Ingest one file into ``store`` inside one transaction; raises InputError if unreadable."""
    opened = open_input(path)
    fmt = fmt or _detect(opened.head, opened.name)
    parse = get_parser(fmt)
    source = "stdin" if opened.name == "<stdin>" else Path(opened.name).name
    counts = {"added": 0, "updated": 0, "unchanged": 0}
    rejected: list[dict] = []
    batch: list[Paper] = []

    def flush() -> None:
        idents = [normalize.record_identity(p) for p in batch]
        known = store.unchanged_records(source, idents)
        papers = [p if i in known else normalize.normalize_paper(p) for i, p in enumerate(batch)]
        for status, pid in store.write_papers(papers, source, idents):
            counts[status] += 1
            if collect_ids:
                report.ids.append(pid)
        if progress:
            progress(len(batch))
        batch.clear()

    with store.transaction():
        for rec in parse(opened.lines, opened.name):
            if isinstance(rec, Parsed):
                batch.append(rec.paper)
                if len(batch) >= BATCH:
                    flush()
                continue
            if strict:
                raise StrictRejection(opened.name, rec.line, f"{rec.reason} (--strict: nothing written)")
            rejected.append({"file": opened.name, "line": rec.line, "reason": rec.reason})
        if batch:
            flush()
    report.rejected.extend(rejected)
    for k, v in counts.items():
        setattr(report, k, getattr(report, k) + v)
    report.files.append({"file": opened.name, "format": fmt, **counts, "rejected": len(rejected)})
