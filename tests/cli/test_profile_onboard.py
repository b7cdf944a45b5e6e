"""profile create from who the researcher is: full-name matching, near misses, --dry-run/--yes, the prompt,
provenance in profile show, and the services (through the real entry point)."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from paperfeed.cli import main
from support.recorded import OPENALEX, RecordedServer, config_for, researcher_routes

MODEL = "test-hashing-64"
ABS = "A study of {} with experiments on three benchmarks and a careful ablation of every part."
PAPERS = [  # (id, title, authors)
    ("2601.00001", "Sparse Experts", ["Jane Doe", "Rahul Mehta"]),
    ("2601.00002", "Routing Gates", ["Doe, Jane"]),
    ("2601.00003", "Dense Baselines", ["Jane Q. Doe"]),
    ("2601.00004", "Load Balancing", ["JANE DOE"]),
    ("2601.00005", "Expert Pruning", ["Jáne Dõe"]),
    ("2601.00006", "Graph Priors", ["J. Doe", "Karel Novák"]),
    ("2601.00007", "Soil Moisture", ["John Doe"]),
    ("2601.00008", "Coral Reefs", ["Jim Doe"]),
    ("2601.00009", "Unrelated", ["Ann Lee"]),
]
MATCHED = {f"arxiv:{i}" for i, _, _ in PAPERS[:5]}
NEAR = "arxiv:2601.00006"


def run(*args: str | Path, env: dict | None = None) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], env={"PAPERFEED_MODEL": MODEL, **(env or {})})


def ok(r: Result) -> Result:
    assert r.exit_code == 0, r.output
    assert "Traceback" not in r.output
    return r


@pytest.fixture
def db(tmp_path: Path, store_url: str) -> Path | str:
    """An ingested library, on SQLite and on PostgreSQL (onboarding writes through the split store)."""
    path = tmp_path / "papers.jsonl"
    path.write_text("".join(json.dumps({"id": i, "title": t, "abstract": ABS.format(t.lower()), "authors": a,
                                        "categories": ["cs.LG"], "date": "2026-01-05"}) + "\n"
                            for i, t, a in PAPERS), encoding="utf-8")
    ok(run("--db", store_url, "ingest", "--json", path))
    return store_url


def profile_keys(db: Path | str, name: str) -> set[str]:
    shown = json.loads(ok(run("--db", db, "profile", "show", name, "--json")).stdout)
    return {p["key"] for p in shown["papers"]}


def test_full_name_matches_and_initials_are_near_misses(db: Path | str) -> None:
    res = json.loads(ok(run("--db", db, "profile", "create", "jane", "--author", "Jane Doe", "--json")).stdout)
    assert set(res["author_matches"]) == MATCHED and res["author_match_count"] == 5
    assert [(m["key"], m["name"]) for m in res["near_misses"]] == [(NEAR, "J. Doe")]
    assert profile_keys(db, "jane") == MATCHED


def test_last_first_query_and_middle_initial(db: Path | str) -> None:
    res = json.loads(ok(run("--db", db, "profile", "create", "q", "--author", "Doe, Jane Q.", "--json")).stdout)
    assert set(res["author_matches"]) == MATCHED  # a record without the middle initial is still her


def test_initial_only_query_matches_every_first_name_with_that_initial(db: Path | str) -> None:
    res = json.loads(ok(run("--db", db, "profile", "create", "j", "--author", "J. Doe", "--json")).stdout)
    assert res["author_match_count"] == 8


def test_dry_run_lists_matches_and_near_misses_and_writes_nothing(db: Path | str) -> None:
    r = ok(run("--db", db, "profile", "create", "jane", "--author", "Jane Doe", "--dry-run"))
    assert "author Jane Doe: 5 papers match" in r.stdout
    assert "near misses, not added (1;" in r.stdout and "Graph Priors" in r.stdout and "(J. Doe)" in r.stdout
    assert "other people of that surname and initial: " in r.stdout and "John Doe (1)" in r.stdout
    assert "dry run: nothing written" in r.stdout
    ok_missing = run("--db", db, "profile", "show", "jane")
    assert ok_missing.exit_code == 2 and "no profile named 'jane'" in ok_missing.stderr
    res = json.loads(ok(run("--db", db, "profile", "create", "jane", "--author", "Jane Doe", "--dry-run",
                            "--json")).stdout)
    assert res["dry_run"] and res["count"] == 5
    assert {m["key"] for m in res["author"]["matched"]} == MATCHED
    assert res["author"]["others"] == {"John Doe": 1, "Jim Doe": 1}


def test_show_says_why_each_paper_is_in_the_profile(db: Path | str, tmp_path: Path) -> None:
    bib = tmp_path / "mine.bib"
    bib.write_text("@article{x, title={Tiny Experts in the Wild}, author={Lee, Ann}, year={2025}}\n")
    ok(run("--db", db, "profile", "create", "jane", "--author", "Jane Doe", "--keys", "arxiv:2601.00009",
           "--from", bib, "--yes"))
    ok(run("--db", db, "like", "arxiv:2601.00007", "--profile", "jane"))
    out = ok(run("--db", db, "profile", "show", "jane")).stdout
    assert "why: author match \u201cJane Doe\u201d" in out
    assert "why: added by key arxiv:2601.00009" in out and "why: from file mine.bib" in out
    assert "liked (1)" in out and "Soil Moisture" in out
    shown = json.loads(ok(run("--db", db, "profile", "show", "jane", "--json")).stdout)
    origins = {p["key"]: p["origin"] for p in shown["papers"]}
    assert origins["arxiv:2601.00001"] == {"kind": "author", "detail": "Jane Doe",
                                           "label": "author match \u201cJane Doe\u201d"}
    assert origins["arxiv:2601.00009"]["kind"] == "key"
    assert [p["origin"]["kind"] for p in shown["papers"]].count("file") == 1


def test_the_first_reason_a_paper_was_added_is_kept(db: Path | str) -> None:
    ok(run("--db", db, "profile", "create", "jane", "--keys", "arxiv:2601.00001"))
    ok(run("--db", db, "profile", "create", "jane", "--author", "Jane Doe", "--yes"))
    shown = json.loads(ok(run("--db", db, "profile", "show", "jane", "--json")).stdout)
    kinds = {p["key"]: p["origin"]["kind"] for p in shown["papers"]}
    assert kinds["arxiv:2601.00001"] == "key" and kinds["arxiv:2601.00002"] == "author"


def _on_a_terminal(db: Path | str, answer: bytes, *args: str) -> tuple[int, str]:
    """Run the real CLI with a pseudo-terminal as stdin/stdout and type ``answer``."""
    leader, follower = pty.openpty()
    env = {**os.environ, "PAPERFEED_MODEL": MODEL, "COLUMNS": "200"}
    proc = subprocess.Popen([str(Path(sys.executable).parent / "paperfeed"), "--db", str(db), *args], stdin=follower,
                            stdout=follower, stderr=follower, env=env, close_fds=True)
    os.close(follower)
    os.write(leader, answer)
    out = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    os.close(leader)
    return proc.wait(timeout=60), out.decode("utf-8", "replace")


def test_on_a_terminal_it_asks_before_adding(db: Path | str) -> None:
    code, out = _on_a_terminal(db, b"n\n", "profile", "create", "jane", "--author", "Jane Doe")
    assert code == 1 and "add these 5 papers to profile jane?" in out and "Aborted" in out
    assert run("--db", db, "profile", "show", "jane").exit_code == 2  # nothing written
    code, out = _on_a_terminal(db, b"y\n", "profile", "create", "jane", "--author", "Jane Doe")
    assert code == 0 and "5 papers added" in out
    assert profile_keys(db, "jane") == MATCHED


def test_onboard_from_openalex_through_the_cli(db: Path | str, paperfeed_home: Path) -> None:
    with RecordedServer(researcher_routes()) as srv:
        (paperfeed_home / "config.toml").write_text(config_for(srv), encoding="utf-8")
        dry = ok(run("--db", db, "profile", "create", "jn", "--openalex", OPENALEX, "--dry-run"))
        assert "OpenAlex A5023888391: 3 works" in dry.stdout and "Sparse Routing for Tiny Experts" in dry.stdout
        r = ok(run("--db", db, "profile", "create", "jn", "--openalex", OPENALEX, "--yes"))
    assert "profile jn: 3 papers added" in r.stdout
    assert "openalex A5023888391: 3 works, 3 new in the profile (library: 3 new, 0 completed)" in r.stdout
    out = ok(run("--db", db, "profile", "show", "jn")).stdout
    assert out.count("why: OpenAlex A5023888391") == 3


def test_a_bad_orcid_is_a_one_line_error(db: Path | str) -> None:
    r = run("--db", db, "profile", "create", "jn", "--orcid", "0000-0002-1825-0098")
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.strip().startswith("error: --orcid: '0000-0002-1825-0098' is not an ORCID iD")


def test_title_less_profile_papers_are_named_by_their_abstract_in_the_feed(db: Path | str) -> None:
    listing = Path(__file__).parents[2] / "samples" / "formats" / "pasted-arxiv-listing.txt"
    r = ok(run("--db", db, "profile", "create", "bd", "--from", listing))
    assert "papers in it have no title: run `paperfeed enrich`" in r.stdout
    hits = json.loads(ok(run("--db", db, "feed", "bd", "--json")).stdout)
    assert hits and all("close to your paper \u201c" in h["why"] for h in hits)
    assert not any("\u201carxiv:" in h["why"] for h in hits)  # never a bare key
    shown = ok(run("--db", db, "profile", "show", "bd")).stdout
    assert "Self-supervised learning through masked autoencoders has attracted great attention for remote" in shown
