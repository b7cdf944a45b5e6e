"""Source -> parser -> normalise -> store, one file at a time, each file in one transaction."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from paperfeed import normalize
from paperfeed.dedup import unchanged_records
from paperfeed.errors import InputError
from paperfeed.ingest import get_parser, worker
from paperfeed.ingest.reader import open_input
from paperfeed.merge import UPLOAD_PREFIX
from paperfeed.models import Note, Paper, Parsed

BATCH = 2000


@dataclass
class IngestReport:
    """What one ingest run did, per the CLI's JSON contract."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[dict] = field(default_factory=list)
    truncated: list[dict] = field(default_factory=list)
    """Records stored with a field cut to normalize.LIMITS: file, line, fields."""
    files: list[dict] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # one line each: names joined, titles missing

    def as_dict(self) -> dict:
        """The JSON shape printed by ``ingest --json``."""
        return {
            "added": self.added, "updated": self.updated, "unchanged": self.unchanged,
            "rejected": self.rejected, "truncated": self.truncated, "files": self.files, "notes": self.notes,
        }


class StrictRejection(InputError):
    """A record was rejected while --strict was given: the file is not written."""


def _skip_known_lines(
    store, source: str, lines: Iterable[str], hashes: dict[int, str], counts: dict[str, int],
    ids: list[int] | None, chunk: int = BATCH,
) -> Iterator[str]:
    """Yield the lines, blanking those already stored from this source (counted as unchanged).

    Line numbers are kept (a blank line is skipped by the parser); the hashes of the other lines
    are left in ``hashes`` by line number, to be stored as their record hashes.
    """
    it = enumerate(lines, 1)
    while block := list(itertools.islice(it, chunk)):
        mine = {n: worker.line_hash(line) for n, line in block if line.strip()}
        known = store.known_record_hashes(source, list(mine.values()))
        for n, line in block:
            h = mine.get(n)
            if h is not None and h in known:
                counts["unchanged"] += 1
                if ids is not None:
                    ids.append(known[h])
                yield ""
            else:
                if h is not None:
                    hashes[n] = h
                yield line


def _skip_known_entries(
    store, source: str, lines: Iterable[str], hashes: dict[int, str], counts: dict[str, int],
    ids: list[int] | None, progress: Callable[[int], None] | None,
) -> Iterator[str]:
    """The BibTeX text with the entries already stored from ``source`` blanked (counted as unchanged).

    An entry is known by a hash of its text and of the file's @string/@preamble blocks (a changed
    macro changes every entry). Blanking keeps the line count, so the other entries keep their line
    numbers; their hashes are left in ``hashes`` by the line of their ``@``."""
    from paperfeed.ingest.bibtex import entry_blocks

    text = "".join(lines)
    context, blocks = entry_blocks(text)
    mine = [(line, start, end, worker.line_hash(context + "\0" + text[start:end].strip()))
            for line, start, end in blocks]
    known = store.known_record_hashes(source, [h for *_, h in mine])
    out, pos, skipped = [], 0, 0
    for line, start, end, h in mine:
        out.append(text[pos:start])
        if h in known:
            out.append("\n" * text.count("\n", start, end))
            counts["unchanged"] += 1
            skipped += 1
            if ids is not None:
                ids.append(known[h])
        else:
            hashes[line] = h
            out.append(text[start:end])
        pos = end
    out.append(text[pos:])
    if progress and skipped:
        progress(skipped)
    yield "".join(out)


def _detect(head: str, name: str) -> str:
    from paperfeed.ingest.detect import detect_format

    return detect_format(head, None if name == "<stdin>" else name)


def ingest_file(
    store, path: str, report: IngestReport, fmt: str | None = None, strict: bool = False,
    progress: Callable[[int], None] | None = None, collect_ids: bool = False, upload_name: str | None = None,
) -> None:
    """Ingest one file into ``store`` inside one transaction; raises InputError if unreadable.

    ``upload_name``: the file is a web user's upload, reported by that name. Its records go to the
    source ``upload:NAME``, from which the store adds papers but changes none (merge.is_upload).
    """
    opened = open_input(path)
    opened.name = upload_name or opened.name
    fmt = fmt or _detect(opened.head, opened.name)
    source = "stdin" if opened.name == "<stdin>" else Path(opened.name).name
    if upload_name is not None:
        source = UPLOAD_PREFIX + source
    counts = {"added": 0, "updated": 0, "unchanged": 0}
    rejected: list[dict] = []
    truncated: list[dict] = []
    if upload_name is None and worker.worth_it(path, fmt) and not store.has_source(source):
        opened.close()  # a worker process reads it
        # closing(): on any error here the worker is stopped at once, not whenever the generator is collected
        with store.transaction(), closing(worker.prepared_batches(path, fmt, source, BATCH)) as batches:
            for items in batches:
                _write_prepared(store, source, items, opened.name, strict, counts, rejected,
                                report.ids if collect_ids else None, truncated)
                if progress:
                    progress(len(items))
        _account(report, opened.name, fmt, counts, rejected, truncated)
        return
    parse = get_parser(fmt)
    batch: list[Paper] = []
    line_hashes: dict[int, str] = {}
    lines = opened.lines
    if fmt == "jsonl":  # one record per line: unchanged lines are known by their hash, unparsed
        lines = _skip_known_lines(store, source, lines, line_hashes, counts, report.ids if collect_ids else None)
    elif fmt == "bibtex":  # likewise each entry's text (a reference manager re-exports the whole file)
        lines = _skip_known_entries(store, source, lines, line_hashes, counts, report.ids if collect_ids else None,
                                    progress)

    def flush() -> None:
        idents = [normalize.record_identity(p, key) for p, key in zip(batch, batch_keys, strict=True)]
        batch_keys.clear()
        if line_hashes:
            idents = [(k, line_hashes.pop(n, h)) for (k, h), n in zip(idents, batch_lines, strict=True)]
        # records seen before from this source are counted here, unnormalised; only the rest is written
        known = unchanged_records(store, source, idents)
        todo = [i for i in range(len(batch)) if i not in known]
        results = [("unchanged", pid) for pid in known.values()]
        if todo:
            normed = []
            for i in todo:
                paper, cuts = normalize.normalize_paper_cut(batch[i])
                normed.append(paper)
                if cuts:
                    _note_cut(truncated, opened.name, batch_lines[i], cuts)
            results += store.write_papers(normed, source, [idents[i] for i in todo])
        batch_lines.clear()
        for status, pid in results:
            counts[status] += 1
            if collect_ids:
                report.ids.append(pid)
        if progress:
            progress(len(batch))
        batch.clear()

    batch_lines: list[int] = []
    batch_keys: list[str | None] = []
    joined: list[str] = []
    untitled = {"all": 0, "arxiv": 0}
    with store.transaction():
        for rec in parse(lines, opened.name):
            if isinstance(rec, Parsed):
                batch.append(rec.paper)
                batch_lines.append(rec.line)
                batch_keys.append(rec.key)
                if not rec.paper.title:
                    untitled["all"] += 1
                    untitled["arxiv"] += bool(rec.paper.arxiv_id)
                if len(batch) >= BATCH:
                    flush()
                continue
            if isinstance(rec, Note):
                joined.append(rec.text)
                continue
            if strict:
                raise StrictRejection(opened.name, rec.line, f"{rec.reason} (--strict: nothing written)")
            rejected.append({"file": opened.name, "line": rec.line, "reason": rec.reason})
        if batch:
            flush()
    _account(report, opened.name, fmt, counts, rejected, truncated)
    report.notes += _notes(opened.name, joined, untitled)


def _notes(name: str, joined: list[str], untitled: dict[str, int]) -> list[str]:
    """The report's lines about a file: split names joined, papers without titles."""
    out = []
    if joined:
        out.append(f"{name}: {len(joined)} author names written as two one-part names were joined "
                   f"({'; '.join(joined[:3])}{'; ...' if len(joined) > 3 else ''})")
    if untitled["arxiv"]:
        out.append(f"{name}: {untitled['arxiv']} papers in it have no title: run `paperfeed enrich` to complete them "
                   "from arXiv (until then the first words of the abstract stand in)")
    elif untitled["all"]:
        out.append(f"{name}: {untitled['all']} papers in it have no title (the first words of the abstract stand in)")
    return out


def _write_prepared(
    store, source: str, items: list, name: str, strict: bool, counts: dict[str, int], rejected: list[dict],
    ids: list[int] | None, truncated: list[dict],
) -> None:
    """Write one batch of normalised records from the worker; note its rejections and cut fields."""
    papers, idents, rows = [], [], []
    for it in items:
        if isinstance(it, worker.Prepared):
            papers.append(it.paper)
            idents.append(it.ident)
            rows.append(it.row)
            if it.cuts:
                _note_cut(truncated, name, it.line, it.cuts)
        elif strict:
            raise StrictRejection(name, it.line, f"{it.reason} (--strict: nothing written)")
        else:
            rejected.append({"file": name, "line": it.line, "reason": it.reason})
    for status, pid in store.write_papers(papers, source, idents, rows) if papers else ():
        counts[status] += 1
        if ids is not None:
            ids.append(pid)


def _note_cut(truncated: list[dict], name: str, line: int, cuts: tuple[str, ...]) -> None:
    truncated.append({"file": name, "line": line, "fields": list(cuts),
                      "reason": "cut to the length limits: " + ", ".join(cuts)})


def _account(report: IngestReport, name: str, fmt: str, counts: dict[str, int], rejected: list[dict],
             truncated: list[dict]) -> None:
    report.rejected.extend(rejected)
    report.truncated.extend(truncated)
    for k, v in counts.items():
        setattr(report, k, getattr(report, k) + v)
    report.files.append({"file": name, "format": fmt, **counts, "rejected": len(rejected),
                         "truncated": len(truncated)})
