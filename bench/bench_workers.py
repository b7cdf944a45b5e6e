"""`paperfeed serve --workers N`: requests/s and p99 with 20 concurrent clients, 1 worker vs 2,
on libraries built by bench_postgres.py (SQLite file and PostgreSQL database).

    nice -n 10 .venv/bin/python bench/bench_workers.py --db /tmp/pf-bench-pg/library.db --db postgresql://...

Each client loops over search (API, hybrid) and a profile's feed (API) for --seconds.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import numpy as np

PAPERFEED = Path(sys.executable).parent / "paperfeed"
QUERIES = ["graph neural networks", "large language models reasoning", "diffusion image generation",
           "reinforcement learning robots", "federated learning privacy", "speech recognition",
           "kv cache compression", "contrastive learning", "code generation benchmark", "point clouds"]


def serve(db: str, workers: int, port: int) -> subprocess.Popen:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen([PAPERFEED, "--db", db, "serve", "--port", str(port), "--workers", str(workers)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/search", params={"q": "warm up"}, timeout=60).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.5)
    raise SystemExit("server did not start")


def load(port: int, path: str, clients: int, seconds: float) -> tuple[float, list[float]]:
    lat: list[float] = []
    stop = time.monotonic() + seconds
    lock = threading.Lock()

    def client(i: int) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as c:
            n = i
            while time.monotonic() < stop:
                t = time.perf_counter()
                r = c.get(path, params={"q": QUERIES[n % len(QUERIES)]} if "search" in path else None)
                r.raise_for_status()
                with lock:
                    lat.append(time.perf_counter() - t)
                n += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(lat) / (time.perf_counter() - t0), lat


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--db", action="append", required=True)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=30)
    args = ap.parse_args()
    print("| library | workers | endpoint | req/s | p50 / p99 |\n|---|---|---|---|---|")
    for db in args.db:
        for workers in (1, 2):
            port = free_port()
            proc = serve(db, workers, port)
            try:
                for path in ("/api/search", "/api/profiles/bench/feed"):
                    rate, lat = load(port, path, args.clients, args.seconds)
                    a = np.array(lat) * 1000
                    kind = "PostgreSQL" if db.startswith("postgres") else "SQLite"
                    print(f"| {kind} | {workers} | {path} | {rate:.1f} | {np.percentile(a, 50):.0f} / "
                          f"{np.percentile(a, 99):.0f} ms |", flush=True)
            finally:
                proc.terminate()
                proc.wait(timeout=60)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    main()
