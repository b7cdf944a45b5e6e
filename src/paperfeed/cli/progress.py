"""Progress of long jobs: a bar with rate and ETA on a terminal, one start line on stderr otherwise."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from paperfeed.cli.common import err_console

ANNOUNCE_PAPERS = 100
"""Embedding fewer papers than this takes about a second: no start line off a terminal."""


def _bar_columns(unit: str) -> list:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        ProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class RateColumn(ProgressColumn):
        """Items per second."""

        def render(self, task) -> Text:
            speed = task.finished_speed or task.speed
            return Text(f"{speed:,.0f} {unit}/s" if speed else f"- {unit}/s", style="progress.data.speed")

    return [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), RateColumn(), TimeElapsedColumn(),
            TextColumn("ETA"), TimeRemainingColumn()]


def embed_with_progress(lib, model_id: str | None = None, quiet: bool = False, sentences: bool = False,
                        ids=None) -> int:
    """Library.embed_pending (only ``ids`` if given) or embed_sentences_pending, with progress."""
    total = lib.count_pending_sentences(model_id) if sentences else lib.count_pending(model_id, ids)
    if total == 0:  # (for sentences, the call still records that the daily run should keep them complete)
        return lib.embed_sentences_pending(model_id) if sentences else 0
    what = "computing sentence vectors for" if sentences else "embedding"
    with progress(what, total, quiet=quiet, announce=total >= ANNOUNCE_PAPERS) as advance:
        if sentences:
            return lib.embed_sentences_pending(model_id, progress=advance)
        return lib.embed_pending(model_id, progress=advance, ids=ids)


@contextmanager
def progress(what: str, total: int | None, unit: str = "papers", quiet: bool = False,
             announce: bool = True) -> Iterator[Callable[[int], None]]:
    """Yield ``advance(n)`` for a job of ``total`` items (None: unknown).

    On a terminal: a transient bar with count, rate, elapsed time and ETA on stderr. Not on a
    terminal: one line on stderr saying what starts (so a log or a cron mail shows why it waits),
    unless ``announce`` is false (a job known to be short). ``quiet`` (``--json``): nothing at all.
    """
    if quiet or not (announce or sys.stderr.isatty()):
        yield lambda n: None
        return
    if not sys.stderr.isatty():
        count = f"{total:,} {unit}" if total is not None else ""
        err_console.print(f"{what} {count}".rstrip() + " ...", markup=False, highlight=False)
        yield lambda n: None
        return
    from rich.progress import Progress

    with Progress(*_bar_columns(unit), console=err_console.real(), transient=True) as bar:
        task = bar.add_task(what, total=total)
        yield lambda n: bar.advance(task, n)
