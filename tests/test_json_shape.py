"""One JSON shape for a paper and for a hit across list, show, search, similar, feed, profile show and the API
(issue 12: `id` vs `arxiv_id`, hits without abstract and URL)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from fastapi.testclient import TestClient

from paperfeed.cli import main
from paperfeed.config import load_settings
from paperfeed.library import Library
from paperfeed.web.app import create_app

MODEL = "test-hashing-64"
PAPER_KEYS = {"code_links", "key", "arxiv_id", "doi", "title", "abstract", "authors", "categories", "date",
              "updated", "venue",
              "url", "comments", "journal_ref", "version", "sources", "links"}
HIT_KEYS = PAPER_KEYS | {"rank", "score", "why"}


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], env={"PAPERFEED_MODEL": MODEL})


def out(*args: str | Path):
    r = run(*args)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "p.jsonl"
    path.write_text("".join(json.dumps({"id": f"2606.0000{i}", "title": f"Attention paper {i}",
                                        "abstract": f"Attention heads, study {i}.", "authors": ["Jane Doe"],
                                        "categories": ["cs.CL"], "date": f"2026-06-0{i + 1}"}) + "\n"
                            for i in range(6)), encoding="utf-8")
    db = tmp_path / "lib.db"
    assert run("--db", db, "ingest", path).exit_code == 0
    assert run("--db", db, "profile", "create", "me", "--keys", "arxiv:2606.00000").exit_code == 0
    return db


def test_cli_papers_and_hits_share_one_shape(db: Path) -> None:
    listed = out("--db", db, "list", "--json")
    shown = out("--db", db, "show", "arxiv:2606.00001", "--json")
    assert all(set(p) == PAPER_KEYS for p in listed)
    assert set(shown) == PAPER_KEYS | {"bibtex"}
    assert {k: v for k, v in shown.items() if k != "bibtex"} == next(p for p in listed if p["key"] == shown["key"])
    assert shown["links"]["abs"] == "https://arxiv.org/abs/2606.00001"
    for hits in (out("--db", db, "search", "attention", "--json"), out("--db", db, "similar", "arxiv:2606.00001",
                 "--json"), out("--db", db, "feed", "me", "--json")):
        assert hits and all(set(h) == HIT_KEYS for h in hits)
        assert [h["rank"] for h in hits] == list(range(1, len(hits) + 1))
        first = hits[0]
        assert {k: first[k] for k in PAPER_KEYS} == next(p for p in listed if p["key"] == first["key"])
    prof = out("--db", db, "profile", "show", "me", "--json")
    assert all(set(p) == PAPER_KEYS | {"origin"} for p in prof["papers"])  # origin: why it is in the profile


def test_the_api_uses_the_same_shapes(db: Path) -> None:
    cli_list = out("--db", db, "list", "--json")
    cli_hits = out("--db", db, "search", "attention", "--json")
    lib = Library(load_settings(db, model_id=MODEL))
    with TestClient(create_app(lib.settings, lib), base_url="http://127.0.0.1") as c:
        assert c.get("/api/recent").json() == cli_list
        assert c.get("/api/search", params={"q": "attention"}).json()["results"] == cli_hits
        assert set(c.get("/api/papers/arxiv:2606.00001").json()) == PAPER_KEYS | {"bibtex"}
        feed = c.get("/api/profiles/me/feed").json()
        assert feed and all(set(h) == HIT_KEYS for h in feed)
        page2 = c.get("/api/search", params={"q": "attention", "limit": 2, "offset": 2}).json()["results"]
        assert [h["rank"] for h in page2] == [3, 4]
    lib.close()
