"""Terminal rendering of papers and hits."""

from __future__ import annotations

from paperfeed.cli.common import console, escape
from paperfeed.links import best_link
from paperfeed.models import Hit, Paper


def link(p: Paper) -> str:
    """The best web link for a paper (links.best_link), or ''."""
    return best_link(p) or ""


def short_authors(p: Paper, n: int = 3) -> str:
    """First authors, 'et al.' after n."""
    if not p.authors:
        return ""
    more = " et al." if len(p.authors) > n else ""
    return ", ".join(p.authors[:n]) + more


def paper_lines(p: Paper, prefix: str = "") -> None:
    """Title line, then authors/date/key line."""
    console.print(f"{prefix}[bold]{escape(p.label)}[/bold]")
    meta = "  ".join(x for x in (short_authors(p), p.date or "", " ".join(p.categories[:3]), p.key) if x)
    console.print(f"{' ' * len(prefix)}[dim]{escape(meta)}[/dim]")


def paper_detail(p: Paper) -> None:
    """Everything about one paper."""
    console.print(f"[bold]{escape(p.label)}[/bold]")
    rows = [
        ("key", p.key), ("authors", ", ".join(p.authors)), ("date", p.date or ""),
        ("updated", p.updated or ""), ("categories", " ".join(p.categories)), ("arXiv", p.arxiv_id or ""),
        ("DOI", p.doi or ""), ("venue", p.venue or ""), ("comments", p.comments or ""),
        ("journal", p.journal_ref or ""), ("link", link(p)), ("sources", ", ".join(p.sources)),
    ]
    for name, value in rows:
        if value:
            console.print(f"[dim]{name:>10}[/dim]  {escape(value)}")
    if p.abstract:
        console.print()
        console.print(escape(p.abstract), soft_wrap=False)


def hit_lines(rank: int, hit: Hit) -> None:
    """One ranked result: title, authors/date/link, and why it matched."""
    p = hit.paper
    if p is None:
        console.print(f"{rank:>3}. {escape(hit.key)}  {hit.score:.3f}")
        return
    console.print(f"{rank:>3}. [bold]{escape(p.label)}[/bold]  [dim]{hit.score:.3f}[/dim]")
    meta = "  ".join(x for x in (short_authors(p), p.date or "", link(p) or p.key) if x)
    console.print(f"     [dim]{escape(meta)}[/dim]")
    if hit.why:
        console.print(f"     [green]why:[/green] {escape(hit.why)}")
