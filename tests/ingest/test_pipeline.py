"""Library.ingest end to end: files, gzip, stdin, unreadable input, --strict, re-ingest."""

from __future__ import annotations

import gzip
import io
import json
import sys
from pathlib import Path

import pytest

from paperfeed.errors import InputError
from paperfeed.ingest.pipeline import BATCH, StrictRejection
from paperfeed.library import Library


def record(i: int, **kw) -> dict:
    d = {
        "id": f"2401.{i:05d}",
        "title": f"Paper number {i} on sparse attention",
        "abstract": f"Abstract {i}: we study things & stuff at 100% of $x^2$.",
        "authors": [f"Author {i}", "Jane Doe"],
        "categories": ["cs.CL"],
        "date": f"2024-01-{(i % 28) + 1:02d}",
    }
    d.update(kw)
    return d


def jsonl_bytes(recs: list[dict]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs).encode()


def write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


def test_plain_file(lib: Library, tmp_path: Path) -> None:
    path = write(tmp_path / "a.jsonl", jsonl_bytes([record(i) for i in range(1, 11)]))
    report = lib.ingest([path], fmt="jsonl")
    assert (report.added, report.updated, report.unchanged, report.rejected) == (10, 0, 0, [])
    assert report.files == [
        {"file": path, "format": "jsonl", "added": 10, "updated": 0, "unchanged": 0, "rejected": 0, "truncated": 0}
    ]
    assert lib.store.count() == 10
    assert lib.get("2401.00003").title == "Paper number 3 on sparse attention"
    assert lib.get("2401.00003").sources == ("a.jsonl",)


def test_gzipped_file(lib: Library, tmp_path: Path) -> None:
    path = write(tmp_path / "a.jsonl.gz", gzip.compress(jsonl_bytes([record(i) for i in range(1, 51)])))
    report = lib.ingest([path], fmt="jsonl")
    assert report.added == 50 and lib.store.count() == 50


def test_reingest_is_all_unchanged(lib: Library, tmp_path: Path) -> None:
    path = write(tmp_path / "a.jsonl", jsonl_bytes([record(i) for i in range(1, 21)]))
    lib.ingest([path], fmt="jsonl")
    keys = sorted(p.key for p in lib.papers())
    report = lib.ingest([path], fmt="jsonl")
    assert (report.added, report.updated, report.unchanged) == (0, 0, 20)
    assert sorted(p.key for p in lib.papers()) == keys


def test_reingest_after_edit_counts_updated(lib: Library, tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    write(path, jsonl_bytes([record(i) for i in range(1, 6)]))
    lib.ingest([str(path)], fmt="jsonl")
    recs = [record(i) for i in range(1, 6)] + [record(6)]
    recs[1]["abstract"] = "A much longer, corrected abstract for paper two, with more words than before."
    write(path, jsonl_bytes(recs))
    report = lib.ingest([str(path)], fmt="jsonl")
    assert (report.added, report.updated, report.unchanged) == (1, 1, 4)
    assert lib.get("2401.00002").abstract.startswith("A much longer")


def test_stdin(lib: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    data = jsonl_bytes([record(i) for i in range(1, 4)])
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    report = lib.ingest(["-"], fmt="jsonl")
    assert report.added == 3
    assert report.files[0]["file"] == "<stdin>"
    assert lib.get("2401.00001").sources == ("stdin",)


def test_gzipped_stdin(lib: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    data = gzip.compress(jsonl_bytes([record(i) for i in range(1, 4)]))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert lib.ingest(["-"], fmt="jsonl").added == 3


def test_truncated_gzip_is_an_input_error_and_leaves_library_untouched(lib: Library, tmp_path: Path) -> None:
    good = write(tmp_path / "good.jsonl", jsonl_bytes([record(i) for i in range(1, 6)]))
    lib.ingest([good], fmt="jsonl")
    before = lib.store.count()
    # more than one write batch, so some records were already written when the stream breaks
    n = BATCH * 2 + 500
    whole = gzip.compress(jsonl_bytes([record(i) for i in range(100, 100 + n)]))
    bad = write(tmp_path / "cut.jsonl.gz", whole[: int(len(whole) * 0.8)])
    with pytest.raises(InputError) as exc:
        lib.ingest([bad], fmt="jsonl")
    assert "cut.jsonl.gz" in str(exc.value)
    assert exc.value.source == bad
    assert lib.store.count() == before
    assert lib.store.conn.execute("SELECT count(*) FROM paper_sources WHERE source = 'cut.jsonl.gz'").fetchone()[0] == 0
    lib.store.conn.execute("INSERT INTO papers_fts(papers_fts) VALUES('integrity-check')")


def test_truncated_gzip_within_the_head(lib: Library, tmp_path: Path) -> None:
    whole = gzip.compress(jsonl_bytes([record(i) for i in range(1, 30)]))
    bad = write(tmp_path / "tiny.jsonl.gz", whole[: len(whole) // 2])
    with pytest.raises(InputError, match="tiny.jsonl.gz"):
        lib.ingest([bad], fmt="jsonl")
    assert lib.store.count() == 0


def test_binary_file_is_an_input_error(lib: Library, tmp_path: Path) -> None:
    path = write(tmp_path / "image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    with pytest.raises(InputError, match="image.png"):
        lib.ingest([path], fmt="jsonl")
    assert lib.store.count() == 0


def test_non_utf8_is_an_input_error_with_line(lib: Library, tmp_path: Path) -> None:
    data = jsonl_bytes([record(1), record(2)]) + '{"title": "Caf\xe9"}\n'.encode("latin-1") + jsonl_bytes(
        [record(4)])
    path = write(tmp_path / "latin1.jsonl", data)
    with pytest.raises(InputError) as exc:
        lib.ingest([path], fmt="jsonl")
    assert exc.value.line == 3
    assert "latin1.jsonl:3" in str(exc.value)
    assert lib.store.count() == 0


def test_strict_with_one_bad_record_writes_nothing(lib: Library, tmp_path: Path) -> None:
    lines = jsonl_bytes([record(i) for i in range(1, 4)]) + b"{not json\n" + jsonl_bytes([record(5)])
    path = write(tmp_path / "a.jsonl", lines)
    with pytest.raises(StrictRejection) as exc:
        lib.ingest([path], fmt="jsonl", strict=True)
    assert isinstance(exc.value, InputError)
    assert exc.value.line == 4 and "a.jsonl:4" in str(exc.value)
    assert lib.store.count() == 0
    # without --strict the good records go in and the bad one is reported
    report = lib.ingest([path], fmt="jsonl")
    assert report.added == 4
    assert report.rejected == [{"file": path, "line": 4, "reason": report.rejected[0]["reason"]}]
    assert report.files[0]["rejected"] == 1


def test_strict_rejection_after_a_full_batch_still_writes_nothing(lib: Library, tmp_path: Path) -> None:
    data = jsonl_bytes([record(i) for i in range(1, BATCH + 10)]) + b"[]\n"
    path = write(tmp_path / "a.jsonl", data)
    with pytest.raises(StrictRejection):
        lib.ingest([path], fmt="jsonl", strict=True)
    assert lib.store.count() == 0


def test_earlier_files_stay_when_a_later_file_is_unreadable(lib: Library, tmp_path: Path) -> None:
    good = write(tmp_path / "good.jsonl", jsonl_bytes([record(1), record(2)]))
    with pytest.raises(InputError, match="missing.jsonl"):
        lib.ingest([good, str(tmp_path / "missing.jsonl")], fmt="jsonl")
    assert lib.store.count() == 2


def test_missing_file_and_directory(lib: Library, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="nope.jsonl"):
        lib.ingest([str(tmp_path / "nope.jsonl")], fmt="jsonl")
    with pytest.raises(InputError, match="directory"):
        lib.ingest([str(tmp_path)], fmt="jsonl")


def test_empty_file_and_bom(lib: Library, tmp_path: Path) -> None:
    empty = write(tmp_path / "empty.jsonl", b"")
    assert lib.ingest([empty], fmt="jsonl").added == 0
    bom = write(tmp_path / "bom.jsonl", b"\xef\xbb\xbf" + jsonl_bytes([record(1), record(2)]))
    report = lib.ingest([bom], fmt="jsonl")
    assert report.added == 2 and report.rejected == []


def test_several_files_add_up_and_dedup_across_them(lib: Library, tmp_path: Path) -> None:
    a = write(tmp_path / "a.jsonl", jsonl_bytes([record(i) for i in range(1, 6)]))
    b = write(tmp_path / "b.jsonl.gz", gzip.compress(jsonl_bytes([record(i) for i in range(4, 9)])))
    report = lib.ingest([a, b], fmt="jsonl")
    assert [f["file"] for f in report.files] == [a, b]
    assert report.files[1]["added"] == 3
    assert report.added == 8 and lib.store.count() == 8
    assert set(lib.get("2401.00004").sources) == {"a.jsonl", "b.jsonl.gz"}


def test_progress_and_collected_ids(lib: Library, tmp_path: Path) -> None:
    n = BATCH + 7
    path = write(tmp_path / "a.jsonl", jsonl_bytes([record(i) for i in range(1, n + 1)]))
    seen: list[int] = []
    report = lib.ingest([path], fmt="jsonl", progress=seen.append, collect_ids=True)
    assert sum(seen) == n
    assert len(report.ids) == n == len(set(report.ids))


def test_real_shared_data_file(lib: Library, data_file) -> None:
    path = data_file("arxiv-hot-2020-2021-tatsuyashirakawa.jsonl.gz")
    report = lib.ingest([str(path)], fmt="jsonl")
    with gzip.open(path, "rt") as f:
        n = sum(1 for line in f if line.strip())
    assert report.added + report.updated + report.unchanged + len(report.rejected) == n
    assert report.added == lib.store.count() >= n * 0.99
    again = lib.ingest([str(path)], fmt="jsonl")
    assert again.added == again.updated == 0


# ---- auto-detection (no fmt given) --------------------------------------------------


@pytest.mark.parametrize("name", ["a.jsonl", "a.jsonl.gz", "listing.txt", "no-extension"])
def test_autodetects_jsonl_by_content(lib: Library, tmp_path: Path, name: str) -> None:
    data = jsonl_bytes([record(i) for i in range(1, 6)])
    path = write(tmp_path / name, gzip.compress(data) if name.endswith(".gz") else data)
    report = lib.ingest([path])
    assert report.files[0]["format"] == "jsonl"
    assert report.added == 5


def test_autodetects_jsonl_on_stdin(lib: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(jsonl_bytes([record(1), record(2)]))))
    report = lib.ingest(["-"])
    assert (report.files[0]["format"], report.added) == ("jsonl", 2)


@pytest.mark.parametrize(("fmt", "name"), [("bibtex", "export.bib"), ("csv", "export.csv"),
                                           ("bibtex", "export.txt"), ("csv", "export.dat")])
def test_autodetects_exported_formats(lib: Library, tmp_path: Path, fmt: str, name: str) -> None:
    from paperfeed import export

    lib.ingest([write(tmp_path / "src.jsonl", jsonl_bytes([record(i) for i in range(1, 4)]))])
    buf = io.StringIO()
    export.write(fmt, lib.papers(), buf)
    path = write(tmp_path / name, buf.getvalue().encode())
    report = lib.ingest([path])
    assert report.files[0]["format"] == fmt
    assert report.rejected == [] and report.added == 0 and report.unchanged + report.updated == 3


def test_autodetect_refuses_binary(lib: Library, tmp_path: Path) -> None:
    path = write(tmp_path / "x.jsonl", b"\x00\x01\x02binary" * 100)
    with pytest.raises(InputError, match="x.jsonl"):
        lib.ingest([path])


def test_autodetects_real_shared_data(lib: Library, data_file, tmp_path: Path) -> None:
    # the first 500 records only: papers without arXiv ids take the (slow) fuzzy-matching path
    with gzip.open(data_file("cs-conf-ir-dm-papers-doragd.jsonl.gz"), "rb") as f:
        head = b"".join(line for _, line in zip(range(500), f, strict=False))
    path = write(tmp_path / "conf.jsonl.gz", gzip.compress(head))
    report = lib.ingest([path])
    assert report.files[0]["format"] == "jsonl"
    assert report.rejected == [] and report.added + report.updated + report.unchanged == 500
    assert report.added >= 490
    assert any(p.doi and p.venue and p.date for p in lib.papers())
