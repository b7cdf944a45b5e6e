"""Search and feed latency over the real 170k-paper arXiv corpus.

    .venv/bin/python bench/bench_search.py [--data ../shared/data] [--db /tmp/pf-bench/library.db]

Builds (once, reusable with --db) a library of the shared arXiv files. Embedding 170k abstracts
with MiniLM on 2 CPU cores takes ~45 min, so by default the corpus vectors are stand-ins: a
384-dimensional feature-hashing embedding of the same texts, stored under the default model id.
Queries are embedded by the real model, the HNSW index and FTS5 are real, so the latencies are
those a user sees; ranking quality is measured separately (`paperfeed eval`).
Prints index build time and size, p50/p99 (warm) for keyword, semantic and hybrid search, for
similar papers (sentence vectors not yet cached, then cached), and for the feed of a 10-paper
profile over the whole library, over the last 7 days, and with a feedback model.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path

import numpy as np

from paperfeed.config import load_settings
from paperfeed.embed.base import paper_text
from paperfeed.embed.hashing import HashingEmbedder
from paperfeed.library import Library

FILES = ("arxiv-cs-daily-dwdengwei.jsonl.gz", "arxiv-cs-daily-csqiandong.jsonl.gz",
         "arxiv-cs-daily-advancedcs.jsonl.gz", "arxiv-hot-2020-2021-tatsuyashirakawa.jsonl.gz")


def pct(xs: list[float]) -> str:
    """p50 / p99 in milliseconds."""
    a = np.array(xs) * 1000
    return f"p50 {np.percentile(a, 50):7.1f} ms  p99 {np.percentile(a, 99):7.1f} ms  (n={len(a)})"


def build(lib: Library, data: Path) -> None:
    """Ingest the corpus and store stand-in vectors for every paper."""
    if lib.store.count() == 0:
        t = time.perf_counter()
        lib.ingest([str(data / f) for f in FILES], fmt="jsonl")
        print(f"ingest: {lib.store.count()} papers in {time.perf_counter() - t:.1f} s")
    emb = lib.embedder()
    proxy = HashingEmbedder(dim=emb.dim)
    t, n = time.perf_counter(), 0
    while rows := lib.store.papers_missing_vectors(emb.model_id, 5000):
        vecs = proxy.embed_batch([paper_text(ti, ab) for _, ti, ab, _ in rows])
        lib.store.put_vectors(emb.model_id, [(i, th) for i, _, _, th in rows], vecs)
        n += len(rows)
    if n:
        print(f"stand-in vectors: {n} in {time.perf_counter() - t:.1f} s")


def timed(fn, reps: int) -> list[float]:
    """Wall times of reps calls."""
    out = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--db", type=Path, default=Path("/tmp/pf-bench/library.db"))
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--feed-only", action="store_true", help="Time only the feed.")
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    lib = Library(load_settings(args.db))
    build(lib, args.data)
    emb = lib.embedder()
    d = lib._index_dir(emb.model_id)
    t = time.perf_counter()
    index = lib.vector_index()
    print(f"vector index: {index.kind}, {len(index)} vectors, load/build {time.perf_counter() - t:.1f} s, "
          f"{sum(f.stat().st_size for f in d.rglob('*') if f.is_file()) / 1e6:.0f} MB on disk")
    t = time.perf_counter()
    lib.lexical_index()
    print(f"lexical index load/build {time.perf_counter() - t:.1f} s")
    rng = np.random.default_rng(0)
    papers = lib.recent(limit=5000, offset=0)
    if not args.feed_only:
        search_and_similar(lib, papers, rng, args.queries)
    feeds(lib, papers)
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


def search_and_similar(lib: Library, papers: list, rng: np.random.Generator, n_queries: int) -> None:
    """Keyword, semantic, hybrid and filtered search; similar papers cold and warm."""
    queries = [" ".join(p.title.split()[:6]) for p in rng.choice(papers, n_queries, replace=False)]
    for mode in ("keyword", "semantic", "hybrid"):
        lib.store._fts_counts.clear()  # each mode starts without remembered word frequencies
        lib.search(queries[0], mode=mode)
        times = [timed(lambda q=q, m=mode: lib.search(q, mode=m, limit=20), 1)[0] for q in queries]
        print(f"search {mode:8s} {pct(times)}")
    filtered = [timed(lambda q=q: lib.search(q, limit=20, category="cs.CL", since="2026-01-01"), 1)[0]
                for q in queries[:50]]
    print(f"search hybrid + since/category filter {pct(filtered)}")
    keys = [p.key for p in rng.choice(papers, 21, replace=False)]
    with lib.store.transaction():
        lib.store.conn.execute("DELETE FROM sentence_vectors")  # so that the first pass is cold
    lib.similar(keys[0], limit=10)
    for label in ("cold: sentences embedded on the fly", "warm: sentence vectors cached"):
        print(f"similar KEY ({label}) {pct([timed(lambda k=k: lib.similar(k, limit=10), 1)[0] for k in keys[1:]])}")


def feeds(lib: Library, papers: list) -> None:
    """Feed of a 10-paper profile (whole library, last 7 days, with a feedback model), and of one
    author's own 10 papers, where the co-author signal has an owner to leave out."""
    newest = papers[0].date
    for old in ("bench", "owner"):  # a reused --db keeps last run's profiles
        if any(p["name"] == old for p in lib.profiles()):
            lib.delete_profile(old)
    author_papers = [p.key for p in papers[100:110]]
    lib.create_profile("bench", keys=author_papers)
    lib.feed("bench", all_dates=True)
    print(f"feed (10-paper profile, all {lib.store.count()} papers) "
          f"{pct(timed(lambda: lib.feed('bench', all_dates=True), 20))}")
    week = (np.datetime64(newest) - np.timedelta64(7, "D")).astype(str)
    print(f"feed (last 7 days since {week}) {pct(timed(lambda: lib.feed('bench', since=week), 20))}")
    lib.feedback("bench", papers[200].key, "dislike")
    lib.feed("bench", all_dates=True)
    print(f"feed with feedback model {pct(timed(lambda: lib.feed('bench', all_dates=True), 20))}")
    counts: dict[str, list[str]] = {}
    for p in lib.store.iter_papers():
        for a in p.authors:
            counts.setdefault(a, []).append(p.key)
    name = next(a for a, ks in sorted(counts.items(), key=lambda kv: -len(kv[1])) if 10 <= len(ks) <= 30)
    lib.create_profile("owner", keys=counts[name][-10:])
    lib.feed("owner", all_dates=True)
    print(f"feed (10 papers of {name}, co-authors boosted) {pct(timed(lambda: lib.feed('owner', all_dates=True), 20))}")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
