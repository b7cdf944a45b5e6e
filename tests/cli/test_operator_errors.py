"""Operator errors get one line and exit code 2, and the library keeps what it had.

A full disk is a real one: a small tmpfs mounted for the test (that needs root; elsewhere those
tests are skipped with the reason). A read-only library file is a read-only bind mount of it as
root (root ignores file modes), a file without write permission otherwise.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from paperfeed.index import current_generation

PAPERFEED = Path(sys.executable).parent / "paperfeed"
MODEL = "test-hashing-64"


def _papers(path: Path, first: int, count: int, words: int = 60) -> Path:
    path.write_text("".join(json.dumps({
        "id": f"2405.{n:05d}", "title": f"Paper {n} on subject {n % 71}",
        "abstract": "We study " + " ".join(f"w{(n * k) % 1999}" for k in range(words)),
        "authors": [f"Author {n % 97}"], "date": "2024-05-01"}) + "\n" for n in range(first, first + count)),
        encoding="utf-8")
    return path


def _run(db: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    full = {**os.environ, "PAPERFEED_MODEL": MODEL, "PAPERFEED_HOME": str(db.parent / "home"), **env}
    full.pop("PAPERFEED_DB", None)
    return subprocess.run([str(PAPERFEED), "--db", str(db), *args], env=full, capture_output=True, text=True,
                          timeout=600, check=False)


def _one_line_error(proc: subprocess.CompletedProcess, cause: str) -> str:
    """The single error line of a failed command (and the checks that it is only that)."""
    assert proc.returncode == 2, proc.stderr
    # what a job says when it starts (cli/progress.py) may come first; then exactly one error line
    lines = [ln for ln in proc.stderr.strip().splitlines() if not ln.startswith(("ingesting ", "embedding ", "..."))]
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert cause in lines[0] and "Traceback" not in proc.stderr and "cannot rollback" not in proc.stderr
    return lines[0]


def _counts(db: Path) -> tuple[int, int, str]:
    """(papers, vectors, integrity_check) read straight from the file."""
    with sqlite3.connect(db) as conn:
        papers = conn.execute("SELECT count(*) FROM papers").fetchone()[0]
        vectors = conn.execute("SELECT count(*) FROM vectors").fetchone()[0]
        return papers, vectors, conn.execute("PRAGMA integrity_check").fetchone()[0]


def _fill(disk: Path, leave_kib: int) -> Path:
    """Fill ``disk`` up to ``leave_kib`` free KiB with a filler file."""
    st = os.statvfs(disk)
    free = st.f_bavail * st.f_frsize
    filler = disk / "filler"
    with open(filler, "wb") as f:
        chunk = b"\0" * 65536
        for _ in range(max(0, free - leave_kib * 1024) // len(chunk)):
            f.write(chunk)
    return filler


@contextmanager
def _mounted(args: list[str], target: Path) -> Iterator[None]:
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a small tmpfs (a real full disk)")
    proc = subprocess.run(["mount", *args, str(target)], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount here: {proc.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A fresh 12 MiB tmpfs."""
    disk = tmp_path / "disk"
    disk.mkdir()
    with _mounted(["-t", "tmpfs", "-o", "size=12m", "tmpfs"], disk):
        yield disk


def test_disk_full_during_ingest(small_disk: Path, tmp_path: Path) -> None:
    db = small_disk / "lib.db"
    assert _run(db, "ingest", str(_papers(tmp_path / "a.jsonl", 0, 300))).returncode == 0
    before = _counts(db)
    assert before[:2] == (300, 300)
    proc = _run(db, "ingest", str(_papers(tmp_path / "big.jsonl", 300, 15_000)))
    line = _one_line_error(proc, "the disk is full")
    assert str(db) in line
    assert _counts(db) == before  # the big file is one transaction: nothing of it, nothing lost
    stats = _run(db, "stats", "--json")
    assert stats.returncode == 0 and json.loads(stats.stdout)["papers"] == 300


def test_disk_full_during_embed_keeps_finished_batches(small_disk: Path, tmp_path: Path) -> None:
    db = small_disk / "lib.db"
    assert _run(db, "ingest", "--no-embed", str(_papers(tmp_path / "a.jsonl", 0, 3000, words=20))).returncode == 0
    filler = _fill(small_disk, leave_kib=200)
    _one_line_error(_run(db, "embed"), "the disk is full")
    papers, vectors, ok = _counts(db)
    assert (papers, ok) == (3000, "ok") and 0 < vectors < 3000 and vectors % 64 == 0  # whole batches kept
    filler.unlink()
    again = _run(db, "embed")
    assert again.returncode == 0 and f"embedded {3000 - vectors} papers" in again.stdout, again.stderr
    hit = _run(db, "search", "--mode", "semantic", "--json", "Paper 2999 on subject 17", "--limit", "1")
    assert hit.returncode == 0 and json.loads(hit.stdout)


def test_disk_full_while_publishing_the_index(small_disk: Path, tmp_path: Path) -> None:
    """The index on a disk of its own fills up: one line naming it; vectors and the old generation stay."""
    db = tmp_path / "lib.db"
    assert _run(db, "ingest", str(_papers(tmp_path / "a.jsonl", 0, 200))).returncode == 0
    index_dir = tmp_path / "lib-index"
    (small_disk / "lib-index").mkdir()
    for p in index_dir.iterdir():  # move the index onto the small disk
        subprocess.run(["cp", "-a", str(p), str(small_disk / "lib-index")], check=True)
    subprocess.run(["rm", "-rf", str(index_dir)], check=True)
    index_dir.symlink_to(small_disk / "lib-index")
    published = current_generation(index_dir / MODEL)
    assert published is not None
    assert _run(db, "ingest", "--no-embed", str(_papers(tmp_path / "b.jsonl", 200, 2_000))).returncode == 0
    filler = _fill(small_disk, leave_kib=64)
    line = _one_line_error(_run(db, "embed"), "no space left on the device")
    assert str(index_dir / MODEL) in line
    assert _counts(db)[:2] == (2_200, 2_200)  # every vector is stored; only the index could not be saved
    assert current_generation(index_dir / MODEL)[0] == published[0]  # readers keep the old generation
    assert not list((index_dir / MODEL).glob(".tmp-*"))
    filler.unlink()
    hit = _run(db, "search", "--mode", "semantic", "--json", "Paper 2199 on subject 69", "--limit", "1")
    assert hit.returncode == 0, hit.stderr
    assert current_generation(index_dir / MODEL)[1].count == 2_200  # rebuilt once there was room


@pytest.fixture
def read_only_library(tmp_path: Path) -> Iterator[Path]:
    """An ingested library whose database file can no longer be written."""
    db = tmp_path / "lib.db"
    assert _run(db, "ingest", str(_papers(tmp_path / "a.jsonl", 0, 100))).returncode == 0
    if os.geteuid() == 0:
        with _mounted(["--bind", str(db)], db):
            subprocess.run(["mount", "-o", "remount,ro,bind", str(db)], check=True)
            yield db
    else:
        db.chmod(0o444)
        yield db
        db.chmod(0o644)


def test_read_only_library_file(read_only_library: Path, tmp_path: Path) -> None:
    db = read_only_library
    line = _one_line_error(_run(db, "ingest", str(_papers(tmp_path / "b.jsonl", 100, 50))),
                           "the library file is read-only")
    assert str(db) in line
    stats = _run(db, "stats", "--json")  # reading still works
    assert stats.returncode == 0 and json.loads(stats.stdout)["papers"] == 100


def test_model_cache_folder_under_a_regular_file(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    assert _run(db, "ingest", "--no-embed", str(_papers(tmp_path / "a.jsonl", 0, 5))).returncode == 0
    (tmp_path / "a-file").write_text("not a folder")
    cache = tmp_path / "a-file" / "models"
    line = _one_line_error(_run(db, "embed", PAPERFEED_MODEL="", PAPERFEED_MODELS_DIR=str(cache)),
                           "not a folder")
    assert str(cache) in line
