"""ingest embeds what it needs: its own papers, also those a killed run left without vectors, never a
backlog of other papers (issue 15 items 9 and 15); embedding goes newest first (issue 12).

Real processes for the kill -9 case: the console script, killed by SIGKILL in its embedding phase.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from paperfeed.cli import main
from paperfeed.config import load_settings
from paperfeed.library import Library

MODEL = "test-hashing-64"
PAPERFEED = Path(sys.executable).parent / "paperfeed"
BIB = """@article{new1, title={Speculative Decoding with Draft Trees}, author={Doe, Jane}, year={2026},
  abstract={Draft trees speed up decoding of large language models.}}
@article{new2, title={Paged Attention for Serving}, author={Li, Bo}, year={2026},
  abstract={Paging the KV cache lets a server batch more requests.}}
"""


def records(n: int, start: int = 0) -> str:
    return "".join(json.dumps({"id": f"2601.{i:05d}", "title": f"Paper {i} on topic {i % 7}",
                               "abstract": f"An abstract about topic {i % 7} and method {i}.",
                               "date": f"2026-01-{1 + i % 28:02d}"}) + "\n" for i in range(start, start + n))


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], env={"PAPERFEED_MODEL": MODEL})


def vectors(db: Path) -> int:
    with sqlite3.connect(db) as c:
        return c.execute("SELECT count(*) FROM vectors").fetchone()[0]


def test_two_bibtex_entries_into_a_backlog_embed_two_and_say_how_many_wait(tmp_path: Path) -> None:
    """BUG (issue 15 item 15): 2 BibTeX entries into a library with an embedding backlog silently
    embedded the whole backlog (55 minutes for 73k papers)."""
    db, backlog, bib = tmp_path / "lib.db", tmp_path / "backlog.jsonl", tmp_path / "two.bib"
    backlog.write_text(records(300), encoding="utf-8")
    bib.write_text(BIB, encoding="utf-8")
    assert run("--db", db, "ingest", "--no-embed", backlog).exit_code == 0
    out = json.loads(run("--db", db, "ingest", "--json", bib).stdout)
    assert (out["added"], out["embedded"], out["not_embedded"]) == (2, 2, 300)
    assert vectors(db) == 2
    human = run("--db", db, "ingest", bib)
    assert "300 papers in the library are not embedded yet" in human.output and "paperfeed embed" in human.output
    assert vectors(db) == 2


KILL_AFTER_BATCHES = """
import os, signal, sys
from paperfeed.embed.hashing import HashingEmbedder
calls = 0
real = HashingEmbedder.embed_batch
def embed_then_die(self, texts):
    global calls
    calls += 1
    if calls > 3:  # three batches committed, then the process dies as under kill -9
        os.kill(os.getpid(), signal.SIGKILL)
    return real(self, texts)
HashingEmbedder.embed_batch = embed_then_die
from paperfeed.cli import main
sys.exit(main())
"""


def test_rerun_after_kill_9_during_embedding_finishes_the_job(tmp_path: Path) -> None:
    """BUG (issue 15 item 9): after kill -9 in ingest's embedding phase a re-run reported '2500 unchanged'
    and embedded nothing; semantic search silently left the rest out."""
    db, path = tmp_path / "lib.db", tmp_path / "papers.jsonl"
    path.write_text(records(1000), encoding="utf-8")
    env = {**os.environ, "PAPERFEED_MODEL": MODEL, "PAPERFEED_HOME": str(tmp_path / "home")}
    killed = subprocess.run([sys.executable, "-c", KILL_AFTER_BATCHES, "--db", str(db), "ingest", str(path)],
                            env=env, capture_output=True, text=True, timeout=300)
    assert killed.returncode == -9, killed.stderr
    done = vectors(db)
    assert 0 < done < 1000  # the papers are stored, some batches embedded
    again = subprocess.run([str(PAPERFEED), "--db", str(db), "ingest", "--json", str(path)], env=env,
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    out = json.loads(again.stdout)
    assert (out["added"], out["unchanged"], out["embedded"], out["not_embedded"]) == (0, 1000, 1000 - done, 0)
    assert vectors(db) == 1000
    lib = Library(load_settings(db, model_id=MODEL))
    try:  # and the index serves them all: semantic search reaches a paper embedded by the re-run
        assert len(lib.vector_index()) == 1000
    finally:
        lib.close()


def test_embedding_goes_newest_first_and_undated_last(tmp_path: Path) -> None:
    lib = Library(load_settings(tmp_path / "lib.db", model_id=MODEL))
    path = tmp_path / "p.jsonl"
    recs = [{"id": f"2601.{i:05d}", "title": f"Paper {i}", "abstract": "Text.", "date": f"2026-{1 + i % 12:02d}-01"}
            for i in range(36)] + [{"id": "2601.09999", "title": "Undated", "abstract": "Text."}]
    path.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    lib.ingest([str(path)])
    order: list[int] = []

    def stop_after_first_batch(n: int) -> None:
        order.append(n)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        lib.embed_pending(batch=6, progress=stop_after_first_batch)
    got = lib.vectors(lib.paper_ids().tolist())
    dates = sorted((p.date for p in lib.papers(got)), reverse=True)
    assert len(got) == 6 and dates == ["2026-12-01"] * 3 + ["2026-11-01"] * 3
    assert lib.embed_pending(batch=6) == 31
    lib.close()
