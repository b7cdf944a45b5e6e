"""Progress of long jobs: a bar with rate and ETA on a terminal, one start line on stderr otherwise."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from paperfeed.cli.common import err_console


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

    known = [BarColumn(), MofNCompleteColumn()]
    return [TextColumn("{task.description}"), *known, RateColumn(), TimeElapsedColumn(), TextColumn("ETA"),
            TimeRemainingColumn()]


@contextmanager
def progress(what: str, total: int | None, unit: str = "papers", quiet: bool = False) -> Iterator[Callable[[int], None]]:
    """Yield ``advance(n)`` for a job of ``total`` items (None: unknown).

    On a terminal: a transient bar with count, rate, elapsed time and ETA on stderr. Not on a
    terminal: one line on stderr saying what starts (so a log or a cron mail shows why it waits).
    ``quiet`` (``--json``): nothing at all.
    """
    if quiet:
        yield lambda n: None
        return
    if not sys.stderr.isatty():
        count = f"{total:,} {unit}" if total is not None else ""
        err_console.print(f"{what} {count}".rstrip() + " ...", markup=False, highlight=False)
        yield lambda n: None
        return
    from rich.progress import Progress

    with Progress(*_bar_columns(unit), console=err_console, transient=True) as bar:
        task = bar.add_task(what, total=total)
        yield lambda n: bar.advance(task, n)
