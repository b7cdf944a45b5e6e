"""Math rendering is linear in the abstract's length (issue 15, item 6), counted in characters
scanned, not timed; and it finds the same spans as the old regular expression did."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paperfeed.web import mathtext
from paperfeed.web.mathtext import math_spans, render

_OLD = re.compile(  # the pattern used before: right, but quadratic on unclosed delimiters
    r"\$\$(?P<display>.+?)\$\$"
    r"|(?<![\\$])\$(?!\s)(?P<inline>[^$]{1,400}?)(?<![\s\\])\$"
    r"|\\\((?P<paren>.+?)\\\)",
    re.S,
)


def old_spans(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group("display") or m.group("inline") or m.group("paren") or "")
            for m in _OLD.finditer(text)]


class Counter:
    """str.find that adds up the characters each call looks at."""

    def __init__(self) -> None:
        self.steps = 0

    def __call__(self, text: str, sub: str, start: int, end: int | None = None) -> int:
        end = len(text) if end is None else min(end, len(text))
        found = text.find(sub, start, end)
        self.steps += (found + len(sub) if found >= 0 else end) - start + 1
        return found


def steps(text: str) -> int:
    count = Counter()
    spans = list(math_spans(text, find=count))
    assert spans == old_spans(text) if len(text) < 3000 else True
    return count.steps


UNIT = ["\\(a ", "$$a ", "$a ", "$ ", "a$", "$\\alpha$ and \\(x", "$$x$$ \\(y\\) $z$ ", "\\\\($$", "$" + "x" * 399]


@pytest.mark.parametrize("unit", UNIT)
def test_work_grows_linearly_with_the_text(unit: str) -> None:
    small, large = unit * 200, unit * 2000
    few, many = steps(small), steps(large)
    assert many <= 11 * max(few, 1) and many <= 4 * len(large) + 500, (few, many)


def test_the_attack_input_renders_whole() -> None:
    text = "\\(a " * 20000
    assert steps(text) <= 2 * len(text)
    out = render(text)
    assert "math" not in out and out.count("\\(a") == 20000


@given(st.text(alphabet=st.sampled_from(list("ab $\\()x\n")), max_size=300))
def test_same_spans_as_the_old_pattern(text: str) -> None:
    assert list(math_spans(text)) == old_spans(text)


def test_render_uses_the_linear_scanner(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = mathtext.math_spans
    monkeypatch.setattr(mathtext, "math_spans", lambda t: calls.append(t) or real(t))
    assert render("cost $O(n)$") == 'cost <span class="math">O(n)</span>'
    assert calls == ["cost $O(n)$"]
