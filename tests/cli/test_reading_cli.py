"""save/saved, tag/tags, alert add/list/show/rm through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from paperfeed.cli import main

RECORDS = [
    {"id": "2603.00001", "title": "Graph neural networks for molecules", "abstract": "Message passing over atoms.",
     "authors": ["Ada Lovelace"], "categories": ["cs.LG"], "date": "2026-03-01"},
    {"id": "2603.00002", "title": "KV cache compression", "abstract": "Evicting keys and values.",
     "authors": ["Alan Turing"], "categories": ["cs.CL"], "date": "2026-03-02"},
]


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PAPERFEED_MODEL", "test-hashing-64")
    src = tmp_path / "p.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in RECORDS))
    path = tmp_path / "lib.db"
    for args in (["ingest", str(src)], ["profile", "create", "jane", "--interests", "graphs"]):
        assert run(path, *args).exit_code == 0
    return path


def run(db: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--db", str(db), *args], catch_exceptions=False)


def test_save_list_and_export(db: Path) -> None:
    r = run(db, "save", "arxiv:2603.00001", "arxiv:2603.00002", "--profile", "jane")
    assert r.exit_code == 0 and "saved 2 paper(s)" in r.output
    assert "1 unchanged" in run(db, "save", "arxiv:2603.00001", "--profile", "jane").output
    listed = json.loads(run(db, "saved", "--profile", "jane", "--json").output)
    assert [p["key"] for p in listed] == ["arxiv:2603.00002", "arxiv:2603.00001"]
    bib = run(db, "saved", "--profile", "jane", "--format", "bibtex").output
    assert bib.count("@") == 2 and "KV cache compression" in bib
    assert run(db, "save", "arxiv:2603.00002", "--profile", "jane", "--remove").exit_code == 0
    assert "KV cache" not in run(db, "saved", "--profile", "jane").output


def test_save_refuses_an_unknown_key_before_writing(db: Path) -> None:
    r = run(db, "save", "arxiv:2603.00001", "arxiv:0000.00000", "--profile", "jane")
    assert r.exit_code == 2 and "no paper 'arxiv:0000.00000'" in r.output
    assert json.loads(run(db, "saved", "--profile", "jane", "--json").output) == []


def test_tags(db: Path) -> None:
    r = run(db, "tag", "arxiv:2603.00001", "survey", "to-read", "--profile", "jane", "--json")
    assert json.loads(r.output)["tags"] == ["survey", "to-read"]
    run(db, "tag", "arxiv:2603.00002", "to-read", "--profile", "jane")
    assert json.loads(run(db, "tags", "--profile", "jane", "--json").output) == {"survey": 1, "to-read": 2}
    bib = run(db, "saved", "--profile", "jane", "--tag", "survey", "--format", "bibtex").output
    assert bib.count("@") == 1 and "Graph neural" in bib
    bad = run(db, "tag", "arxiv:2603.00001", "has space", "--profile", "jane")
    assert bad.exit_code == 2 and "invalid tag 'has space'" in bad.output


def test_alerts(db: Path, tmp_path: Path) -> None:
    r = run(db, "alert", "add", "gnn", "graph neural", "--profile", "jane", "--json")
    assert r.exit_code == 0 and json.loads(r.output) == {**json.loads(r.output), "name": "gnn", "query": "graph neural"}
    assert "token" not in json.loads(r.output)
    assert run(db, "alert", "add", "gnn", "x", "--profile", "jane").exit_code == 2
    assert "no new matches" in run(db, "alert", "show", "gnn", "--profile", "jane").output
    new = tmp_path / "new.jsonl"
    new.write_text(json.dumps({**RECORDS[0], "id": "2603.00009", "title": "Graph neural networks for proteins"}))
    run(db, "ingest", str(new))
    shown = json.loads(run(db, "alert", "show", "gnn", "--profile", "jane", "--json").output)
    assert [h["key"] for h in shown] == ["arxiv:2603.00009"]
    atom = run(db, "alert", "show", "gnn", "--profile", "jane", "--format", "atom").output
    assert "<feed" in atom and "proteins" in atom
    assert [a["name"] for a in json.loads(run(db, "alert", "list", "--json").output)] == ["gnn"]
    assert run(db, "alert", "rm", "gnn", "--profile", "jane").exit_code == 0
    gone = run(db, "alert", "rm", "gnn", "--profile", "jane")
    assert gone.exit_code == 2 and "no alert named 'gnn'" in gone.output
