"""ingest, list, show, stats, export."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

import click

from paperfeed.cli.common import console, err_console, json_option, print_json, with_library
from paperfeed.cli.progress import embed_with_progress, progress
from paperfeed.cli.render import paper_detail, paper_lines
from paperfeed.export import EXPORT_FORMATS, paper_json, write
from paperfeed.ingest import FORMATS

if TYPE_CHECKING:
    from paperfeed.library import Library


@click.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="Override format auto-detection.")
@click.option("--strict", is_flag=True, help="Any rejected record fails its whole file (nothing written).")
@click.option("--no-embed", is_flag=True, help="Do not embed the new papers now.")
@json_option
@with_library
def ingest(lib: Library, paths: tuple[str, ...], fmt: str | None, strict: bool, no_embed: bool,
           as_json: bool) -> None:
    """Add papers from files ('-' reads stdin); formats are detected from the content.

    \b
    Examples:
      paperfeed ingest papers.bib listing.txt arxiv-2025.jsonl.gz
      cat copied-page.txt | paperfeed ingest -
    """
    big = "-" in paths or sum(_size(p) for p in paths) >= ANNOUNCE_BYTES
    total = _count_records(paths, fmt) if big and not as_json and sys.stderr.isatty() else None
    with progress(f"ingesting {', '.join(paths)}", total, unit="records", quiet=as_json, announce=big) as advance:
        report = lib.ingest(list(paths), fmt=fmt, strict=strict, progress=advance, collect_ids=True)
    # only these files' papers are embedded (also those a killed run left unembedded), never the
    # rest of a backlog: that is `paperfeed embed`'s job
    embedded = 0 if no_embed else embed_with_progress(lib, None, as_json, ids=report.ids)
    backlog = lib.count_pending()
    if as_json:
        print_json({**report.as_dict(), "embedded": embedded, "not_embedded": backlog})
        return
    for f in report.files:
        console.print(
            f"{f['file']} ({f['format']}): {f['added']} added, {f['updated']} updated, "
            f"{f['unchanged']} unchanged, {f['rejected']} rejected"
            + (f", {f['truncated']} shortened to the field limits" if f.get("truncated") else "")
        )
        if not (f["added"] or f["updated"] or f["unchanged"] or f["rejected"]):
            err_console.print(f"warning: no papers found in {f['file']} (read as {f['format']}; see --format)",
                              markup=False)
    for note in report.notes:
        console.print(note, markup=False)
    for r in report.rejected[:20]:
        err_console.print(f"  rejected {r['file']}:{r['line']}: {r['reason']}", markup=False)
    if len(report.rejected) > 20:
        err_console.print(f"  ... and {len(report.rejected) - 20} more rejected (see --json)")
    for r in report.truncated[:20]:
        err_console.print(f"  shortened {r['file']}:{r['line']}: {r['reason']}", markup=False)
    if len(report.truncated) > 20:
        err_console.print(f"  ... and {len(report.truncated) - 20} more shortened (see --json)")
    if embedded:
        console.print(f"embedded {embedded} papers")
    if backlog:
        err_console.print(f"note: {backlog:,} papers in the library are not embedded yet (semantic search and the "
                          "feed leave them out): run `paperfeed embed`", markup=False)


ANNOUNCE_BYTES = 2_000_000
"""Ingesting files smaller than this takes about a second: no start line off a terminal."""


def _count_records(paths: tuple[str, ...], fmt: str | None) -> int | None:
    """Records in the files (ingest/counting.py), for the bar's ETA; None if any is stdin or pasted text."""
    from paperfeed.errors import InputError
    from paperfeed.ingest.counting import count_records
    from paperfeed.ingest.detect import detect_format
    from paperfeed.ingest.reader import open_input

    n = 0
    for p in paths:
        if p == "-":
            return None
        try:
            if fmt is None:
                opened = open_input(p)
                opened.close()
                found = count_records(p, detect_format(opened.head, p))
            else:
                found = count_records(p, fmt)
        except InputError:  # ingest itself reports it, naming the file
            return None
        if found is None:
            return None
        n += found
    return n


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


@click.command(name="list")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1))
@click.option("--offset", default=0, type=click.IntRange(0))
@click.option("--since", help="Only papers dated on or after YYYY-MM-DD.")
@click.option("--until", help="Only papers dated on or before YYYY-MM-DD.")
@click.option("--category", help="Only papers in this arXiv category, e.g. cs.LG.")
@json_option
@with_library
def list_(lib: Library, limit: int, offset: int, since: str | None, until: str | None,
          category: str | None, as_json: bool) -> None:
    """The newest papers in the library."""
    papers = lib.recent(limit=limit, offset=offset, since=since, until=until, category=category)
    if as_json:
        print_json([paper_json(p) for p in papers])
        return
    for p in papers:
        paper_lines(p)


@click.command()
@click.argument("key")
@json_option
@with_library
def show(lib: Library, key: str, as_json: bool) -> None:
    """One paper, by key (arxiv:2401.01325, doi:..., title:...), arXiv id or DOI."""
    p = lib.get(key)
    if as_json:
        print_json(paper_json(p, full=True))
        return
    paper_detail(p)


@click.command()
@json_option
@with_library
def stats(lib: Library, as_json: bool) -> None:
    """Counts by source, category and year, and which fields are missing."""
    st = lib.stats()
    if as_json:
        print_json(st)
        return
    console.print(f"[bold]{st['papers']}[/bold] papers")
    for title, key in (("sources", "by_source"), ("years", "by_year"), ("categories", "by_category"),
                       ("missing fields", "missing"), ("vectors", "vectors")):
        items = st.get(key) or {}
        if items:
            console.print(f"[bold]{title}[/bold]: " + ", ".join(f"{k} {v}" for k, v in items.items()))


@click.command()
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="jsonl", show_default=True)
@click.option("--query", help="Export only the papers matching this search (hybrid).")
@click.option("--limit", type=click.IntRange(1), default=None, help="With --query: how many (default 100).")
@with_library
def export(lib: Library, fmt: str, query: str | None, limit: int | None) -> None:
    """Write papers to stdout as BibTeX, JSON Lines or CSV (all round-trip through ingest)."""
    if not query:
        write(fmt, lib.papers(), sys.stdout)
        return
    write(fmt, (h.paper for h in lib.search(query, limit=limit or 100) if h.paper is not None), sys.stdout)


COMMANDS = [ingest, list_, show, stats, export]
