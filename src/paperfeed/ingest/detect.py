"""Guess an input's format from its first ~64 KB of decoded text.

The content decides; the file name's extension only breaks ties (empty input,
XML or delimited text that could be read either way).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata

from paperfeed.errors import InputError
from paperfeed.ingest import FORMATS
from paperfeed.ingest.csvfile import COLUMNS, sniff_delimiter

__all__ = ["FORMATS", "detect_format"]

_BY_EXTENSION = {
    "jsonl": "jsonl", "ndjson": "jsonl", "json": "json", "bib": "bibtex", "bibtex": "bibtex",
    "atom": "atom", "csv": "csv", "tsv": "tsv", "tab": "tsv", "txt": "text", "text": "text",
}
_ENTRY = re.compile(r"(?m)^[ \t]*@[ \t]*[A-Za-z]+[ \t]*[{(][^,\s}]*,")
_SPECIAL = re.compile(r"(?m)^[ \t]*@[ \t]*(?:string|comment|preamble)[ \t]*[{(]", re.IGNORECASE)
_JSON_ARRAY = re.compile(r"^\[\s*(?:[{\[\"\]]|$)")
_ROOT = re.compile(r"<(?![?!])([\w.-]+:)?([\w.-]+)")
_ATOM_NS = "http://www.w3.org/2005/Atom"
_OAI_NS = "http://www.openarchives.org/OAI/2.0/"
_KNOWN_COLUMNS = {name for names in COLUMNS.values() for name in names}


def _extension(filename: str | None) -> str | None:
    """Format implied by the file name (ignoring a trailing .gz), if any."""
    if not filename:
        return None
    name = filename.lower().removesuffix(".gz")
    return _BY_EXTENSION.get(name.rsplit(".", 1)[-1]) if "." in name else None


def _check_text(head: str, source: str) -> None:
    """Raise InputError for NUL bytes or mostly unprintable content."""
    if "\x00" in head:
        raise InputError(source, None, "binary data (NUL bytes), not a paper listing")
    sample = head[:4096]
    if not sample:
        return
    bad = sum(
        1 for ch in sample
        if ch == "\ufffd" or (unicodedata.category(ch) in ("Cc", "Cs", "Co") and ch not in "\t\n\r\f\v")
    )
    if bad * 10 > len(sample) * 3:
        raise InputError(source, None, "binary data (mostly unprintable), not a paper listing")


def _xml_format(text: str, ext: str | None) -> str:
    """'atom' or 'oai' from the root element / namespaces, else by extension or 'text'."""
    body = re.sub(r"<!--.*?-->", "", text[:8192], flags=re.DOTALL)
    m = _ROOT.search(body)
    root = m.group(2) if m else ""
    if root == "feed" or (root != "OAI-PMH" and _ATOM_NS in body and _OAI_NS not in body):
        return "atom"
    if root == "OAI-PMH" or _OAI_NS in body:
        return "oai"
    return ext if ext in ("atom", "oai") else "text"


def _is_bibtex(text: str, ext: str | None) -> bool:
    """Entries like '@article{key,' leading the text (after % comments), or several of them."""
    entries = len(_ENTRY.findall(text)) + len(_SPECIAL.findall(text))
    if not entries:
        return False
    first = next((ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("%")), "")
    return first.lstrip().startswith("@") or ext == "bibtex" or entries >= 2


def _delimited(text: str, ext: str | None) -> str | None:
    """'csv' or 'tsv' when the text is a consistent table with a recognisable header."""
    lines = [ln for ln in text.splitlines() if ln.strip()][:20]
    if not lines:
        return None
    delimiter = sniff_delimiter(lines[0], "x.tsv" if ext == "tsv" else "")
    if delimiter not in lines[0]:
        return None
    try:
        rows = list(csv.reader(io.StringIO("\n".join(lines[:-1] if len(lines) > 2 else lines)),
                               delimiter=delimiter))
    except csv.Error:
        return None
    header = {" ".join(re.sub(r"[_\-]+", " ", h.strip().lower()).split()) for h in rows[0]}
    widths = [len(r) for r in rows[1:] if r]
    consistent = not widths or sum(w == len(rows[0]) for w in widths) * 5 >= len(widths) * 4
    if consistent and (header & _KNOWN_COLUMNS or ext in ("csv", "tsv")):
        return "tsv" if delimiter == "\t" else "csv"
    return None


def detect_format(head: str, filename: str | None = None) -> str:
    """One of FORMATS for text starting with ``head``; ``filename`` breaks ties only."""
    source = filename or "<input>"
    _check_text(head, source)
    ext = _extension(filename)
    text = head.lstrip("\ufeff \t\r\n")
    if not text:
        return ext or "text"
    if text[0] == "{":
        return "jsonl"
    if text[0] == "[" and (_JSON_ARRAY.match(text) or ext == "json"):
        return "json"
    if text[0] == "<":
        return _xml_format(text, ext)
    if _is_bibtex(text, ext):
        return "bibtex"
    return _delimited(text, ext) or "text"
