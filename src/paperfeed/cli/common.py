"""What every command shares: --db/--json options, the Library, output and error handling."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click
import orjson

from paperfeed.config import Settings, load_settings
from paperfeed.errors import PaperfeedError, operator_error


@functools.cache
def escape(text: str) -> str:
    """rich.markup.escape, imported on first use: rich.markup pulls in rich.text and its emoji tables,
    about 35 ms that ``--version`` and ``--help`` need not pay."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)


def _safe_console_class() -> type:
    from rich.console import Console

    class SafeConsole(Console):
        """A rich Console that drops control characters and escape sequences from every string printed.

        Titles and authors come from files and feeds: an ESC sequence in one must not clear the screen or
        retitle the terminal. Rich writes its own styling codes after this, from the markup."""

        def render_str(self, text: str, **kwargs: Any):  # noqa: ANN201 - rich's Text
            from paperfeed.normalize import strip_controls

            return super().render_str(strip_controls(text), **kwargs)

    return SafeConsole


def __getattr__(name: str) -> Any:
    if name == "SafeConsole":  # built on first use: importing rich.console costs ~60 ms of every start
        return _safe_console_class()
    raise AttributeError(name)


class LazyConsole:
    """A SafeConsole made on first use: importing rich.console costs ~60 ms of every start (--version)."""

    def __init__(self, **options: Any) -> None:
        self._options: dict[str, Any] = options
        self._console: Any = None

    def real(self) -> Any:
        """The rich Console itself (for rich APIs that take one, e.g. Progress)."""
        if self._console is None:
            self._console = _safe_console_class()(**self._options)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real(), name)

    def __enter__(self) -> Any:  # special methods are not found through __getattr__
        return self.real().__enter__()

    def __exit__(self, *exc: Any) -> None:
        self.real().__exit__(*exc)


console = LazyConsole(highlight=False, soft_wrap=True)
err_console = LazyConsole(stderr=True, highlight=False)


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
        settings = load_settings(db)
        with operator_errors(settings):
            lib = Library(settings)
            ctx.call_on_close(lib.close)
            return f(lib, *args, **kwargs)

    return wrapper


@contextmanager
def operator_errors(settings: Settings) -> Iterator[None]:
    """Turn a full disk, a read-only file, a folder that is a file or a database server's fault (connection
    lost, server shut down) into one line and exit code 2; anything else keeps its traceback."""
    try:
        yield
    except Exception as e:
        # a server store has no library file: name its URL, and the home folder for file faults
        where = settings.store_url_shown
        err = operator_error(e, where, settings.home if settings.is_server else None)
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
