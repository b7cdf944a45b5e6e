"""Feed latency with the second tier warm (rank/rerank.py), on a large library.

    nice -n 10 .venv/bin/python bench/bench_second_tier.py --db /tmp/pf-bench-pg/library.db \
        [--profile bench] [--model mpnet-base-int8] [--top 50] [--runs 20]

Uses a library built by bench/bench_postgres.py (170,649 papers, profile "bench" of 10 papers). The
second model embeds what a daily run would give it for this feed: the profile's papers and the
first tier's 200 best of the window (which hold the top ``--top`` that the second tier re-ranks),
timed and stored. Then the feed is timed with one tier and with two, ``--runs`` times each.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from paperfeed.config import load_settings
from paperfeed.config_file import set_value
from paperfeed.library import Library


def ms(xs: list[float]) -> str:
    a = np.array(xs) * 1000
    return f"p50 {np.percentile(a, 50):.0f} ms, p90 {np.percentile(a, 90):.0f} ms"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--db", required=True)
    ap.add_argument("--profile", default="bench")
    ap.add_argument("--model", default="mpnet-base-int8")
    ap.add_argument("--top", type=int, default=50)
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    lib = Library(load_settings(args.db))
    set_value(lib.settings.home, "feed.rerank_model", "")
    print(f"{lib.store.count():,} papers; profile {args.profile!r}", flush=True)
    first = [lib.feed(args.profile) for _ in range(2)][-1]
    one = []
    for _ in range(args.runs):
        t = time.perf_counter()
        lib.feed(args.profile)
        one.append(time.perf_counter() - t)
    print("feed, one tier:", ms(one), flush=True)
    wide = lib.feed(args.profile, limit=200)
    ids = list(lib.store.ids_for_keys([h.key for h in wide]).values()) + lib.profile_paper_ids(args.profile)
    t = time.perf_counter()
    n = lib.embed_pending(args.model, ids=ids)
    dt = time.perf_counter() - t
    print(f"second tier embedded {n} papers in {dt:.0f} s ({n / dt if dt else 0:.1f}/s)", flush=True)
    set_value(lib.settings.home, "feed.rerank_model", args.model)
    set_value(lib.settings.home, "feed.rerank_top", str(args.top))
    lib.feed(args.profile)
    two = []
    for _ in range(args.runs):
        t = time.perf_counter()
        hits = lib.feed(args.profile)
        two.append(time.perf_counter() - t)
    print(f"feed, two tiers (top {args.top}):", ms(two), flush=True)
    moved = sum(a.key != b.key for a, b in zip(first, hits, strict=False))
    print(f"{moved} of {len(hits)} feed positions changed by the second tier", flush=True)
    set_value(lib.settings.home, "feed.rerank_model", "")
    lib.close()


if __name__ == "__main__":
    main()
