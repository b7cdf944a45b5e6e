"""Similar-paper latency (first stage + sentence-level re-rank) and sentence-vector precompute speed.

    .venv/bin/python bench/bench_similar.py [--db /tmp/pf-similar/library.db] [--queries 30]

Uses a library embedded with the real default model: by default the shipped 2,500-paper sample,
ingested and embedded on first use (about a minute). Prints p50/p99 of `similar KEY` with no
sentence vectors cached (each query embeds its candidates' sentences), then warm (cached), then
the throughput of `embed --sentences` (papers/s) and the bytes it stores per paper.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from paperfeed.config import load_settings
from paperfeed.library import Library
from paperfeed.rank.similar import embed_sentences, sentence_model

SAMPLE = Path(__file__).parents[1] / "samples" / "arxiv-cs-sample-2026-06.jsonl.gz"


def pct(xs: list[float]) -> str:
    a = np.array(xs) * 1000
    return f"p50 {np.percentile(a, 50):7.1f} ms  p99 {np.percentile(a, 99):7.1f} ms  (n={len(a)})"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", type=Path, default=Path("/tmp/pf-similar/library.db"))
    ap.add_argument("--queries", type=int, default=30)
    args = ap.parse_args()
    args.db.parent.mkdir(parents=True, exist_ok=True)
    lib = Library(load_settings(args.db))
    if lib.store.count() == 0:
        lib.ingest([str(SAMPLE)])
    lib.embed_pending()
    searcher = lib.searcher()
    lib.store.conn.execute("DELETE FROM sentence_vectors")
    lib.store.conn.commit()
    rng = np.random.default_rng(0)
    ids = lib.store.filter_ids().tolist()
    keys = [p.key for p in lib.store.papers_by_ids([int(i) for i in rng.choice(ids, args.queries, replace=False)])]
    lib.similar(keys[0], limit=10)  # load the model and the index
    for label in ("cold (sentences embedded on the fly)", "warm (sentence vectors cached)"):
        times = []
        for k in keys[1:]:
            t = time.perf_counter()
            lib.similar(k, limit=10)
            times.append(time.perf_counter() - t)
        print(f"similar, {label}: {pct(times)}")
    lib.store.conn.execute("DELETE FROM sentence_vectors")
    lib.store.conn.commit()
    n = min(500, lib.store.count())
    t = time.perf_counter()
    rows = lib.store.papers_missing_sentence_vectors(sentence_model(searcher), n)
    for i in range(0, len(rows), 64):
        embed_sentences(searcher, rows[i : i + 64])
    dt = time.perf_counter() - t
    size = lib.store.conn.execute("SELECT avg(length(vecs)), avg(n) FROM sentence_vectors").fetchone()
    print(f"embed --sentences: {n / dt:.1f} papers/s; {size[1]:.1f} sentences and {size[0] / 1024:.1f} KiB per paper")
    lib.close()


if __name__ == "__main__":
    main()
