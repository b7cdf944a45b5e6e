"""LaTeX-to-Unicode decoding for the ingest parsers.

``latex_to_text`` turns BibTeX/arXiv-style LaTeX into plain Unicode: accents
(``{\\"o}``, ``\\'e``, ``\\c{c}``), special letters (``\\ss``, ``{\\aa}``), dashes,
TeX quotes, ``~`` and formatting commands (``\\emph{...}``). Grouping braces are
dropped; math (``$...$``, ``\\(...\\)``) is kept verbatim, dollars included.
Pure; never raises on odd input. (arXiv ids, DOIs and dates are read in normalize.py.)
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["latex_to_text"]

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


_MARKUP = re.compile(r"[$\\{}~\-`']")
"""The characters _convert treats specially (math, commands, groups, ties, dashes, quotes)."""


def _convert(s: str, depth: int) -> str:
    """The worker behind latex_to_text; depth bounds recursion into accent arguments."""
    if depth > _MAX_DEPTH:
        return s.replace("{", "").replace("}", "")
    out: list[str] = []
    i = 0
    while i < len(s):
        m = _MARKUP.search(s, i)  # plain text up to the next character that may start markup, in one piece
        if m is None:
            out.append(s[i:])
            break
        if m.start() > i:
            out.append(s[i:m.start()])
            i = m.start()
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
    return _convert(s, 0) if _MARKUP.search(s) else s
