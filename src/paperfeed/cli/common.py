"""What every command shares: --db/--json options, the Library, output and error handling."""

from __future__ import annotations

import functools
import sqlite3
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
import orjson
from rich.console import Console
from rich.markup import escape

from paperfeed.config import load_settings
from paperfeed.errors import PaperfeedError, operator_error

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False)


def db_option(f: Callable) -> Callable:
    """--db PATH on a command (also accepted before the command name)."""
    return click.option(
        "--db", "db", type=click.Path(dir_okay=False), default=None,
        help="Library database file (env PAPERFEED_DB; default in the XDG data directory).",
        expose_value=True,
    )(f)


def json_option(f: Callable) -> Callable:
    """--json: print machine-readable JSON only."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON only.")(f)


def with_library(f: Callable) -> Callable:
    """Open the Library from --db (command or group level) and pass it as ``lib``."""

    @db_option
    @click.pass_context
    @functools.wraps(f)
    def wrapper(ctx: click.Context, *args: Any, db: str | None = None, **kwargs: Any) -> Any:
        from paperfeed.library import Library

        db = db or (ctx.find_root().params.get("db"))
        settings = load_settings(db)
        with operator_errors(settings.db_path):
            lib = Library(settings)
            ctx.call_on_close(lib.close)
            return f(lib, *args, **kwargs)

    return wrapper


@contextmanager
def operator_errors(db_path: Path) -> Iterator[None]:
    """Turn a full disk, a read-only file or a folder that is a file into one line and exit code 2."""
    try:
        yield
    except (sqlite3.OperationalError, OSError) as e:
        err = operator_error(e, db_path)
        if err is None:
            raise
        raise err from None


def print_json(obj: Any) -> None:
    """Write one JSON document to stdout."""
    sys.stdout.write(orjson.dumps(obj, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode() + "\n")


class FriendlyGroup(click.Group):
    """A click group that turns paperfeed's errors into one line on stderr and exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PaperfeedError as e:
            err_console.print(f"[red]error:[/red] {escape(str(e))}", markup=True, highlight=False, soft_wrap=True)
            ctx.exit(2)
        except KeyboardInterrupt:
            err_console.print("interrupted; everything committed so far is kept")
            ctx.exit(130)
        except BrokenPipeError:
            sys.stderr.close()
            ctx.exit(0)
