"""Web fixtures: a small library on the deterministic embedder, apps in both modes, logged-in clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from web_support import CHROMIUM, PASSWORD, SHOTS, build_library, open_page

from paperfeed.accounts import Accounts
from paperfeed.library import Library
from paperfeed.web.app import create_app


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 with test-sized costs: the default (64 MiB, 3 passes) takes most of a second per hash."""
    from argon2 import PasswordHasher

    from paperfeed import accounts as auth

    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    monkeypatch.setattr(auth, "_dummy_hash", None)


@pytest.fixture
def web_backend(request: pytest.FixtureRequest) -> str:
    """The web library's backend: sqlite, or postgres where a module parametrizes it (indirect)."""
    return getattr(request, "param", "sqlite")


@pytest.fixture
def web_lib(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, web_backend: str,
            request: pytest.FixtureRequest) -> Iterator[Library]:
    monkeypatch.setenv("PAPERFEED_MODEL", "test-hashing-64")
    url = request.getfixturevalue("pg_url") if web_backend == "postgres" else None
    _, lib = build_library(tmp_path, url)
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


BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """Headless Chromium (/usr/bin/chromium) through Playwright."""
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    """A 1280x900 page on the module's ``server``; the test fails if the console showed an error."""
    ctx, pg = open_page(browser, server)
    yield pg
    errors = list(pg.js_errors)
    ctx.close()
    assert not errors, errors
