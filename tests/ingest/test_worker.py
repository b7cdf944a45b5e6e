"""Big JSON Lines files from a new source are parsed in a worker process: same results, same safety."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from paperfeed.errors import InputError
from paperfeed.ingest import worker
from paperfeed.ingest.pipeline import BATCH, StrictRejection
from paperfeed.library import Library


def _records(n: int) -> list[str]:
    lines = []
    for i in range(n):
        lines.append(json.dumps({
            "id": f"2402.{i:05d}v2", "title": f"  Paper {i} on Sparse   Routing ", "abstract": f"We study {i}.",
            "authors": [f"Müller, Anna {i % 7}", "null", "Bo Li"], "categories": ["cs.LG", "cs.LG", "cs.CL"],
            "date": "2024-02-03",
        }, ensure_ascii=False))
    lines[5] = "{not json"
    lines[BATCH + 7] = json.dumps({"abstract": "no title, no id"})
    lines[BATCH + 9] = ""  # blank lines are skipped, and the line numbers after them still count
    lines.append(lines[3])  # the same record again, later in the file
    return lines


@pytest.fixture
def big(tmp_path: Path) -> Path:
    p = tmp_path / "big.jsonl"
    p.write_text("\n".join(_records(2 * BATCH + 500)) + "\n")
    return p


@pytest.fixture
def use_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worker, "MIN_BYTES", 0)


def _library(tmp_path: Path, name: str) -> Library:
    from paperfeed.config import load_settings

    return Library(load_settings(tmp_path / name))


def _dump(lib: Library) -> list[tuple]:
    rows = lib.store.conn.execute(
        "SELECT p.key, p.title, p.authors, p.categories, p.sources, p.content_hash, s.source, s.record_key, "
        "s.record_hash FROM papers p JOIN paper_sources s ON s.paper_id = p.id ORDER BY p.key"
    )
    authors = lib.store.conn.execute(
        "SELECT p.key, a.author_key FROM paper_authors a JOIN papers p ON p.id = a.paper_id ORDER BY 1, 2"
    )
    return rows.fetchall() + authors.fetchall()


def test_worker_gives_the_same_library_and_report_as_one_process(
    tmp_path: Path, big: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seq = _library(tmp_path, "seq.db")
    seq_report = seq.ingest([str(big)], fmt="jsonl")
    monkeypatch.setattr(worker, "MIN_BYTES", 0)
    calls = []
    real = worker.prepared_batches
    monkeypatch.setattr(worker, "prepared_batches", lambda *a: calls.append(a) or real(*a))
    par = _library(tmp_path, "par.db")
    par_report = par.ingest([str(big)], fmt="jsonl")
    assert calls, "the worker path was not taken"
    assert par_report.as_dict() == seq_report.as_dict()
    assert par_report.added == 2 * BATCH + 500 - 3 and par_report.unchanged == 1  # less 1 blank, 2 bad, 1 dup
    assert [(r["line"], r["reason"][:12]) for r in par_report.rejected] == [(6, "invalid JSON"),
                                                                            (BATCH + 8, "record has n")]
    assert _dump(par) == _dump(seq)
    paper = par.store.get("arxiv:2402.00003")
    assert paper.title == "Paper 3 on Sparse Routing" and paper.authors == ("Anna 3 Müller", "Bo Li")
    assert paper.categories == ("cs.LG", "cs.CL") and paper.sources == ("big.jsonl",)
    assert par.store.ids_by_author_key("a muller") == seq.store.ids_by_author_key("a muller") != []

    again = par.ingest([str(big)], fmt="jsonl")  # a known source: the in-process path skips every line
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2 * BATCH + 500 - 2)
    assert len(calls) == 1


def test_strict_rejection_in_the_worker_writes_nothing(tmp_path: Path, big: Path, use_worker: None) -> None:
    lib = _library(tmp_path, "lib.db")
    with pytest.raises(StrictRejection, match=r"big\.jsonl:6: invalid JSON"):
        lib.ingest([str(big)], fmt="jsonl", strict=True)
    assert lib.store.count() == 0


def test_truncated_gzip_read_by_the_worker_leaves_the_library_untouched(
    tmp_path: Path, big: Path, use_worker: None
) -> None:
    lib = _library(tmp_path, "lib.db")
    small = tmp_path / "small.jsonl"
    small.write_text(json.dumps({"id": "2501.00001", "title": "Kept", "abstract": "Stored before."}) + "\n")
    lib.ingest([str(small)], fmt="jsonl")
    data = gzip.compress(big.read_bytes())
    bad = tmp_path / "cut.jsonl.gz"
    bad.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(InputError, match=r"cut\.jsonl\.gz:\d+: truncated or corrupt compressed file"):
        lib.ingest([str(bad)], fmt="jsonl")
    assert lib.store.count() == 1 and lib.store.get("arxiv:2501.00001").title == "Kept"


def test_only_big_jsonl_files_on_a_machine_with_two_cores_use_the_worker(
    tmp_path: Path, big: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(worker, "MIN_BYTES", big.stat().st_size)
    monkeypatch.setattr(worker.os, "cpu_count", lambda: 2)
    assert worker.worth_it(str(big), "jsonl")
    assert not worker.worth_it(str(big), "csv") and not worker.worth_it("-", "jsonl")
    assert not worker.worth_it(str(tmp_path / "missing.jsonl"), "jsonl")
    monkeypatch.setattr(worker, "MIN_BYTES", big.stat().st_size + 1)
    assert not worker.worth_it(str(big), "jsonl")
    monkeypatch.setattr(worker, "MIN_BYTES", 0)
    monkeypatch.setattr(worker.os, "cpu_count", lambda: 1)
    assert not worker.worth_it(str(big), "jsonl")


def test_a_failure_inside_the_worker_reaches_the_writer_with_its_traceback(big: Path) -> None:
    batches = worker.prepared_batches(str(big), "no-such-format", "big.jsonl", BATCH)
    with pytest.raises(RuntimeError, match=r"(?s)failed in the worker process:.*unknown format 'no-such-format'"):
        next(batches)


def test_worker_messages_in_file_order(big: Path) -> None:
    import io
    import pickle

    out = io.BytesIO()
    worker._produce(str(big), "jsonl", "big.jsonl", 1000, out)
    out.seek(0)
    msgs = []
    while True:
        try:
            msgs.append(pickle.load(out))
        except EOFError:
            break
    assert [m[0] for m in msgs] == ["batch"] * 5 + ["done"]
    lines = [it.line for m in msgs[:-1] for it in m[1]]
    assert lines == sorted(lines) and len(lines) == 2 * BATCH + 500  # every non-blank line, once
    first = msgs[0][1][0]
    assert first.ident[0] == "arxiv:2402.00000" and first.ident[1] == worker.line_hash(big.read_text().split("\n")[0])


def test_a_strict_failure_stops_the_worker_at_once(
    tmp_path: Path, big: Path, use_worker: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    lib = _library(tmp_path, "lib.db")
    started = []
    real = worker.subprocess.Popen
    monkeypatch.setattr(worker.subprocess, "Popen", lambda *a, **kw: started.append(real(*a, **kw)) or started[-1])
    with pytest.raises(StrictRejection) as caught:
        lib.ingest([str(big)], fmt="jsonl", strict=True)
    # the exception (kept here) still holds the ingest's frames: the worker must be gone anyway
    assert caught.value is not None and len(started) == 1 and started[0].returncode is not None
