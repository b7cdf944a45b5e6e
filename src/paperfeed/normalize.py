"""Canonical forms: arXiv ids, DOIs, titles, author names, dates, and the paper key."""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import re
import unicodedata
from email.utils import parsedate_to_datetime

from paperfeed.models import Paper

_NEW_ID = re.compile(r"(?<![\d.])(\d{4}\.\d{4,5})(?:v(\d+))?(?!\d|\.\d)")
_OLD_ID = re.compile(r"(?<![\w.])([a-z][a-z-]*)(?:\.[a-z]{2})?/(\d{7})(?:v(\d+))?(?!\d)", re.I)
_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>{}]+)")
"""The one DOI pattern: ``10.NNNN/suffix`` up to white space, a quote, an angle bracket or a brace."""
_NONWORD = re.compile(r"[\W_]+", re.UNICODE)
_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
ARXIV_ID_PATTERN = r"(?:\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?"
"""Regex source for one arXiv id, new (2401.01234v2) or old style (hep-th/9901001)."""
ARXIV_ID_RE = re.compile(rf"^{ARXIV_ID_PATTERN}$")
_ARXIV_REF = re.compile(rf"(?:\barxiv\s*:\s*|arxiv\.org/(?:abs|pdf|html)/)({ARXIV_ID_PATTERN})(?![\d])", re.I)
_ARXIV_PREFIX = re.compile(r"^(?:arxiv\s*:\s*|(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/)", re.I)
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$", re.I)
_SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"}
_FOLD = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE",
                       "ß": "ss", "đ": "d", "Đ": "D", "ı": "i", "þ": "th", "Þ": "Th", "ð": "d"})
_NULLS = {"", "null", "none", "nan", "n/a", "-", "et al", "et al.", "others"}
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x9f]")
"""Control characters that are not whitespace (str.split already takes \\t \\n \\r \\x0b \\x0c \\x1c-\\x1f)."""
_ESCAPE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"  # CSI: colours, cursor moves, screen clears
    r"|\x1b\][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC: window titles, hyperlinks
    r"|\x1b[PX^_][^\x1b\x9c]*(?:\x1b\\|\x9c)?"  # DCS, SOS, PM, APC strings
    r"|\x9b[0-?]*[ -/]*[@-~]?"  # 8-bit CSI
    r"|\x1b[ -~]?"  # any other escape
    r"|[\x00-\x08\x0e-\x1a\x7f-\x9f]"
)


def strip_controls(s: str) -> str:
    """Drop terminal escape sequences and control characters (whitespace ones become spaces)."""
    if not _CONTROL.search(s):
        return s
    return _ESCAPE.sub("", s)


def clean_text(s: str | None) -> str:
    """NFC-normalise, drop control characters and escape sequences, collapse whitespace."""
    if not s:
        return ""
    if not s.isascii():
        s = unicodedata.normalize("NFC", s)
    if _CONTROL.search(s):
        s = _ESCAPE.sub("", s)
    return " ".join(s.split())


def arxiv_id(raw: str | None) -> tuple[str | None, int | None]:
    """Canonical arXiv id without version, and the version if one was given."""
    if not raw:
        return None, None
    s = raw.strip()
    m = _NEW_ID.search(s)
    if m:
        return m.group(1), int(m.group(2)) if m.group(2) else None
    m = _OLD_ID.search(s)
    if m:
        # the subject class (math.AG/...) is not part of the canonical id
        return f"{m.group(1).lower()}/{m.group(2)}", int(m.group(3)) if m.group(3) else None
    return None, None


def clean_ws(s: str | None) -> str:
    """Collapse all runs of whitespace to one space and strip the ends."""
    return " ".join(s.split()) if s else ""


def _doi_in(text: str) -> str | None:
    """The first DOI in ``text`` as written, less trailing punctuation and unbalanced closing brackets."""
    m = _DOI.search(text)
    if not m:
        return None
    d = m.group(1).rstrip(".,;")
    for close, open_ in ((")", "("), ("]", "["), ("}", "{")):
        while d.endswith(close) and d.count(close) > d.count(open_):
            d = d[:-1].rstrip(".,;")
    return d if not d.endswith("/") else None


def doi(raw: str | None) -> str | None:
    """Lower-cased bare DOI (no resolver prefix), or None."""
    found = _doi_in(raw.strip()) if raw else None
    return found.lower() if found else None


def find_doi(text: str) -> str | None:
    """First DOI (``10.xxxx/...``) in ``text`` as written (case kept), e.g. inside a doi.org URL."""
    return _doi_in(text)


def find_arxiv_id(text: str) -> str | None:
    """First arXiv id written as ``arXiv:ID`` or as an arxiv.org link in ``text``."""
    m = _ARXIV_REF.search(text)
    return m.group(1) if m else None


def as_arxiv_id(value: str) -> str | None:
    """``value`` as an arXiv id when the whole value is one (prefix/URL/.pdf allowed)."""
    v = _ARXIV_PREFIX.sub("", value.strip())
    v = v.removesuffix(".pdf").strip()
    return v if ARXIV_ID_RE.match(v) else None


def arxiv_version(arxiv_id: str | None) -> int | None:
    """Version number from an id such as ``2401.01234v2``, else None."""
    m = re.search(r"v(\d{1,4})$", arxiv_id or "")
    return int(m.group(1)) if m else None


def arxiv_from_doi(doi: str | None) -> str | None:
    """The arXiv id encoded in an arXiv DataCite DOI (10.48550/arXiv.ID)."""
    m = _ARXIV_DOI.match(doi or "")
    return as_arxiv_id(m.group(1)) if m else None


def title_key(title: str) -> str:
    """Matching key for titles: NFKC, casefold, non-word runs collapsed."""
    s = unicodedata.normalize("NFKC", title).casefold()
    return _NONWORD.sub(" ", s).strip()


@functools.lru_cache(maxsize=65536)
def author_name(raw: str) -> str:
    """One author as "First Last"; "Last, First" is turned round; null tokens dropped."""
    s = clean_text(raw).strip(" ,;*†‡")
    if "," in s:
        parts = [q for q in (p.strip(" ;*†‡") for p in s.split(",")) if q.lower() not in _NULLS]
        if len(parts) == 2 and parts[1].lower() not in _SUFFIXES:
            s = f"{parts[1]} {parts[0]}"
        elif len(parts) == 3 and parts[1].lower() in _SUFFIXES:
            s = f"{parts[2]} {parts[0]} {parts[1]}"
        else:
            s = " ".join(parts)
        s = " ".join(s.split()).strip(" ,;*†‡")
    return s if s.lower() not in _NULLS else ""


def ascii_fold(s: str) -> str:
    """Strip accents and fold letters like ł, ø, æ to ASCII look-alikes."""
    if s.isascii():
        return s
    folded = unicodedata.normalize("NFKD", s).translate(_FOLD)  # decompose first: Ǣ -> Æ + macron -> AE
    return "".join(c for c in folded if not unicodedata.combining(c))


@functools.lru_cache(maxsize=65536)
def author_key(name: str) -> str:
    """Matching key: ASCII-folded, lower-case "first-initial lastname"."""
    folded = ascii_fold(name).lower()
    tokens = [t for t in _NONWORD.split(folded) if t]
    if not tokens:
        return ""
    if len(tokens) == 1:
        return tokens[0]
    return f"{tokens[0][0]} {tokens[-1]}"


_GIVEN_SKIP = {"van", "von", "der", "den", "de", "del", "della", "di", "da", "dos", "du", "la", "le", "ter", "ten",
               "jr", "sr", "ii", "iii", "iv"}


def _name_tokens(name: str) -> list[str]:
    """Folded, lower-case word tokens of a name in "First Last" order ("Last, First" is turned round)."""
    return [t for t in _NONWORD.split(ascii_fold(author_name(name).casefold())) if t]


def _compatible(a: str, b: str) -> bool:
    """Two given-name tokens that can be the same name: equal, or one is the other's initial."""
    return a == b or (len(a) == 1 and b.startswith(a)) or (len(b) == 1 and a.startswith(b))


def same_person(query: str, name: str) -> str | None:
    """Whether an author ``name`` is the person ``query`` names: "match", "near" or None.

    Names are compared folded (accents, case, hyphens, "Last, First"). The surname and the first given
    name must agree; a record that gives only an initial where the query has the full first name, or
    whose middle names contradict the query's, is a near miss ("near"). A query that itself gives only
    an initial matches every first name with that initial. Different first names give None.
    """
    q, n = _name_tokens(query), _name_tokens(name)
    if not q or not n or q[-1] != n[-1]:
        return None
    qg = [t for t in q[:-1] if t not in _GIVEN_SKIP]
    ng = [t for t in n[:-1] if t not in _GIVEN_SKIP]
    if not qg or not ng:
        return "match" if not qg and not ng else "near"
    if qg[0][0] != ng[0][0]:
        return None
    if len(qg[0]) > 1 and len(ng[0]) > 1 and qg[0] != ng[0]:
        return None
    if len(qg[0]) > 1 and len(ng[0]) == 1:
        return "near"
    if all(_compatible(a, b) for a, b in zip(qg[1:], ng[1:], strict=False)):
        return "match"
    return "near"


def authors(raw: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Normalise a list of author names, dropping empty and null entries."""
    out = []
    for a in raw:
        name = author_name(a)
        if name:
            out.append(name)
    return tuple(out)


def _calendar_prefix(year: int, month: int | None, day: int | None) -> str | None:
    """The one calendar rule: the longest valid ISO prefix of (year, month, day), None for a bad year.

    Years 1000-2999; a month outside 1-12 leaves the year; a day not in that month leaves YYYY-MM."""
    if not 1000 <= year <= 2999:
        return None
    if month is None or not 1 <= month <= 12:
        return f"{year:04d}"
    if day is None:
        return f"{year:04d}-{month:02d}"
    try:
        return _dt.date(year, month, day).isoformat()
    except ValueError:
        return f"{year:04d}-{month:02d}"


def date(raw: str | None) -> str | None:
    """ISO date prefix (YYYY, YYYY-MM or YYYY-MM-DD) from a string, or None: as much of it as is valid."""
    if not raw:
        return None
    m = _DATE.match(raw.strip())
    if not m:
        return None
    y, mo, d = m.groups()
    return _calendar_prefix(int(y), int(mo) if mo else None, int(d) if d else None)


_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
         ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
         ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
         ("dec", "december")]
    )
    for m in names
}
_ISO = re.compile(r"^(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?(?:[T ]\S*)?$")
_DMY = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]+)\.?,?\s+(\d{4})$")
_MDY = re.compile(r"^([A-Za-z]+)\.?(?:\s+(\d{1,2})(?:st|nd|rd|th)?)?,?\s+(\d{4})$")


def month_number(text: str) -> int | None:
    """1-12 for a month name, abbreviation or number, else None."""
    t = text.strip().lower().rstrip(".")
    if t.isdigit() and 1 <= int(t) <= 12:
        return int(t)
    return _MONTHS.get(t)


def _read_date(year: str, month: int | None, day: str | None) -> str | None:
    """A written date when every written part is valid (``_calendar_prefix``), else None."""
    got = _calendar_prefix(int(year), month, int(day) if day else None)
    written = 4 + (3 if month is not None else 0) + (3 if day else 0)
    return got if got is not None and len(got) == written else None


def iso_date(text: str | None) -> str | None:
    """An ISO ``YYYY[-MM[-DD]]`` date from the spellings found in exported files (ISO, "5 Jan 2024",
    "Jan 5, 2024", "March 2024", RFC 2822), or None if unreadable or not a real date."""
    t = clean_ws(text)
    if not t:
        return None
    m = _ISO.match(t)
    if m:
        return _read_date(m.group(1), int(m.group(2)) if m.group(2) else None, m.group(3))
    m = _DMY.match(t)
    if m and month_number(m.group(2)):
        return _read_date(m.group(3), month_number(m.group(2)), m.group(1))
    m = _MDY.match(t)
    if m and month_number(m.group(1)):
        return _read_date(m.group(3), month_number(m.group(1)), m.group(2))
    return _rfc2822(t)


def _rfc2822(text: str) -> str | None:
    """Date part (UTC) of an RFC 2822 timestamp such as ``Mon, 2 Apr 2007 19:18:42 GMT``."""
    try:
        dt = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if dt.tzinfo is not None:
        dt = dt.astimezone(_dt.UTC)
    return _calendar_prefix(dt.year, dt.month, dt.day)


def paper_key(arxiv: str | None, doi_: str | None, title: str) -> str:
    """Stable key: arxiv:ID, else doi:DOI, else a hash of the normalised title."""
    if arxiv:
        return f"arxiv:{arxiv}"
    if doi_:
        return f"doi:{doi_}"
    digest = hashlib.blake2b(title_key(title).encode(), digest_size=8).hexdigest()
    return f"title:{digest}"


def record_identity(p: Paper, key: str | None = None) -> tuple[str, str]:
    """(key, hash) of a raw, un-normalised record: a cheap test for "seen exactly this before". ``key``:
    the record's own key in its source (models.Parsed.key), else the paper's key from its ids or title."""
    if key is None:
        aid, _ = arxiv_id(_head(p.arxiv_id, ID_CHARS))
        key = paper_key(aid, doi(_head(p.doi, 4 * ID_CHARS)), clean_text(_head(p.title, 4 * LIMITS["title"])))
    return key, content_hash(p)


LIMITS = {"title": 1_000, "abstract": 20_000, "venue": 500, "comments": 2_000, "journal_ref": 1_000,
          "url": 2_000}
"""Longest stored text of each field, in characters; longer values are cut at a word (and reported).
arXiv allows 1,920 characters of abstract; nothing real comes near these."""
MAX_AUTHORS, MAX_AUTHOR_CHARS = 1_000, 300
MAX_CATEGORIES, MAX_CATEGORY_CHARS = 50, 40
ID_CHARS = 300
"""Longest arXiv id, DOI or date looked at; a longer DOI is dropped (reported), not cut."""


def _head(s: str | None, n: int) -> str | None:
    return s[:n] if s is not None and len(s) > n else s


def _cut(s: str, limit: int) -> str:
    """``s`` shortened to at most ``limit`` characters at a word boundary, ending in an ellipsis."""
    head = s[: limit - 1]
    if s[limit - 1] != " " and " " in head[limit // 2 :]:
        head = head.rsplit(" ", 1)[0]
    return head.rstrip() + "…"


def _capped(s: str | None, field: str, cuts: list[str]) -> str:
    """clean_text, bounded: at most LIMITS[field] characters; the field is noted in ``cuts`` if cut."""
    if not s:
        return ""
    limit = LIMITS[field]
    out = clean_text(s[: 4 * limit])  # never clean megabytes only to throw them away
    if len(out) <= limit and len(s) <= 4 * limit:  # (collapsed spaces or NFC can change the length)
        return out
    cuts.append(field)
    return _cut(out, limit) if len(out) > limit else out


def _capped_authors(raw: tuple[str, ...] | list[str], cuts: list[str]) -> tuple[str, ...]:
    names = authors([a[: 4 * MAX_AUTHOR_CHARS] for a in raw[:MAX_AUTHORS]])
    if len(raw) > MAX_AUTHORS or any(len(a) > MAX_AUTHOR_CHARS for a in names):
        cuts.append("authors")
        names = tuple(_cut(a, MAX_AUTHOR_CHARS) if len(a) > MAX_AUTHOR_CHARS else a for a in names)
    return names


def _capped_categories(raw: tuple[str, ...], cuts: list[str]) -> tuple[str, ...]:
    cats = [clean_text(c[: 4 * MAX_CATEGORY_CHARS]) for c in raw[:MAX_CATEGORIES]]
    kept = tuple(dict.fromkeys(c for c in cats if c and len(c) <= MAX_CATEGORY_CHARS))
    if len(raw) > MAX_CATEGORIES or any(len(c) > MAX_CATEGORY_CHARS for c in cats):
        cuts.append("categories")
    return kept


def normalize_paper(p: Paper) -> Paper:
    """Return the paper with every field in canonical form and its key set (fields cut to LIMITS)."""
    return normalize_paper_cut(p)[0]


def normalize_paper_cut(p: Paper) -> tuple[Paper, tuple[str, ...]]:
    """normalize_paper, and the names of the fields that were cut to their limits (or dropped)."""
    cuts: list[str] = []
    aid, version = arxiv_id(_head(p.arxiv_id, ID_CHARS))
    d = doi(_head(p.doi, 4 * ID_CHARS))
    if d is not None and len(d) > ID_CHARS:
        d = None
        cuts.append("doi")
    title = _capped(p.title, "title", cuts)
    url = clean_text(p.url) if p.url and len(p.url) <= LIMITS["url"] else None
    if p.url and url is None:
        cuts.append("url")
    paper = Paper(  # every field listed: faster than dataclasses.replace on this hot path
        title=title,
        abstract=_capped(p.abstract, "abstract", cuts),
        authors=_capped_authors(p.authors, cuts),
        arxiv_id=aid,
        doi=d,
        categories=_capped_categories(p.categories, cuts),
        date=date(_head(p.date, ID_CHARS)),
        updated=date(_head(p.updated, ID_CHARS)),
        venue=_capped(p.venue, "venue", cuts) or None,
        url=url or None,
        comments=_capped(p.comments, "comments", cuts) or None,
        journal_ref=_capped(p.journal_ref, "journal_ref", cuts) or None,
        version=p.version if p.version is not None else version,
        sources=p.sources,
        key=paper_key(aid, d, title),
    )
    return paper, tuple(cuts)


def content_hash(p: Paper) -> str:
    """Hash of the fields a user sees; equal hashes mean nothing changed."""
    parts = (
        p.title, p.abstract, "\x1f".join(p.authors), p.arxiv_id or "", p.doi or "",
        " ".join(p.categories), p.date or "", p.updated or "", p.venue or "", p.url or "",
        p.comments or "", p.journal_ref or "", str(p.version or ""),
    )
    return hashlib.blake2b("\x1e".join(parts).encode(), digest_size=12).hexdigest()


def text_hash(title: str, abstract: str) -> str:
    """Hash of the text an embedder sees; vectors are keyed by it."""
    return hashlib.blake2b(f"{title}\x1e{abstract}".encode(), digest_size=12).hexdigest()
