"""Write a small synthetic reviewer-expertise set (the layout of `paperfeed eval expertise`) from the corpus.

    .venv/bin/python bench/make_expertise_set.py [--data ../shared/data] --out DIR [--reviewers 40] [--seed 0]

Grades come from authorship and categories (own later paper 5, a co-author's paper 4, same main
category 2, other category 1), never from the text. It tests the harness; it is not a gold standard.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from paperfeed.eval.corpus import load_arxiv
from paperfeed.eval.expertise import make_sample


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--reviewers", type=int, default=40)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    print(make_sample(load_arxiv(a.data), a.out, a.reviewers, a.seed))


if __name__ == "__main__":
    main()
