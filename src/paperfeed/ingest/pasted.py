"""Parser for paper lists copied as plain text from web pages.

Three layouts are recognised (see ``detect_layout``):

* ``listing``: an author's arXiv listing. Per paper: an abstract paragraph, an
  optional comments paragraph, a line ``arXiv:ID`` and a line ``Created: DATE``.
  There are no titles, so titles stay "".
* ``publications``: a publication page. An optional owner line ("Doe, Jane"),
  then per paper a title line, an authors line "Last, First, Last, First" (with
  ``null`` placeholders dropped) and the abstract on one line.
* ``aggregator``: per paper a title line, a blank line, an abstract paragraph,
  maybe with an arXiv id or arxiv.org link nearby.

Lines are classified one at a time: *clutter* (navigation words, bare dates,
counts, "Submitted by ..."), *titles* (3-30 words, no final period, not all caps),
*prose* (25+ words of running text) and structural lines (``arXiv:`` ids,
``Created:``, author lists). Hard-wrapped paragraphs are re-joined first. A long
paragraph that could not be tied to a paper is reported as ``Rejected``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from paperfeed.ingest.base import Record
from paperfeed.ingest.latex import latex_to_text
from paperfeed.models import Note, Paper, Parsed, Rejected
from paperfeed.normalize import ARXIV_ID_PATTERN, arxiv_version, clean_ws, find_arxiv_id, iso_date

__all__ = ["LAYOUTS", "detect_layout", "parse"]

LAYOUTS = ("listing", "publications", "aggregator")

_REF_ONLY = re.compile(
    rf"^(?:arxiv\s*:\s*|(?:https?://)?(?:www\.)?arxiv\.org/(?:abs|pdf)/)({ARXIV_ID_PATTERN})"
    r"(?:\.pdf)?(?:\s*\[([\w.\-]+)\])?$",
    re.IGNORECASE,
)
_DATED = re.compile(r"^(created|submitted|published|updated|last updated)\s*:\s*(.+)$", re.I)
_MON = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_CLUTTER_FULL = [
    re.compile(p, re.IGNORECASE)
    for p in (
        rf"(?:published on |posted on |updated )?{_MON}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?",
        rf"\d{{1,2}}\s+{_MON}(?:\s+\d{{4}})?",
        rf"{_MON}\s+\d{{4}}",
        r"\d{4}(?:-\d{2}){1,2}",
        r"(?:about |updated |posted )?(?:\d+|an?|one)\s+(?:sec|second|min|minute|hour|h|day|d|"
        r"week|w|month|mo|year|y|yr)s?\s+ago",
        r"today|yesterday|just now",
        r"[\d.,]+\s*[km]?\s+(?:comments?|upvotes?|votes?|likes?|views?|points?|repl(?:y|ies)|"
        r"shares?|citations?|stars?|authors?|bookmarks?|reads?|followers?|downloads?)\b.{0,40}",
        r"(?:cited by|citations?|upvotes?|votes?|comments?|views?|likes?)\s*:?\s*[\d.,]+[km]?",
        r"page\s+\d+(?:\s+of\s+\d+)?",
    )
]
_CLUTTER_PHRASE = re.compile(
    r"newsletter|\bsign (?:up|in|out)\b|\blog ?(?:in|out)\b|\bsubscribe (?:to|now)\b|"
    r"(?:accept|use|our) cookies|cookie (?:policy|settings)|privacy policy|terms of (?:use|service)|"
    r"all rights reserved|©|powered by|follow us|back to top|\b(?:read|show|load|see|view) "
    r"(?:more|all|less)\b|skip to|(?:submitted|posted|shared|added|curated|uploaded) by\b",
    re.IGNORECASE,
)
_NAV_WORDS = set(
    """
    home about subscribe subscribed login log in sign up out register search menu papers paper
    publications publication contact blog trending latest top new next previous prev back to share tweet
    save saved bookmark pdf code cite citation abstract more less show read load copy link bibtex
    download follow following feed rss archive archives docs faq help privacy terms policy settings
    profile dashboard upvote upvoted comment comments reply like views page talks teaching cv news
    people research projects team group members join us our the and of for & models datasets spaces
    posts pricing enterprise community collections daily html other view all see week month today
    """.split()
)
_COMMENT_START = re.compile(
    r"^(?:accepted|to appear|appeared|published in|camera[- ]ready|under review|in press|"
    r"submitted to|preprint|in proceedings|proceedings of|comments?:|\d+\s+pages\b)",
    re.IGNORECASE,
)
_COMMENT = re.compile(rf"{_COMMENT_START.pattern}|\b\d+\s+(?:pages|figures|tables)\b", re.IGNORECASE)
_PARTICLES = {"van", "von", "der", "den", "de", "del", "della", "di", "da", "dos", "du", "la", "le",
              "y", "bin", "al", "el", "ter", "ten", "zu", "null"}
_NAME_WORD = re.compile(r"^[^\W\d_][\w'’.\-]*$")


@dataclass
class _Line:
    """A logical line: one physical line, or a hard-wrapped paragraph re-joined."""

    no: int
    text: str
    last: str = field(default="", repr=False)


# ----------------------------------------------------------------- line kinds


def _is_clutter(t: str) -> bool:
    """Navigation, dates, counters and similar page furniture."""
    if not any(ch.isalpha() for ch in t):
        return True
    if len(t.split()) <= 12 and _CLUTTER_PHRASE.search(t):
        return True
    if any(p.fullmatch(t) for p in _CLUTTER_FULL):
        return True
    tokens = [w.strip("|·•/-–—:()[]▲▼↑★") for w in t.lower().split()]
    tokens = [w for w in tokens if w and not w.isdigit()]
    nav = sum(w in _NAV_WORDS for w in tokens)
    return bool(tokens) and (nav == len(tokens) or (len(tokens) <= 6 and 4 * nav >= 3 * len(tokens)))


def _name_token(token: str, max_words: int = 4) -> bool:
    """'García Márquez', 'J.', 'van der Berg', 'null': a run of name words."""
    words = token.split()
    return 1 <= len(words) <= max_words and all(
        _NAME_WORD.match(w) and (w[0].isupper() or w.lower() in _PARTICLES) for w in words
    )


def _last_first(t: str) -> list[str] | None:
    """Comma tokens of a 'Last, First, Last, First' author line, else None."""
    if "," not in t or t.endswith((":", ";")):
        return None
    tokens = [x.strip() for x in t.rstrip(",").split(",")]
    real = [x for x in tokens if x.lower() != "null"]
    if len(tokens) < 2 or not real or not all(x and _name_token(x) for x in tokens):
        return None
    single = sum(1 for x in real if len(x.split()) == 1)
    return tokens if 2 * single >= len(real) else None


def _is_name_list(t: str) -> bool:
    """'Jane Doe, John Smith and Ann Lee' (or one such name): people, not a title."""
    parts = [p.strip() for p in re.split(r",|\band\b|&|·|;", t) if p.strip()]
    return bool(parts) and all(_name_token(p, 5) and len(p.split()) >= 2 for p in parts)


def _is_title(t: str) -> bool:
    """Short line without final period that is not clutter, comments or an author list."""
    words = t.split()
    if not 3 <= len(words) <= 30 or t.endswith((".", ":", ",", ";")):
        return False
    letters = [c for c in t if c.isalpha()]
    if not letters or all(c.isupper() for c in letters):
        return False
    return not (
        _is_clutter(t) or _COMMENT.search(t) or _REF_ONLY.match(t) or _DATED.match(t)
    )


def _is_prose(t: str) -> bool:
    """Running text: 25+ words with plenty of lower-case words (or several sentences)."""
    words = t.split()
    lower = sum(1 for w in words if w[:1].islower())
    sentences = len(re.findall(r"[.!?](?:\s|$)", t))
    if len(words) >= 25 and lower * 10 >= len(words) * 3:
        return not _last_first(t)
    return len(words) >= 15 and sentences >= 2 and lower * 10 >= len(words) * 3


def _special(t: str) -> bool:
    """A line that never belongs to a wrapped paragraph."""
    return bool(
        _is_clutter(t) or _REF_ONLY.match(t) or _DATED.match(t) or _COMMENT.search(t)
        or _last_first(t)
    )


def _title_case(t: str) -> bool:
    """Most words of 4+ letters capitalised, as in headline-style titles."""
    words = [w for w in t.split() if len(w) >= 4 and w[0].isalpha()]
    return bool(words) and sum(w[0].isupper() for w in words) >= 0.6 * len(words)


def _continues(last: str, nxt: str) -> bool:
    """Whether ``nxt`` is the continuation of a hard-wrapped line ``last``."""
    if not 40 <= len(last) <= 160 or len(nxt.split()) >= 25:
        return False
    return not (_special(last) or _special(nxt) or _title_case(last))


def _logical_lines(lines: Iterable[str]) -> list[_Line]:
    """Stripped lines (blank ones kept as ''), hard-wrapped paragraphs joined."""
    out: list[_Line] = []
    for no, raw in enumerate(lines, 1):
        text = clean_ws(raw)
        if out and text and out[-1].text and _continues(out[-1].last, text):
            out[-1].text += " " + text
            out[-1].last = text
        else:
            out.append(_Line(no, text, text))
    return out


# ------------------------------------------------------------------- layouts


def _layout(items: list[_Line]) -> str:
    """'listing', 'publications' or 'aggregator' for classified lines."""
    texts = [it.text for it in items]
    created = any((m := _DATED.match(t)) and m.group(1).lower() == "created" for t in texts)
    if created and any(_REF_ONLY.match(t) for t in texts):
        return "listing"
    for a, b in zip(texts, texts[1:], strict=False):
        if _is_title(a) and _last_first(b):
            return "publications"
    return "aggregator"


def detect_layout(lines: Iterable[str]) -> str:
    """Which of LAYOUTS the pasted text follows."""
    return _layout(_logical_lines(lines))


def _skipped(item: _Line, why: str) -> Rejected:
    """A Rejected record for a long paragraph that was not used."""
    return Rejected(item.no, f"skipped: {why}: {item.text[:40]!r}")


def _paper(line: int, **fields: object) -> Parsed:
    """Parsed record; the version is read off the arXiv id."""
    arxiv_id = fields.get("arxiv_id")
    version = arxiv_version(arxiv_id) if isinstance(arxiv_id, str) else None
    return Parsed(line, Paper(version=version, **fields))  # type: ignore[arg-type]


def _listing(items: list[_Line]) -> list[Record]:
    """Layout 'listing': abstract, comments, arXiv:ID, Created: DATE per paper."""
    records: list[Record] = []
    start = 0
    anchors = [i for i, it in enumerate(items) if _REF_ONLY.match(it.text)]
    for n, j in enumerate(anchors):
        prose = [i for i in range(start, j) if _is_prose(items[i].text)]
        main = [i for i in prose if not _COMMENT_START.match(items[i].text)] or prose
        at = main[-1] if main else None  # the abstract: last prose that is not a comment
        records += [_skipped(items[i], "paragraph before another abstract") for i in prose if at is not None and i < at]
        comments = [
            items[i].text for i in range(start if at is None else at + 1, j)
            if items[i].text and not _is_clutter(items[i].text)
            and (_COMMENT.search(items[i].text) or (at is not None and len(items[i].text.split()) > 1))
        ]
        dates, start = _dates_after(items, j, anchors[n + 1] if n + 1 < len(anchors) else len(items))
        m = _REF_ONLY.match(items[j].text)
        assert m is not None
        records.append(_paper(
            items[j if at is None else at].no,
            abstract="" if at is None else items[at].text,
            arxiv_id=m.group(1),
            categories=(m.group(2),) if m.group(2) else (),
            comments=" ".join(comments) or None,
            date=dates.get("created"),
            updated=dates.get("updated"),
        ))
    records += [_skipped(items[i], "paragraph without arXiv id") for i in range(start, len(items))
                if _is_prose(items[i].text)]
    return records


def _dates_after(items: list[_Line], j: int, stop: int) -> tuple[dict[str, str], int]:
    """Created/Updated dates following the anchor at j; also the index after them."""
    dates: dict[str, str] = {}
    end = j + 1
    for i in range(j + 1, stop):
        if _is_prose(items[i].text):
            break
        m = _DATED.match(items[i].text)
        if m:
            kind = "updated" if "updated" in m.group(1).lower() else "created"
            found = iso_date(m.group(2))
            if found:
                dates.setdefault(kind, found)
            end = i + 1
    return dates, end


def _pick_title(items: list[_Line], lo: int, hi: int) -> int | None:
    """Nearest title line in lo..hi; lines that look like people's names only as a last resort."""
    cands = [i for i in range(lo, hi) if _is_title(items[i].text)]
    plain = [i for i in cands if not _is_name_list(items[i].text)]
    if cands:
        return (plain or cands)[-1]
    prev = next((i for i in range(hi - 1, lo - 1, -1) if items[i].text), None)
    return prev if prev is not None and _is_short_title(items[prev].text) else None


def _is_short_title(t: str) -> bool:
    """A one- or two-word title such as 'Mamba-2' or 'Attention Sinks' (used right before an abstract)."""
    words = t.split()
    return 1 <= len(words) <= 2 and len(t) >= 4 and any(c.isalpha() for c in t) and not (
        t.endswith((".", ":", ",", ";")) or _is_clutter(t) or _REF_ONLY.match(t) or _DATED.match(t)
    )


def _ref_near(items: list[_Line], lo: int, hi: int, whole: bool = True) -> tuple[str, int] | None:
    """First arXiv id in items[lo:hi] (``whole``: only lines that are just an id), with its index."""
    for i in range(max(lo, 0), min(hi, len(items))):
        m = _REF_ONLY.match(items[i].text)
        found = m.group(1) if m else (None if whole else find_arxiv_id(items[i].text))
        if found:
            return found, i
    return None


def _paper_ref(items: list[_Line], lo: int, k: int, after: int) -> tuple[str, int] | None:
    """Paper id: an id line before the abstract k, one after it, one inside it, any before it."""
    return (_ref_near(items, lo, k) or _ref_near(items, k + 1, after)
            or _ref_near(items, k, k + 1, whole=False) or _ref_near(items, lo, k, whole=False))


def _aggregator(items: list[_Line]) -> list[Record]:
    """Layout 'aggregator': title, blank line, abstract (arXiv id maybe nearby)."""
    records: list[Record] = []
    prose = [i for i, it in enumerate(items) if _is_prose(it.text)]
    papers: list[tuple[int, dict[str, object]]] = []
    used: set[int] = set(prose)
    lo = 0
    for n, k in enumerate(prose):
        nxt = prose[n + 1] if n + 1 < len(prose) else len(items)
        t = _pick_title(items, lo, k)
        if t is None and papers and all(not it.text for it in items[lo:k]):
            papers[-1][1]["abstract"] = f"{papers[-1][1]['abstract']}\n\n{items[k].text}"
            lo = k + 1
            continue
        after = next((i for i in range(k + 1, nxt) if _is_title(items[i].text)), nxt)
        ref = _paper_ref(items, k if t is None else t, k, after)
        used.update(x for x in (t, ref[1] if ref else None) if x is not None)
        if t is None and ref is None:
            records.append(_skipped(items[k], "paragraph without a title"))
        else:
            papers.append((items[k if t is None else t].no, {
                "title": "" if t is None else latex_to_text(items[t].text),
                "abstract": items[k].text,
                "arxiv_id": ref[0] if ref else None,
            }))
        lo = k + 1
    records += [_paper(line, **fields) for line, fields in papers]
    return records + _titles_with_ids(items, used)


def _titles_with_ids(items: list[_Line], used: set[int]) -> list[Record]:
    """Abstract-less papers: an unused title line followed by an arXiv id line."""
    records: list[Record] = []
    for i, it in enumerate(items):
        j = _next_text(items, i + 1)
        if i in used or j is None or j in used or not _is_title(it.text):
            continue
        m = _REF_ONLY.match(items[j].text)
        if m:
            used.update((i, j))
            records.append(_paper(it.no, title=latex_to_text(it.text), arxiv_id=m.group(1)))
    return records


def _pair_names(tokens: list[str], known: dict[str, set[str]] | None = None) -> tuple[tuple[str, ...], list[str]]:
    """['Doe', 'Jane', 'Jiří', 'null', 'Navrátil', 'null'] -> ('Jane Doe', 'Jiří Navrátil'), and the joins made.

    Some exports split one person over two name fields, each written as a one-part name ("Jiří, null,
    Navrátil, null"). Two such one-word names in a row are joined as given name + surname unless the
    page says otherwise (``known``: surname -> given names written with it elsewhere on the page).
    """
    pairs = [(tokens[k], tokens[k + 1] if k + 1 < len(tokens) else "") for k in range(0, len(tokens), 2)]
    names, joins = [], []
    k = 0
    while k < len(pairs):
        last, first = pairs[k]
        if k + 1 < len(pairs) and _one_part(pairs[k]) and _one_part(pairs[k + 1]) \
                and _joinable(last, pairs[k + 1][0], known or {}):
            joined = f"{last} {pairs[k + 1][0]}"
            names.append(joined)
            joins.append(f"{last} + {pairs[k + 1][0]} \u2192 {joined}")
            k += 2
            continue
        parts = [p for p in (first, last) if p and p.lower() != "null"]
        if parts:
            names.append(" ".join(parts))
        k += 1
    return tuple(names), joins


def _joinable(given: str, surname: str, known: dict[str, set[str]]) -> bool:
    """Whether one-part names ``given`` then ``surname`` are one person, as far as the page tells."""
    g, s = given.casefold(), surname.casefold()
    if g in known.get(s, ()):
        return True  # the page writes this person in full elsewhere
    if g in known:
        return False  # a surname whose first name is missing
    given_names = {x for names in known.values() for x in names}
    return not (s in known and g not in given_names)  # another person's surname, and no known first name


def _one_part(pair: tuple[str, str]) -> bool:
    """A ('Word', 'null') name pair: one one-word name field and an empty one."""
    last, first = pair
    return first.lower() in ("null", "") and last.lower() != "null" and len(last.split()) == 1


def _known_names(token_lists: list[list[str]]) -> dict[str, set[str]]:
    """Surname -> the given names written with it on the page ('Mazur, Marcin')."""
    known: dict[str, set[str]] = {}
    for t in token_lists:
        for k in range(0, len(t) - 1, 2):
            if t[k + 1].lower() != "null" and t[k].lower() != "null":
                known.setdefault(t[k].casefold(), set()).add(t[k + 1].casefold())
    return known


def _next_text(items: list[_Line], i: int) -> int | None:
    """Index of the first non-blank line at or after i."""
    return next((k for k in range(i, len(items)) if items[k].text), None)


def _starts_paper(items: list[_Line], i: int) -> bool:
    """A title line directly followed by a 'Last, First' author line."""
    return i + 1 < len(items) and _is_title(items[i].text) and bool(_last_first(items[i + 1].text))


def _one_line_abstract(items: list[_Line], k: int | None) -> bool:
    """Whether line k can be the abstract of the paper just before it."""
    if k is None or _starts_paper(items, k):
        return False
    t = items[k].text
    return len(t.split()) >= 12 and not (_is_clutter(t) or _REF_ONLY.match(t))


def _publications(items: list[_Line]) -> list[Record]:
    """Layout 'publications': title, 'Last, First' authors, one-line abstract."""
    records: list[Record] = []
    used: set[int] = set()
    known = _known_names([_last_first(items[n + 1].text) or [] for n in range(len(items))
                          if _starts_paper(items, n)])
    i = 0
    while i < len(items):
        if not _starts_paper(items, i):
            i += 1
            continue
        title, tokens = items[i], _last_first(items[i + 1].text) or []
        authors, joins = _pair_names(tokens, known)
        records += [Note(items[i + 1].no, j) for j in joins]
        used.update((i, i + 1))
        k = _next_text(items, i + 2)
        abstract = ""
        i += 2
        if k is not None and _one_line_abstract(items, k):
            abstract, i = items[k].text, k + 1
            used.add(k)
        records.append(_paper(
            title.no,
            title=latex_to_text(title.text),
            authors=authors,
            abstract=abstract,
            arxiv_id=find_arxiv_id(abstract),
        ))
    records += [_skipped(it, "paragraph without title and authors")
                for n, it in enumerate(items) if n not in used and _is_prose(it.text)]
    return records


_BUILDERS = {"listing": _listing, "publications": _publications, "aggregator": _aggregator}


def parse(lines: Iterable[str], source: str) -> Iterator[Record]:
    """Parse text pasted from a web page into papers (layout detected automatically)."""
    items = _logical_lines(lines)
    records = _BUILDERS[_layout(items)](items)
    records.sort(key=lambda r: r.line)
    yield from records
