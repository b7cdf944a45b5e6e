"""Escape sequences in titles and authors never reach the terminal (issue 15, item 3).

They are dropped when a record is normalised, and again by the CLI's console for anything already
stored (a library written by an older version)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from paperfeed.cli import main
from paperfeed.cli.common import SafeConsole
from paperfeed.config import load_settings
from paperfeed.library import Library
from paperfeed.models import Paper
from paperfeed.normalize import clean_text, normalize_paper, strip_controls

CLEAR, RETITLE, LINK = "\x1b[2J\x1b[H", "\x1b]0;pwned\x07", "\x1b]8;;http://evil.example\x1b\\x\x1b]8;;\x1b\\"
EVIL = {"id": "2601.00001", "title": f"Sparse{CLEAR} attention{RETITLE} for kernels",
        "abstract": f"We study sparse attention.{LINK} \x9b31m\x00\x07\x08 The end.",
        "authors": [f"Eve{CLEAR} Hacker", "Bob\x1b[31m Red"], "categories": ["cs.LG"], "date": "2026-01-02"}


def run(*args: str) -> str:
    res = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return res.output


def test_ingest_strips_escape_sequences(tmp_path: Path) -> None:
    src = tmp_path / "evil.jsonl"
    src.write_text(json.dumps(EVIL) + "\n", encoding="utf-8")
    db = str(tmp_path / "lib.db")
    run("--db", db, "ingest", "--no-embed", str(src))
    lib = Library(load_settings(db))
    p = lib.get("arxiv:2601.00001")
    lib.close()
    assert p.title == "Sparse attention for kernels"
    assert p.authors == ("Eve Hacker", "Bob Red")
    assert p.abstract == "We study sparse attention.x The end."
    for out in (run("--db", db, "show", "arxiv:2601.00001"), run("--db", db, "list"),
                run("--db", db, "search", "--mode", "keyword", "sparse")):
        assert "\x1b" not in out and "\x9b" not in out and "\x07" not in out
        assert "Sparse attention for kernels" in out


def test_the_console_strips_what_is_already_stored(tmp_path: Path) -> None:
    db = str(tmp_path / "lib.db")
    lib = Library(load_settings(db))
    raw = Paper(title=EVIL["title"], abstract=EVIL["abstract"], authors=tuple(EVIL["authors"]),
                arxiv_id="2601.00001", categories=("cs.LG",), date="2026-01-02", key="arxiv:2601.00001")
    with lib.store.transaction():  # as an older version stored it: not normalised
        lib.store.write_papers([raw], "old.jsonl")
    assert "\x1b" in lib.get("arxiv:2601.00001").title
    lib.close()
    for out in (run("--db", db, "show", "arxiv:2601.00001"), run("--db", db, "list"),
                run("--db", db, "search", "--mode", "keyword", "sparse")):
        assert "\x1b" not in out and "\x9b" not in out and "\x07" not in out
        assert "Sparse attention for kernels" in out and "Eve Hacker" in out


def test_styled_output_keeps_its_own_colours() -> None:
    con = SafeConsole(force_terminal=True, color_system="standard", width=80)
    with con.capture() as cap:
        con.print(f"[bold]{EVIL['title']}[/bold]")
    out = cap.get()
    assert "\x1b[1m" in out and "Sparse attention for kernels" in out  # rich's bold, not the input's codes
    assert "[2J" not in out and "pwned" not in out


@given(st.text(alphabet=st.sampled_from(["\x1b", "[", "]", "\x07", "\x9b", "\\", "0", ";", "m", "J", "a", " ",
                                         "\x00", "\x7f", "P", "é"]), max_size=60))
def test_no_control_character_survives(text: str) -> None:
    for out in (strip_controls(text), clean_text(text), normalize_paper(Paper(title=text)).title):
        assert not any(ord(c) < 32 and c not in "\t\n\r\x0b\x0c" or 0x7f <= ord(c) <= 0x9f for c in out)
