"""Server-side LaTeX for abstracts: readable, and always escaped."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from paperfeed.web.mathtext import render


def test_common_math() -> None:
    assert render("cost $O(n^2)$ here") == 'cost <span class="math">O(n<sup>2</sup>)</span> here'
    assert render(r"$\alpha_{t+1} \leq \beta$") == '<span class="math">α<sub>t+1</sub> ≤ β</span>'
    assert render(r"$\mathbb{R}^d$") == '<span class="math">ℝ<sup>d</sup></span>'
    assert render(r"$\frac{1}{\sqrt{d}}$") == '<span class="math">1/√d</span>'
    assert render(r"\(x \in \mathcal{X}\)") == '<span class="math">x ∈ 𝒳</span>'


def test_dollar_amounts_are_not_math() -> None:
    assert render("costs $5 and $10 today") == "costs $5 and $10 today"


def test_everything_is_escaped() -> None:
    out = render('<script>alert(1)</script> $a<b & "c"$')
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert '<span class="math">a&lt;b &amp; &#34;c&#34;</span>' in out


PIECES = [*"ab$\\{}^_<>&\"' ", "\\frac", "\\alpha", "\\log", "\\mathbb", "\\sqrt", "\\text", "\\("]


@given(st.lists(st.sampled_from(PIECES), max_size=40))
def test_no_raw_markup_from_any_input(pieces: list[str]) -> None:
    out = str(render("".join(pieces)))
    stripped = out
    for tag in ('<span class="math">', '<span class="op">', "</span>", "<sup>", "</sup>", "<sub>", "</sub>",
                "<b>", "</b>", "<i>", "</i>"):
        stripped = stripped.replace(tag, "")
    assert "<" not in stripped and ">" not in stripped and '"' not in stripped
