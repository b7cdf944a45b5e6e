"""Writers for exported papers: BibTeX, JSON Lines and CSV. Each round-trips through ingest."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import TextIO

import orjson

from paperfeed.links import paper_links, project_links
from paperfeed.models import Hit, Paper

CSV_COLUMNS = ("key", "arxiv_id", "doi", "title", "abstract", "authors", "categories", "date", "venue", "url")
EXPORT_FORMATS = ("bibtex", "jsonl", "csv")


def paper_dict(p: Paper) -> dict:
    """JSON-ready dict in paperfeed's schema (the shared/data schema plus extras)."""
    d = {
        "key": p.key, "id": p.arxiv_id, "doi": p.doi, "title": p.title, "abstract": p.abstract,
        "authors": list(p.authors), "categories": list(p.categories), "date": p.date,
        "updated": p.updated, "venue": p.venue, "url": p.url, "comments": p.comments,
        "journal_ref": p.journal_ref, "version": p.version, "sources": list(p.sources),
    }
    return d


def paper_json(p: Paper, full: bool = False) -> dict:
    """The one JSON shape of a paper (list, show, search, feed, digest, the API; see README).

    paper_dict's fields with the arXiv id as ``arxiv_id`` (``id`` is kept for the export format
    only), plus ``links``; ``full`` (one paper: show, /api/papers/KEY) adds its ``bibtex``.
    """
    d = paper_dict(p)
    d = {"key": d.pop("key"), "arxiv_id": d.pop("id"), **d, "links": paper_links(p),
         "code_links": [{"kind": kind, "url": url} for kind, url in project_links(p)]}
    if full:
        d["bibtex"] = bibtex_entry(p)
    return d


def hit_json(h: Hit, rank: int | None = None) -> dict:
    """The one JSON shape of a ranked result: the paper's (paper_json) plus rank (1-based), score and why."""
    return {"rank": rank, **(paper_json(h.paper) if h.paper else {"key": h.key}), "score": h.score, "why": h.why}


def hits_json(hits: Iterable[Hit], offset: int = 0) -> list[dict]:
    """hit_json of each hit, ranked from ``offset + 1``."""
    return [hit_json(h, offset + i) for i, h in enumerate(hits, 1)]


def write_jsonl(papers: Iterable[Paper], out: TextIO) -> int:
    """One JSON object per line."""
    n = 0
    for p in papers:
        out.write(orjson.dumps(paper_dict(p)).decode() + "\n")
        n += 1
    return n


def write_csv(papers: Iterable[Paper], out: TextIO) -> int:
    """CSV with a header; authors joined by '; ', categories by spaces."""
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    n = 0
    for p in papers:
        w.writerow([
            p.key, p.arxiv_id or "", p.doi or "", p.title, p.abstract, "; ".join(p.authors),
            " ".join(p.categories), p.date or "", p.venue or "", p.url or "",
        ])
        n += 1
    return n


_BIB_ESCAPE = {"&": r"\&", "%": r"\%", "#": r"\#", "{": r"\textbraceleft{}", "}": r"\textbraceright{}",
               "~": r"\textasciitilde{}", "\\": r"\textbackslash{}"}


_MATH = re.compile(r"(\$[^$]+\$)")


def _balanced(s: str) -> bool:
    depth = 0
    for ch in s:
        depth += (ch == "{") - (ch == "}")
        if depth < 0:
            return False
    return depth == 0


def _bib_value(s: str) -> str:
    """Brace-quoted BibTeX value; the stored text is plain, so TeX specials are escaped.

    Inline math ($...$) is kept verbatim when its braces balance, since readers keep math as is.
    """
    parts = []
    for seg in _MATH.split(s):
        if seg.startswith("$") and seg.endswith("$") and len(seg) > 1 and _balanced(seg):
            parts.append(seg)
        else:
            text = "".join(_BIB_ESCAPE.get(ch, ch) for ch in seg)
            # TeX ligatures (--, ---, ``, '') would read back as dashes and curly quotes: break them
            parts.append(re.sub(r"(?<=-)(?=-)|(?<=`)(?=`)|(?<=')(?=')", "{}", text))
    return "{" + "".join(parts) + "}"


def bibtex_citekey(p: Paper) -> str:
    """A readable citation key: first author's last name, year, first title word."""
    from paperfeed.normalize import ascii_fold  # (normalize is not needed to start the CLI)

    words = p.authors[0].split() if p.authors else []
    last = re.sub(r"[^A-Za-z]", "", ascii_fold(words[-1])).lower() if words else "anon"
    year = (p.date or "")[:4]
    word = next((w.lower() for w in re.findall(r"[A-Za-z]{4,}", p.title)), "paper")
    suffix = (p.arxiv_id or p.doi or p.key).replace("/", "_").replace(":", "_")
    return f"{last}{year}{word}_{re.sub(r'[^A-Za-z0-9_.-]', '', suffix)}"


def bibtex_entry(p: Paper) -> str:
    """One @article / @misc entry."""
    fields: list[tuple[str, str]] = [("title", p.title)]
    if p.authors:
        fields.append(("author", " and ".join(p.authors)))
    if p.date:
        fields.append(("year", p.date[:4]))
        if len(p.date) >= 7:
            fields.append(("month", p.date[5:7]))
        fields.append(("date", p.date))
    if p.arxiv_id:
        fields += [("eprint", p.arxiv_id), ("archiveprefix", "arXiv")]
        if p.categories:
            fields.append(("primaryclass", p.categories[0]))
    if p.doi:
        fields.append(("doi", p.doi))
    if p.venue:
        fields.append(("journal", p.venue))
    url = p.url or (f"https://arxiv.org/abs/{p.arxiv_id}" if p.arxiv_id else None)
    if url:
        fields.append(("url", url))
    if p.categories:
        fields.append(("keywords", ", ".join(p.categories)))
    if p.abstract:
        fields.append(("abstract", p.abstract))
    kind = "article" if p.venue else "misc"
    body = ",\n".join(f"  {k} = {_bib_value(v)}" for k, v in fields)
    return f"@{kind}{{{bibtex_citekey(p)},\n{body}\n}}\n"


def write_bibtex(papers: Iterable[Paper], out: TextIO) -> int:
    """BibTeX entries separated by blank lines."""
    n = 0
    for p in papers:
        out.write(bibtex_entry(p) + "\n")
        n += 1
    return n


def write(fmt: str, papers: Iterable[Paper], out: TextIO) -> int:
    """Write papers in an export format; returns how many."""
    writer = {"bibtex": write_bibtex, "jsonl": write_jsonl, "csv": write_csv}[fmt]
    return writer(papers, out)
