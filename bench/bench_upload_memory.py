"""Memory and page size for a paper with a 10 MB abstract pasted through the JSON API.

    nice -n 10 .venv/bin/python bench/bench_upload_memory.py

Client and server share this process, so the peak RSS growth is an upper bound for the server's.
"""

from __future__ import annotations

import json
import os
import resource
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from paperfeed.config import load_settings
from paperfeed.library import Library
from paperfeed.web.app import create_app


def main() -> None:
    os.environ["PAPERFEED_MODEL"] = "test-hashing-64"
    folder = Path(tempfile.mkdtemp(prefix="paperfeed-bench-"))
    lib = Library(load_settings(folder / "b.db", model_id="test-hashing-64"))
    seed = folder / "seed.jsonl"
    seed.write_text("".join(json.dumps({"id": f"2501.{i:05d}", "title": f"Paper {i}", "abstract": "Some words.",
                                        "authors": ["A B"]}) + "\n" for i in range(1, 50)))
    lib.ingest([str(seed)])
    lib.embed_pending()
    rec = {"id": "2601.05555", "title": "Huge", "abstract": "attention " * 1_000_000, "authors": ["A B"]}
    body = json.dumps({"name": "big", "text": json.dumps(rec) + "\n"})
    with TestClient(create_app(lib.settings, lib), base_url="http://127.0.0.1") as c:
        token = c.get("/api/session").json()["csrf_token"]
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.perf_counter()
        r = c.post("/api/profiles", content=body, headers={"X-CSRF-Token": token, "content-type": "application/json"})
        took = time.perf_counter() - start
        grew = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
        page = c.get("/papers/arxiv:2601.05555")
    print(f"10 MB abstract via POST /api/profiles: HTTP {r.status_code} in {took:.2f} s, peak RSS +{grew:.0f} MB "
          f"(body {len(body) / 2**20:.1f} MiB); paper page {len(page.content) / 1024:.0f} KB")
    lib.close()


if __name__ == "__main__":
    main()
