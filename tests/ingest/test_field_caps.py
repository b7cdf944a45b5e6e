"""Field length caps (issue 15, item 7): records are cut to normalize.LIMITS at ingest, reported with
file and line, text is cut before tokenizing, and the web refuses bodies over its limit."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from paperfeed.cli import main
from paperfeed.config import load_settings
from paperfeed.embed.base import MAX_TEXT_CHARS, paper_text
from paperfeed.library import Library
from paperfeed.models import Paper
from paperfeed.normalize import (
    LIMITS,
    MAX_AUTHOR_CHARS,
    MAX_AUTHORS,
    normalize_paper,
    normalize_paper_cut,
)

HUGE = "attention " * 500_000  # 5 MB


def test_long_fields_are_cut_at_a_word_and_named() -> None:
    p, cuts = normalize_paper_cut(Paper(title="T " * 2000, abstract=HUGE, arxiv_id="2601.00001",
                                        authors=tuple(f"Author {i}" for i in range(MAX_AUTHORS + 5)),
                                        comments="c" * 5000, doi="10.1000/" + "x" * 400, url="http://x/" + "y" * 3000))
    assert set(cuts) == {"title", "abstract", "authors", "comments", "doi", "url"}
    assert len(p.abstract) <= LIMITS["abstract"] and p.abstract.endswith("attention…")
    assert len(p.title) <= LIMITS["title"] and len(p.comments) <= LIMITS["comments"]
    assert len(p.authors) == MAX_AUTHORS and p.doi is None and p.url is None
    ok, none = normalize_paper_cut(Paper(title="Fine", abstract="Short.", authors=("A B",)))
    assert none == () and ok.abstract == "Short."


def test_cutting_needs_no_memory_for_the_part_thrown_away() -> None:
    raw = Paper(title="t", abstract=HUGE, authors=("x" * 2_000_000,))
    tracemalloc.start()
    p = normalize_paper(raw)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(p.authors[0]) <= MAX_AUTHOR_CHARS
    assert peak < 2_000_000, peak  # the 5 MB abstract is never copied whole, let alone split into words


@given(st.text(alphabet=st.sampled_from(list("ab \t\né\x1b")), max_size=3000), st.integers(10, 1000))
def test_any_text_fits_its_limit(text: str, limit: int) -> None:
    from paperfeed import normalize

    cuts: list[str] = []
    old = normalize.LIMITS["venue"]
    normalize.LIMITS["venue"] = limit
    try:
        out = normalize._capped(text, "venue", cuts)
    finally:
        normalize.LIMITS["venue"] = old
    assert len(out) <= limit
    assert (cuts == ["venue"]) == (len(normalize.clean_text(text)) > limit or len(text) > 4 * limit)
    if not cuts:
        assert out == normalize.clean_text(text)


def test_text_is_cut_before_tokenizing() -> None:
    text = paper_text("A title", HUGE)
    assert len(text) <= 2 * MAX_TEXT_CHARS + 2 and text.startswith("A title. attention attention")


def test_ingest_reports_file_and_line(tmp_path: Path) -> None:
    recs = [{"id": "2601.00001", "title": "Normal", "abstract": "Fine.", "authors": ["A B"]},
            {"id": "2601.00002", "title": "Huge abstract", "abstract": HUGE, "authors": ["C D"]},
            {"id": "2601.00003", "title": "Many authors", "abstract": "x", "authors": [f"P{i} Q" for i in range(1500)]}]
    src = tmp_path / "big.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in recs))
    db = str(tmp_path / "lib.db")
    r = CliRunner().invoke(main, ["--db", db, "ingest", "--no-embed", "--json", str(src)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["added"] == 3
    assert [(t["file"], t["line"], t["fields"]) for t in out["truncated"]] == [
        (str(src), 2, ["abstract"]), (str(src), 3, ["authors"])]
    assert out["files"][0]["truncated"] == 2
    lib = Library(load_settings(db))
    assert len(lib.get("arxiv:2601.00002").abstract) <= LIMITS["abstract"]
    assert len(lib.get("arxiv:2601.00003").authors) == MAX_AUTHORS
    lib.close()
    plain = CliRunner().invoke(main, ["--db", str(tmp_path / "b.db"), "ingest", "--no-embed", str(src)])
    said = " ".join(plain.output.split())  # the console wraps long lines
    assert "2 shortened to the field limits" in said
    assert f"shortened {src}:2: cut to the length limits: abstract" in said


def test_the_parse_worker_reports_cuts_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from paperfeed.ingest import worker

    monkeypatch.setattr(worker, "MIN_BYTES", 0)
    monkeypatch.setattr(worker.os, "cpu_count", lambda: 4)
    src = tmp_path / "w.jsonl"
    src.write_text(json.dumps({"id": "2601.00009", "title": "W", "abstract": "word " * 30_000}) + "\n")
    lib = Library(load_settings(tmp_path / "w.db"))
    report = lib.ingest([str(src)])
    assert report.truncated == [{"file": str(src), "line": 1, "fields": ["abstract"],
                                 "reason": "cut to the length limits: abstract"}]
    lib.close()


def test_interests_have_a_cap(tmp_path: Path) -> None:
    from paperfeed.errors import PaperfeedError
    from paperfeed.library import MAX_INTERESTS

    lib = Library(load_settings(tmp_path / "i.db"))
    with pytest.raises(PaperfeedError, match=f"interests too long: {MAX_INTERESTS + 1} characters"):
        lib.create_profile("jane", interests="x" * (MAX_INTERESTS + 1))
    assert lib.profiles() == []
    lib.create_profile("jane", interests="x" * MAX_INTERESTS)
    lib.close()
