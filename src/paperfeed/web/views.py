"""Shapes shared by the pages and their JSON twins: hits, papers, links; and the template filters."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, urlencode

from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

from paperfeed.export import bibtex_entry, paper_dict
from paperfeed.links import project_links
from paperfeed.models import Hit, Paper
from paperfeed.web import mathtext

TEMPLATES = Path(__file__).parent / "templates"


def paper_links(p: Paper) -> dict[str, str]:
    """Where to read a paper: arXiv abstract and PDF, DOI, the source's URL."""
    links = {}
    if p.arxiv_id:
        links["abs"] = f"https://arxiv.org/abs/{p.arxiv_id}"
        links["pdf"] = f"https://arxiv.org/pdf/{p.arxiv_id}"
    if p.doi:
        links["doi"] = f"https://doi.org/{p.doi}"
    if p.url and p.url.startswith(("https://", "http://")) and p.url not in links.values():
        links["url"] = p.url
    return links


def paper_json(p: Paper, full: bool = True) -> dict:
    """A paper for the API (with links and, when ``full``, its BibTeX)."""
    d = paper_dict(p)
    d["links"] = paper_links(p)
    d["code_links"] = [{"kind": kind, "url": url} for kind, url in project_links(p)]
    if full:
        d["bibtex"] = bibtex_entry(p)
    return d


def hit_json(h: Hit) -> dict:
    """A ranked result for the API: key, score, why and the paper."""
    return {"key": h.key, "score": h.score, "why": h.why,
            "paper": paper_json(h.paper, full=False) if h.paper else None}


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
