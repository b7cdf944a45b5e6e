"""save/saved, tag/tags, alert add/list/show/rm: the reading list, tags and saved searches of a profile.

The same Library methods as the web app's reading list, tag box and alerts (library_reading.py).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from paperfeed.cli.common import console, escape, json_option, print_json, with_library
from paperfeed.cli.render import paper_lines
from paperfeed.cli.search_cmds import print_hits
from paperfeed.export import hits_json, paper_json

if TYPE_CHECKING:
    from paperfeed.library import Library

profile_option = click.option("--profile", "name", required=True, help="The profile this is for.")


@click.command()
@click.argument("keys", nargs=-1, required=True)
@profile_option
@click.option("--remove", is_flag=True, help="Take the papers off the reading list instead.")
@with_library
def save(lib: Library, keys: tuple[str, ...], name: str, remove: bool) -> None:
    """Save papers for later in a profile's reading list (separate from likes).

    \b
    Examples:
      paperfeed save arxiv:2401.01325 --profile jane
      paperfeed save arxiv:2401.01325 --profile jane --remove
    """
    for key in keys:
        lib.get(key)  # every key is checked before anything is written
    changed = sum(lib.save(name, key, not remove) for key in keys)
    verb = "took off" if remove else "saved"
    console.print(f"{verb} {changed} paper(s) for {escape(name)}" + (f" ({len(keys) - changed} unchanged)"
                                                                   if changed < len(keys) else ""))


@click.command()
@profile_option
@click.option("--tag", help="The papers with this tag instead of the reading list.")
@click.option("--format", "fmt", type=click.Choice(["terminal", "json", "bibtex"]), default="terminal",
              show_default=True)
@json_option
@with_library
def saved(lib: Library, name: str, tag: str | None, fmt: str, as_json: bool) -> None:
    """A profile's reading list (or its papers with a tag); --format bibtex exports it.

    \b
    Examples:
      paperfeed saved --profile jane
      paperfeed saved --profile jane --tag survey --format bibtex > survey.bib
    """
    if fmt == "bibtex":
        sys.stdout.write(lib.export_bibtex(name, tag))
        return
    papers = lib.reading_list(name, tag)
    if as_json or fmt == "json":
        marks = lib.reading_marks(name, [p.key for p in papers])
        print_json([{**paper_json(p), "tags": marks[p.key]["tags"]} for p in papers])
        return
    if not papers:
        console.print("nothing saved yet: paperfeed save KEY --profile " + escape(name) if not tag
                      else f"no papers tagged {escape(tag)}")
    for i, p in enumerate(papers, 1):
        paper_lines(p, prefix=f"{i:>3}. ")


@click.command()
@click.argument("key")
@click.argument("tags", nargs=-1, required=True)
@profile_option
@click.option("--remove", is_flag=True, help="Take these tags off instead.")
@json_option
@with_library
def tag(lib: Library, key: str, tags: tuple[str, ...], name: str, remove: bool, as_json: bool) -> None:
    """Tag a paper for a profile (tags: letters, digits, _ . : / + -).

    \b
    Examples:
      paperfeed tag arxiv:2401.01325 survey to-read --profile jane
      paperfeed tag arxiv:2401.01325 to-read --profile jane --remove
    """
    now = lib.tag(name, key, tags, remove)
    if as_json:
        print_json({"profile": name, "key": key, "tags": now})
        return
    console.print(f"{escape(key)}: " + (" ".join("#" + escape(t) for t in now) or "no tags"))


@click.command(name="tags")
@profile_option
@json_option
@with_library
def tags_cmd(lib: Library, name: str, as_json: bool) -> None:
    """A profile's tags and how many papers carry each."""
    rows = lib.tags(name)
    if as_json:
        print_json(dict(rows))
        return
    if not rows:
        console.print("no tags yet: paperfeed tag KEY TAG --profile " + escape(name))
    for t, n in rows:
        console.print(f"#{escape(t)}  {n}")


@click.group()
def alert() -> None:
    """Saved searches: new papers matching them reach the profile's digest and their own Atom feed."""


@alert.command(name="add")
@click.argument("alert_name", metavar="NAME")
@click.argument("query")
@profile_option
@json_option
@with_library
def alert_add(lib: Library, alert_name: str, query: str, name: str, as_json: bool) -> None:
    """Save a search (keyword query syntax) as an alert for papers that arrive from now on.

    \b
    Examples:
      paperfeed alert add kv-cache '"kv cache" cat:cs.CL' --profile jane
    """
    a = lib.add_alert(name, alert_name, query)
    if as_json:
        print_json(_public(a))
        return
    console.print(f"alert [bold]{escape(a['name'])}[/bold] for {escape(name)}: {escape(a['query'])}")


@alert.command(name="list")
@click.option("--profile", "name", help="Only this profile's alerts.")
@json_option
@with_library
def alert_list(lib: Library, name: str | None, as_json: bool) -> None:
    """Saved searches (of every profile, or of one)."""
    rows = lib.alerts(name)
    if as_json:
        print_json([_public(a) for a in rows])
        return
    if not rows:
        console.print("no alerts yet: paperfeed alert add NAME QUERY --profile PROFILE")
    for a in rows:
        console.print(f"{escape(a['profile'])}  [bold]{escape(a['name'])}[/bold]  {escape(a['query'])}  "
                      f"[dim]since {a['created_at']}[/dim]")


@alert.command(name="show")
@click.argument("alert_name", metavar="NAME")
@profile_option
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 500))
@click.option("--format", "fmt", type=click.Choice(["terminal", "json", "atom"]), default="terminal",
              show_default=True)
@json_option
@with_library
def alert_show(lib: Library, alert_name: str, name: str, limit: int, fmt: str, as_json: bool) -> None:
    """An alert's new matches (papers added after it was saved), best first."""
    from paperfeed.delivery.formats import atom_feed

    a = lib.alert(name, alert_name)
    hits = lib.alert_hits(a, limit)
    if as_json or fmt == "json":
        print_json(hits_json(hits))
    elif fmt == "atom":
        sys.stdout.buffer.write(atom_feed(hits, f"{name} · alert {alert_name}"))
    else:
        print_hits(hits, False, empty="no new matches yet: they come with papers added after the alert was saved")


@alert.command(name="rm")
@click.argument("alert_name", metavar="NAME")
@profile_option
@with_library
def alert_rm(lib: Library, alert_name: str, name: str) -> None:
    """Delete a saved search."""
    lib.remove_alert(name, alert_name)
    console.print(f"removed alert {escape(alert_name)} of {escape(name)}")


def _public(a: dict) -> dict:
    """An alert without its feed secret and row ids."""
    return {k: a[k] for k in ("profile", "name", "query", "created_at")}


COMMANDS = [save, saved, tag, tags_cmd, alert]
