"""A real SIGKILL in the middle of an ingest: the library stays consistent and a re-run completes it."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from paperfeed.store.sqlite import SqliteStore

PAPERFEED = Path(sys.executable).parent / "paperfeed"
PER_FILE = 20_000
FILES = 3
TOTAL = PER_FILE * FILES


def _record(n: int) -> str:
    return json.dumps({
        "id": f"25{(n % 12) + 1:02d}.{n:05d}",
        "title": f"Paper {n} about topic {n % 97} and method {n % 89}",
        "abstract": "We study " + " ".join(f"word{(n * k) % 1000}" for k in range(40)),
        "authors": [f"Author {n % 500}", f"Writer {n % 321}"],
        "categories": ["cs.LG", "cs.CL"][: (n % 2) + 1],
        "date": f"2025-{(n % 12) + 1:02d}-{(n % 28) + 1:02d}",
    })


@pytest.fixture(scope="module")
def big_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Three JSON Lines files of 20,000 distinct papers each."""
    d = tmp_path_factory.mktemp("big")
    paths = []
    for f in range(FILES):
        path = d / f"big{f}.jsonl"
        path.write_text("".join(_record(f * PER_FILE + i) + "\n" for i in range(PER_FILE)))
        paths.append(path)
    return paths


def _env(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "PAPERFEED_HOME": str(tmp_path / "home")}
    env.pop("PAPERFEED_DB", None)
    return env


def _ingest_cmd(db: Path, files: list[Path]) -> list[str]:
    return [str(PAPERFEED), "--db", str(db), "ingest", "--no-embed", "--format", "jsonl", "--json",
            *map(str, files)]


def _wait_for_wal(wal: Path, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None and not wal.exists():
        time.sleep(0.005)


def _wait_for_commit(db: Path, proc: subprocess.Popen, at_least: int, timeout: float) -> bool:
    """Poll with a reader connection (WAL readers never block the writer) until a file is committed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.05)
            try:
                if conn.execute("SELECT count(*) FROM papers").fetchone()[0] >= at_least:
                    return True
            finally:
                conn.close()
        except sqlite3.OperationalError:
            pass  # not created or not migrated yet
        time.sleep(0.02)
    return False


def _wait_for_worker(tag: str, proc: subprocess.Popen, timeout: float) -> bool:
    """Wait (a loaded machine starts processes slowly) until the ingest's parse worker runs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if _parse_workers(tag):
            return True
        time.sleep(0.01)
    return False


def _parse_workers(tag: str) -> list[int]:
    """Live worker processes (python -m paperfeed.ingest.worker) reading files whose path contains ``tag``."""
    pids = []
    for d in Path("/proc").iterdir():
        try:
            cmd = (d / "cmdline").read_bytes().split(b"\0")
            state = (d / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if b"paperfeed.ingest.worker" in cmd and any(tag.encode() in c for c in cmd) and state != "Z":
            pids.append(int(d.name))
    return pids


def _kill(proc: subprocess.Popen, tag: str) -> None:
    """SIGKILL the ingest; its parse worker (if one was running) must then stop by itself."""
    try:
        assert proc.poll() is None, "ingest finished before it could be killed: make the input bigger"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    deadline = time.monotonic() + 20
    while _parse_workers(tag) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _parse_workers(tag) == [], "the parse worker outlived the killed ingest"


def _check_consistent(db: Path) -> int:
    """integrity_check, FTS integrity and whole-file counts; returns the paper count."""
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.execute("INSERT INTO papers_fts(papers_fts) VALUES('integrity-check')")
        n = conn.execute("SELECT count(*) FROM papers").fetchone()[0]
        per_source = dict(conn.execute("SELECT source, count(*) FROM paper_sources GROUP BY source").fetchall())
        assert all(v == PER_FILE for v in per_source.values()), per_source
        assert n == PER_FILE * len(per_source)
        assert conn.execute("SELECT count(*) FROM papers_fts WHERE papers_fts MATCH 'topic'").fetchone()[0] == n
        assert conn.execute("SELECT count(DISTINCT paper_id) FROM paper_authors").fetchone()[0] == n
        return n
    finally:
        conn.close()


def test_sigkill_during_ingest(tmp_path: Path, big_files: list[Path]) -> None:
    db = tmp_path / "lib.db"
    env = _env(tmp_path)

    # 1. killed early, while the first file's transaction is open
    proc = subprocess.Popen(_ingest_cmd(db, big_files), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _wait_for_wal(Path(f"{db}-wal"), proc, timeout=20)
    tag = str(big_files[0].parent)
    assert _wait_for_worker(tag, proc, timeout=60), "a file this big from a new source is parsed by a worker process"
    time.sleep(0.15)
    _kill(proc, tag)
    survived = _check_consistent(db)
    assert survived in {PER_FILE * k for k in range(FILES)}  # 0 or whole files

    # 2. killed again after at least one more file was committed, while the next one is being written
    if survived + PER_FILE < TOTAL:  # (a very fast machine may have committed files before the first kill)
        proc = subprocess.Popen(_ingest_cmd(db, big_files), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                env=env)
        assert _wait_for_commit(db, proc, survived + PER_FILE, timeout=300), "no further file was committed"
        time.sleep(0.1)
        _kill(proc, tag)
        survived = _check_consistent(db)
        assert survived in {PER_FILE * k for k in range(1, FILES)}

    store = SqliteStore(db)  # opens and migrates without complaint
    assert store.count() == survived
    store.close()

    # 3. a full re-run completes the library: every paper exactly once
    done = subprocess.run(_ingest_cmd(db, big_files), capture_output=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    report = json.loads(done.stdout)
    assert report["added"] == TOTAL - survived
    assert report["unchanged"] == survived and report["updated"] == 0 and report["rejected"] == []

    assert _check_consistent(db) == TOTAL
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT count(DISTINCT arxiv_id), count(*) FROM papers").fetchone() == (TOTAL, TOTAL)
        ids = {r[0] for r in conn.execute("SELECT arxiv_id FROM papers")}
        assert ids == {json.loads(_record(n))["id"] for n in range(TOTAL)}
    finally:
        conn.close()
