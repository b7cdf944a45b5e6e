"""Two `paperfeed embed` processes at once: the second waits for the first (saying so) and redoes nothing."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from paperfeed.config import load_settings
from paperfeed.index import writer_lock
from paperfeed.library import Library

PAPERFEED = Path(sys.executable).parent / "paperfeed"
MODEL = "test-hashing-64"
PAPERS, BATCH = 1_000, 64


def _library(tmp_path: Path) -> Path:
    db = tmp_path / "lib.db"
    src = tmp_path / "papers.jsonl"
    src.write_text("".join(json.dumps({
        "id": f"2403.{n:05d}", "title": f"Paper {n} on topic {n % 37}",
        "abstract": "We study " + " ".join(f"w{(n * k) % 499}" for k in range(25)), "authors": [f"A {n % 50}"],
        "date": "2024-03-01"}) + "\n" for n in range(PAPERS)), encoding="utf-8")
    lib = Library(load_settings(db, model_id=MODEL))
    try:
        lib.ingest([str(src)])
    finally:
        lib.close()
    return db


def _embed(db: Path) -> subprocess.Popen:
    env = {**os.environ, "PAPERFEED_MODEL": MODEL}
    env.pop("PAPERFEED_DB", None)
    return subprocess.Popen([str(PAPERFEED), "--db", str(db), "embed"], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_for_line(proc: subprocess.Popen, needle: str) -> list[str]:
    """Read stderr until a line holds ``needle`` (or the process ends); the lines read."""
    lines: list[str] = []
    for line in proc.stderr:
        lines.append(line)
        if needle in line:
            break
    return lines


def test_second_embed_waits_and_does_not_redo_the_work(tmp_path: Path) -> None:
    db = _library(tmp_path)
    index_dir = load_settings(db, model_id=MODEL).index_dir / MODEL
    with writer_lock(index_dir, "a test holding the index"):
        procs = [_embed(db), _embed(db)]
        heard = [_wait_for_line(p, "waiting for the vector index") for p in procs]
        for p, lines in zip(procs, heard, strict=True):
            assert p.poll() is None and lines, lines  # both started, both wait
            assert "being written by a test holding the index, pid" in lines[-1]
    outputs: list[str] = []
    errors: list[str] = []

    def finish(p: subprocess.Popen) -> None:
        out, err = p.communicate(timeout=300)
        outputs.append(out.strip())
        errors.append(err)

    threads = [threading.Thread(target=finish, args=(p,)) for p in procs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [p.returncode for p in procs] == [0, 0], errors
    assert sorted(outputs) == ["all papers already embedded", f"embedded {PAPERS} papers"]
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM vectors WHERE model_id = ?", (MODEL,)).fetchone()[0] == PAPERS
        # every batch bumps the generation once: the papers were embedded once, not twice
        generation = conn.execute("SELECT generation FROM vector_state WHERE model_id = ?", (MODEL,)).fetchone()[0]
    assert generation == -(-PAPERS // BATCH)
