"""A feed as an Atom document, Markdown or BibTeX (the terminal and JSON renderers live in cli/)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

from lxml import etree

from paperfeed.delivery.digest import one_line
from paperfeed.export import bibtex_entry
from paperfeed.links import page_and_pdf
from paperfeed.models import Hit

ATOM_NS = "http://www.w3.org/2005/Atom"


def _rfc3339(day: str | None, fallback: datetime) -> str:
    """An Atom date from YYYY[-MM[-DD]]."""
    if not day:
        return fallback.strftime("%Y-%m-%dT%H:%M:%SZ")
    parts = (day.split("-") + ["01", "01"])[:3]
    return f"{parts[0]}-{parts[1]:0>2}-{parts[2]:0>2}T00:00:00Z"


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, f"{{{ATOM_NS}}}{tag}", {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        el.text = _xml_safe(text)
    return el


def _xml_safe(s: str) -> str:
    """Drop characters XML 1.0 cannot carry."""
    return "".join(c for c in s if c in "\t\n\r" or (" " <= c <= "\ud7ff") or ("\ue000" <= c <= "\ufffd")
                   or c >= "\U00010000")


def atom_feed(hits: list[Hit], profile: str, self_url: str | None = None, now: datetime | None = None) -> bytes:
    """A valid Atom 1.0 document: one entry per hit with id, title, link, summary, updated, author."""
    now = now or datetime.now(UTC)
    feed = etree.Element(f"{{{ATOM_NS}}}feed", nsmap={None: ATOM_NS})
    _sub(feed, "id", f"urn:paperfeed:feed:{quote(profile, safe='')}")
    _sub(feed, "title", f"paperfeed: new papers for {one_line(profile)}")
    _sub(feed, "updated", now.strftime("%Y-%m-%dT%H:%M:%SZ"))
    _sub(_sub(feed, "author"), "name", "paperfeed")
    _sub(feed, "generator", "paperfeed")
    if self_url:
        _sub(feed, "link", rel="self", href=self_url, type="application/atom+xml")
    for h in hits:
        _entry(feed, h, now)
    return etree.tostring(feed, xml_declaration=True, encoding="utf-8", pretty_print=True)


def _entry(feed: etree._Element, h: Hit, now: datetime) -> None:
    p = h.paper
    entry = _sub(feed, "entry")
    abs_url, pdf_url = page_and_pdf(p) if p else (None, None)
    _sub(entry, "id", abs_url if p and p.arxiv_id else f"urn:paperfeed:paper:{quote(h.key, safe=':')}")
    _sub(entry, "title", one_line(p.label if p else h.key))
    _sub(entry, "updated", _rfc3339((p.updated or p.date) if p else None, now))
    if p and p.date:
        _sub(entry, "published", _rfc3339(p.date, now))
    if abs_url:
        _sub(entry, "link", rel="alternate", href=abs_url, type="text/html")
    if pdf_url:
        _sub(entry, "link", rel="related", href=pdf_url, type="application/pdf", title="pdf")
    for name in (p.authors if p else ()) or ("unknown",):
        _sub(_sub(entry, "author"), "name", name)
    for cat in p.categories if p else ():
        _sub(entry, "category", term=cat)
    summary = (f"Why: {h.why}\n\n" if h.why else "") + (p.abstract if p else "")
    _sub(entry, "summary", summary, type="text")


_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_{}[]()<>#|!"})


def _md(s: str) -> str:
    return one_line(s).translate(_MD_SPECIAL)


def markdown_feed(hits: list[Hit], profile: str) -> str:
    """A numbered Markdown list with links, authors, date and the reason for each paper."""
    lines = [f"# New papers for {_md(profile)}", ""]
    for i, h in enumerate(hits, 1):
        p = h.paper
        abs_url, pdf_url = page_and_pdf(p) if p else (None, None)
        title = _md(p.label if p else h.key)
        lines.append(f"{i}. **[{title}]({abs_url})**" if abs_url else f"{i}. **{title}**")
        meta = [_md(", ".join(p.authors[:6])) if p and p.authors else "", p.date if p and p.date else ""]
        if pdf_url:
            meta.append(f"[PDF]({pdf_url})")
        lines.append("   " + " · ".join(m for m in meta if m))
        if h.why:
            lines.append(f"   *Why:* {_md(h.why)}")
        lines.append("")
    return "\n".join(lines)


def bibtex_feed(hits: list[Hit]) -> str:
    """BibTeX entries for the feed's papers."""
    return "\n".join(bibtex_entry(h.paper) for h in hits if h.paper is not None)
