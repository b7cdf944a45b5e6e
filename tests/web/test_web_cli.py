"""`paperfeed user ...` and `paperfeed serve --help` through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from paperfeed.accounts import Accounts
from paperfeed.cli import main
from paperfeed.cli.web_cmds import is_loopback
from paperfeed.store.sqlite import SqliteStore


def run(db: Path, *args: str, input: str | None = None):
    return CliRunner().invoke(main, ["--db", str(db), *args], input=input)


def add_profile(db: Path, name: str) -> None:
    """A profile made outside the web (no owner), as `paperfeed profile create` leaves it."""
    store = SqliteStore(db)
    with store.transaction():
        store.create_profile(name)
    store.close()


def test_user_add_list_token_delete(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    r = run(db, "user", "add", "jane", input="s3cret-pass\ns3cret-pass\n")
    assert r.exit_code == 0, r.output
    assert "s3cret-pass" not in r.output
    rows = json.loads(run(db, "user", "list", "--json").output)
    assert [(u["name"], u["tokens"]) for u in rows] == [("jane", 0)]
    r = run(db, "user", "token", "jane", "--label", "laptop")
    token = r.stdout.strip().splitlines()[0]
    assert r.exit_code == 0 and token.startswith("pft_")
    store = SqliteStore(db)
    try:
        assert Accounts(store).token_user(token).name == "jane"
        assert Accounts(store).authenticate("jane", "s3cret-pass") is not None
    finally:
        store.close()
    revoked = run(db, "user", "token", "jane", "--label", "laptop", "--revoke")
    assert revoked.exit_code == 0 and "revoked 1 token(s)" in revoked.output
    store = SqliteStore(db)
    try:
        assert Accounts(store).token_user(token) is None
    finally:
        store.close()
    assert run(db, "user", "delete", "jane", "--yes").exit_code == 0
    assert json.loads(run(db, "user", "list", "--json").output) == []


def test_user_add_errors(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    assert run(db, "user", "add", "jane", input="short\nshort\n").exit_code == 2
    mismatch = run(db, "user", "add", "jane", input="long-enough-1\nlong-enough-2\n")
    assert mismatch.exit_code != 0
    assert run(db, "user", "add", "bad name!", input="").exit_code == 2
    assert run(db, "user", "add", "jane", input="long-enough-1\nlong-enough-1\n").exit_code == 0
    dup = run(db, "user", "add", "jane", input="long-enough-1\nlong-enough-1\n")
    assert dup.exit_code == 2 and "already exists" in dup.output
    assert run(db, "user", "token", "nobody").exit_code == 2
    assert run(db, "user", "assign", "jane", "no-such-profile").exit_code == 2


def test_user_add_with_profile(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    add_profile(db, "lab")
    r = run(db, "user", "add", "jane", "--profile", "lab", input="long-enough-1\nlong-enough-1\n")
    assert r.exit_code == 0, r.output
    assert json.loads(run(db, "user", "list", "--json").output)[0]["profiles"] == 1


def test_serve_help_and_loopback() -> None:
    r = CliRunner().invoke(main, ["serve", "--help"])
    assert r.exit_code == 0 and "--host" in r.output and "--port" in r.output
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5") and not is_loopback("lab.example")


def test_user_assign_is_all_or_nothing(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    add_profile(db, "lab")
    assert run(db, "user", "add", "jane", input="long-enough-1\nlong-enough-1\n").exit_code == 0
    r = run(db, "user", "assign", "jane", "lab", "no-such-profile")
    assert r.exit_code == 2 and "no-such-profile" in r.output
    assert json.loads(run(db, "user", "list", "--json").output)[0]["profiles"] == 0  # lab was not given either
    assert run(db, "user", "assign", "jane", "lab").exit_code == 0
    assert json.loads(run(db, "user", "list", "--json").output)[0]["profiles"] == 1
