"""Readers under load while a writer runs: HTTP status counts and latency during `paperfeed embed`.

Builds a library from a shared data file (part embedded, a backlog not), starts `paperfeed serve`
as its own process, then runs `paperfeed embed` while CLIENTS threads search (semantic, hybrid,
keyword) and read a feed for SECONDS. Prints 2xx/4xx/5xx/connection-error counts and p50/p99
latency, split into requests answered while the embed ran and after it.

Usage::

    nice -n 10 .venv/bin/python bench/bench_writers.py            # MiniLM, the 2020-21 arXiv set
    nice -n 10 .venv/bin/python bench/bench_writers.py --model test-hashing-64 --embedded 20000 --backlog 60000

The paperfeed it runs is the one installed next to this Python (set PYTHONPATH to try another tree).
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np

PAPERFEED = Path(sys.executable).parent / "paperfeed"


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, default=Path("../shared/data/arxiv-hot-2020-2021-tatsuyashirakawa.jsonl.gz"))
    p.add_argument("--model", default=None, help="embedding model (default: the bundled MiniLM)")
    p.add_argument("--embedded", type=int, default=1500, help="papers embedded before the run")
    p.add_argument("--backlog", type=int, default=600, help="papers the embed under load has to do")
    p.add_argument("--clients", type=int, default=20)
    p.add_argument("--seconds", type=float, default=60, help="load duration (extended to 5 s past the embed)")
    p.add_argument("--dir", type=Path, default=None, help="where to build the library (default: a temp dir)")
    return p.parse_args()


def run(args: list[str], env: dict[str, str]) -> str:
    proc = subprocess.run([str(PAPERFEED), *args], env=env, capture_output=True, text=True, check=False)
    if proc.returncode:
        sys.exit(f"paperfeed {' '.join(args)} failed: {proc.stderr.strip()}")
    return proc.stdout


def build(directory: Path, data: Path, embedded: int, backlog: int, env: dict[str, str]) -> list[dict]:
    """Library with ``embedded`` papers embedded and ``backlog`` more pending; the records used."""
    with gzip.open(data, "rt", encoding="utf-8") as f:
        recs = [json.loads(line) for _, line in zip(range(embedded + backlog), f, strict=False)]
    first, rest = directory / "first.jsonl", directory / "backlog.jsonl"
    first.write_text("".join(json.dumps(r) + "\n" for r in recs[:embedded]), encoding="utf-8")
    rest.write_text("".join(json.dumps(r) + "\n" for r in recs[embedded:]), encoding="utf-8")
    db = str(directory / "lib.db")
    t = time.perf_counter()
    run(["--db", db, "ingest", str(first)], env)
    print(f"{embedded} papers ingested and embedded in {time.perf_counter() - t:.0f} s", flush=True)
    keys = [f"arxiv:{r['id']}" for r in recs[:3] if r.get("id")]
    run(["--db", db, "profile", "create", "jane", "--keys", " ".join(keys), "--interests", "language models"], env)
    run(["--db", db, "ingest", "--no-embed", str(rest)], env)
    return recs


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: str, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([str(PAPERFEED), "--db", db, "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=open(Path(db).parent / "server.log", "w"))  # noqa: SIM115
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{url}/api/session", timeout=5).raise_for_status()
            return proc, url
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    sys.exit("the server did not start")


class Load:
    """Client threads; each answer is recorded as (class, seconds, during the embed?)."""

    def __init__(self, url: str, queries: list[str], embed: subprocess.Popen, seconds: float) -> None:
        self.url, self.queries, self.embed = url, queries, embed
        self.until = time.monotonic() + seconds
        self.embed_ended: float | None = None
        self.results: list[tuple[str, float, bool]] = []
        self.lock = threading.Lock()
        self.failures: collections.Counter[str] = collections.Counter()

    def going_on(self) -> bool:
        """For ``seconds``, and at least until 5 s after the embed ended (its publication under load)."""
        if self.embed.poll() is None:
            return True
        if self.embed_ended is None:
            self.embed_ended = time.monotonic()
        return time.monotonic() < max(self.until, self.embed_ended + 5)

    def client(self, i: int) -> None:
        with httpx.Client(base_url=self.url, timeout=120) as c:
            n = i
            while self.going_on():
                n += 1
                if n % 4 == 0:
                    path, params = "/api/profiles/jane/feed", {}
                else:
                    mode = ("semantic", "hybrid", "keyword")[n % 3]
                    path, params = "/api/search", {"q": self.queries[n % len(self.queries)], "mode": mode}
                t = time.perf_counter()
                try:
                    r = c.get(path, params=params)
                    kind = f"{r.status_code // 100}xx"
                    if r.status_code >= 500:
                        self.failures[r.text[:120]] += 1
                except httpx.TransportError as e:
                    kind = "conn-error"
                    self.failures[repr(e)[:120]] += 1
                with self.lock:
                    self.results.append((kind, time.perf_counter() - t, self.embed.poll() is None))


def report(label: str, rows: list[tuple[str, float, bool]]) -> None:
    counts = collections.Counter(k for k, _, _ in rows)
    lat = np.array([s for _, s, _ in rows]) * 1e3
    pct = f"p50 {np.percentile(lat, 50):.0f} ms, p99 {np.percentile(lat, 99):.0f} ms" if len(lat) else "-"
    print(f"{label}: {len(rows)} requests, " + ", ".join(f"{k} {counts.get(k, 0)}" for k in
          ("2xx", "4xx", "5xx", "conn-error")) + f"; {pct}", flush=True)


def main() -> None:
    args = parse_args()
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    env.pop("PAPERFEED_DB", None)
    if args.model:
        env["PAPERFEED_MODEL"] = args.model
    directory = args.dir or Path(tempfile.mkdtemp(prefix="bench-writers-"))
    directory.mkdir(parents=True, exist_ok=True)
    env["PAPERFEED_HOME"] = str(directory / "home")
    recs = build(directory, args.data, args.embedded, args.backlog, env)
    db = str(directory / "lib.db")
    server, url = start_server(db, env)
    try:
        for path in ("/api/search?q=warm+up&mode=semantic", "/api/profiles/jane/feed"):
            httpx.get(url + path, timeout=600).raise_for_status()
        queries = [" ".join(r["title"].split()[:6]) for r in recs[:: max(1, len(recs) // 200)]]
        t = time.perf_counter()
        embed = subprocess.Popen([str(PAPERFEED), "--db", db, "embed"], env=env, text=True,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        load = Load(url, queries, embed, args.seconds)
        threads = [threading.Thread(target=load.client, args=(i,)) for i in range(args.clients)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        out, err = embed.communicate()
        took = (load.embed_ended or time.monotonic()) - (load.until - args.seconds)
        print(f"embed: exit {embed.returncode}, {out.strip()!r} in {took:.0f} s; load ran "
              f"{time.perf_counter() - t:.0f} s", flush=True)
        report(f"{args.clients} clients, all", load.results)
        report("  while embed ran", [r for r in load.results if r[2]])
        report("  after embed ended", [r for r in load.results if not r[2]])
        for text, n in load.failures.most_common(5):
            print(f"  {n} x {text}")
    finally:
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    main()
