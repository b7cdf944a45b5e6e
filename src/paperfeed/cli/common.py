"""What every command shares: --db/--json options, the Library, output and error handling."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import click
import orjson
from rich.console import Console
from rich.markup import escape

from paperfeed.config import load_settings
from paperfeed.errors import PaperfeedError

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False)


def db_option(f: Callable) -> Callable:
    """--db PATH|URL on a command (also accepted before the command name)."""
    return click.option(
        "--db", "db", type=str, default=None, metavar="PATH|URL",
        help="Library: a SQLite file, sqlite:///PATH or postgresql://USER@HOST/DB (env PAPERFEED_DB, "
             "config store.url; default: library.db in the XDG data directory).",
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
        lib = Library(load_settings(db))
        ctx.call_on_close(lib.close)
        return f(lib, *args, **kwargs)

    return wrapper


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
