"""One profile-name rule for the CLI, the web pages and the API (issue 15, item 4)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from paperfeed.cli import main
from paperfeed.config import load_settings
from paperfeed.errors import PaperfeedError
from paperfeed.library import Library
from paperfeed.names import check_profile_name, profile_name_key
from paperfeed.web.app import create_app

GOOD = ["jane", "Jane Doe", "Zoë", "dots.in.name", "José-María (ML)", "读书会", "Мария", "ml@lab", "a" * 64]
BAD = {
    "alice\r": "control character", "al\tice": "control character", "alice\n": "control character",
    "alice\u200b": "ZERO WIDTH SPACE", "ali\u202ece": "RIGHT-TO-LEFT OVERRIDE", "ali\u00a0ce": "NO-BREAK SPACE",
    "ＡＬＩＣＥ": "full-width", "аlice": "mixes Cyrillic and Latin", " alice": "either end", "al  ice": "two in a row",
    "a/b": "no /", "a\\b": "no /", "": "empty", "   ": "empty", "a" * 65: "longer than 64",
}


@pytest.mark.parametrize("name", GOOD)
def test_good_names_pass(name: str) -> None:
    assert check_profile_name(name) == name


@pytest.mark.parametrize("name", list(BAD))
def test_bad_names_are_refused_with_the_reason(name: str) -> None:
    with pytest.raises(PaperfeedError, match="invalid profile name") as e:
        check_profile_name(name)
    assert BAD[name] in str(e.value) and "\n" not in str(e.value)


@given(st.text(max_size=80))
def test_any_text_is_a_name_or_a_clear_error(name: str) -> None:
    try:
        check_profile_name(name)
    except PaperfeedError as e:
        assert str(e).startswith("invalid profile name ")
        return
    assert 1 <= len(name) <= 64 and name == name.strip()
    assert not any(c in name for c in "\t\r\n\x00/\\\u200b")


def test_lookalike_keys() -> None:
    assert profile_name_key("ALICE") == profile_name_key("alice") == profile_name_key("аlice")


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "lib.db")


def cli(db: str, *args: str):
    return CliRunner().invoke(main, ["--db", db, *args], catch_exceptions=False)


def test_the_cli_takes_the_rule(db: str) -> None:
    assert cli(db, "profile", "create", "alice").exit_code == 0
    for bad in ("alice\r", "bob\u200b", "ca\trol", "ALICE", "Alice", "аlice"):
        r = cli(db, "profile", "create", bad)
        assert r.exit_code == 2 and "invalid profile name" in r.output, (bad, r.output)
        assert len(r.output.strip().splitlines()) == 1
    assert cli(db, "profile", "create", "alice", "--interests", "kv cache").exit_code == 0  # extending is fine
    lib = Library(load_settings(db))
    assert [p["name"] for p in lib.profiles()] == ["alice"]
    lib.close()


def test_the_web_and_the_api_take_the_same_rule(db: str) -> None:
    lib = Library(load_settings(db))
    lib.create_profile("alice")
    with TestClient(create_app(lib.settings, lib), base_url="http://127.0.0.1") as c:
        token = c.get("/api/session").json()["csrf_token"]
        for bad in ("bob\r", "bob\u200b", "b\tob", "ALICE", "аlice", "x/y"):
            r = c.post("/api/profiles", json={"name": bad}, headers={"X-CSRF-Token": token})
            assert r.status_code == 400 and r.json()["detail"].startswith("invalid profile name"), (bad, r.text)
            page = c.post("/profiles", data={"name": bad, "csrf_token": token}, follow_redirects=False)
            assert page.status_code == 400 and "invalid profile name" in page.text
        assert c.post("/api/profiles", json={"name": "bob"}, headers={"X-CSRF-Token": token}).status_code == 201
    assert sorted(p["name"] for p in lib.profiles()) == ["alice", "bob"]
    lib.close()


def test_an_old_profile_with_an_odd_name_can_still_be_used(db: str) -> None:
    lib = Library(load_settings(db))
    with lib.store.transaction():
        lib.store.create_profile("old\tname", "", [])  # made before the rule
    lib.create_profile("old\tname", interests="still works")
    assert lib.profile("old\tname")["interests"] == "still works"
    lib.close()
