"""`paperfeed serve --workers 2` as a real process on each backend: several worker processes answer
searches and feeds alike."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil

from paperfeed.config import load_settings
from paperfeed.library import Library
from support import fakes

PAPERFEED = Path(sys.executable).parent / "paperfeed"
MODEL = "test-hashing-64"


def _stock(store_url: str, tmp_path: Path) -> None:
    listing = tmp_path / "l.jsonl"
    recs = [{"id": f"2401.{i:05d}", "title": f"Paper {i} on {'graphs' if i % 2 else 'language models'}",
             "abstract": f"Abstract {i} about {'message passing' if i % 2 else 'transformers'}.",
             "authors": [f"Author {i}"], "categories": ["cs.LG"], "date": f"2024-01-{i + 1:02d}"} for i in range(12)]
    listing.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    lib = Library(load_settings(store_url, model_id=MODEL))
    try:
        lib.ingest([str(listing)])
        lib.embed_pending()
        lib.create_profile("jane", keys=["arxiv:2401.00001"])
    finally:
        lib.close()


def test_serve_with_two_workers(store_url: str, tmp_path: Path, paperfeed_home: Path) -> None:
    _stock(store_url, tmp_path)
    port = fakes.free_port()
    env = {**os.environ, "PAPERFEED_MODEL": MODEL}
    proc = subprocess.Popen([PAPERFEED, "--db", store_url, "serve", "--port", str(port), "--workers", "2"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{base}/api/stats", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
        workers = [c for c in psutil.Process(proc.pid).children(recursive=True) if "python" in c.name().lower()
                   or "paperfeed" in " ".join(c.cmdline())]
        assert len(workers) >= 2
        with httpx.Client(base_url=base, timeout=30) as client:
            for _ in range(8):  # spread over the workers by the kernel: every one answers the same
                hits = client.get("/api/search", params={"q": "language models", "mode": "keyword"}).json()
                assert {h["key"] for h in hits["results"]} == {f"arxiv:2401.{i:05d}" for i in range(0, 12, 2)}
            feed = client.get("/api/profiles/jane/feed").json()
            assert feed and all(h["key"] != "arxiv:2401.00001" for h in feed)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
