"""Writers never break readers: a real server answers every search while `paperfeed embed` runs.

The server (uvicorn in a thread, its own Library) takes searches and feeds from several clients
while a real `embed` process embeds a backlog and publishes a new index generation.
"""

from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from web_support import live_server

from paperfeed.config import Settings, load_settings
from paperfeed.index import current_generation
from paperfeed.library import Library

PAPERFEED = Path(sys.executable).parent / "paperfeed"
MODEL = "test-hashing-64"
EMBEDDED, BACKLOG, CLIENTS = 1_500, 19_000, 6  # crosses EXACT_MAX: the embed switches to HNSW
TOPICS = ("attention heads", "diffusion sampling", "robot grasping", "graph molecules", "kv cache eviction")


def _record(n: int) -> str:
    topic = TOPICS[n % len(TOPICS)]
    return json.dumps({
        "id": f"24{(n % 12) + 1:02d}.{n:05d}",
        "title": f"Paper {n} on {topic} with method m{n % 89}",
        "abstract": f"We study {topic}. " + " ".join(f"w{(n * k) % 997}" for k in range(30)),
        "authors": [f"Author {n % 300}"], "categories": ["cs.LG"], "date": f"2024-{(n % 12) + 1:02d}-01",
    })


def _write(path: Path, first: int, count: int) -> Path:
    path.write_text("".join(_record(n) + "\n" for n in range(first, first + count)), encoding="utf-8")
    return path


@pytest.fixture
def backlog(tmp_path: Path) -> Settings:
    """A library with an embedded, indexed part, a profile, and a backlog of papers not yet embedded."""
    settings = load_settings(tmp_path / "lib.db", model_id=MODEL)
    lib = Library(settings)
    try:
        lib.ingest([str(_write(tmp_path / "a.jsonl", 0, EMBEDDED))])
        lib.embed_pending()
        lib.vector_index()
        lib.create_profile("jane", keys=["arxiv:2401.00000", "arxiv:2402.00001"], interests="kv cache eviction")
        lib.ingest([str(_write(tmp_path / "b.jsonl", EMBEDDED, BACKLOG))])
        assert lib.count_pending() == BACKLOG
    finally:
        lib.close()
    return settings


@contextmanager
def serve(settings: Settings) -> Iterator[str]:
    """A real uvicorn server on a free loopback port, with a Library of its own; yields its URL."""
    from paperfeed.web.app import create_app

    with live_server(create_app(settings)) as url:
        yield url


class Load:
    """Clients that search and read a feed in a loop; counts answers by class (2xx, 4xx, 5xx, errors)."""

    def __init__(self, url: str, embed: subprocess.Popen) -> None:
        self.url, self.embed = url, embed
        self.counts: collections.Counter[str] = collections.Counter()
        self.during_embed = 0
        self.failures: list[str] = []
        self.stop = threading.Event()
        self.lock = threading.Lock()

    def client(self, i: int) -> None:
        with httpx.Client(base_url=self.url, timeout=120) as c:
            n = i
            while not self.stop.is_set():
                n += 1
                path, params = ("/api/profiles/jane/feed", {}) if n % 4 == 0 else (
                    "/api/search", {"q": TOPICS[n % len(TOPICS)], "mode": ("semantic", "hybrid")[n % 2]})
                try:
                    status = f"{c.get(path, params=params).status_code // 100}xx"
                    text = ""
                except httpx.TransportError as e:  # a reset or refused connection counts as a failure
                    status, text = "error", repr(e)
                with self.lock:
                    self.counts[status] += 1
                    self.during_embed += self.embed.poll() is None
                    if status not in ("2xx", "4xx"):
                        self.failures.append(f"{path} {status} {text}")


def test_no_failed_request_while_embed_publishes_the_index(backlog: Settings) -> None:
    env = {**os.environ, "PAPERFEED_MODEL": MODEL}
    env.pop("PAPERFEED_DB", None)
    with serve(backlog) as url:
        httpx.get(f"{url}/api/search", params={"q": "warm up", "mode": "semantic"}, timeout=60).raise_for_status()
        embed = subprocess.Popen([str(PAPERFEED), "--db", str(backlog.db_path), "embed"], env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        load = Load(url, embed)
        clients = [threading.Thread(target=load.client, args=(i,)) for i in range(CLIENTS)]
        for t in clients:
            t.start()
        out, err = embed.communicate(timeout=600)
        load.stop.set()
        for t in clients:
            t.join(120)
        # the server now uses the new generation: a backlog paper is found by its own text
        last = json.loads(_record(EMBEDDED + BACKLOG - 1))
        query = f"{last['title']} {last['abstract']}"
        hits = httpx.get(f"{url}/api/search", params={"q": query, "mode": "semantic", "limit": 1},
                         timeout=60).json()["results"]
    assert embed.returncode == 0, err
    assert f"embedded {BACKLOG} papers" in out
    assert load.failures == [], f"{load.counts}: {load.failures[:5]}"
    assert load.during_embed >= CLIENTS, load.counts  # the load really overlapped the embed
    assert hits and hits[0]["key"] == f"arxiv:{last['id']}"
    gen, meta = current_generation(backlog.index_dir / MODEL)
    assert meta.kind == "hnsw" and meta.count == EMBEDDED + BACKLOG
