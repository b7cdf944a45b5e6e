"""Ingest throughput on the real arXiv corpus: fresh library, then re-ingest (all unchanged).

    .venv/bin/python bench/bench_ingest.py [--data ../shared/data] [--files N]
    .venv/bin/python bench/bench_ingest.py --bibtex 3000

--bibtex N: a lab's bibliography instead: N real papers of the first file (every 20th), each with
one author in common (the lab's head) added first, exported as BibTeX and ingested into a fresh
library, then again (all unchanged). Every new paper is a fuzzy-duplicate candidate of all earlier
ones by that author, which is what made this case quadratic.

Prints papers/s for parse+normalise+store (JSON Lines, gzipped) and peak RSS after each file,
so flat memory as the input grows is visible. A big file from a new source is parsed by a worker
process; its memory is measured on its own (it is not a child the kernel reports reliably after
fork+exec): /usr/bin/time -v python -m paperfeed.ingest.worker FILE jsonl NAME 2000 > /dev/null
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from paperfeed.config import load_settings
from paperfeed.library import Library

FILES = (
    "arxiv-cs-daily-dwdengwei.jsonl.gz",
    "arxiv-cs-daily-csqiandong.jsonl.gz",
    "arxiv-cs-daily-advancedcs.jsonl.gz",
    "arxiv-hot-2020-2021-tatsuyashirakawa.jsonl.gz",
)


def peak_mb() -> float:
    """Peak resident set size of this process in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(lib: Library, paths: list[str], label: str) -> None:
    """Ingest the files one by one and print throughput."""
    total, t0 = 0, time.perf_counter()
    for p in paths:
        t = time.perf_counter()
        r = lib.ingest([p], fmt="jsonl")
        n = r.added + r.updated + r.unchanged
        total += n
        dt = time.perf_counter() - t
        print(f"{label:9s} {Path(p).name:48s} {n:7d} papers {dt:6.2f} s {n / dt:8.0f}/s  "
              f"(+{r.added} ~{r.updated} ={r.unchanged})  peak RSS {peak_mb():.0f} MB", flush=True)
    dt = time.perf_counter() - t0
    print(f"{label:9s} TOTAL {total} papers in {dt:.2f} s = {total / dt:.0f} papers/s")


def lab_bibliography(data: Path, n: int, out: Path) -> None:
    """Write N real papers sharing one author as BibTeX (export.write_bibtex)."""
    import gzip
    import json

    from paperfeed.export import write_bibtex
    from paperfeed.models import Paper

    papers = []
    with gzip.open(data / FILES[0], "rt", encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i % 20 == 0:
                d = json.loads(line)
                papers.append(Paper(title=d["title"], abstract=d["abstract"], date=d["date"],
                                    authors=("Jane Doe", *d["authors"][:4]), categories=tuple(d["categories"])))
                if len(papers) == n:
                    break
    with out.open("w", encoding="utf-8") as f:
        write_bibtex(papers, f)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--files", type=int, default=len(FILES))
    ap.add_argument("--bibtex", type=int, default=0, metavar="N", help="A lab bibliography of N papers instead")
    args = ap.parse_args()
    paths = [str(Path(args.data) / f) for f in FILES[: args.files]]
    with tempfile.TemporaryDirectory() as tmp:
        if args.bibtex:
            bib = Path(tmp) / "lab.bib"
            lab_bibliography(Path(args.data), args.bibtex, bib)
            lib = Library(load_settings(Path(tmp) / "bench.db"))
            for label in ("fresh", "re-ingest"):
                t = time.perf_counter()
                r = lib.ingest([str(bib)], fmt="bibtex")
                dt = time.perf_counter() - t
                n = r.added + r.updated + r.unchanged
                print(f"{label:9s} {bib.name} ({bib.stat().st_size / 1e6:.1f} MB) {n} papers {dt:6.2f} s "
                      f"{n / dt:6.0f}/s  (+{r.added} ~{r.updated} ={r.unchanged})", flush=True)
            return
        lib = Library(load_settings(Path(tmp) / "bench.db"))
        run(lib, paths, "fresh")
        run(lib, paths, "re-ingest")
        print(f"library: {lib.store.count()} papers, {Path(tmp, 'bench.db').stat().st_size / 1e6:.0f} MB on disk")


if __name__ == "__main__":
    main()
