"""Readable inline LaTeX for abstracts, rendered on the server (the machine may be offline: no MathJax).

``$O(n^2)$`` becomes ``<span class="math">O(n<sup>2</sup>)</span>``. Every piece of source text is
HTML-escaped before it is placed between the fixed tags this module writes, so the result is safe
to mark up.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from markupsafe import Markup, escape

_OPENER = re.compile(r"\$|\\\(")
"""Where a math span may start: ``$$...$$``, ``$...$`` (at most MAX_INLINE inside) or ``\\(...\\)``."""
MAX_INLINE = 400
_TOKEN = re.compile(r"\\[A-Za-z]+\*?|\\.|\s+|.", re.S)
_MAX_DEPTH = 20

_GREEK = (
    "alpha α beta β gamma γ delta δ epsilon ϵ varepsilon ε zeta ζ eta η theta θ vartheta ϑ iota ι "
    "kappa κ lambda λ mu μ nu ν xi ξ pi π varpi ϖ rho ρ varrho ϱ sigma σ varsigma ς tau τ upsilon υ "
    "phi ϕ varphi φ chi χ psi ψ omega ω Gamma Γ Delta Δ Theta Θ Lambda Λ Xi Ξ Pi Π Sigma Σ "
    "Upsilon Υ Phi Φ Psi Ψ Omega Ω"
)
_OPERATORS = (
    "leq ≤ le ≤ geq ≥ ge ≥ neq ≠ ne ≠ approx ≈ sim ∼ simeq ≃ cong ≅ equiv ≡ propto ∝ times × cdot · "
    "cdots ⋯ ldots … dots … vdots ⋮ ddots ⋱ pm ± mp ∓ infty ∞ partial ∂ nabla ∇ sum ∑ prod ∏ int ∫ "
    "oint ∮ in ∈ notin ∉ ni ∋ subset ⊂ subseteq ⊆ supset ⊃ supseteq ⊇ cup ∪ cap ∩ setminus ∖ "
    "forall ∀ exists ∃ neg ¬ lnot ¬ wedge ∧ land ∧ vee ∨ lor ∨ to → rightarrow → leftarrow ← gets ← "
    "Rightarrow ⇒ Leftarrow ⇐ Leftrightarrow ⇔ leftrightarrow ↔ iff ⇔ implies ⇒ mapsto ↦ "
    "uparrow ↑ downarrow ↓ ell ℓ hbar ℏ star ⋆ ast ∗ circ ∘ bullet • emptyset ∅ varnothing ∅ "
    "langle ⟨ rangle ⟩ lfloor ⌊ rfloor ⌋ lceil ⌈ rceil ⌉ mid | vert | Vert ‖ top ⊤ perp ⊥ bot ⊥ "
    "oplus ⊕ otimes ⊗ odot ⊙ prime ′ ll ≪ gg ≫ lesssim ≲ gtrsim ≳ preceq ⪯ succeq ⪰ prec ≺ succ ≻ "
    "triangle △ angle ∠ deg ° degree ° dagger † aleph ℵ Re ℜ Im ℑ wp ℘ sharp ♯ checkmark ✓ "
    "log log ln ln exp exp min min max max sup sup inf inf lim lim arg arg det det dim dim "
    "sin sin cos cos tan tan tanh tanh sigmoid sigmoid softmax softmax argmax argmax argmin argmin "
    "Pr Pr deg deg ker ker"
)
SYMBOLS: dict[str, str] = dict(zip(*[iter((_GREEK + " " + _OPERATORS).split())] * 2, strict=True))
SYMBOLS.update({"{": "{", "}": "}", "%": "%", "&": "&", "_": "_", "$": "$", "#": "#", "|": "‖",
                ",": "\u2009", ";": " ", ":": " ", "!": "", " ": " ", "quad": "\u2003", "qquad": "\u2003\u2003",
                "\\": " "})
_STYLES = {"mathbf": "b", "textbf": "b", "boldsymbol": "b", "bm": "b", "mathit": "i", "textit": "i", "emph": "i"}
_PLAIN = {"mathrm", "text", "textrm", "operatorname", "mathsf", "mathtt", "texttt", "textsf", "mbox",
          "hat", "bar", "tilde", "vec", "widehat", "widetilde", "overline", "underline", "dot", "ddot"}
_ACCENT_MARK = {"hat": "\u0302", "bar": "\u0304", "tilde": "\u0303", "vec": "\u20d7", "dot": "\u0307",
                "ddot": "\u0308", "widehat": "\u0302", "widetilde": "\u0303", "overline": "\u0305"}
_SIZING = {"left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "middle",
           "displaystyle", "textstyle", "scriptstyle", "limits", "nolimits", "nonumber"}


def _alphabet(start: int, exceptions: dict[str, str]) -> dict[str, str]:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return {c: exceptions.get(c, chr(start + i)) for i, c in enumerate(letters)}


_BLACKBOARD = _alphabet(0x1D538, {"C": "ℂ", "H": "ℍ", "N": "ℕ", "P": "ℙ", "Q": "ℚ", "R": "ℝ", "Z": "ℤ"})
_CALLIGRAPHIC = _alphabet(0x1D49C, {"B": "ℬ", "E": "ℰ", "F": "ℱ", "H": "ℋ", "I": "ℐ", "L": "ℒ", "M": "ℳ",
                                     "R": "ℛ"})
_LETTER_FONTS = {"mathbb": _BLACKBOARD, "mathcal": _CALLIGRAPHIC, "mathscr": _CALLIGRAPHIC}


def render(text: str | None) -> Markup:
    """Escaped text with each math span rendered as HTML in a ``<span class="math">``."""
    if not text:
        return Markup("")
    out: list[str] = []
    pos = 0
    for start, end, src in math_spans(text):
        out.append(str(escape(text[pos:start])))
        out.append(f'<span class="math">{math_html(src)}</span>')
        pos = end
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))


def math_spans(text: str, find=str.find) -> Iterator[tuple[int, int, str]]:
    """(start, end, source) of each math span, left to right, in time linear in the text.

    A delimiter whose closing mark is nowhere after it can have none after any later opening either,
    so each kind is searched for at most once past its last closing mark (a regular expression with
    a lazy ``.+?`` rescans the rest of the text from every opening: quadratic). ``find`` is
    ``str.find``, or a counting stand-in in the tests.
    """
    closed = {"$$": True, "\\)": True}  # whether a closing mark may still follow
    i = 0
    while m := _OPENER.search(text, i):
        p = m.start()
        span = _span_at(text, p, closed, find)
        if span is None:
            i = p + 1
            continue
        yield span
        i = span[1]


def _span_at(text: str, p: int, closed: dict[str, bool], find) -> tuple[int, int, str] | None:
    """The math span opening at ``p``, if any: the first kind that closes, as the old pattern chose."""
    if text.startswith("\\(", p):
        return _closed_by(text, p, "\\)", closed, find)
    if text.startswith("$$", p):
        span = _closed_by(text, p, "$$", closed, find)
        if span is not None:
            return span
    if p > 0 and text[p - 1] in "\\$":
        return None
    if p + 1 >= len(text) or text[p + 1].isspace():
        return None
    q = find(text, "$", p + 1, p + MAX_INLINE + 2)  # the next $ ends it (the inside has none)
    if q <= p + 1 or text[q - 1].isspace() or text[q - 1] == "\\":
        return None
    return p, q + 1, text[p + 1 : q]


def _closed_by(text: str, p: int, mark: str, closed: dict[str, bool], find) -> tuple[int, int, str] | None:
    """A ``$$``- or ``\\(``-span from ``p`` to the first closing ``mark`` after at least one character."""
    if not closed[mark]:
        return None
    q = find(text, mark, p + 3)
    if q < 0:
        closed[mark] = False
        return None
    return p, q + 2, text[p + 2 : q]


def math_html(src: str) -> str:
    """HTML for one LaTeX math expression (a readable approximation, escaped)."""
    tokens = _TOKEN.findall(src)
    html, _ = _sequence(tokens, 0, 0, closing=False)
    return html.strip()


def _sequence(tokens: list[str], i: int, depth: int, closing: bool) -> tuple[str, int]:
    """Render tokens until the end (or a closing brace when ``closing``); returns (html, next index)."""
    parts: list[str] = []
    while i < len(tokens):
        t = tokens[i]
        if t == "}":
            if closing:
                return "".join(parts), i + 1
            i += 1
            continue
        piece, i = _atom(tokens, i, depth)
        parts.append(piece)
    return "".join(parts), i


def _atom(tokens: list[str], i: int, depth: int) -> tuple[str, int]:
    """One unit: a group, a script, a command or a character."""
    t = tokens[i]
    if t == "{":
        if depth >= _MAX_DEPTH:
            return "", i + 1
        return _sequence(tokens, i + 1, depth + 1, closing=True)
    if t in ("^", "_"):
        arg, j = _argument(tokens, i + 1, depth)
        tag = "sup" if t == "^" else "sub"
        return f"<{tag}>{arg}</{tag}>", j
    if t.startswith("\\") and len(t) > 1:
        return _command(t[1:].rstrip("*"), tokens, i + 1, depth)
    if t.isspace():
        return " ", i + 1
    return str(escape(t)), i + 1


def _argument(tokens: list[str], i: int, depth: int) -> tuple[str, int]:
    """The argument of a script or command: a braced group or the next single unit."""
    while i < len(tokens) and tokens[i].isspace():
        i += 1
    if i >= len(tokens):
        return "", i
    if depth >= _MAX_DEPTH:
        return "", len(tokens)
    return _atom(tokens, i, depth + 1)


def _raw_argument(tokens: list[str], i: int) -> tuple[str, int]:
    """The plain source text of a braced argument (for letter fonts)."""
    while i < len(tokens) and tokens[i].isspace():
        i += 1
    if i < len(tokens) and tokens[i] == "{":
        j = i + 1
        while j < len(tokens) and tokens[j] != "}":
            j += 1
        return "".join(tokens[i + 1 : j]), j + 1
    return (tokens[i], i + 1) if i < len(tokens) else ("", i)


def _command(name: str, tokens: list[str], i: int, depth: int) -> tuple[str, int]:
    """A backslash command and whatever arguments it takes."""
    if name in SYMBOLS:
        symbol = str(escape(SYMBOLS[name]))
        return (f'<span class="op">{symbol}</span>' if symbol.isalpha() and len(symbol) > 1 else symbol), i
    if name in _SIZING:
        return "", i
    if name in _LETTER_FONTS:
        raw, j = _raw_argument(tokens, i)
        table = _LETTER_FONTS[name]
        return str(escape("".join(table.get(c, c) for c in raw))), j
    if name in ("frac", "dfrac", "tfrac", "binom"):
        num, j = _argument(tokens, i, depth)
        den, j = _argument(tokens, j, depth)
        if name == "binom":
            return f"C({num}, {den})", j
        return f"{_wrap(num)}/{_wrap(den)}", j
    if name == "sqrt":
        arg, j = _argument(tokens, i, depth)
        return f"√{_wrap(arg)}", j
    if name in _STYLES:
        arg, j = _argument(tokens, i, depth)
        return f"<{_STYLES[name]}>{arg}</{_STYLES[name]}>", j
    if name in _PLAIN:
        arg, j = _argument(tokens, i, depth)
        return arg + _ACCENT_MARK.get(name, ""), j
    return str(escape(name)), i


def _wrap(html: str) -> str:
    """Parenthesise a fraction part longer than one symbol."""
    plain = re.sub(r"<[^>]+>", "", html)
    return html if len(plain) <= 1 or plain.lstrip("√").isalnum() else f"({html})"
