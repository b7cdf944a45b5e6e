"""Math rendering on adversarial abstracts: time at 1x and 10x the input, new scanner vs the old regex.

    nice -n 10 .venv/bin/python bench/bench_mathtext.py

Linear work shows as a ~10x ratio; the old pattern's unclosed ``\\(`` or ``$$`` made it ~100x.
"""

from __future__ import annotations

import re
import time

from paperfeed.web.mathtext import math_spans, render

OLD = re.compile(r"\$\$(?P<display>.+?)\$\$|(?<![\\$])\$(?!\s)(?P<inline>[^$]{1,400}?)(?<![\s\\])\$"
                 r"|\\\((?P<paren>.+?)\\\)", re.S)


def best(fn, text: str, runs: int = 3) -> float:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn(text)
        out.append(time.perf_counter() - t)
    return min(out)


def main() -> None:
    print(f"{'input':<22} {'units':>7} {'render s':>9} {'spans s':>9} {'old regex s':>12}")
    for unit in ("\\(a ", "$$a ", "$a ", "plain words here "):
        for n in (2000, 20000):
            text = unit * n
            old = best(lambda t: list(OLD.finditer(t)), text, 1) if n <= 2000 or unit in ("$a ",) else None
            print(f"{unit!r:<22} {n:>7} {best(render, text):>9.4f} {best(lambda t: list(math_spans(t)), text):>9.4f} "
                  f"{(f'{old:.3f}' if old is not None else 'skipped'):>12}")


if __name__ == "__main__":
    main()
