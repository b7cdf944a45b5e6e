"""LaTeX decoding speed (ingest/latex.py) on real arXiv titles and abstracts, and the record counter
that gives ingest's bar its total (ingest/counting.py).

    .venv/bin/python bench/bench_latex.py [--data ../shared/data] [--n 20000]

Every BibTeX field and pasted title goes through latex_to_text; most abstracts hold a '-' or a
quote, so the decoder runs on nearly all of them.
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from pathlib import Path

from paperfeed.ingest.counting import count_records
from paperfeed.ingest.latex import latex_to_text

FILE = "arxiv-cs-daily-dwdengwei.jsonl.gz"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--n", type=int, default=20000, help="Papers (title and abstract each)")
    a = ap.parse_args()
    texts: list[str] = []
    with gzip.open(a.data / FILE, "rt", encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            texts += [d["title"], d["abstract"]]
            if len(texts) >= 2 * a.n:
                break
    chars = sum(map(len, texts))
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        for s in texts:
            latex_to_text(s)
        best = min(best, time.perf_counter() - t)
    print(f"latex_to_text: {len(texts):,} texts ({chars / 1e6:.1f} M characters) in {best:.2f} s = "
          f"{len(texts) / best:,.0f} texts/s (best of 3)")
    t = time.perf_counter()
    n = count_records(str(a.data / FILE), "jsonl")
    print(f"count_records: {n:,} records of {FILE} in {time.perf_counter() - t:.2f} s")


if __name__ == "__main__":
    main()
