"""Where to read a paper (arXiv, DOI, its URL: one order everywhere), and the code and project links
found in its abstract and comments (GitHub, GitLab, project pages)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from paperfeed.models import Paper

_URL = re.compile(r"https?://[^\s<>\"'{}\\|^`]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}>*"
CODE_HOSTS = ("github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "huggingface.co", "sourceforge.net")
"""Hosts whose links are shown as "code"; any other link in the text is a "project" page."""
_NOT_PROJECT = ("arxiv.org", "doi.org", "dx.doi.org", "creativecommons.org")
MAX_LINKS = 4


def paper_links(p: Paper) -> dict[str, str]:
    """Where to read a paper, best first: arXiv abstract and PDF, DOI, the source's http(s) URL."""
    links = {}
    if p.arxiv_id:
        links["abs"] = f"https://arxiv.org/abs/{p.arxiv_id}"
        links["pdf"] = f"https://arxiv.org/pdf/{p.arxiv_id}"
    if p.doi:
        links["doi"] = f"https://doi.org/{p.doi}"
    if p.url and p.url.startswith(("https://", "http://")) and p.url not in links.values():
        links["url"] = p.url
    return links


def best_link(p: Paper) -> str | None:
    """The one link to show for a paper: the first of paper_links (the PDF is never first)."""
    return next((url for kind, url in paper_links(p).items() if kind != "pdf"), None)


def page_and_pdf(p: Paper) -> tuple[str | None, str | None]:
    """(page to read, PDF) URLs, for digests and feeds."""
    return best_link(p), paper_links(p).get("pdf")


def _clean(url: str) -> str:
    """A URL with the sentence punctuation that followed it removed (keeping balanced brackets)."""
    while url and url[-1] in _TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url.removesuffix(".git")


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower().removeprefix("www.")
    except ValueError:
        return ""


def find_links(text: str | None) -> list[tuple[str, str]]:
    """(kind, url) for each distinct http(s) URL in ``text``: kind is 'code' or 'project'."""
    out: dict[str, str] = {}
    for m in _URL.finditer(text or ""):
        url = _clean(m.group(0))
        host = _host(url)
        if "." not in host or host in _NOT_PROJECT or host.endswith(".arxiv.org"):
            continue
        kind = "code" if any(host == h or host.endswith("." + h) for h in CODE_HOSTS) else "project"
        if kind == "code" and host == "github.com" and urlsplit(url).path.strip("/") == "":
            continue
        out.setdefault(url, kind)
    return list(out.items())


def project_links(p: Paper) -> list[tuple[str, str]]:
    """Code links first, then project pages, from the comments and the abstract (at most MAX_LINKS)."""
    links = dict(find_links(p.comments) + find_links(p.abstract))
    ordered = sorted(links.items(), key=lambda kv: kv[1] != "code")
    return [(kind, url) for url, kind in ordered][:MAX_LINKS]
