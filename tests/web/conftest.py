"""Web fixtures: a small library on the deterministic embedder, apps in both modes, logged-in clients."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from paperfeed.config import Settings, load_settings
from paperfeed.library import Library
from paperfeed.web.app import create_app
from paperfeed.web.auth import Accounts

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


def build_library(directory: Path) -> tuple[Settings, Library]:
    """A library of the synthetic corpus, embedded with test-hashing-64."""
    settings = load_settings(directory / "web.db", model_id="test-hashing-64")
    lib = Library(settings)
    lib.ingest([str(write_corpus(directory / "corpus.jsonl", corpus_records()))])
    lib.embed_pending()
    return settings, lib


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 with test-sized costs: the default (64 MiB, 3 passes) takes most of a second per hash."""
    from argon2 import PasswordHasher

    from paperfeed.web import auth

    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    monkeypatch.setattr(auth, "_dummy_hash", None)


@pytest.fixture
def web_lib(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Library]:
    monkeypatch.setenv("PAPERFEED_MODEL", "test-hashing-64")
    _, lib = build_library(tmp_path)
    yield lib
    lib.close()


@pytest.fixture
def client(web_lib: Library) -> Iterator[TestClient]:
    """Single-user mode (no login), as `paperfeed serve` on 127.0.0.1."""
    app = create_app(web_lib.settings, web_lib)
    with TestClient(app, base_url="http://127.0.0.1") as c:
        yield c


@pytest.fixture
def login_app(web_lib: Library):
    """Login mode, as `paperfeed serve --host 0.0.0.0`, with users alice and bob."""
    accounts = Accounts(web_lib.store)
    for name in ("alice", "bob"):
        accounts.add_user(name, PASSWORD)
    return create_app(web_lib.settings, web_lib, login_required=True)


@pytest.fixture
def login_as(login_app) -> Callable[[str], TestClient]:
    """``login_as(name)``: a client with a live session for that user."""
    clients: list[TestClient] = []

    def make(name: str) -> TestClient:
        c = TestClient(login_app, base_url="http://lab.example")
        c.__enter__()
        clients.append(c)
        page = c.get("/login")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        r = c.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": token, "next": "/"},
                   follow_redirects=False)
        assert r.status_code == 303, r.text
        return c

    yield make
    for c in clients:
        c.__exit__(None, None, None)


def csrf_of(c: TestClient) -> str:
    """The CSRF token of the client's session."""
    return c.get("/api/session").json()["csrf_token"]
