"""Pure readers for one page of a researcher's works from OpenAlex, ORCID, Semantic Scholar or DBLP.

Each reader takes the response body and a label for messages and returns the papers on the page and
what paging needs. A body that is not the service's format raises InputError(label, None, reason).
No I/O here; the fetching lives in sources/works.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import orjson

from paperfeed import normalize
from paperfeed.errors import InputError
from paperfeed.ingest.arxiv_atom import parse_xml
from paperfeed.models import Paper

_DBLP_HOMONYM = re.compile(r"\s+\d{4}$")  # "Jane Doe 0002": dblp's number for people of the same name


@dataclass
class WorksPage:
    """One response: its papers and the paging facts."""

    papers: list[Paper] = field(default_factory=list)
    total: int | None = None
    next: str | None = None  # OpenAlex: next cursor; Semantic Scholar: next offset
    name: str | None = None  # DBLP: the person's name


def _json(body: bytes, label: str) -> dict:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as e:
        raise InputError(label, None, f"not JSON ({e})") from None
    if not isinstance(data, dict):
        raise InputError(label, None, f"expected a JSON object, got {type(data).__name__}")
    return data


def _dict(v: object) -> dict:
    return v if isinstance(v, dict) else {}


def _list(v: object) -> list:
    return v if isinstance(v, list) else []


def _str(v: object) -> str:
    return v if isinstance(v, str) else ""


def _arxiv_from(*urls: str) -> str | None:
    """An arXiv id from arxiv.org links or a 10.48550/arXiv.* DOI, else None."""
    for u in urls:
        low = u.lower()
        if "arxiv.org/" in low or "10.48550/arxiv." in low:
            found, _ = normalize.arxiv_id(u)
            if found:
                return found
    return None


def _doi(v: str) -> str | None:
    d = normalize.doi(v)
    return None if d is None or d.startswith("10.48550/arxiv.") else d


# ---- OpenAlex ------------------------------------------------------------------------------------


def abstract_from_inverted_index(index: object) -> str:
    """OpenAlex's ``abstract_inverted_index`` ({word: [positions]}) back to running text."""
    at: dict[int, str] = {}
    for word, positions in _dict(index).items():
        for pos in _list(positions):
            if isinstance(pos, int) and not isinstance(pos, bool) and 0 <= pos < 100_000:
                at.setdefault(pos, word)
    return " ".join(at[i] for i in sorted(at))


def _openalex_work(w: dict) -> Paper | None:
    title = _str(w.get("title")) or _str(w.get("display_name"))
    locations = [_dict(x) for x in _list(w.get("locations"))] + [_dict(w.get("primary_location"))]
    urls = [_str(x.get(k)) for x in locations for k in ("landing_page_url", "pdf_url")]
    doi = _str(w.get("doi")) or _str(_dict(w.get("ids")).get("doi"))
    arxiv = _arxiv_from(*urls, doi)
    if not (title or arxiv or _doi(doi)):
        return None
    venue = _str(_dict(_dict(w.get("primary_location")).get("source")).get("display_name"))
    return Paper(
        title=title,
        abstract=abstract_from_inverted_index(w.get("abstract_inverted_index")),
        authors=tuple(n for a in _list(w.get("authorships"))
                      if (n := _str(_dict(_dict(a).get("author")).get("display_name")))),
        arxiv_id=arxiv, doi=_doi(doi),
        date=_str(w.get("publication_date")) or str(w.get("publication_year") or "") or None,
        venue=None if "arxiv" in venue.lower() else venue or None,
        url=next((u for u in urls if u), None) or _str(w.get("id")) or None,
        sources=("openalex",),
    )


def read_openalex(body: bytes, label: str) -> WorksPage:
    """A page of ``/works?filter=author.id:A…``: ``results`` plus ``meta.count`` and ``meta.next_cursor``."""
    data = _json(body, label)
    if "results" not in data or not isinstance(data["results"], list):
        raise InputError(label, None, "no 'results' list in the OpenAlex answer")
    meta = _dict(data.get("meta"))
    papers = [p for w in data["results"] if (p := _openalex_work(_dict(w)))]
    count = meta.get("count")
    return WorksPage(papers, count if isinstance(count, int) else None, _str(meta.get("next_cursor")) or None)


# ---- ORCID -----------------------------------------------------------------------------------------


def _value(v: object) -> str:
    """ORCID wraps strings as {"value": "..."}."""
    return _str(_dict(v).get("value"))


def _orcid_summary(s: dict) -> Paper | None:
    title = _value(_dict(s.get("title")).get("title"))
    ids: dict[str, str] = {}
    for x in _list(_dict(s.get("external-ids")).get("external-id")):
        x = _dict(x)
        if _str(x.get("external-id-relationship")) in ("self", ""):
            ids.setdefault(_str(x.get("external-id-type")).lower(), _str(x.get("external-id-value")))
    arxiv = normalize.arxiv_id(ids["arxiv"])[0] if ids.get("arxiv") else None
    doi = _doi(ids.get("doi", ""))
    arxiv = arxiv or _arxiv_from(ids.get("doi", ""))
    if not (title or arxiv or doi):
        return None
    d = _dict(s.get("publication-date"))
    date = "-".join(p for p in (_value(d.get("year")), _value(d.get("month")), _value(d.get("day"))) if p)
    return Paper(title=title, arxiv_id=arxiv, doi=doi, date=date or None,
                 venue=_value(s.get("journal-title")) or None, url=_value(s.get("url")) or None,
                 sources=("orcid",))


def read_orcid(body: bytes, label: str) -> WorksPage:
    """``/v3.0/{orcid}/works`` (JSON): one paper per ``group``, from its first ``work-summary``."""
    data = _json(body, label)
    if "group" not in data or not isinstance(data["group"], list):
        raise InputError(label, None, "no 'group' list in the ORCID works answer")
    papers = []
    for g in data["group"]:
        summaries = _list(_dict(g).get("work-summary"))
        if summaries and (p := _orcid_summary(_dict(summaries[0]))):
            papers.append(p)
    return WorksPage(papers, len(papers))


# ---- Semantic Scholar --------------------------------------------------------------------------------


def _s2_paper(p: dict) -> Paper | None:
    ext = _dict(p.get("externalIds"))
    arxiv = normalize.arxiv_id(_str(ext.get("ArXiv")))[0]
    doi = _doi(_str(ext.get("DOI")))
    title = _str(p.get("title"))
    if not (title or arxiv or doi):
        return None
    year = p.get("year")
    return Paper(
        title=title, abstract=_str(p.get("abstract")),
        authors=tuple(n for a in _list(p.get("authors")) if (n := _str(_dict(a).get("name")))),
        arxiv_id=arxiv, doi=doi,
        date=_str(p.get("publicationDate")) or (str(year) if isinstance(year, int) else None),
        venue=_str(p.get("venue")) or None, url=_str(p.get("url")) or None, sources=("semantic-scholar",),
    )


def read_semantic_scholar(body: bytes, label: str) -> WorksPage:
    """``/graph/v1/author/{id}/papers``: ``data`` plus ``next`` (the next offset, absent at the end)."""
    data = _json(body, label)
    if "data" not in data or not isinstance(data["data"], list):
        raise InputError(label, None, "no 'data' list in the Semantic Scholar answer")
    nxt = data.get("next")
    papers = [p for x in data["data"] if (p := _s2_paper(_dict(x)))]
    return WorksPage(papers, None, str(nxt) if isinstance(nxt, int) and not isinstance(nxt, bool) else None)


# ---- DBLP ------------------------------------------------------------------------------------------------


def _text(el) -> str:
    return normalize.clean_text("".join(el.itertext())) if el is not None else ""


def dblp_name(raw: str) -> str:
    """A dblp author name without its homonym number: 'Jane Doe 0002' -> 'Jane Doe'."""
    return _DBLP_HOMONYM.sub("", raw.strip())


def _dblp_record(rec) -> Paper | None:
    title = _text(rec.find("title")).removesuffix(".")
    ees = [_text(e) for e in rec.findall("ee")]
    arxiv = _arxiv_from(*ees)
    if arxiv is None and _text(rec.find("journal")) == "CoRR":
        arxiv = normalize.arxiv_id(_text(rec.find("volume")))[0]
    doi = next((d for e in ees if (d := _doi(e))), None)
    if not (title or arxiv or doi):
        return None
    venue = _text(rec.find("booktitle")) or _text(rec.find("journal"))
    return Paper(
        title=title, authors=tuple(dblp_name(_text(a)) for a in rec.findall("author") if _text(a)),
        arxiv_id=arxiv, doi=doi, date=_text(rec.find("year")) or None,
        venue=None if venue == "CoRR" else venue or None,
        url=next((e for e in ees if e), None), sources=("dblp",),
    )


def read_dblp(body: bytes, label: str) -> WorksPage:
    """A dblp person page in XML (``https://dblp.org/pid/….xml``): ``<dblpperson>`` with one ``<r>`` per work."""
    root = parse_xml(body, label)
    if root.tag != "dblpperson":
        raise InputError(label, None, f"expected a <dblpperson> document, got <{root.tag}>")
    papers = []
    for r in root.findall("r"):
        for rec in r:
            if isinstance(rec.tag, str) and (p := _dblp_record(rec)):
                papers.append(p)
    return WorksPage(papers, len(papers), name=dblp_name(root.get("name") or "") or None)
