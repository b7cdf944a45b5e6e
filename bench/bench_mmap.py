"""SQLite reads by read() calls against reads through a memory map, on a large library, interleaved
in one process so that both see the same page cache.

    .venv/bin/python bench/bench_mmap.py --db /tmp/pf-bench/library.db [--queries 150] [--profile bench]

Uses a library built by bench/bench_search.py (its profile "bench"). Two Library objects on the same
file, one with ``PRAGMA mmap_size=0``, one with the store's setting (store/sqlite.py MMAP_BYTES); each
query or feed runs on both in turn. Prints p50/p99 of keyword and hybrid search and p50 of the feed.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from paperfeed.config import load_settings
from paperfeed.library import Library
from paperfeed.store import sqlite as sqlite_store


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True)
    ap.add_argument("--queries", type=int, default=150)
    ap.add_argument("--profile", default="bench")
    a = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    mapped = sqlite_store.MMAP_BYTES
    libs: dict[str, Library] = {}
    for label, size in (("read()", 0), ("memory map", mapped)):
        sqlite_store.MMAP_BYTES = size  # read when the connection opens
        libs[label] = Library(load_settings(a.db))
        assert libs[label].store.conn.execute("PRAGMA mmap_size").fetchone()[0] == min(size, 2147418112)
    sqlite_store.MMAP_BYTES = mapped
    papers = libs["read()"].recent(limit=2000)
    rng = np.random.default_rng(3)
    queries = [" ".join(p.title.split()[:6]) for p in rng.choice(papers, a.queries, replace=False)]
    for mode in ("keyword", "hybrid"):
        times: dict[str, list[float]] = {k: [] for k in libs}
        for lib in libs.values():
            lib.search(queries[0], mode=mode)
        for q in queries:
            for label, lib in libs.items():
                t = time.perf_counter()
                lib.search(q, mode=mode, limit=20)
                times[label].append(time.perf_counter() - t)
        for label, xs in times.items():
            print(f"search {mode:7s} {label:10s} p50 {np.percentile(xs, 50) * 1000:6.1f} ms  "
                  f"p99 {np.percentile(xs, 99) * 1000:6.1f} ms")
    feeds: dict[str, list[float]] = {k: [] for k in libs}
    for _ in range(10):
        for label, lib in libs.items():
            t = time.perf_counter()
            lib.feed(a.profile, all_dates=True)
            feeds[label].append(time.perf_counter() - t)
    for label, xs in feeds.items():
        print(f"feed (whole library) {label:10s} p50 {np.percentile(xs, 50) * 1000:6.1f} ms")


if __name__ == "__main__":
    main()
