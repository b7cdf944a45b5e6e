"""Benchmark: web server time under concurrent load, and the topic map's layout time.

    .venv/bin/python bench/bench_web.py [--work DIR] [--papers 170000] [--clients 20] [--requests 400]
        [--map-points 20000] [--json OUT]

Setup (cached in --work, not timed): ingest the shared arXiv corpus files up to --papers papers and
embed them with the deterministic test embedder (PAPERFEED_MODEL=test-hashing-64; the bundled model
would need about 45 minutes for 170k papers), then create a profile from 20 search results.
The server is `paperfeed serve` in its own process (one worker, single-user mode); the load comes
from --clients threads, each with its own httpx client, on loopback. Server time is the app's own
Server-Timing header; client time includes HTTP and JSON/HTML transfer.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
FILES = ["arxiv-cs-daily-dwdengwei.jsonl.gz", "arxiv-cs-daily-advancedcs.jsonl.gz",
         "arxiv-cs-daily-csqiandong.jsonl.gz", "arxiv-hot-2020-2021-tatsuyashirakawa.jsonl.gz"]
MODEL = "test-hashing-64"
QUERIES = [
    "kv cache compression", "speculative decoding", "diffusion models for video generation",
    "robot manipulation policy", "retrieval augmented generation", "speech recognition",
    "graph neural networks", "mixture of experts", "vision language models", "reinforcement learning from "
    "human feedback", "3d gaussian splatting", "federated learning privacy", "machine translation low resource",
    "interpretability sparse autoencoders", "medical image segmentation", "autonomous driving planning",
    "code generation benchmark", "text to speech", "long context attention", "quantization of llms",
    'au:"Yann LeCun"', "cat:cs.RO grasping", '"chain of thought" reasoning', "point cloud registration",
    "object detection transformer", "hallucination detection", "recommender systems", "time series forecasting",
    "multi-agent systems", "image super resolution",
]


def build(work: Path, papers: int) -> Path:
    """The cached benchmark library (ingested, embedded, with a profile); returns its database path."""
    db = work / "web.db"
    done = work / "built.json"
    if done.exists() and json.loads(done.read_text())["papers"] == papers:
        return db
    from paperfeed.config import load_settings
    from paperfeed.library import Library

    work.mkdir(parents=True, exist_ok=True)
    corpus = work / "corpus.jsonl"
    n = 0
    with corpus.open("w", encoding="utf-8") as out:
        for name in FILES:
            with gzip.open(DATA / name, "rt", encoding="utf-8") as f:
                for line in f:
                    if n >= papers:
                        break
                    out.write(line)
                    n += 1
    lib = Library(load_settings(db, model_id=MODEL))
    t = time.perf_counter()
    lib.ingest([str(corpus)], fmt="jsonl")
    print(f"setup: ingested {lib.store.count()} papers in {time.perf_counter() - t:.0f}s", flush=True)
    t = time.perf_counter()
    lib.embed_pending(batch=512)
    lib.lexical_index()
    print(f"setup: embedded + indexed in {time.perf_counter() - t:.0f}s", flush=True)
    keys = [h.key for q in ("kv cache compression", "speculative decoding") for h in lib.search(q, limit=10)]
    lib.create_profile("bench", keys=keys, interests="efficient long-context inference")
    lib.close()
    done.write_text(json.dumps({"papers": papers}))
    return db


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "PAPERFEED_MODEL": MODEL}
    exe = str(Path(sys.executable).parent / "paperfeed")
    proc = subprocess.Popen([exe, "--db", str(db), "serve", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/api/session", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"server did not start: {proc.stderr.read().decode()[-2000:]}")


def server_ms(resp: httpx.Response) -> float:
    """The app's own time from the Server-Timing header."""
    return float(resp.headers["server-timing"].split("dur=")[1])


def load(base: str, urls: list[str], clients: int) -> dict:
    """GET every URL once, spread over ``clients`` threads; per-request server and client times (ms)."""
    server, client, errors = [], [], []
    lock = threading.Lock()
    todo = iter(urls)

    def worker() -> None:
        with httpx.Client(base_url=base, timeout=120) as c:
            while True:
                with lock:
                    url = next(todo, None)
                if url is None:
                    return
                t = time.perf_counter()
                r = c.get(url)
                dt = (time.perf_counter() - t) * 1000
                with lock:
                    (server.append(server_ms(r)), client.append(dt)) if r.status_code == 200 else errors.append(url)

    t = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t
    return {"requests": len(server), "errors": len(errors), "rps": round(len(server) / wall, 1),
            "server_p50_ms": pct(server, 50), "server_p99_ms": pct(server, 99),
            "client_p50_ms": pct(client, 50), "client_p99_ms": pct(client, 99)}


def pct(xs: list[float], p: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))], 1)


def map_timing(db: Path, points: int) -> dict:
    """Layout time for ``points`` library vectors (PCA 50 + kNN + layout), outside the server."""
    from paperfeed.config import load_settings
    from paperfeed.library import Library
    from paperfeed.web.topicmap import layout

    lib = Library(load_settings(db, model_id=MODEL))
    emb = lib.embedder()
    ids = lib.store.filter_ids()[:points]
    vecs = lib.store.vectors_for(emb.model_id, ids.tolist(), emb.dim)
    mat = np.stack(list(vecs.values()))
    t = time.perf_counter()
    layout(mat)
    lib.close()
    return {"points": len(mat), "layout_s": round(time.perf_counter() - t, 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, default=Path("/tmp/paperfeed-bench-web"))
    ap.add_argument("--papers", type=int, default=170_000)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--map-points", type=int, default=20_000)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    db = build(args.work, args.papers)
    proc, base = start_server(db)
    results: dict = {"papers": args.papers, "clients": args.clients, "cpus": os.cpu_count(),
                     "load_avg_before": os.getloadavg()[0]}
    try:
        for url in ("/search?q=warm+up", "/profiles/bench/feed", "/api/profiles/bench/feed"):
            httpx.get(base + url, timeout=300)  # indexes load once
        n = args.requests
        pages = {
            "search page (hybrid)": [f"/search?{urlencode({'q': QUERIES[i % len(QUERIES)]})}" for i in range(n)],
            "search API (hybrid)": [f"/api/search?{urlencode({'q': QUERIES[i % len(QUERIES)]})}" for i in range(n)],
            "feed page": ["/profiles/bench/feed"] * (n // 4),
        }
        for name, urls in pages.items():
            results[f"{name}, 1 client"] = one = load(base, urls[:20], 1)
            print(f"{name + ', 1 client':34s} {json.dumps(one)}", flush=True)
            results[f"{name}, {args.clients} clients"] = many = load(base, urls, args.clients)
            print(f"{name + f', {args.clients} clients':34s} {json.dumps(many)}", flush=True)
        shutil.rmtree(db.parent / f"{db.stem}-index" / "topicmap", ignore_errors=True)  # a cold map
        t = time.perf_counter()
        r = httpx.get(base + f"/api/map?limit={args.map_points}", timeout=600)
        results["map API cold (server)"] = {"points": r.json()["count"], "seconds": round(time.perf_counter() - t, 2)}
        t = time.perf_counter()
        httpx.get(base + f"/api/map?limit={args.map_points}", timeout=600)
        results["map API cached"] = {"seconds": round(time.perf_counter() - t, 2)}
    finally:
        proc.terminate()
        proc.wait(10)
    results["map layout only"] = map_timing(db, args.map_points)
    results["load_avg_after"] = os.getloadavg()[0]
    for k in ("map API cold (server)", "map API cached", "map layout only"):
        print(f"{k:34s} {json.dumps(results[k])}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
