"""The day-by-day feedback simulation, and `eval authors` / `eval feedback` through the CLI."""

from __future__ import annotations

import gzip
from pathlib import Path

import orjson
from click.testing import CliRunner

from paperfeed.cli import main
from paperfeed.eval import feedback
from paperfeed.eval.authors import build_task
from paperfeed.eval.corpus import Doc


def test_day_groups_split_the_window_by_date(docs: list[Doc]) -> None:
    days = sorted({d.date for d in docs if d.date})
    task = build_task(docs, days[-5], days[-1], n_authors=5)
    groups = feedback.day_groups(task)
    assert len(groups) == 5 and sum(len(g) for g in groups) == len(task.candidates)
    for g, day in zip(groups, days[-5:], strict=True):
        assert {task.candidates[i].date for i in g} == {day}


def test_simulation_rows_and_day_one(docs: list[Doc], hashing_embedder) -> None:
    days = sorted({d.date for d in docs if d.date})
    res = feedback.run(docs, hashing_embedder.embed_batch, [(days[-5], days[-1])], n_authors=8)
    rows = res["by_day"]
    assert set(rows) == {"paperfeed, no feedback", "paperfeed, feedback", "arxiv-sanity, no feedback",
                         "arxiv-sanity, retrained daily"}
    assert res["windows"][0]["days"] == days[-5:]
    for by_day in rows.values():
        assert [r["day"] for r in by_day] == [1, 2, 3, 4, 5]
        assert [r["authors"] for r in by_day] == [r["authors"] for r in rows["paperfeed, feedback"]]
        assert all(r["recall"] is None or 0.0 <= r["recall"] <= 1.0 for r in by_day)
    assert sum(r["authors"] for r in rows["paperfeed, feedback"]) >= 8  # every author has a paper some day
    # nothing has been learnt before the first day
    assert rows["paperfeed, feedback"][0] == rows["paperfeed, no feedback"][0]
    assert rows["arxiv-sanity, retrained daily"][0] == rows["arxiv-sanity, no feedback"][0]


def small_data(tmp_path: Path, docs: list[Doc]) -> Path:
    """A --data directory holding the 3,000 records, in the three daily-listing file names."""
    from paperfeed.eval.corpus import ARXIV_FILES

    d = tmp_path / "data"
    d.mkdir()
    rows = [{"id": x.id, "title": x.title, "abstract": x.abstract, "authors": list(x.authors),
             "categories": list(x.categories), "date": x.date} for x in docs]
    for n, name in enumerate(ARXIV_FILES):
        with gzip.open(d / name, "wb") as f:
            f.write(b"".join(orjson.dumps(r) + b"\n" for r in rows[n::3]))
    return d


def test_cli_eval_authors_and_feedback(tmp_path: Path, docs: list[Doc]) -> None:
    days = sorted({d.date for d in docs if d.date})
    one, two = f"{days[-10]}..{days[-6]}", f"{days[-5]}..{days[-1]}"
    args = ["--data", str(small_data(tmp_path, docs)), "--authors", "3", "--model", "test-hashing-64"]
    r = CliRunner().invoke(main, ["eval", "authors", "--windows", f"{one},{two}", *args, "--json"])
    assert r.exit_code == 0, r.output
    res = orjson.loads(r.stdout)
    assert [w["window"] for w in res["windows"]] == [[days[-10], days[-6]], [days[-5], days[-1]]]
    assert res["kind"] == "held-out" and all(w["authors"] == 3 for w in res["windows"])
    assert "vs_baseline" in res["summary"]["paperfeed (default)"]
    r = CliRunner().invoke(main, ["eval", "authors", "--windows", two, *args])
    assert r.exit_code == 0 and "gain [95% CI]" in r.stdout and "paperfeed (default)" in r.stdout
    r = CliRunner().invoke(main, ["eval", "feedback", "--windows", two, *args])
    assert r.exit_code == 0, r.output
    assert "arxiv-sanity, retrained daily" in r.stdout
    bad = CliRunner().invoke(main, ["eval", "authors", "--windows", f"{one},{days[-6]}..{days[-1]}", *args])
    assert bad.exit_code == 2 and "overlap" in bad.output
    bad = CliRunner().invoke(main, ["eval", "authors", "--seeds", "x", *args])
    assert bad.exit_code == 2 and "--seeds" in bad.output
