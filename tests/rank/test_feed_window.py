"""The feed and the digest are about new papers (issue 12): a default window before the newest paper,
undated and own papers left out, scores that never rise down the list, empty results that say why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from paperfeed.cli import main
from paperfeed.config import load_settings
from paperfeed.library import Library

MODEL = "test-hashing-64"
TOPIC = "speech recognition with streaming transducers and acoustic models for spoken audio"


def rec(i: int, date: str | None, title: str = "") -> dict:
    r = {"id": f"2606.{i:05d}", "title": title or f"Streaming speech recognition study {i}",
         "abstract": f"{TOPIC}; variant {i} of the acoustic model for speech."}
    return {**r, "date": date} if date else r


RECORDS = (
    [rec(i, f"2026-06-{30 - i:02d}") for i in range(10)]  # 2026-06-30 .. 2026-06-21
    + [rec(100 + i, f"2026-05-{1 + i:02d}") for i in range(5)]  # old
    + [rec(200, None, "Undated streaming speech recognition notes")]
    + [rec(300 + i, f"2026-06-{29 - i:02d}", f"My own speech recognition paper {i}") for i in range(2)]
)


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], env={"PAPERFEED_MODEL": MODEL})


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "p.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
    db = tmp_path / "lib.db"
    assert run("--db", db, "ingest", path).exit_code == 0
    assert run("--db", db, "profile", "create", "me", "--keys", "arxiv:2606.00300 arxiv:2606.00301").exit_code == 0
    return db


def feed(db: Path, *args: str) -> list[dict]:
    r = run("--db", db, "feed", "me", "--json", "--limit", "50", *args)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_default_window_is_7_days_before_the_newest_paper(db: Path) -> None:
    """BUG: the feed showed 2023 papers from a pasted page and undated records among 'new papers'."""
    hits = feed(db)
    dates = sorted(h["date"] for h in hits)
    assert dates and dates[0] >= "2026-06-23" and dates[-1] == "2026-06-30"
    assert all(h["date"] for h in hits)
    assert not {h["arxiv_id"] for h in hits} & {"2606.00300", "2606.00301"}  # the profile's own papers


def test_days_since_and_all(db: Path) -> None:
    assert min(h["date"] for h in feed(db, "--days", "60")) == "2026-05-01"
    assert {h["date"] for h in feed(db, "--since", "2026-06-29")} == {"2026-06-29", "2026-06-30"}
    everything = feed(db, "--all")
    assert any(h["date"] is None for h in everything) and len(everything) == len(RECORDS) - 2


def test_window_from_the_config(db: Path) -> None:
    assert run("--db", db, "config", "set", "feed.days", "2").exit_code == 0
    assert min(h["date"] for h in feed(db)) == "2026-06-28"


def test_scores_never_rise_down_the_feed_and_ranks_are_printed(db: Path) -> None:
    """BUG: scores printed after diversity re-ranking went 9.883, 9.650, 9.731."""
    hits = feed(db, "--all")
    assert [h["rank"] for h in hits] == list(range(1, len(hits) + 1))
    scores = [h["score"] for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert all("relevance " in h["why"] for h in hits)
    text = run("--db", db, "feed", "me", "--all").output
    assert "  1. " in text and f"{scores[0]:.3f}" in text


def test_empty_feed_says_why(db: Path) -> None:
    r = run("--db", db, "feed", "me", "--since", "2027-01-01")
    assert r.exit_code == 0
    assert "no new papers from 2027-01-01" in r.output and "2026-06-30" in r.output and "--all" in r.output


def test_empty_digest_says_why_and_json_lists_the_papers(db: Path) -> None:
    """BUG: an empty digest did not say why; digest --json did not list its papers."""
    r = run("--db", db, "digest", "me", "--dry-run")  # today is long after the library's newest paper
    assert r.exit_code == 0
    assert "the newest paper in the library is from 2026-06-30" in r.output
    assert "paperfeed fetch arxiv" in r.output and "--since" in r.output
    r = run("--db", db, "digest", "me", "--json", "--since", "2026-06-25")
    out = json.loads(r.stdout)
    assert out["papers"] == len(out["items"]) > 0
    assert {i["date"] for i in out["items"]} <= {f"2026-06-{d}" for d in range(25, 31)}
    assert {"rank", "key", "title", "abstract", "links", "score", "why"} <= set(out["items"][0])


def test_feed_says_how_many_papers_are_not_embedded(tmp_path: Path) -> None:
    lib = Library(load_settings(tmp_path / "lib.db", model_id=MODEL))
    path = tmp_path / "p.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
    lib.ingest([str(path)])
    lib.create_profile("me", keys=["arxiv:2606.00300"])
    since, until = lib.feed_window()
    status = lib.feed_status("me", since, until)
    assert (since, status["newest"], status["candidates"]) == ("2026-06-23", "2026-06-30", 9)
    assert status["not_embedded"] == 9 and lib.feed("me") == []  # left out until embedded
    r = run("--db", tmp_path / "lib.db", "feed", "me", "--no-embed")
    assert "9 of 9 papers in this window are not embedded yet" in r.output
    r = run("--db", tmp_path / "lib.db", "feed", "me", "--json")  # embeds the window's papers first
    assert len(json.loads(r.stdout)) == 9  # the window's papers less the profile's own
    assert lib.count_pending() == len(RECORDS) - 9 - 1  # only the window and the profile paper were embedded
    lib.close()
