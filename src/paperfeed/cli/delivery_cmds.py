"""fetch, enrich, digest, daily, config: the daily pipeline's commands."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from paperfeed.cli.common import console, err_console, escape, json_option, print_json, with_library
from paperfeed.cli.progress import embed_with_progress
from paperfeed.config_file import FETCH_METHODS, PASSWORD_ENV, config_path, set_value, shown
from paperfeed.delivery.lock import LockedError

if TYPE_CHECKING:
    from paperfeed.library import Library


def _day(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from paperfeed.dates import user_day

    return user_day(value, f"--{param.name}")


def _note(text: str) -> None:
    err_console.print(text, markup=False, highlight=False)


since_option = click.option("--since", callback=_day, help="From this day on (YYYY-MM-DD).")


@click.group()
def fetch() -> None:
    """Fetch new papers from a source (incremental and resumable)."""


@fetch.command(name="arxiv")
@click.option("--category", "categories", multiple=True, help="arXiv category to follow (repeatable); "
              "default: fetch.categories in config.toml.")
@since_option
@click.option("--until", callback=_day, help="Up to this day (YYYY-MM-DD).")
@click.option("--method", type=click.Choice(FETCH_METHODS), help="OAI-PMH harvest or export API (default: "
              "fetch.method, oai).")
@click.option("--base-url", help="Endpoint to use instead of arXiv's (for --method's protocol).")
@click.option("--no-embed", "embed", is_flag=True, flag_value=False, default=True,
              help="Do not embed the new papers now.")
@json_option
@with_library
def fetch_arxiv(lib: Library, categories: tuple[str, ...], since: str | None, until: str | None,
                method: str | None, base_url: str | None, embed: bool, as_json: bool) -> None:
    """Fetch new arXiv papers: continues where the last run (or an interrupted one) stopped.

    \b
    Examples:
      paperfeed fetch arxiv --category cs.LG --category cs.CL
      paperfeed fetch arxiv --since 2026-11-20 --method api
    """
    def progress(r) -> None:
        if not as_json and sys.stderr.isatty():
            _note(f"  {r.source}: page {r.pages}, {r.added} added, {r.updated} updated")

    reports = lib.delivery.fetch_arxiv(categories, since=since, until=until, method=method, base_url=base_url,
                              progress=progress)
    embedded = embed_with_progress(lib, None, as_json) if embed and any(r.added or r.updated for r in reports) else 0
    if as_json:
        print_json({"fetch": [r.as_dict() for r in reports], "embedded": embedded})
        return
    for r in reports:
        for n in r.notes:
            _note(f"note: {n}")
        console.print(r.summary(), markup=False)
    if embedded:
        console.print(f"embedded {embedded} papers")


@click.command()
@click.option("--limit", type=click.IntRange(1), help="Look up at most this many papers.")
@click.option("--base-url", help="Export API endpoint to use instead of arXiv's.")
@json_option
@with_library
def enrich(lib: Library, limit: int | None, base_url: str | None, as_json: bool) -> None:
    """Fill missing titles, authors and dates of papers that have an arXiv id (100 ids a request)."""
    report = lib.delivery.enrich(limit=limit, base_url=base_url)
    embedded = embed_with_progress(lib, None, as_json) if report.updated or report.added else 0
    if as_json:
        print_json({**report.as_dict(), "embedded": embedded})
        return
    console.print(report.summary(), markup=False)
    if embedded:
        console.print(f"embedded {embedded} papers")


def _write_out(out: Path, msg) -> None:
    """Write the HTML (.html), text (.txt) or whole message (.eml)."""
    if out.suffix == ".eml":
        out.write_bytes(bytes(msg))
        return
    part = msg.get_body(("plain",) if out.suffix == ".txt" else ("html",))
    out.write_text(part.get_content(), encoding="utf-8")


@click.command()
@click.argument("name")
@click.option("--send", is_flag=True, help="Send it by email and record its papers as delivered.")
@click.option("--dry-run", is_flag=True, help="Only build it: nothing is sent or recorded (the default).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write it to a file: .html, .txt or .eml (the whole message).")
@click.option("--limit", type=click.IntRange(1, 500), help="Papers per digest (default: digest.limit, 20).")
@since_option
@click.option("--force", is_flag=True, help="Send even if a digest already went out today.")
@json_option
@with_library
def digest(lib: Library, name: str, send: bool, dry_run: bool, out: Path | None, limit: int | None,
           since: str | None, force: bool, as_json: bool) -> None:
    """A profile's digest email of new papers; each paper is sent once.

    \b
    Examples:
      paperfeed digest jane --dry-run --out digest.html
      paperfeed digest jane --send
    """
    if send and dry_run:
        raise click.UsageError("--send and --dry-run exclude each other")
    try:
        res = lib.delivery.digest(name, send=send, limit=limit, since=since, force=force)
    except LockedError as e:
        _note(f"error: {e}")
        sys.exit(e.exit_code)
    for w in res.warnings:
        _note(f"warning: {w}")
    if out and res.message is not None:
        _write_out(out, res.message)
    if as_json:
        print_json(res.as_dict())
    elif res.status == "dry-run" and out is None and res.message is not None and res.papers:
        from paperfeed.normalize import strip_controls

        body = res.message.get_body(("plain",))
        sys.stdout.write(strip_controls(body.get_content()) if body is not None else "")
    else:
        console.print(res.summary(), markup=False)
    if not res.ok:
        sys.exit(2)


@click.command()
@click.option("--since", callback=_day, help="Fetch and digest papers from this day on (YYYY-MM-DD); default: "
              "fetch from where the last run stopped, digest the last digest.days days.")
@click.option("--no-fetch", is_flag=True, help="Skip fetching; embed and send digests only.")
@json_option
@with_library
def daily(lib: Library, since: str | None, no_fetch: bool, as_json: bool) -> None:
    """fetch -> embed -> digest for every profile with an email; for cron and systemd timers.

    \b
    Prints one summary line. Exit codes: 0 all done (also when there was nothing new),
    2 a step failed (the next run catches up), 75 another run is in progress.
    """
    try:
        report = lib.delivery.daily(since=since, fetch=not no_fetch)
    except LockedError as e:
        _note(f"paperfeed daily: {e}")
        sys.exit(e.exit_code)
    for d in report.digests:
        for w in d.warnings:
            _note(f"warning: {d.profile}: {w}")
    for n in report.notes + [n for f in report.fetch for n in f.notes]:
        _note(f"note: {n}")
    if as_json:
        print_json(report.as_dict())
    else:
        console.print(report.summary(), markup=False)
    sys.exit(report.exit_code)


@click.group()
def config() -> None:
    """Show or change config.toml in the data directory."""


@config.command(name="show")
@json_option
@with_library
def config_show(lib: Library, as_json: bool) -> None:
    """Every setting with its value (secrets masked)."""
    values = shown(lib.config())
    if as_json:
        print_json(values)
        return
    console.print(f"# {config_path(lib.settings.home)}", markup=False)
    for k, v in values.items():
        console.print(f"{k} = {v}" if k == "smtp.password" else f"{k} = {v!r}", markup=False)


@config.command(name="set")
@click.argument("key")
@click.argument("value")
@with_library
def config_set(lib: Library, key: str, value: str) -> None:
    """Set KEY to VALUE (an empty VALUE removes the key); validated, written atomically.

    \b
    Examples:
      paperfeed config set fetch.categories cs.LG,cs.CL
      paperfeed config set profiles.jane.email jane@example.org
      paperfeed config set smtp.tls starttls
    The SMTP password is never stored: export PAPERFEED_SMTP_PASSWORD.
    """
    if key.startswith("profiles.") and key.endswith(".email"):
        name = key[len("profiles."):-len(".email")]
        lib.profile_paper_ids(name)  # NotFound for an unknown profile
    if "password" in key.lower():
        raise click.UsageError(f"the SMTP password is never stored; export {PASSWORD_ENV} instead")
    new = set_value(lib.settings.home, key, value)
    lib.sync_profile_emails()
    console.print(f"{escape(key)} = {escape(repr(new))}" if new is not None else f"removed {escape(key)}")


COMMANDS = [fetch, enrich, digest, daily, config]
