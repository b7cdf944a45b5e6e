"""No silent waits (issue 12): a long job shows count, rate and ETA on a terminal, says what it starts
in one stderr line off a terminal, and stays silent with --json. Real processes; a pseudo-terminal
stands in for the user's terminal."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

PAPERFEED = Path(sys.executable).parent / "paperfeed"


@pytest.fixture
def backlog(tmp_path: Path) -> tuple[Path, dict]:
    """A library of 400 papers not embedded yet, and the environment to run paperfeed on it."""
    path = tmp_path / "p.jsonl"
    path.write_text("".join(json.dumps({"id": f"2601.{i:05d}", "title": f"Paper {i}", "abstract": f"Method {i}.",
                                        "date": "2026-01-02"}) + "\n" for i in range(400)), encoding="utf-8")
    env = {**os.environ, "PAPERFEED_MODEL": "test-hashing-64", "PAPERFEED_HOME": str(tmp_path / "home"),
           "TERM": "xterm", "COLUMNS": "120"}
    db = tmp_path / "lib.db"
    subprocess.run([str(PAPERFEED), "--db", str(db), "ingest", "--no-embed", str(path)], env=env, check=True,
                   capture_output=True)
    return db, env


def test_off_a_terminal_one_start_line_on_stderr(backlog) -> None:
    db, env = backlog
    r = subprocess.run([str(PAPERFEED), "--db", str(db), "embed"], env=env, capture_output=True, text=True)
    assert r.returncode == 0
    assert r.stderr.splitlines() == ["embedding 400 papers ..."]
    assert r.stdout.strip() == "embedded 400 papers"


def test_json_is_silent_on_stderr(backlog, tmp_path: Path) -> None:
    db, env = backlog
    more = tmp_path / "more.jsonl"
    more.write_text("".join(json.dumps({"id": f"2602.{i:05d}", "title": f"More {i}", "abstract": "Text."}) + "\n"
                            for i in range(150)), encoding="utf-8")
    r = subprocess.run([str(PAPERFEED), "--db", str(db), "ingest", "--json", str(more)], env=env,
                       capture_output=True, text=True)
    assert r.returncode == 0 and r.stderr == ""
    assert json.loads(r.stdout)["embedded"] == 150


def test_on_a_terminal_a_bar_with_rate_and_eta(backlog) -> None:
    db, env = backlog
    leader, follower = pty.openpty()
    proc = subprocess.Popen([str(PAPERFEED), "--db", str(db), "embed"], env=env, stdout=subprocess.PIPE,
                            stderr=follower)
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed: the process is gone
            break
        if not chunk:
            break
        seen += chunk
    out, _ = proc.communicate(timeout=120)
    os.close(leader)
    text = seen.decode("utf-8", "replace")
    assert proc.returncode == 0 and out.decode().strip() == "embedded 400 papers"
    assert "embedding" in text and "/400" in text and "papers/s" in text and "ETA" in text


def _on_a_terminal(args: list[str], env: dict) -> tuple[int, str]:
    """Run paperfeed with stderr on a pseudo-terminal: (exit code, what the terminal showed)."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen([str(PAPERFEED), *args], env=env, stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    proc.wait(timeout=300)
    os.close(leader)
    return proc.returncode, seen.decode("utf-8", "replace")


def test_ingesting_a_large_bibtex_file_shows_its_total_and_eta(tmp_path: Path) -> None:
    """Not only JSON Lines: the records of a BibTeX file are counted first, so the bar has an ETA."""
    n = 3000
    entry = ("@article{{paper{i},\n  title = {{A Study of Sparse Attention, Part {i}}},\n  author = {{Doe, Jane and "
             "Roe, Richard}},\n  year = {{2025}},\n  abstract = {{{text}}},\n}}\n\n")
    text = "We study sparse attention for long documents and measure what it costs. " * 8
    path = tmp_path / "big.bib"
    path.write_text("@comment{exported by a reference manager}\n\n"
                    + "".join(entry.format(i=i, text=text) for i in range(n)), encoding="utf-8")
    assert path.stat().st_size > 2_000_000  # large enough to announce itself
    env = {**os.environ, "PAPERFEED_MODEL": "test-hashing-64", "PAPERFEED_HOME": str(tmp_path / "home"),
           "TERM": "xterm", "COLUMNS": "160"}
    rc, shown = _on_a_terminal(["--db", str(tmp_path / "lib.db"), "ingest", "--no-embed", str(path)], env)
    assert rc == 0
    assert f"/{n}" in shown and "records/s" in shown and "ETA" in shown
