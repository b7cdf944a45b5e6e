"""pgvector HNSW at growing sizes, for the projection in docs/scaling.md: build time, size on disk,
recall@10 against exact search, and query p50/p99, for vector (float32) and halfvec (float16).

    nice -n 10 .venv/bin/python bench/bench_pgvector_scale.py --n 100000 [--pg URL]

Vectors are synthetic: 384-d, clustered (200 Gaussian clusters, normalised), like real embeddings
more than uniform noise is. Queries are held-out points of the same distribution.
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def synthetic(n: int, dim: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((200, dim)).astype(np.float32)
    x = centres[rng.integers(0, 200, n)] + 0.6 * rng.standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--dim", type=int, default=384)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--m", type=int, default=16)
    ap.add_argument("--pg", default=None)
    ap.add_argument("--kinds", default="vector,halfvec")
    args = ap.parse_args()
    import psycopg
    from pgvector import HalfVector
    from pgvector.psycopg import register_vector

    url = args.pg
    if url is None:
        from bench_postgres import private_server

        url = private_server()
    data = synthetic(args.n + args.queries, args.dim)
    base, queries = data[: args.n], data[args.n :]
    exact = np.argsort(-(queries @ base.T), axis=1)[:, :10]
    with psycopg.connect(url, autocommit=True) as conn:
        register_vector(conn)
        for kind in args.kinds.split(","):
            conn.execute("DROP TABLE IF EXISTS scale_bench")
            conn.execute(f"CREATE TABLE scale_bench (id int PRIMARY KEY, v {kind}({args.dim}))")
            t = time.perf_counter()
            with conn.cursor().copy("COPY scale_bench (id, v) FROM STDIN WITH (FORMAT BINARY)") as cp:
                cp.set_types(["int4", kind])
                for i, v in enumerate(base):
                    cp.write_row((i, v if kind == "vector" else HalfVector(v)))
            load = time.perf_counter() - t
            conn.execute("SET maintenance_work_mem = '2GB'")
            t = time.perf_counter()
            ops = "vector_ip_ops" if kind == "vector" else "halfvec_ip_ops"
            conn.execute(f"CREATE INDEX scale_hnsw ON scale_bench USING hnsw (v {ops}) WITH (m = {args.m})")
            build = time.perf_counter() - t
            size = conn.execute("SELECT pg_relation_size('scale_hnsw')").fetchone()[0]
            for ef in (40, 100, 200):
                conn.execute(f"SET hnsw.ef_search = {ef}")
                lat, hits = [], 0
                for q, truth in zip(queries, exact, strict=True):
                    qv = q if kind == "vector" else HalfVector(q)
                    t = time.perf_counter()
                    rows = conn.execute(f"SELECT id FROM scale_bench ORDER BY v <#> %s::{kind} LIMIT 10",
                                        (qv,)).fetchall()
                    lat.append(time.perf_counter() - t)
                    hits += len({r[0] for r in rows} & set(truth.tolist()))
                a = np.array(lat) * 1000
                print(f"{kind:8s} n={args.n} m={args.m} ef_search={ef}: load {load:.0f} s, build {build:.0f} s, "
                      f"index {size / 1e6:.0f} MB ({size / args.n:.0f} B/vector), recall@10 "
                      f"{hits / (10 * len(queries)):.3f}, p50 {np.percentile(a, 50):.1f} ms, "
                      f"p99 {np.percentile(a, 99):.1f} ms", flush=True)
        conn.execute("DROP TABLE scale_bench")


if __name__ == "__main__":
    main()
