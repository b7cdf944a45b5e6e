"""Benchmark the exact and HNSW vector indexes on clustered 384-d unit vectors.

Reports, per index kind: build time, on-disk size, bytes per vector, resident
memory added by the index (RSS delta), load time from disk, single-query
latency p50/p99 (k=20 over 1,000 queries), and HNSW recall@10 against exact
search on 200 held-out queries.

Usage::

    .venv/bin/python bench/bench_index.py                 # 170,000 vectors
    .venv/bin/python bench/bench_index.py --n 1000000     # the growth projection
    .venv/bin/python bench/bench_index.py --vectors real.npy --json out.json

The synthetic vectors mimic sentence embeddings of papers: a shared direction
(anisotropy), topics, sub-topics, a low-rank within-topic spread and isotropic
noise. The median random-pair cosine (~0.25) matches all-MiniLM-L6-v2 embeddings
of 500 arXiv abstracts from shared/data; at 170k vectors the median cosine to
the nearest neighbour is ~0.81 and to the 10th ~0.78.
"""

from __future__ import annotations

import argparse
import gc
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from paperfeed.index import ExactIndex, HnswIndex, VectorIndex  # noqa: E402

KINDS = {
    "exact": lambda dim: ExactIndex(dim),
    "hnsw": lambda dim: HnswIndex(dim),
    "hnsw-i8": lambda dim: HnswIndex(dim, dtype="i8", metric="cos"),
}
EF_SWEEP = (32, 64, 128, 256, 384, 512)


def clustered_vectors(n: int, dim: int = 384, seed: int = 0) -> np.ndarray:
    """``n`` unit vectors with paper-embedding-like cluster structure."""
    rng = np.random.default_rng(seed)
    topics = max(8, int(np.sqrt(n) / 2))
    mean = _unit(rng.standard_normal(dim))
    centres = _unit(rng.standard_normal((topics, dim)))
    subs = centres[rng.integers(0, topics, topics * 8)]
    subs += rng.standard_normal(subs.shape).astype(np.float32) / np.sqrt(dim)
    basis = rng.standard_normal((64, dim)).astype(np.float32) / np.sqrt(dim)
    out = np.empty((n, dim), np.float32)
    for start in range(0, n, 65_536):
        m = min(65_536, n - start)
        x = 1.0 * mean + subs[rng.integers(0, len(subs), m)]
        x += rng.standard_normal((m, 64)).astype(np.float32) @ basis * (0.7 / 8)
        x += rng.standard_normal((m, dim)).astype(np.float32) * (0.7 / np.sqrt(dim))
        out[start : start + m] = _unit(x)
    return out


def _unit(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, as float32."""
    x = np.asarray(x, dtype=np.float32)
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def rss_bytes() -> int:
    """Resident set size of this process."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def dir_size(path: Path) -> int:
    """Total bytes of the files under ``path``."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def latencies(index: VectorIndex, queries: np.ndarray, k: int) -> tuple[float, float]:
    """p50 and p99 single-query latency in milliseconds."""
    index.query(queries[0], k)  # warm-up
    times = []
    for q in queries:
        t = time.perf_counter()
        index.query(q, k)
        times.append((time.perf_counter() - t) * 1e3)
    return float(np.percentile(times, 50)), float(np.percentile(times, 99))


def measure(kind: str, ids: np.ndarray, vecs: np.ndarray, queries: np.ndarray, k: int, tmp: Path) -> dict:
    """Build, save, load and query one index kind; return its figures."""
    gc.collect()
    rss0 = rss_bytes()
    t = time.perf_counter()
    index = KINDS[kind](vecs.shape[1])
    index.add(ids, vecs)
    build_s = time.perf_counter() - t
    gc.collect()
    rss_delta = rss_bytes() - rss0
    path = tmp / kind
    t = time.perf_counter()
    index.save(path, model_id="bench", state="0")
    save_s = time.perf_counter() - t
    disk = dir_size(path)
    t = time.perf_counter()
    loaded = type(index).load(path, "0")
    load_s = time.perf_counter() - t
    assert loaded is not None and len(loaded) == len(ids)
    del loaded
    p50, p99 = latencies(index, queries, k)
    row = {
        "kind": kind,
        "n": len(ids),
        "build_s": round(build_s, 2),
        "save_s": round(save_s, 2),
        "load_s": round(load_s, 2),
        "disk_mb": round(disk / 2**20, 1),
        "disk_bytes_per_vector": round(disk / len(ids)),
        "rss_delta_mb": round(rss_delta / 2**20, 1),
        "query_p50_ms": round(p50, 3),
        "query_p99_ms": round(p99, 3),
    }
    if isinstance(index, HnswIndex):
        row["usearch_memory_mb"] = round(index.memory_usage / 2**20, 1)
    return {"row": row, "index": index}


def recall_at(truth: list[list[tuple[int, float]]], got: list[list[tuple[int, float]]], k: int) -> float:
    """Mean share of the true top-k found in the returned top-k."""
    hits = [len({i for i, _ in t[:k]} & {i for i, _ in g[:k]}) / k for t, g in zip(truth, got, strict=True)]
    return float(np.mean(hits))


def recall_sweep(index: VectorIndex, truth: list, queries: np.ndarray) -> dict[str, float]:
    """Recall@10 at the index's own settings and, for HNSW, at each expansion_search in EF_SWEEP."""
    out = {"recall_at_10": round(recall_at(truth, index.query_many(queries, 10), 10), 4)}
    if isinstance(index, HnswIndex):
        out["expansion_search"] = index.expansion_search
        for ef in EF_SWEEP:
            index.expansion_search = ef
            out[f"recall_at_10_ef{ef}"] = round(recall_at(truth, index.query_many(queries, 10), 10), 4)
        index.expansion_search = None
    return out


def exact_truth(vecs: np.ndarray, ids: np.ndarray, queries: np.ndarray, k: int) -> list[list[tuple[int, float]]]:
    """Exact top-k by a chunked brute-force scan (no index copy, so RSS figures stay clean)."""
    out = []
    for start in range(0, len(queries), 32):
        scores = queries[start : start + 32] @ vecs.T
        top = np.argsort(-scores, axis=1)[:, :k]
        out += [[(int(ids[j]), float(s[j])) for j in row] for s, row in zip(scores, top, strict=True)]
    return out


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=170_000, help="vectors to index (default 170,000)")
    p.add_argument("--dim", type=int, default=384)
    p.add_argument("--queries", type=int, default=1_000, help="latency queries")
    p.add_argument("--recall-queries", type=int, default=200)
    p.add_argument("--k", type=int, default=20, help="k for latency queries")
    p.add_argument("--kinds", default="exact,hnsw", help=f"comma-separated, of: {', '.join(KINDS)}")
    p.add_argument("--vectors", type=Path, help="a .npy of unit vectors to use instead of synthetic ones")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", type=Path, help="also write the figures here")
    return p.parse_args(argv)


def load_vectors(args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray]:
    """Indexed vectors and held-out queries (synthetic unless --vectors)."""
    extra = max(args.queries, args.recall_queries)
    if args.vectors:
        x = _unit(np.load(args.vectors))
        rng = np.random.default_rng(args.seed)
        x = x[rng.permutation(len(x))]
        held = min(extra, len(x) // 10)
        return x[held:], x[:held]
    x = clustered_vectors(args.n + extra, args.dim, args.seed)
    return x[: args.n], x[args.n :]


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print one line of figures per index kind."""
    args = parse_args(argv)
    t = time.perf_counter()
    vecs, queries = load_vectors(args)
    ids = np.arange(len(vecs), dtype=np.int64)
    print(f"{len(vecs):,} x {vecs.shape[1]} vectors ready in {time.perf_counter() - t:.1f}s", flush=True)
    rq = queries[: args.recall_queries]
    truth = exact_truth(vecs, ids, rq, 10)
    gc.collect()
    rows = []
    tmp = Path(tempfile.mkdtemp(prefix="bench-index-"))
    try:
        for kind in args.kinds.split(","):
            result = measure(kind, ids, vecs, queries[: args.queries], args.k, tmp)
            result["row"].update(recall_sweep(result["index"], truth, rq))
            rows.append(result["row"])
            print(json.dumps(result["row"]), flush=True)
            del result
            shutil.rmtree(tmp / kind, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
