"""Login throttling against a real uvicorn server on loopback (issue 15, item 2): parallel guesses are
counted before the password hash, X-Forwarded-For is believed only from a named proxy, and user names
ignore case."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx
import pytest
from click.testing import CliRunner
from web_support import PASSWORD, live_server

from paperfeed import accounts as auth
from paperfeed.accounts import Accounts
from paperfeed.cli import main
from paperfeed.cli.web_cmds import proxy_options
from paperfeed.errors import PaperfeedError
from paperfeed.library import Library
from paperfeed.web.app import create_app
from paperfeed.web.throttle import MAX_FAILURES


@contextmanager
def serving(lib: Library, forwarded_allow_ips: str | None) -> Iterator[str]:
    """The login-mode app under uvicorn, configured as `paperfeed serve` configures it."""
    with live_server(create_app(lib.settings, lib, login_required=True), **proxy_options(forwarded_allow_ips)) as url:
        yield url


@pytest.fixture
def users(web_lib: Library) -> Library:
    accounts = Accounts(web_lib.store)
    for name in ("alice", "bob"):
        accounts.add_user(name, PASSWORD)
    return web_lib


@pytest.fixture
def hash_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password check that reached the (slow) hash, made slow enough for requests to overlap."""
    seen: list[str] = []
    real = auth.verify_password

    def counted(password_hash: str | None, password: str) -> bool:
        seen.append(password)
        time.sleep(0.05)
        return real(password_hash, password)

    monkeypatch.setattr(auth, "verify_password", counted)
    return seen


def login(base: str, name: str, password: str, headers: dict | None = None) -> int:
    with httpx.Client(base_url=base, headers=headers or {}) as c:
        page = c.get("/login")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        r = c.post("/login", data={"name": name, "password": password, "csrf_token": token})
        return r.status_code


def test_parallel_wrong_passwords_reach_the_hash_at_most_the_limit(users, hash_checks) -> None:
    with serving(users, None) as base, ThreadPoolExecutor(40) as pool:
        codes = list(pool.map(lambda i: login(base, "alice", f"wrong {i}"), range(40)))
        assert len(hash_checks) <= MAX_FAILURES
        assert codes.count(401) == len(hash_checks) and codes.count(429) == 40 - len(hash_checks)
        assert login(base, "alice", PASSWORD) == 429  # still blocked for the right password


def test_forwarded_for_is_ignored_unless_the_proxy_is_named(users, hash_checks) -> None:
    def spoofed(base: str, i: int) -> int:
        return login(base, f"nobody{i}", "wrong", headers={"X-Forwarded-For": f"10.0.0.{i}"})

    with serving(users, None) as base:
        codes = [spoofed(base, i) for i in range(MAX_FAILURES + 2)]
    assert codes == [401] * MAX_FAILURES + [429, 429]  # one address: 127.0.0.1, whatever the header says
    with serving(users, "127.0.0.1") as base:  # behind a proxy on loopback: each client address counts
        codes = [spoofed(base, i) for i in range(MAX_FAILURES + 2)]
    assert codes == [401] * (MAX_FAILURES + 2)


def test_a_success_does_not_count_against_the_address(users) -> None:
    with serving(users, None) as base:
        for _ in range(MAX_FAILURES + 3):
            assert login(base, "bob", PASSWORD) == 303


def test_user_names_ignore_case(users) -> None:
    accounts = Accounts(users.store)
    with pytest.raises(PaperfeedError, match="user 'alice' already exists"):
        accounts.add_user("Alice", PASSWORD)
    assert accounts.authenticate("ALICE", PASSWORD).name == "alice"
    with serving(users, None) as base:
        assert login(base, "Alice", PASSWORD) == 303
        for _ in range(MAX_FAILURES):
            assert login(base, "ALICE", "wrong") == 401
        assert login(base, "alice", PASSWORD) == 429  # one account, one counter


@pytest.mark.parametrize("bad", ["al ice", "ali\tce", "alice\r", "аlice", "alice\u200b", "", "-alice", "a" * 65])
def test_user_names_outside_the_rule_are_refused(users, bad: str) -> None:
    with pytest.raises(PaperfeedError, match="invalid user name"):
        Accounts(users.store).add_user(bad, PASSWORD)


def test_serve_refuses_a_bad_proxy_address(tmp_path) -> None:
    r = CliRunner().invoke(main, ["--db", str(tmp_path / "x.db"), "serve", "--forwarded-allow-ips", "nginx"])
    assert r.exit_code == 2 and "'nginx' is not an IP address or network" in r.output


def test_proxy_options() -> None:
    assert proxy_options(None) == {"proxy_headers": False, "forwarded_allow_ips": None}
    assert proxy_options("127.0.0.1, 10.0.0.0/8") == {"proxy_headers": True,
                                                       "forwarded_allow_ips": "127.0.0.1,10.0.0.0/8"}



def test_user_add_refuses_a_name_in_another_case_before_the_prompt(tmp_path) -> None:
    db = str(tmp_path / "u.db")
    ok = CliRunner().invoke(main, ["--db", db, "user", "add", "alice"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert ok.exit_code == 0, ok.output
    r = CliRunner().invoke(main, ["--db", db, "user", "add", "Alice"], input="")
    assert r.exit_code == 2 and "user 'alice' already exists (user names ignore case)" in r.output
    assert "Password" not in r.output
