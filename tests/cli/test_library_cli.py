"""ingest / list / show / stats / export through the real entry point (CliRunner and a subprocess)."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from paperfeed.cli import main

PAPERFEED = Path(sys.executable).parent / "paperfeed"

RECORDS = [
    {"id": "2401.00001", "title": "Oldest Paper on Graphs", "abstract": "Graphs & things, 100%.",
     "authors": ["Jane Doe", "Bo Li"], "categories": ["cs.LG"], "date": "2024-01-01"},
    {"id": "2403.00002", "title": "Newest Paper on Text", "abstract": "Text {with} braces and $x^2$.",
     "authors": ["José García"], "categories": ["cs.CL", "cs.LG"], "date": "2024-03-01"},
    {"id": "2402.00003", "title": "Middle Paper on Vision", "abstract": "Images.",
     "authors": ["Kim Roe"], "categories": ["cs.CV"], "date": "2024-02-01"},
]


def jsonl(recs: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs)


@pytest.fixture
def listing(tmp_path: Path) -> Path:
    path = tmp_path / "listing.jsonl"
    path.write_text(jsonl(RECORDS) + "this line is not JSON\n", encoding="utf-8")
    return path


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "lib.db"


def run(*args: str | Path, env: dict[str, str] | None = None, input: str | bytes | None = None) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], env=env, input=input, catch_exceptions=False)


def ingest(db: Path, *paths: str | Path, extra: tuple[str, ...] = ()) -> dict:
    r = run("--db", db, "ingest", "--no-embed", "--format", "jsonl", "--json", *extra, *paths)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def count(db: Path) -> int:
    r = run("--db", db, "stats", "--json")
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)["papers"]


# ---- ingest ------------------------------------------------------------------


def test_ingest_json_shape(db: Path, listing: Path) -> None:
    out = ingest(db, listing)
    assert {"added", "updated", "unchanged", "rejected", "files"} <= set(out)
    assert (out["added"], out["updated"], out["unchanged"]) == (3, 0, 0)
    assert out["rejected"] == [{"file": str(listing), "line": 4, "reason": out["rejected"][0]["reason"]}]
    assert isinstance(out["rejected"][0]["reason"], str) and out["rejected"][0]["reason"]
    assert out["files"] == [{"file": str(listing), "format": "jsonl", "added": 3, "updated": 0, "unchanged": 0,
                             "rejected": 1, "truncated": 0}]
    again = ingest(db, listing)
    assert (again["added"], again["updated"], again["unchanged"]) == (0, 0, 3)


def test_ingest_autodetects_format(db: Path, listing: Path, tmp_path: Path) -> None:
    r = run("--db", db, "ingest", "--no-embed", "--json", listing)
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["files"][0]["format"] == "jsonl"
    bib = tmp_path / "mine.bib"
    bib.write_text(run("--db", db, "export", "--format", "bibtex").stdout, encoding="utf-8")
    r = run("--db", tmp_path / "fresh.db", "ingest", "--no-embed", "--json", bib)
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert (out["files"][0]["format"], out["added"], out["rejected"]) == ("bibtex", 3, [])


def test_ingest_human_output(db: Path, listing: Path) -> None:
    r = run("--db", db, "ingest", "--no-embed", "--format", "jsonl", listing)
    assert r.exit_code == 0
    assert "3 added" in r.stdout and "1 rejected" in r.stdout
    assert f"{listing}:4" in r.stderr


def test_ingest_stdin(db: Path) -> None:
    r = run("--db", db, "ingest", "--no-embed", "--format", "jsonl", "--json", "-", input=jsonl(RECORDS))
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["added"] == 3


def test_ingest_gzip(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "l.jsonl.gz"
    path.write_bytes(gzip.compress(jsonl(RECORDS).encode()))
    assert ingest(db, path)["added"] == 3


def test_ingest_missing_file_exits_2_with_the_name(db: Path, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-listing.jsonl"
    r = run("--db", db, "ingest", "--no-embed", "--format", "jsonl", missing)
    assert r.exit_code == 2
    assert "no-such-listing.jsonl" in r.stderr
    assert r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1


def test_ingest_strict_exits_2_and_writes_nothing(db: Path, listing: Path) -> None:
    r = run("--db", db, "ingest", "--no-embed", "--format", "jsonl", "--strict", listing)
    assert r.exit_code == 2
    assert f"{listing}:4" in r.stderr
    assert count(db) == 0


def test_ingest_binary_file_exits_2(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "blob.jsonl"
    path.write_bytes(bytes(range(256)) * 8)
    r = run("--db", db, "ingest", "--no-embed", "--format", "jsonl", path)
    assert r.exit_code == 2 and "blob.jsonl" in r.stderr


def test_ingest_requires_a_path_and_a_known_format(db: Path, listing: Path) -> None:
    assert run("--db", db, "ingest", "--no-embed").exit_code == 2
    r = run("--db", db, "ingest", "--no-embed", "--format", "docx", listing)
    assert r.exit_code == 2 and "docx" in r.stderr


@pytest.mark.parametrize("name", ["notes[draft].jsonl", "weird[/x].jsonl"])
def test_error_messages_show_file_names_verbatim(db: Path, tmp_path: Path, name: str) -> None:
    # the message is user data, not rich markup: brackets must be shown, never interpreted
    r = CliRunner().invoke(main, ["--db", str(db), "ingest", "--no-embed", str(tmp_path / name)])
    assert r.exit_code == 2, r.output
    assert name in r.stderr


# ---- list / show / stats ------------------------------------------------------------


def test_list_json_newest_first_with_limit_and_filters(db: Path, listing: Path) -> None:
    ingest(db, listing)
    r = run("--db", db, "list", "--json")
    assert r.exit_code == 0
    papers = json.loads(r.stdout)
    assert [p["arxiv_id"] for p in papers] == ["2403.00002", "2402.00003", "2401.00001"]
    assert papers[0]["key"] == "arxiv:2403.00002" and papers[0]["authors"] == ["José García"]
    one = json.loads(run("--db", db, "list", "--json", "--limit", "1").stdout)
    assert [p["arxiv_id"] for p in one] == ["2403.00002"]
    assert [p["arxiv_id"] for p in json.loads(run("--db", db, "list", "--json", "--category", "cs.LG").stdout)] == [
        "2403.00002", "2401.00001"]
    assert [p["arxiv_id"] for p in json.loads(
        run("--db", db, "list", "--json", "--since", "2024-02-01", "--until", "2024-02-28").stdout)] == ["2402.00003"]
    assert run("--db", db, "list", "--limit", "0").exit_code == 2


def test_list_human_output(db: Path, listing: Path) -> None:
    ingest(db, listing)
    r = run("--db", db, "list")
    assert r.exit_code == 0
    assert r.stdout.index("Newest Paper on Text") < r.stdout.index("Oldest Paper on Graphs")


def test_list_on_empty_library(db: Path) -> None:
    r = run("--db", db, "list", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout) == []


@pytest.mark.parametrize("ref", ["arxiv:2403.00002", "2403.00002", "arXiv:2403.00002v1"])
def test_show_json(db: Path, listing: Path, ref: str) -> None:
    ingest(db, listing)
    r = run("--db", db, "show", "--json", ref)
    assert r.exit_code == 0
    p = json.loads(r.stdout)
    assert p["title"] == "Newest Paper on Text"
    assert p["abstract"] == "Text {with} braces and $x^2$."
    assert p["categories"] == ["cs.CL", "cs.LG"] and p["date"] == "2024-03-01"
    assert p["sources"] == ["listing.jsonl"]


def test_show_human_output(db: Path, listing: Path) -> None:
    ingest(db, listing)
    r = run("--db", db, "show", "2403.00002")
    assert r.exit_code == 0
    assert "Newest Paper on Text" in r.stdout and "José García" in r.stdout
    assert "Text {with} braces and $x^2$." in r.stdout


def test_show_unknown_key_exits_2_with_one_line(db: Path, listing: Path) -> None:
    ingest(db, listing)
    r = run("--db", db, "show", "arxiv:9999.99999")
    assert r.exit_code == 2
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "arxiv:9999.99999" in lines[0] and "error" in lines[0].lower()


def test_stats_json(db: Path, listing: Path) -> None:
    ingest(db, listing)
    r = run("--db", db, "stats", "--json")
    assert r.exit_code == 0
    st = json.loads(r.stdout)
    assert st["papers"] == 3
    assert st["by_source"] == {"listing.jsonl": 3}
    assert st["by_year"] == {"2024": 3}
    assert st["by_category"]["cs.LG"] == 2
    assert st["missing"]["abstract"] == 0
    human = run("--db", db, "stats")
    assert human.exit_code == 0 and "3" in human.stdout and "papers" in human.stdout


# ---- export ----------------------------------------------------------------------


def test_export_formats(db: Path, listing: Path) -> None:
    ingest(db, listing)
    r = run("--db", db, "export")  # jsonl by default
    assert r.exit_code == 0
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert sorted(row["id"] for row in rows) == ["2401.00001", "2402.00003", "2403.00002"]

    r = run("--db", db, "export", "--format", "csv")
    assert r.exit_code == 0
    table = list(csv.DictReader(io.StringIO(r.stdout)))
    assert len(table) == 3 and {t["arxiv_id"] for t in table} == {"2401.00001", "2402.00003", "2403.00002"}

    r = run("--db", db, "export", "--format", "bibtex")
    assert r.exit_code == 0
    assert r.stdout.count("@misc{") == 3 and "eprint = {2403.00002}" in r.stdout

    assert run("--db", db, "export", "--format", "docx").exit_code == 2


@pytest.mark.parametrize(("fmt", "suffix"), [("jsonl", ".jsonl"), ("csv", ".csv"), ("bibtex", ".bib")])
def test_export_reingests_into_fresh_library(db: Path, listing: Path, tmp_path: Path, fmt: str,
                                             suffix: str) -> None:
    ingest(db, listing)
    out = tmp_path / f"export{suffix}"
    out.write_text(run("--db", db, "export", "--format", fmt).stdout, encoding="utf-8")
    other = tmp_path / "other.db"
    r = run("--db", other, "ingest", "--no-embed", "--format", fmt, "--json", out)
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["added"] == 3
    a = json.loads(run("--db", db, "list", "--json").stdout)
    b = json.loads(run("--db", other, "list", "--json").stdout)
    fields = ("key", "arxiv_id", "title", "abstract", "authors", "categories", "date")
    assert [[p[f] for f in fields] for p in b] == [[p[f] for f in fields] for p in a]


# ---- where the library lives --------------------------------------------------------


def test_db_option_before_and_after_the_subcommand(tmp_path: Path, listing: Path) -> None:
    db = tmp_path / "one.db"
    r = run("--db", db, "ingest", "--no-embed", "--format", "jsonl", listing)
    assert r.exit_code == 0
    r = run("list", "--db", db, "--json")
    assert r.exit_code == 0 and len(json.loads(r.stdout)) == 3
    r = run("ingest", "--db", tmp_path / "two.db", "--no-embed", "--format", "jsonl", listing)
    assert r.exit_code == 0
    assert count(tmp_path / "two.db") == 3


def test_paperfeed_db_env_var(tmp_path: Path, listing: Path) -> None:
    env_db = tmp_path / "from-env.db"
    r = run("ingest", "--no-embed", "--format", "jsonl", listing, env={"PAPERFEED_DB": str(env_db)})
    assert r.exit_code == 0
    assert env_db.exists()
    r = run("stats", "--json", env={"PAPERFEED_DB": str(env_db)})
    assert json.loads(r.stdout)["papers"] == 3


@pytest.mark.parametrize("position", ["before", "after"])
def test_db_option_beats_env_var(tmp_path: Path, listing: Path, position: str) -> None:
    env_db, cli_db = tmp_path / "env.db", tmp_path / "cli.db"
    args = ["ingest", "--no-embed", "--format", "jsonl", str(listing)]
    args = ["--db", str(cli_db), *args] if position == "before" else [*args, "--db", str(cli_db)]
    r = run(*args, env={"PAPERFEED_DB": str(env_db)})
    assert r.exit_code == 0
    assert count(cli_db) == 3
    assert not env_db.exists() or count(env_db) == 0


def test_default_library_is_in_paperfeed_home(paperfeed_home: Path, listing: Path) -> None:
    r = run("ingest", "--no-embed", "--format", "jsonl", listing)
    assert r.exit_code == 0
    assert (paperfeed_home / "library.db").exists()
    assert json.loads(run("stats", "--json").stdout)["papers"] == 3


def test_db_that_is_not_a_library_exits_2(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.txt"
    bogus.write_text("just some notes\n" * 200)
    r = run("--db", bogus, "stats")
    assert r.exit_code == 2
    assert "notes.txt" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_version_and_help() -> None:
    r = run("--version")
    assert r.exit_code == 0 and "paperfeed" in r.stdout
    r = run("--help")
    assert r.exit_code == 0
    for cmd in ("ingest", "list", "show", "stats", "export"):
        assert cmd in r.stdout


# ---- the installed console script -------------------------------------------------------


def test_console_script_subprocess(tmp_path: Path, listing: Path) -> None:
    db = tmp_path / "proc.db"
    env = {**os.environ, "PAPERFEED_HOME": str(tmp_path / "home")}
    env.pop("PAPERFEED_DB", None)

    def sh(*args: str | Path, stdin: bytes | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([str(PAPERFEED), *map(str, args)], input=stdin, capture_output=True, env=env,
                              timeout=60)

    p = sh("ingest", "--db", db, "--no-embed", "--format", "jsonl", "--json", listing)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert (out["added"], len(out["rejected"])) == (3, 1)

    p = sh("--db", db, "ingest", "--no-embed", "--format", "jsonl", "--json", "-", stdin=jsonl(RECORDS).encode())
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["added"] == 0 and out["updated"] + out["unchanged"] == 3  # same papers, new source "stdin"

    p = sh("--db", db, "list", "--json")
    assert p.returncode == 0
    assert [x["arxiv_id"] for x in json.loads(p.stdout)] == ["2403.00002", "2402.00003", "2401.00001"]

    p = sh("--db", db, "show", "nope:unknown")
    assert p.returncode == 2 and p.stdout == b""
    assert len(p.stderr.decode().strip().splitlines()) == 1 and b"nope:unknown" in p.stderr

    p = sh("--db", db, "ingest", "--no-embed", tmp_path / "absent.bib")
    assert p.returncode == 2 and b"absent.bib" in p.stderr and b"Traceback" not in p.stderr
