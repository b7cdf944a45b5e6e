"""Oversized and repeated queries on the 2,500-paper sample library (real MiniLM, hybrid search).

    nice -n 10 .venv/bin/python bench/bench_query_caps.py [--db /tmp/paperfeed-caps.db]

Refused queries should cost well under a millisecond; the largest allowed ones a normal search.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from paperfeed.config import load_settings
from paperfeed.errors import PaperfeedError
from paperfeed.library import Library

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "arxiv-cs-sample-2026-06.jsonl.gz"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="/tmp/paperfeed-caps.db")
    lib = Library(load_settings(ap.parse_args().db))
    if lib.store.count() == 0:
        lib.ingest([str(SAMPLE)])
        lib.embed_pending()
    lib.search("warm up")
    for label, q in (("'attention ' * 800 (8 KB)", "attention " * 800), ("60 KB", "x" * 60_000),
                     ("'attention ' * 40 (400 chars)", "attention " * 40),
                     ("64 distinct words", " ".join(f"w{i}" for i in range(64)))):
        t = time.perf_counter()
        try:
            out = f"{len(lib.search(q))} hits"
        except PaperfeedError as e:
            out = f"refused: {e}"
        print(f"{label:<32} {1000 * (time.perf_counter() - t):8.1f} ms  {out}")
    lib.close()


if __name__ == "__main__":
    main()
