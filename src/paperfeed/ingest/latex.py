"""LaTeX-to-Unicode decoding plus small text helpers shared by the ingest parsers.

``latex_to_text`` turns BibTeX/arXiv-style LaTeX into plain Unicode: accents
(``{\\"o}``, ``\\'e``, ``\\c{c}``), special letters (``\\ss``, ``{\\aa}``), dashes,
TeX quotes, ``~`` and formatting commands (``\\emph{...}``). Grouping braces are
dropped; math (``$...$``, ``\\(...\\)``) is kept verbatim, dollars included.
The other helpers recognise arXiv ids, DOIs and dates in the spellings found in
exported files. Everything here is pure and never raises on odd input.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC
from email.utils import parsedate_to_datetime

__all__ = [
    "ARXIV_ID_PATTERN",
    "ARXIV_ID_RE",
    "arxiv_from_doi",
    "arxiv_version",
    "as_arxiv_id",
    "clean_ws",
    "find_arxiv_id",
    "find_doi",
    "iso_date",
    "latex_to_text",
    "month_number",
]

# --------------------------------------------------------------------- LaTeX

_ACCENTS = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303",
    "=": "\u0304", ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b",
    "c": "\u0327", "k": "\u0328", "r": "\u030a", "d": "\u0323", "b": "\u0331",
}
_SYMBOLS = {
    "ss": "ß", "aa": "å", "AA": "Å", "o": "ø", "O": "Ø", "ae": "æ", "AE": "Æ",
    "oe": "œ", "OE": "Œ", "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ", "dh": "ð",
    "DH": "Ð", "th": "þ", "TH": "Þ", "ng": "ŋ", "NG": "Ŋ", "dj": "đ", "DJ": "Đ",
    "textendash": "–", "textemdash": "—", "textquoteleft": "‘",
    "textquoteright": "’", "textquotedblleft": "“", "textquotedblright": "”",
    "ldots": "…", "dots": "…", "textellipsis": "…", "textasciitilde": "~",
    "textbraceleft": "{", "textbraceright": "}",
    "textbackslash": "\\", "textunderscore": "_", "textbar": "|",
    "textless": "<", "textgreater": ">", "textregistered": "®",
    "texttrademark": "™", "textcopyright": "©", "copyright": "©",
    "textdegree": "°", "S": "§", "P": "¶", "euro": "€", "pounds": "£",
    "guillemotleft": "«", "guillemotright": "»", "textasciicircum": "^",
    "slash": "/", "nobreakspace": " ", "quad": " ", "qquad": " ",
    "LaTeX": "LaTeX", "TeX": "TeX", "BibTeX": "BibTeX", "par": " ",
    "newline": " ", "linebreak": " ",
}
# Commands whose own name vanishes; their {argument} is kept (braces dropped later).
_TRANSPARENT = {
    "emph", "textit", "textbf", "textsc", "texttt", "textrm", "textsf", "textsl",
    "textup", "textmd", "textnormal", "text", "mbox", "hbox", "underline", "uline",
    "textsuperscript", "textsubscript", "NoCaseChange", "MakeUppercase",
    "MakeLowercase", "uppercase", "lowercase", "protect", "em", "bf", "it", "sc",
    "tt", "rm", "sf", "sl", "up", "normalfont", "bfseries", "itshape", "scshape",
    "ttfamily", "rmfamily", "sffamily", "mdseries", "upshape", "small", "large",
    "Large", "LARGE", "footnotesize", "tiny", "huge", "Huge", "normalsize",
    "scriptsize", "relax", "noindent", "newblock", "ensuremath",
}
# Commands whose first {argument} is dropped together with the command.
_DROP_ARG = {"cite", "citep", "citet", "label", "footnote", "thanks", "href", "index"}
_CONTROL_SYMBOLS = {
    "&": "&", "%": "%", "$": "$", "#": "#", "_": "_", "{": "{", "}": "}",
    " ": " ", "\\": " ", ",": " ", ";": " ", ":": " ", "!": "", "-": "", "/": "",
    "@": "", "\n": " ", "\t": " ",
}
_MAX_DEPTH = 8


def _group(s: str, i: int) -> tuple[str, int]:
    """Return the content of the brace group opening at s[i] and the index after it."""
    depth = 0
    j = i
    while j < len(s):
        ch = s[j]
        if ch == "\\":
            j += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return s[i + 1 : j], j + 1
        j += 1
    return s[i + 1 :], len(s)


def _skip_spaces(s: str, i: int) -> int:
    """Index of the first non-blank character at or after i."""
    while i < len(s) and s[i] in " \t":
        i += 1
    return i


def _accent(s: str, i: int, mark: str, depth: int) -> tuple[str, int]:
    """Apply a combining mark to the argument starting at s[i]."""
    if i < len(s) and s[i] == "{":
        arg, i = _group(s, i)
        base = _convert(arg, depth + 1)
    elif s.startswith(("\\i", "\\j"), i) and not s[i + 2 : i + 3].isalpha():
        base, i = s[i + 1], i + 2
    elif i < len(s) and s[i] not in "\\$}":
        base, i = s[i], i + 1
    else:
        base = ""
    if not base:
        return "", i
    first = {"ı": "i", "ȷ": "j"}.get(base[0], base[0])
    return unicodedata.normalize("NFC", first + mark) + base[1:], i


def _math_end(s: str, i: int) -> int:
    """Index just after the math span opening at s[i], or -1 when unclosed."""
    for opener, closer in (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")):
        if s.startswith(opener, i):
            j = i + len(opener)
            while j < len(s):
                if s[j] == "\\" and not s.startswith(closer, j):
                    j += 2
                    continue
                if s.startswith(closer, j):
                    return j + len(closer)
                j += 1
            return -1
    return -1


def _command(s: str, i: int, out: list[str], depth: int) -> int:
    """Decode the command whose backslash is at s[i]; return the next index."""
    j = i + 1
    if j >= len(s):
        out.append("\\")
        return j
    ch = s[j]
    if not ch.isalpha() or not ch.isascii():
        if ch in _ACCENTS:
            text, k = _accent(s, j + 1, _ACCENTS[ch], depth)
            out.append(text)
            return k
        out.append(_CONTROL_SYMBOLS.get(ch, "\\" + ch))
        return j + 1
    k = j
    while k < len(s) and s[k].isascii() and s[k].isalpha():
        k += 1
    name, after = s[j:k], _skip_spaces(s, k)
    if name in _ACCENTS and len(name) == 1:
        text, k = _accent(s, after, _ACCENTS[name], depth)
        out.append(text)
        return k
    if name in _SYMBOLS:
        out.append(_SYMBOLS[name])
        return after
    if name in _TRANSPARENT:
        return after
    if name in _DROP_ARG and after < len(s) and s[after] == "{":
        return _group(s, after)[1]
    if name == "url" and after < len(s) and s[after] == "{":
        arg, k = _group(s, after)
        out.append(arg)
        return k
    if after < len(s) and s[after] == "{":
        k = _group(s, after)[1]
        out.append(s[i:k])
        return k
    out.append("\\" + name)
    return k


def _convert(s: str, depth: int) -> str:
    """The worker behind latex_to_text; depth bounds recursion into accent arguments."""
    if depth > _MAX_DEPTH:
        return s.replace("{", "").replace("}", "")
    out: list[str] = []
    i = 0
    while i < len(s):
        ch = s[i]
        if ch == "$" or s.startswith(("\\(", "\\["), i):
            end = _math_end(s, i)
            if end > 0:
                out.append(s[i:end])
                i = end
                continue
            if ch == "$":
                out.append("$")
                i += 1
                continue
        if ch == "\\":
            i = _command(s, i, out, depth)
        elif ch in "{}":
            i += 1
        elif ch == "~":
            out.append(" ")
            i += 1
        elif s.startswith("---", i):
            out.append("—")
            i += 3
        elif s.startswith("--", i):
            out.append("–")
            i += 2
        elif s.startswith("``", i):
            out.append("“")
            i += 2
        elif s.startswith("''", i):
            out.append("”")
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def latex_to_text(s: str) -> str:
    """Decode LaTeX markup in ``s`` to plain Unicode, keeping math spans verbatim."""
    if not any(c in s for c in "\\{}$~-`'"):
        return s
    return _convert(s, 0)


# -------------------------------------------------------------- text helpers

ARXIV_ID_PATTERN = r"(?:\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?"
"""Regex source for one arXiv id, new (2401.01234v2) or old style (hep-th/9901001)."""
_ID_CORE = ARXIV_ID_PATTERN
ARXIV_ID_RE = re.compile(rf"^{_ID_CORE}$")
_ARXIV_REF = re.compile(
    rf"(?:\barxiv\s*:\s*|arxiv\.org/(?:abs|pdf|html)/)({_ID_CORE})(?![\d])", re.IGNORECASE
)
_ARXIV_PREFIX = re.compile(r"^(?:arxiv\s*:\s*|(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/)", re.I)
_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>{}]+)")
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$", re.IGNORECASE)


def clean_ws(s: str | None) -> str:
    """Collapse all runs of whitespace to one space and strip the ends."""
    return " ".join(s.split()) if s else ""


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


def find_doi(text: str) -> str | None:
    """First DOI (``10.xxxx/...``) in ``text``, e.g. inside a doi.org URL."""
    m = _DOI.search(text)
    return m.group(1).rstrip(".,;)") if m else None


def arxiv_from_doi(doi: str | None) -> str | None:
    """The arXiv id encoded in an arXiv DataCite DOI (10.48550/arXiv.ID)."""
    m = _ARXIV_DOI.match(doi or "")
    return as_arxiv_id(m.group(1)) if m else None


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


def _ymd(year: str, month: int | None, day: str | int | None) -> str | None:
    """Format a date with as much precision as is valid."""
    if not year.isdigit() or len(year) != 4:
        return None
    if not month or not 1 <= month <= 12:
        return year if month is None else None
    if day is None or day == "":
        return f"{year}-{month:02d}"
    if not 1 <= int(day) <= 31:
        return None
    return f"{year}-{month:02d}-{int(day):02d}"


def iso_date(text: str | None) -> str | None:
    """An ISO ``YYYY[-MM[-DD]]`` date from common spellings, or None if unreadable."""
    t = clean_ws(text)
    if not t:
        return None
    m = _ISO.match(t)
    if m:
        return _ymd(m.group(1), int(m.group(2)) if m.group(2) else None, m.group(3))
    m = _DMY.match(t)
    if m and month_number(m.group(2)):
        return _ymd(m.group(3), month_number(m.group(2)), m.group(1))
    m = _MDY.match(t)
    if m and month_number(m.group(1)):
        return _ymd(m.group(3), month_number(m.group(1)), m.group(2))
    return _rfc2822(t)


def _rfc2822(text: str) -> str | None:
    """Date part (UTC) of an RFC 2822 timestamp such as ``Mon, 2 Apr 2007 19:18:42 GMT``."""
    try:
        dt = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC)
    return dt.date().isoformat()
