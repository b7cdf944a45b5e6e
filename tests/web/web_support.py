"""Helpers shared by the web tests: a synthetic corpus, a built library, the CSRF token of a client.

A module with a unique name (not conftest.py), so no other directory's conftest can shadow it.
"""

from __future__ import annotations

import json
import random
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from fastapi.testclient import TestClient

from paperfeed.config import Settings, load_settings
from paperfeed.config_file import set_value
from paperfeed.library import Library

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
"""Where browser tests save their screenshots (git-ignored)."""
XSS_TITLE = "<script>alert(1)</script>"
PASSWORD = "correct horse battery"
TOPICS = {
    "cs.CL": ("KV cache compression for long-context language model inference",
              "key value cache attention heads tokens eviction quantization long context decoding memory"),
    "cs.CV": ("Diffusion models for high-resolution image generation",
              "diffusion denoising image synthesis latent pixels generation sampling guidance resolution"),
    "cs.RO": ("Robot grasping with reinforcement learning",
              "robot grasping manipulation policy reinforcement reward simulation gripper objects control"),
    "cs.LG": ("Graph neural networks for molecular property prediction",
              "graph neural network molecules message passing atoms bonds property prediction chemistry"),
}


def corpus_records(per_topic: int = 12, seed: int = 7) -> list[dict]:
    """Synthetic arXiv-like papers in four topics, plus an XSS title and a LaTeX abstract."""
    rng = random.Random(seed)
    out = []
    n = 0
    for cat, (title, vocab) in TOPICS.items():
        words = vocab.split()
        for i in range(per_topic):
            n += 1
            body = " ".join(rng.choice(words) for _ in range(60))
            out.append({
                "id": f"2501.{n:05d}", "title": f"{title}: study {i + 1}",
                "abstract": f"We study {title.lower()}. {body}.",
                "authors": [f"Author{cat[-2:]} {chr(65 + i % 5)}lpha", "Shared Person"],
                "categories": [cat], "date": f"2025-01-{1 + n % 28:02d}",
            })
    out.append({"id": "2501.09998", "title": XSS_TITLE,
                "abstract": "An abstract with <b>tags</b> & \"quotes\" about key value cache attention tokens.",
                "authors": ["Mallory <img src=x onerror=alert(2)>"], "categories": ["cs.CR"],
                "date": "2025-02-01"})
    out.append({"id": "2501.09999", "title": "Subquadratic attention in $O(n \\log n)$ time",
                "abstract": "Standard attention costs $O(n^2)$ for $n$ tokens with $\\alpha \\leq 1$; key value cache.",
                "authors": ["Ada Lovelace"], "categories": ["cs.CL", "cs.LG"], "date": "2025-02-02"})
    return out


def write_corpus(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def build_library(directory: Path, store_url: str | None = None) -> tuple[Settings, Library]:
    """A library of the synthetic corpus, embedded with test-hashing-64 (in ``store_url`` if given;
    config and indexes then live in ``directory``/home, never in the user's own home)."""
    if store_url:
        settings = replace(load_settings(store_url, model_id="test-hashing-64"), home=directory / "home")
    else:
        settings = load_settings(directory / "web.db", model_id="test-hashing-64")
    lib = Library(settings)
    set_value(settings.home, "feed.days", "3650")  # the corpus spans months; the default window is a week
    lib.ingest([str(write_corpus(directory / "corpus.jsonl", corpus_records()))])
    lib.embed_pending()
    return settings, lib


def csrf_of(c: TestClient) -> str:
    """The CSRF token of the client's session."""
    return c.get("/api/session").json()["csrf_token"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(settings: Settings, lib: Library) -> Iterator[str]:
    """A real uvicorn server (single-user mode) for ``lib`` in a thread; yields its base URL, closes ``lib``."""
    from paperfeed.web.app import create_app

    try:
        with live_server(create_app(settings, lib)) as url:
            yield url
    finally:
        lib.close()


@contextmanager
def live_server(app, **options) -> Iterator[str]:
    """A real uvicorn server for ``app`` in a thread on a free loopback port; yields its base URL.

    ``options``: more uvicorn.Config settings (as `paperfeed serve` passes them)."""
    import uvicorn

    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", workers=1, **options))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(10)


def open_page(browser, base_url: str, width: int = 1280, height: int = 900, dark: bool = False):
    """A fresh browser context and page that records dialogs, script errors and console errors."""
    ctx = browser.new_context(base_url=base_url, viewport={"width": width, "height": height},
                              color_scheme="dark" if dark else "light")
    pg = ctx.new_page()
    pg.set_default_timeout(15_000)
    pg.dialogs = []
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.js_errors = []
    pg.on("pageerror", lambda e: pg.js_errors.append(str(e)))
    # CSP violations, failed requests and console.error all land here: any of them fails the test
    pg.on("console", lambda m: pg.js_errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    return ctx, pg
