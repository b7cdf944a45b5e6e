"""profile create/list/show/delete/remove, feed, like/dislike/unlike, mute-author/mute-category."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from paperfeed.cli.common import console, err_console, escape, json_option, print_json, with_library
from paperfeed.cli.progress import embed_with_progress
from paperfeed.cli.render import paper_lines
from paperfeed.cli.search_cmds import print_hits
from paperfeed.delivery import FEED_FORMATS
from paperfeed.export import hits_json, paper_json

if TYPE_CHECKING:
    from paperfeed.library import Library
    from paperfeed.onboard import ProfilePlan


@click.group()
def profile() -> None:
    """Researcher profiles: own papers, liked papers, interests."""


@profile.command(name="create")
@click.argument("name")
@click.option("--from", "files", multiple=True, help="A file of the profile's papers (any ingest format).")
@click.option("--keys", "keys", multiple=True, help="Paper keys to add (repeatable; space-separated ok).")
@click.option("--author", help="Add the library's papers by this person (full name; initials only are near misses).")
@click.option("--arxiv-author", help="Fetch the person's papers from arXiv by full name.")
@click.option("--orcid", help="Fetch the works of an ORCID iD (0000-0002-1825-0097).")
@click.option("--openalex", help="Fetch the works of an OpenAlex author (A5023888391).")
@click.option("--semantic-scholar", "s2", help="Fetch the papers of a Semantic Scholar author id.")
@click.option("--dblp", help="Fetch a dblp person's works (12/3456, or the person page or .bib URL).")
@click.option("--interests", help="Free-text interests, e.g. \"efficient long-context inference; KV cache\".")
@click.option("--dry-run", is_flag=True, help="Only list what would be added (and the near misses).")
@click.option("--yes", "-y", is_flag=True, help="Add the matched papers without asking.")
@json_option
@with_library
def profile_create(lib: Library, name: str, files: tuple[str, ...], keys: tuple[str, ...], author: str | None,
                   arxiv_author: str | None, orcid: str | None, openalex: str | None, s2: str | None,
                   dblp: str | None, interests: str | None, dry_run: bool, yes: bool, as_json: bool) -> None:
    """Create a profile, or add to an existing one.

    Papers found by name or fetched from a service are listed first (with the near misses: papers
    whose author has only your initial) and added after you confirm; --yes skips the question.

    \b
    Examples:
      paperfeed profile create jane --from my-papers.bib --from publication-page.txt
      paperfeed profile create jane --keys arxiv:2401.01325 --keys arxiv:2402.00001
      paperfeed profile create jane --author "Jane Doe" --interests "KV cache; long context"
      paperfeed profile create jane --orcid 0000-0002-1825-0097 --dry-run
      paperfeed profile create jane --openalex A5023888391 --dblp 12/3456 --yes
    """
    all_keys = [k for chunk in keys for k in chunk.split()]
    sources = [(opt, v) for opt, v in (("arxiv-author", arxiv_author), ("orcid", orcid), ("openalex", openalex),
                                       ("semantic-scholar", s2), ("dblp", dblp)) if v]
    plan = _plan(lib, author, sources, quiet=as_json) if author or sources else None
    if dry_run:
        if as_json:
            print_json({"profile": name, "dry_run": True, "files": list(files), "keys": all_keys,
                        **(plan.as_dict() if plan else {"author": None, "sources": [], "count": 0})})
            return
        if plan:
            show_plan(plan)
        for f in files:
            console.print(f"would ingest {escape(f)} into the profile")
        console.print(f"dry run: nothing written to profile {escape(name)}")
        return
    if plan and not as_json:
        show_plan(plan)
    if plan and plan.count and not yes and not as_json and sys.stdin.isatty():
        click.confirm(f"add these {plan.count} papers to profile {name}?", abort=True, err=True)
    res = lib.create_profile(name, files=files, keys=all_keys, author=author, interests=interests, plan=plan,
                             embed=lambda ids: embed_with_progress(lib, None, as_json, ids=ids))
    if as_json:
        print_json(res)
        return
    console.print(f"profile [bold]{escape(name)}[/bold]: {res['papers_added']} papers added")
    if res["from_files"] and res["from_files"]["rejected"]:
        console.print(f"{len(res['from_files']['rejected'])} records rejected (see --json)")
    for note in (res["from_files"] or {}).get("notes", []):
        console.print(escape(note))
    for src in res["sources"]:
        console.print(f"{escape(src['source'])} {escape(src['id'])}: {src['fetched']} works, "
                      f"{src['profile_added']} new in the profile (library: {src['added']} new, "
                      f"{src['updated']} completed)")
    for note in res["notes"]:
        console.print(escape(note))


def _plan(lib: Library, author: str | None, sources: list[tuple[str, str]], quiet: bool) -> ProfilePlan:
    """plan_profile with a progress line per service on a terminal."""
    from rich.progress import MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

    show = not quiet and err_console.is_terminal
    with Progress(TextColumn("{task.description}"), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err_console.real(), disable=not show, transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(w) -> None:
            if w.option not in tasks:
                tasks[w.option] = bar.add_task(f"{w.service} {w.ident}: works", total=w.total)
            bar.update(tasks[w.option], completed=len(w.papers), total=w.total)

        return lib.plan_profile(author=author, sources=sources, progress=progress)


def show_plan(plan: ProfilePlan, limit: int = 30) -> None:
    """The papers a plan would add, its near misses and what it left out."""
    def rows(papers, names=None) -> None:
        for i, p in enumerate(papers[:limit]):
            by = f"  [dim]({escape(names[i])})[/dim]" if names else ""
            console.print(f"  {escape(p.key)}  {escape(p.label[:90])}" + (f"  [dim]{p.date}[/dim]" if p.date else "")
                          + by)
        if len(papers) > limit:
            console.print(f"  ... and {len(papers) - limit} more (see --json)")

    if plan.author:
        a = plan.author
        console.print(f"author {escape(a.name)}: {len(a.matched)} papers match")
        rows(a.matched)
        if a.near:
            console.print(f"near misses, not added ({len(a.near)}; the name on the paper may be someone else; "
                          "add them with --keys):")
            rows([p for p, _ in a.near], [n for _, n in a.near])
        if a.others:
            names = ", ".join(f"{n} ({c})" for n, c in a.others.most_common(5))
            console.print(f"left out, other people of that surname and initial: {escape(names)}")
    for s in plan.sources:
        console.print(f"{escape(s.service)} {escape(s.ident)}: {len(s.papers)} works")
        rows(s.papers)
        if s.near:
            console.print(f"near misses, not added ({len(s.near)}):")
            rows([p for p, _ in s.near], [n for _, n in s.near])
        for note in s.notes:
            console.print(f"  {escape(note)}")


@profile.command(name="list")
@json_option
@with_library
def profile_list(lib: Library, as_json: bool) -> None:
    """All profiles."""
    rows = lib.profiles()
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("no profiles yet: paperfeed profile create NAME --from my-papers.bib")
    for r in rows:
        console.print(f"[bold]{escape(r['name'])}[/bold]  {r['papers']} papers, {r['liked']} liked, "
                      f"{r['disliked']} disliked" + (f"  <{escape(r['email'])}>" if r["email"] else ""))


@profile.command(name="show")
@click.argument("name")
@json_option
@with_library
def profile_show(lib: Library, name: str, as_json: bool) -> None:
    """A profile's papers, interests, feedback and mutes."""
    from paperfeed.onboard import origin_dict, origin_label  # (onboard imports dedup and rapidfuzz: not at start-up)

    rec = lib.profile(name)
    if as_json:
        out = {k: v for k, v in rec.items() if not k.endswith("_ids") and k != "origins"}
        for k in ("paper", "liked", "disliked"):
            out[k] = [paper_json(p) for p in rec[k]]
        for d in out["paper"]:
            d["origin"] = origin_dict(*rec["origins"].get(d["key"], ("", "")))
        out["papers"] = out.pop("paper")
        print_json(out)
        return
    console.print(f"[bold]{escape(rec['name'])}[/bold]")
    if rec["interests"]:
        console.print(f"interests: {escape(rec['interests'])}")
    if rec["authors"]:
        console.print(f"follows: {escape(', '.join(rec['authors']))}")
    for title, papers in (("papers", rec["paper"]), ("liked", rec["liked"]), ("disliked", rec["disliked"])):
        console.print(f"[bold]{title}[/bold] ({len(papers)})")
        for p in papers:
            paper_lines(p, prefix="  ")
            if title == "papers" and (why := origin_label(*rec["origins"].get(p.key, ("", "")))):
                console.print(f"    [green]why:[/green] {escape(why)}")
    for kind in ("muted_authors", "muted_categories"):
        if rec[kind]:
            console.print(f"{kind.replace('_', ' ')}: {escape(', '.join(rec[kind]))}")


@profile.command(name="delete")
@click.argument("name")
@with_library
def profile_delete(lib: Library, name: str) -> None:
    """Delete a profile (its papers stay in the library)."""
    lib.delete_profile(name)
    console.print(f"deleted profile {escape(name)}")


@profile.command(name="remove")
@click.argument("name")
@click.argument("keys", nargs=-1, required=True)
@with_library
def profile_remove(lib: Library, name: str, keys: tuple[str, ...]) -> None:
    """Take papers out of a profile (they stay in the library)."""
    n = lib.remove_profile_papers(name, keys)
    console.print(f"removed {n} papers from {escape(name)}")


@click.command()
@click.argument("name")
@click.option("--since", help="Only papers dated on or after this day (YYYY-MM-DD, yesterday, 30d).")
@click.option("--until", help="Only papers dated on or before this day.")
@click.option("--days", type=click.IntRange(1), help="Window length when --since is not given "
              "(default: feed.days in config.toml, 7), counted back from --until or the newest paper.")
@click.option("--all", "all_dates", is_flag=True, help="No date window: the whole library, undated papers too.")
@click.option("--category", help="Only papers in this arXiv category.")
@click.option("--limit", type=click.IntRange(1, 500), default=20, show_default=True)
@click.option("--no-embed", is_flag=True, help="Do not embed the window's pending papers first (they are left out).")
@click.option("--format", "fmt", type=click.Choice(FEED_FORMATS), default="terminal", show_default=True,
              help="Output format (--json is the same as --format json).")
@json_option
@with_library
def feed(lib: Library, name: str, since: str | None, until: str | None, days: int | None, all_dates: bool,
         category: str | None, limit: int, no_embed: bool, fmt: str, as_json: bool) -> None:
    """New papers ranked for a profile, each with the reason it was picked.

    By default the window is the last 7 days up to the newest paper in the library; papers
    without a date and the profile's own papers are left out. Ranks are printed with the score
    that ordered them (relevance traded against diversity); the relevance is in "why".

    \b
    Examples:
      paperfeed feed jane
      paperfeed feed jane --days 30 --category cs.LG --json
      paperfeed feed jane --since 2026-06-01 --format atom > jane.xml
    """
    since, until = lib.feed_window(since, until, days, all_dates)
    status = lib.feed_status(name, since, until, category)
    if status["not_embedded"] and not no_embed:
        ids = lib.paper_ids(since, until, category).tolist()
        embed_with_progress(lib, None, as_json or fmt != "terminal", ids=ids)
        status["not_embedded"] = 0
    second = lib.second_tier()
    if second is not None and not no_embed:  # the second tier needs the window and the profile papers too
        embed_with_progress(lib, second[1].model_id, as_json or fmt != "terminal",
                            ids=lib.second_tier_ids(since, until))
    hits = lib.feed(name, since=since, until=until, category=category, limit=limit, all_dates=all_dates)
    quiet = as_json or fmt != "terminal"
    if status["not_embedded"] and not quiet:
        err_console.print(f"note: {status['not_embedded']:,} of {status['candidates']:,} papers in this window are not "
                          "embedded yet and are left out: run `paperfeed embed`", markup=False)
    if as_json or fmt == "json":
        print_json(hits_json(hits))
    elif fmt in ("atom", "markdown", "bibtex"):
        _write_feed(fmt, hits, name)
    else:
        print_hits(hits, False, empty=_empty_feed(status, all_dates))


def _write_feed(fmt: str, hits: list, name: str) -> None:
    from paperfeed.delivery.formats import atom_feed, bibtex_feed, markdown_feed
    from paperfeed.normalize import strip_controls

    if fmt == "atom":
        sys.stdout.buffer.write(atom_feed(hits, name))
    elif fmt == "markdown":
        sys.stdout.write(strip_controls(markdown_feed(hits, name)))
    else:
        sys.stdout.write(strip_controls(bibtex_feed(hits)))


def _empty_feed(status: dict, all_dates: bool) -> str:
    """Why a feed is empty, and what to try."""
    if not status["candidates"]:
        window = ("in the library" if all_dates else f"from {status['since'] or 'the start'} to "
                  f"{status['until'] or 'the newest paper'}")
        newest = f"; the newest paper in the library is from {status['newest']}" if status["newest"] else ""
        return f"no new papers {window}{newest}: try --days 30, --since or --all"
    return "nothing to recommend: add papers or interests to the profile"


def _feedback_command(action: str, doc: str) -> click.Command:
    @click.command(name=action, help=doc)
    @click.argument("keys", nargs=-1, required=True)
    @click.option("--profile", "name", required=True, help="The profile this feedback is for.")
    @with_library
    def cmd(lib: Library, keys: tuple[str, ...], name: str) -> None:
        for key in keys:
            lib.feedback(name, key, action)
        console.print(f"{action}d {len(keys)} paper(s) for {escape(name)}" if action != "unlike"
                      else f"cleared feedback on {len(keys)} paper(s) for {escape(name)}")

    return cmd


def _mute_command(kind: str, on: bool) -> click.Command:
    verb = "mute" if on else "unmute"

    @click.command(name=f"{verb}-{kind}", help=f"{verb.capitalize()} a{'n' if kind == 'author' else ''} {kind} "
                                                f"in a profile's feed.")
    @click.argument("value")
    @click.option("--profile", "name", required=True)
    @with_library
    def cmd(lib: Library, value: str, name: str) -> None:
        lib.mute(name, kind, value, on)
        console.print(f"{verb}d {kind} {escape(value)} for {escape(name)}")

    return cmd


COMMANDS = [
    profile, feed,
    _feedback_command("like", "Like papers: the feed shows more like them."),
    _feedback_command("dislike", "Dislike papers: the feed shows fewer like them."),
    _feedback_command("unlike", "Clear your like or dislike of papers."),
    _mute_command("author", True), _mute_command("author", False),
    _mute_command("category", True), _mute_command("category", False),
]
