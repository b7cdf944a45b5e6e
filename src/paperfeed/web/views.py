"""Shapes shared by the pages and their JSON twins: hits, papers, links; and the template filters."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, urlencode

from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

from paperfeed.export import bibtex_entry
from paperfeed.links import paper_links, project_links
from paperfeed.web import mathtext

TEMPLATES = Path(__file__).parent / "templates"


def keyurl(key: str) -> str:
    """A paper key as a URL path segment (keys keep their ':' and '/')."""
    return quote(key, safe="/:")


def author_search(name: str) -> str:
    """The search URL for an author's papers."""
    return "/search?" + urlencode({"q": f'au:"{name}"'})


def clip(text: str | None, n: int = 300) -> str:
    """At most ``n`` characters, cut at a word, never inside a $...$ span."""
    text = " ".join((text or "").split())
    if len(text) <= n:
        return text
    cut = text[:n].rsplit(" ", 1)[0]
    if cut.count("$") % 2:
        cut = cut[: cut.rfind("$")].rstrip()
    return cut + " …"


def query_url(path: str, params: dict, **changes) -> str:
    """``path`` with ``params`` updated by ``changes`` (empty values dropped): paging links."""
    merged = {**params, **changes}
    clean = {k: v for k, v in merged.items() if v not in (None, "", 0) or k == "offset" and v}
    return path + ("?" + urlencode(clean) if clean else "")


def make_templates() -> Jinja2Templates:
    """Jinja2 templates with autoescaping on for every file and paperfeed's filters."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True,
                      lstrip_blocks=True)
    env.filters.update(math=mathtext.render, clip=clip, keyurl=keyurl, author_search=author_search)
    env.globals.update(paper_links=paper_links, project_links=project_links, query_url=query_url,
                       bibtex=bibtex_entry)
    return Jinja2Templates(env=env)
