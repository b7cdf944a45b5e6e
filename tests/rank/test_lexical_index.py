"""The persisted TF-IDF index of the library: build, incremental refresh, corruption, explanations."""

from __future__ import annotations

import gzip
import json
import pickle
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from paperfeed.config import load_settings
from paperfeed.library import Library
from paperfeed.rank import lexical_index
from paperfeed.rank.lexical import Lexical, max_sim

MODEL = "test-hashing-64"
_LINES: list[str] = []


def real_records(data_file: Callable[[str], Path], n: int) -> list[dict]:
    """The first n records of a shared arXiv file (read once per session)."""
    if len(_LINES) < n:
        _LINES.clear()
        with gzip.open(data_file("arxiv-cs-daily-dwdengwei.jsonl.gz"), "rt", encoding="utf-8") as f:
            for line in f:
                _LINES.append(line)
                if len(_LINES) >= n:
                    break
    return [json.loads(x) for x in _LINES[:n]]


def write(path: Path, recs: list[dict]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    return str(path)


@pytest.fixture
def recs(data_file) -> list[dict]:
    return real_records(data_file, 260)


@pytest.fixture
def lib(tmp_path: Path, recs: list[dict]) -> Iterator[Library]:
    library = Library(load_settings(tmp_path / "lib.db", model_id=MODEL))
    library.ingest([write(tmp_path / "first.jsonl", recs[:200])])
    yield library
    library.close()


def ids_of(lib: Library, recs: list[dict]) -> list[int]:
    return [lib.store.resolve_id(r["id"]) for r in recs]


def test_built_from_the_library(lib: Library, recs: list[dict]) -> None:
    idx = lib.lexical_index()
    assert len(idx.ids) == 200 and idx.rows.shape[0] == 200
    assert idx.fitted_on == 200
    assert sorted(idx.ids.tolist()) == sorted(ids_of(lib, recs[:200]))
    norms = np.asarray(np.sqrt(idx.rows.multiply(idx.rows).sum(axis=1))).ravel()
    assert np.allclose(norms[norms > 0], 1.0, atol=1e-5)
    assert (norms > 0).mean() > 0.99
    assert (lib.settings.index_dir / "lexical" / "lexical.pkl").is_file()
    assert lib.lexical_index() is idx  # cached while the library is unchanged


def test_rows_for_known_and_unknown_ids(lib: Library, recs: list[dict]) -> None:
    idx = lib.lexical_index()
    known = ids_of(lib, recs[:3])
    rows = idx.rows_for(known)
    assert rows.shape == (3, idx.rows.shape[1])
    self_sim, _ = max_sim(rows, rows)
    assert np.allclose(self_sim, 1.0, atol=1e-5)
    mixed = idx.rows_for([known[0], 10**9, known[1]])
    assert mixed.shape[0] == 3
    assert mixed[1].nnz == 0
    assert (mixed[0] != rows[0]).nnz == 0 and (mixed[2] != rows[1]).nnz == 0
    assert idx.rows_for([10**9, -1]).nnz == 0
    assert idx.rows_for([]).shape[0] == 0


def test_a_paper_is_closest_to_itself(lib: Library, recs: list[dict]) -> None:
    idx = lib.lexical_index()
    r = recs[17]
    q = idx.transform([f"{r['title']}. {r['abstract']}"])
    sims = (idx.rows @ q.T).toarray().ravel()
    assert int(idx.ids[int(np.argmax(sims))]) == lib.store.resolve_id(r["id"])


def test_refresh_adds_rows_without_refitting(lib: Library, recs: list[dict], tmp_path: Path) -> None:
    before = lib.lexical_index()
    vocab = dict(before.lexical.vectorizer.vocabulary_)
    lib.ingest([write(tmp_path / "more.jsonl", recs[200:260])])
    after = lib.lexical_index()
    assert after is not before
    assert len(after.ids) == 260
    assert after.fitted_on == 200
    assert after.lexical.vectorizer.vocabulary_ == vocab
    new_ids = ids_of(lib, recs[200:260])
    assert set(new_ids) <= set(after.ids.tolist())
    old = ids_of(lib, recs[:5])
    assert (after.rows_for(old) != before.rows_for(old)).nnz == 0
    # the saved file is current: a fresh Library loads it without rebuilding
    fresh = Library(load_settings(lib.settings.db_path, model_id=MODEL))
    try:
        loaded = fresh.lexical_index()
        assert len(loaded.ids) == 260 and loaded.fitted_on == 200
    finally:
        fresh.close()


def test_changed_paper_row_is_recomputed(lib: Library, recs: list[dict], tmp_path: Path) -> None:
    before = lib.lexical_index()
    r = dict(recs[10])
    pid = lib.store.resolve_id(r["id"])
    other = ids_of(lib, recs[20:25])
    r.update(version=2, abstract="Robotic grasping with tactile sensing: the gripper detects slip and regrasps "
                                 "objects. Grasping experiments with tactile sensors on a robot arm.")
    lib.ingest([write(tmp_path / "v2.jsonl", [r])])
    after = lib.lexical_index()
    assert len(after.ids) == 200
    assert (after.rows_for([pid]) != before.rows_for([pid])).nnz > 0
    assert (after.rows_for(other) != before.rows_for(other)).nnz == 0
    expected = after.transform([f"{r['title']}. {r['abstract']}"])
    assert np.allclose(after.rows_for([pid]).toarray(), expected.toarray(), atol=1e-6)


def test_refit_when_library_more_than_doubles(tmp_path: Path, recs: list[dict]) -> None:
    """The module promises a refit once the library is more than twice the size the vocabulary was fitted on.

    BUG: refresh() refits only past 2 * max(fitted_on, 1000), so a library started from 5 papers keeps
    their ~900-term vocabulary until it holds 2,000 papers; the rows of every later paper are nearly empty.
    """
    library = Library(load_settings(tmp_path / "lib.db", model_id=MODEL))
    try:
        library.ingest([write(tmp_path / "a.jsonl", recs[:5])])
        assert library.lexical_index().fitted_on == 5
        library.ingest([write(tmp_path / "b.jsonl", recs[5:260])])
        grown = library.lexical_index()
        assert len(grown.ids) == 260
        assert grown.fitted_on == 260
    finally:
        library.close()


def test_refit_at_scale_follows_the_doubling_rule(lib: Library) -> None:
    idx = lib.lexical_index()
    big = lexical_index.LexicalIndex(idx.lexical, idx.ids, idx.hashes, idx.rows, fitted_on=1000)
    assert lexical_index.refresh(lib.store, big) is big  # 200 papers, nothing changed
    small = lexical_index.LexicalIndex(idx.lexical, idx.ids[:50], idx.hashes[:50], idx.rows[:50], fitted_on=1000)
    refreshed = lexical_index.refresh(lib.store, small)
    assert refreshed.fitted_on == 1000 and len(refreshed.ids) == 200  # 200 <= 2 * 1000: incremental


@pytest.mark.parametrize("garbage", [b"", b"not a pickle at all", pickle.dumps({"format": 999}),
                                     pickle.dumps(["a", "list"]), b"\x80\x05\x95garbage"],
                         ids=["empty", "text", "other-format", "list", "truncated-pickle"])
def test_corrupt_file_is_rebuilt(lib: Library, recs: list[dict], garbage: bytes, caplog) -> None:
    lib.lexical_index()
    path = lib.settings.index_dir / "lexical" / "lexical.pkl"
    path.write_bytes(garbage)
    fresh = Library(load_settings(lib.settings.db_path, model_id=MODEL))
    try:
        idx = fresh.lexical_index()
        assert len(idx.ids) == 200
        assert idx.rows_for(ids_of(fresh, recs[:1])).nnz > 0
        assert lexical_index.load(path.parent) is not None  # saved again, readable
    finally:
        fresh.close()


def test_missing_directory_is_rebuilt(lib: Library) -> None:
    lib.lexical_index()
    (lib.settings.index_dir / "lexical" / "lexical.pkl").unlink()
    (lib.settings.index_dir / "lexical").rmdir()
    fresh = Library(load_settings(lib.settings.db_path, model_id=MODEL))
    try:
        assert len(fresh.lexical_index().ids) == 200
    finally:
        fresh.close()


def test_empty_library(tmp_path: Path) -> None:
    library = Library(load_settings(tmp_path / "empty.db", model_id=MODEL))
    try:
        idx = library.lexical_index()
        assert len(idx.ids) == 0 and idx.rows.shape[0] == 0
        assert idx.rows_for([1, 2]).shape[0] == 2
        assert idx.transform(["anything at all"]).shape[0] == 1
    finally:
        library.close()


def test_shared_terms_name_the_overlap() -> None:
    texts = ["tactile sensing for robotic grasping", "speech recognition with transformers",
             "grasping objects with tactile grippers", "recommendation with matrix factorization"]
    lex = Lexical.fit(texts)
    rows = lex.transform(texts)
    terms = lex.shared_terms(rows[0], rows[2], 3)
    assert set(terms) == {"tactile", "grasping"}
    assert lex.shared_terms(rows[0], rows[1], 3) == []


def test_threads_refresh_the_index_once(lib: Library, recs: list[dict], tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # the web app's threads share one Library: after new papers, only one of them rebuilds and saves
    import threading
    import time

    first = lib.lexical_index()
    lib.ingest([write(tmp_path / "more.jsonl", recs[200:230])])
    calls: list[int] = []
    real = lexical_index.load_or_build

    def slow(*args, **kwargs):
        calls.append(1)
        time.sleep(0.2)  # a refresh long enough for the other threads to arrive meanwhile
        return real(*args, **kwargs)

    monkeypatch.setattr(lexical_index, "load_or_build", slow)
    got: list[object] = []
    threads = [threading.Thread(target=lambda: got.append(lib.lexical_index())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len(got) == 4 and all(g is got[0] for g in got)
    assert got[0] is not first and len(got[0].ids) == 230
