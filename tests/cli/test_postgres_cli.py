"""The command line on a PostgreSQL library (a real server): ingest, search, profiles, feed,
feedback, digests, the run lock across processes, and `paperfeed copy` to SQLite and back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from paperfeed.cli import main
from paperfeed.store.base import open_store
from support import fakes

PAPERFEED = Path(sys.executable).parent / "paperfeed"
RECORDS = [
    {"id": "2401.00001", "title": "Sparse Mixture of Experts for Language Models",
     "abstract": "Routing tokens to experts scales transformers cheaply.", "authors": ["Jane Doe", "Bo Li"],
     "categories": ["cs.LG", "cs.CL"], "date": "2024-01-05"},
    {"id": "2402.00002", "title": "Vision Transformers at Scale", "abstract": "Patches of images as tokens.",
     "authors": ["José García"], "categories": ["cs.CV"], "date": "2024-02-05"},
    {"id": "2403.00003", "title": "KV Cache Compression for Long Context Language Models",
     "abstract": "Quantising the attention cache of transformers.", "authors": ["Jane Doe"],
     "categories": ["cs.CL"], "date": "2024-03-05"},
    {"id": "2404.00004", "title": "Graph Neural Networks for Molecules", "abstract": "Message passing on atoms.",
     "authors": ["Kim Roe"], "categories": ["cs.LG"], "date": "2024-04-05"},
]


@pytest.fixture(autouse=True)
def on_postgres(pg_url: str, paperfeed_home: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every command of these tests runs against a fresh PostgreSQL database (PAPERFEED_DB)."""
    monkeypatch.setenv("PAPERFEED_DB", pg_url)
    monkeypatch.setenv("PAPERFEED_MODEL", "test-hashing-64")
    return pg_url


def run(*args: str | Path, input: str | None = None) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)


def ok(*args: str | Path) -> dict | list:
    r = run(*args, "--json")
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


@pytest.fixture
def listing(tmp_path: Path) -> Path:
    path = tmp_path / "listing.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in RECORDS), encoding="utf-8")
    return path


def keys(hits: list[dict]) -> list[str]:
    return [h["key"] for h in hits]


def test_ingest_search_profile_feed(listing: Path, tmp_path: Path) -> None:
    first = ok("ingest", listing)
    assert (first["added"], first["embedded"]) == (4, 4)
    again = ok("ingest", listing)
    assert (again["added"], again["unchanged"], again["embedded"]) == (0, 4, 0)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(RECORDS[0]) + "\n{not json\n", encoding="utf-8")
    r = run("ingest", "--strict", bad)
    assert r.exit_code == 2 and "bad.jsonl:2" in r.output
    assert ok("stats")["papers"] == 4  # nothing stored before is lost, nothing half-written

    assert keys(ok("search", "transformers", "--mode", "keyword"))[:1] == ["arxiv:2402.00002"]  # title match
    assert set(keys(ok("search", 'au:"Jane Doe" cat:cs.CL', "--mode", "keyword"))) == {
        "arxiv:2401.00001", "arxiv:2403.00003"}
    assert set(keys(ok("search", "transformers -vision", "--mode", "keyword"))) == {
        "arxiv:2401.00001", "arxiv:2403.00003"}
    assert keys(ok("search", "au:garcia", "--mode", "keyword")) == ["arxiv:2402.00002"]  # diacritics folded
    assert len(ok("search", "language models", "--mode", "semantic")) == 4
    assert ok("search", "cache compression")[0]["key"] == "arxiv:2403.00003"
    assert ok("similar", "arxiv:2401.00001")[0]["key"] != "arxiv:2401.00001"

    assert run("profile", "create", "jane", "--keys", "arxiv:2401.00001", "--author", "Jane Doe").exit_code == 0
    assert run("like", "arxiv:2403.00003", "--profile", "jane").exit_code == 0
    shown = ok("profile", "show", "jane")
    assert len(shown["papers"]) == 2 and [p["key"] for p in shown["liked"]] == ["arxiv:2403.00003"]
    feed = keys(ok("feed", "jane", "--limit", "5"))
    assert feed and "arxiv:2401.00001" not in feed  # the profile's own papers are not recommended
    assert run("mute-category", "cs.CV", "--profile", "jane").exit_code == 0
    assert "arxiv:2402.00002" not in keys(ok("feed", "jane", "--limit", "5"))


def test_digest_each_paper_once_and_run_lock_across_processes(listing: Path, paperfeed_home: Path,
                                                               on_postgres: str) -> None:
    ok("ingest", listing)
    assert run("profile", "create", "jane", "--keys", "arxiv:2401.00001").exit_code == 0
    with fakes.SmtpSink() as sink:
        (paperfeed_home / "config.toml").write_text(
            f'[digest]\ndays = 3650\nlimit = 2\n[smtp]\nhost = "127.0.0.1"\nport = {sink.port}\ntls = "none"\n'
            'from = "feed@example.org"\n[profiles.jane]\nemail = "jane@example.org"\n', encoding="utf-8")
        first = ok("digest", "jane", "--send")
        second = ok("digest", "jane", "--send", "--force")
        third = ok("digest", "jane", "--send", "--force")
        assert (first["status"], second["status"], third["status"]) == ("sent", "sent", "nothing")
        assert len(sink.messages) == 2
    store = open_store(on_postgres)
    try:
        sent = [pid for d in store.digests() for pid, _ in store.digest_items(d["id"])]
        assert len(sent) == len(set(sent)) == 3  # every other paper exactly once
        with store.run_lock("daily", paperfeed_home):  # held here; another process must refuse at once
            env = {**os.environ, "PAPERFEED_DB": on_postgres}
            p = subprocess.run([PAPERFEED, "daily", "--no-fetch"], env=env, capture_output=True, text=True,
                               timeout=120)
        assert p.returncode == 75 and "another paperfeed run is in progress (daily, pid" in p.stderr
    finally:
        store.close()


def test_copy_to_sqlite_and_back(listing: Path, tmp_path: Path, pg_server: str, on_postgres: str) -> None:
    from support import pg

    ok("ingest", listing)
    assert run("profile", "create", "jane", "--keys", "arxiv:2401.00001").exit_code == 0
    assert run("dislike", "arxiv:2402.00002", "--profile", "jane").exit_code == 0
    assert run("user", "add", "alice", input="correct horse battery\ncorrect horse battery\n").exit_code == 0
    assert run("save", "arxiv:2401.00001", "--profile", "jane").exit_code == 0
    assert run("tag", "arxiv:2401.00001", "survey", "kv", "--profile", "jane").exit_code == 0
    assert run("alert", "add", "kv-cache", '"kv cache"', "--profile", "jane").exit_code == 0
    before = ok("search", "language models")
    sqlite_db = tmp_path / "copy.db"
    report = ok("copy", on_postgres, sqlite_db)
    assert report["tables"]["papers"] == 4 and report["tables"]["vectors"] == 4 and report["tables"]["users"] == 1
    assert (report["tables"]["reading_list"], report["tables"]["paper_tags"], report["tables"]["alerts"]) == (1, 2, 1)
    tagged = ok("--db", sqlite_db, "saved", "--profile", "jane", "--tag", "kv")
    assert [p["key"] for p in tagged] == ["arxiv:2401.00001"]
    assert keys(ok("--db", sqlite_db, "search", "language models")) == keys(before)
    back = pg.create_database(pg_server)
    try:
        assert ok("copy", sqlite_db, back)["rows"] == report["rows"]
        assert keys(ok("--db", back, "search", "language models")) == keys(before)
        assert ok("--db", back, "profile", "show", "jane")["disliked"][0]["key"] == "arxiv:2402.00002"
        assert [p["key"] for p in ok("--db", back, "saved", "--profile", "jane")] == ["arxiv:2401.00001"]
        assert [a["name"] for a in ok("--db", back, "alert", "list")] == ["kv-cache"]
        assert run("--db", back, "alert", "add", "more", "attention", "--profile", "jane").exit_code == 0
        r = run("copy", sqlite_db, back)
        assert r.exit_code == 2 and "the destination is not empty" in r.output
        assert run("--db", back, "profile", "create", "bob").exit_code == 0  # identities continue after copied ids
    finally:
        pg.drop_database(pg_server, back)


def test_server_closing_the_connection_mid_session_is_one_line(listing: Path, on_postgres: str) -> None:
    """The server ends the library's connections (a restart, an administrator) between two steps: the next
    step fails as one operator line naming the server, and nothing stored before is lost."""
    import psycopg

    from paperfeed.cli.common import operator_errors
    from paperfeed.config import load_settings
    from paperfeed.errors import OperatorError
    from paperfeed.library import Library

    assert run("ingest", listing).exit_code == 0
    settings = load_settings(on_postgres)
    lib = Library(settings)
    try:
        assert lib.stats()["papers"] == len(RECORDS)
        with psycopg.connect(on_postgres, autocommit=True) as admin:
            ended = admin.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                  "WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchone()[0]
        assert ended >= 1
        with pytest.raises(OperatorError) as err, operator_errors(settings):
            lib.stats()
        line = str(err.value)
        assert "\n" not in line
        assert line.startswith(settings.store_url_shown + ": the database server failed or closed the connection")
        assert "everything stored before it is kept" in line
    finally:
        lib.close()
    assert len(ok("list", "--limit", "10")) == len(RECORDS)
