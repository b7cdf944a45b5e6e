"""copy: move a whole library between backends (SQLite file <-> PostgreSQL)."""

from __future__ import annotations

import sys

import click

from paperfeed.cli.common import console, err_console, json_option, print_json


@click.command(name="copy")
@click.argument("src")
@click.argument("dest")
@json_option
def copy_cmd(src: str, dest: str, as_json: bool) -> None:
    """Copy every paper, vector, profile, feedback, digest record and user from SRC into the empty DEST.

    SRC and DEST are SQLite files (or sqlite:///PATH) or postgresql:// URLs. The copy is one
    transaction of DEST and is checked by counting every table on both sides.

    \b
    Examples:
      paperfeed copy ~/.local/share/paperfeed/library.db postgresql://paperfeed@dbhost/papers
      paperfeed copy postgresql://paperfeed@dbhost/papers backup.db
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from paperfeed.config import load_settings
    from paperfeed.copy import copy_library
    from paperfeed.store.base import open_store

    source = open_store(load_settings(src).store_url)
    try:
        target = open_store(load_settings(dest).store_url)
        try:
            total = sum(source.table_counts().values())
            show = not as_json and sys.stderr.isatty()
            with Progress(TextColumn("copy {task.fields[table]}"), BarColumn(), MofNCompleteColumn(),
                          TimeElapsedColumn(), console=err_console.real(), disable=not show, transient=True) as bar:
                task = bar.add_task("copy", total=total, table="")
                report = copy_library(source, target, lambda t, n: bar.update(task, advance=n, table=t))
        finally:
            target.close()
    finally:
        source.close()
    if as_json:
        print_json({"rows": report.rows, "tables": report.tables})
    else:
        console.print(f"copied {report.rows} rows (verified): " + ", ".join(
            f"{t} {n}" for t, n in report.tables.items() if n), markup=False)


COMMANDS = [copy_cmd]
