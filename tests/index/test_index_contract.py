"""The VectorIndex contract, run against every index kind."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from paperfeed.index import ExactIndex, HnswIndex, VectorIndex

DIM = 32
N = 300


def ids_of(matches: list[tuple[int, float]]) -> list[int]:
    """Just the ids of a query result."""
    return [i for i, _ in matches]


@pytest.fixture
def vecs(unit_vectors) -> np.ndarray:
    """N random unit vectors."""
    return unit_vectors(N, DIM, seed=1)


@pytest.fixture
def index(make_index, vecs: np.ndarray) -> VectorIndex:
    """An index holding ``vecs`` under ids 1000..1000+N."""
    idx = make_index(DIM)
    idx.add(np.arange(1000, 1000 + N), vecs)
    return idx


def loader(index: VectorIndex):
    """The load classmethod of the index's class."""
    return type(index).load


def test_satisfies_protocol(index: VectorIndex) -> None:
    assert isinstance(index, VectorIndex)
    assert index.dim == DIM and len(index) == N
    assert sorted(index.ids().tolist()) == list(range(1000, 1000 + N))


def test_each_vector_finds_itself_first(index: VectorIndex, vecs: np.ndarray) -> None:
    for row in range(0, N, 17):
        top = index.query(vecs[row], 5)
        assert top[0][0] == 1000 + row
        assert top[0][1] == pytest.approx(1.0, abs=1e-5)


def test_scores_are_cosines_best_first(index: VectorIndex, vecs: np.ndarray, unit_vectors) -> None:
    q = unit_vectors(1, DIM, seed=7)[0]
    top = index.query(q, 10)
    assert len(top) == 10
    scores = [s for _, s in top]
    assert scores == sorted(scores, reverse=True)
    for i, s in top:
        assert s == pytest.approx(float(vecs[i - 1000] @ q), abs=1e-5)
    assert all(isinstance(i, int) and isinstance(s, float) for i, s in top)


def test_matches_brute_force(index: VectorIndex, vecs: np.ndarray, unit_vectors) -> None:
    queries = unit_vectors(20, DIM, seed=8)
    truth = np.argsort(-(queries @ vecs.T), axis=1)[:, :5] + 1000
    for q, want in zip(queries, truth, strict=True):
        assert ids_of(index.query(q, 5)) == want.tolist()


def test_query_many_equals_query(index: VectorIndex, unit_vectors) -> None:
    queries = unit_vectors(6, DIM, seed=9)
    batch = index.query_many(queries, 4, exclude=[1000, 1001])
    assert len(batch) == 6
    for q, got in zip(queries, batch, strict=True):
        one = index.query(q, 4, exclude=[1000, 1001])
        assert ids_of(got) == ids_of(one)
        assert [s for _, s in got] == pytest.approx([s for _, s in one], abs=1e-5)


def test_k_larger_than_size_returns_everything(make_index, unit_vectors) -> None:
    idx = make_index(DIM)
    idx.add(np.array([3, 1, 2]), unit_vectors(3, DIM))
    assert sorted(ids_of(idx.query(unit_vectors(1, DIM, seed=5)[0], 10))) == [1, 2, 3]
    assert idx.query(unit_vectors(1, DIM)[0], 0) == []


def test_upsert_replaces_vector(index: VectorIndex, vecs: np.ndarray, unit_vectors) -> None:
    new = unit_vectors(1, DIM, seed=99)
    index.add(np.array([1005]), new)
    assert len(index) == N
    top = index.query(new[0], 1)
    assert top[0][0] == 1005 and top[0][1] == pytest.approx(1.0, abs=1e-5)
    old_top = index.query(vecs[5], 1)[0]
    assert old_top[0] != 1005 or old_top[1] < 0.999


def test_repeated_id_in_one_batch_keeps_last(make_index, unit_vectors) -> None:
    v = unit_vectors(3, DIM, seed=4)
    idx = make_index(DIM)
    idx.add(np.array([7, 8, 7]), v)
    assert len(idx) == 2
    assert idx.query(v[2], 1)[0][0] == 7
    assert dict(idx.query(v[0], 2))[7] == pytest.approx(float(v[0] @ v[2]), abs=1e-5)


def test_remove(index: VectorIndex, vecs: np.ndarray) -> None:
    index.remove([1000, 1010, 424242])
    assert len(index) == N - 2
    assert 1000 not in ids_of(index.query(vecs[0], 20))
    assert 1010 not in index.ids().tolist()
    index.add(np.array([1000]), vecs[:1])
    assert index.query(vecs[0], 1)[0][0] == 1000
    assert len(index) == N - 1


def test_remove_everything_then_query(index: VectorIndex, vecs: np.ndarray) -> None:
    index.remove(np.arange(1000, 1000 + N))
    assert len(index) == 0
    assert index.query(vecs[0], 5) == []


def test_exclude(index: VectorIndex, vecs: np.ndarray) -> None:
    full = ids_of(index.query(vecs[0], 7))
    got = ids_of(index.query(vecs[0], 5, exclude={full[0], full[2], 999_999}))
    assert got == [full[1]] + full[3:7]


def test_exclude_everything(index: VectorIndex, vecs: np.ndarray) -> None:
    assert index.query(vecs[0], 5, exclude=range(1000, 1000 + N)) == []


def test_empty_index(make_index, unit_vectors, tmp_path: Path) -> None:
    idx = make_index(DIM)
    q = unit_vectors(2, DIM)
    assert len(idx) == 0
    assert idx.query(q[0], 5) == []
    assert idx.query_many(q, 5) == [[], []]
    idx.remove([1, 2])
    idx.save(tmp_path / "ix", state="s")
    again = loader(idx)(tmp_path / "ix", "s")
    assert again is not None and len(again) == 0 and again.query(q[0], 3) == []


def test_empty_batch_is_a_no_op(make_index) -> None:
    idx = make_index(DIM)
    idx.add(np.array([], dtype=np.int64), np.empty((0, DIM), np.float32))
    idx.add([], [])
    assert len(idx) == 0


def test_bad_input_raises_value_error(make_index, unit_vectors) -> None:
    idx = make_index(DIM)
    with pytest.raises(ValueError):
        idx.add(np.array([1]), unit_vectors(1, DIM + 1))
    with pytest.raises(ValueError):
        idx.add(np.array([-1]), unit_vectors(1, DIM))
    with pytest.raises(ValueError):
        idx.add(np.array([1, 2]), unit_vectors(1, DIM))
    with pytest.raises(ValueError):
        idx.add(np.array([1]), np.full((1, DIM), np.nan, np.float32))
    with pytest.raises(ValueError):
        idx.query(np.zeros(DIM + 1, np.float32), 3)


def test_save_load_round_trip(index: VectorIndex, unit_vectors, tmp_path: Path) -> None:
    index.remove([1003])
    queries = unit_vectors(10, DIM, seed=11)
    before = index.query_many(queries, 7, exclude=[1004])
    index.save(tmp_path / "ix", model_id="m1", state="v42")
    meta = json.loads((tmp_path / "ix" / "meta.json").read_text())
    assert meta["kind"] == index.kind and meta["count"] == N - 1 and meta["dim"] == DIM
    assert meta["model_id"] == "m1" and meta["state"] == "v42"
    again = loader(index)(tmp_path / "ix", "v42", model_id="m1", dim=DIM)
    assert again is not None and len(again) == N - 1
    assert again.query_many(queries, 7, exclude=[1004]) == before
    assert not list((tmp_path / "ix").glob(".*tmp"))


def test_loaded_index_accepts_changes(index: VectorIndex, vecs: np.ndarray, tmp_path: Path) -> None:
    index.save(tmp_path / "ix", state="a")
    again = loader(index)(tmp_path / "ix", "a")
    again.add(np.array([5000]), vecs[:1])
    again.remove([1000])
    assert ids_of(again.query(vecs[0], 1)) == [5000]
    again.save(tmp_path / "ix", state="b")
    assert loader(index)(tmp_path / "ix", "a") is None
    assert len(loader(index)(tmp_path / "ix", "b")) == N


def test_load_stale_or_missing_returns_none(index: VectorIndex, tmp_path: Path) -> None:
    load = loader(index)
    assert load(tmp_path / "nothing-here", "s") is None
    index.save(tmp_path / "ix", model_id="m1", state="s1")
    assert load(tmp_path / "ix", "s2") is None
    assert load(tmp_path / "ix", "s1", model_id="m2") is None
    assert load(tmp_path / "ix", "s1", dim=DIM + 1) is None
    other = ExactIndex if isinstance(index, HnswIndex) else HnswIndex
    assert other.load(tmp_path / "ix", "s1") is None
    assert load(tmp_path / "ix", "s1") is not None


def _data_files(directory: Path) -> list[Path]:
    """The data files of a saved index (everything but the sidecar)."""
    return sorted(p for p in directory.iterdir() if p.name != "meta.json")


@pytest.mark.parametrize("damage", ["garbage", "same-size", "truncate", "sidecar", "no-sidecar", "delete"])
def test_load_corrupt_returns_none(index: VectorIndex, tmp_path: Path, damage: str) -> None:
    d = tmp_path / "ix"
    index.save(d, state="s")
    data = _data_files(d)[0]
    if damage == "garbage":
        data.write_bytes(b"\x93NUMPY not really" + bytes(data.stat().st_size - 17))
    elif damage == "same-size":  # a few bytes in the middle changed: same size, still a valid file
        raw = bytearray(data.read_bytes())
        mid = len(raw) // 2
        raw[mid : mid + 4] = bytes(b ^ 0x55 for b in raw[mid : mid + 4])
        data.write_bytes(bytes(raw))
    elif damage == "truncate":
        data.write_bytes(data.read_bytes()[: data.stat().st_size // 2])
    elif damage == "sidecar":
        (d / "meta.json").write_text("{not json")
    elif damage == "no-sidecar":
        (d / "meta.json").unlink()
    else:
        data.unlink()
    assert loader(index)(d, "s") is None


def test_sidecar_with_wrong_types_returns_none(index: VectorIndex, tmp_path: Path) -> None:
    d = tmp_path / "ix"
    index.save(d, state="s")
    meta = json.loads((d / "meta.json").read_text())
    (d / "meta.json").write_text(json.dumps({**meta, "count": "many"}))
    assert loader(index)(d, "s") is None
    (d / "meta.json").write_text(json.dumps({**meta, "surprise": 1}))
    assert loader(index)(d, "s") is None


def test_vectors_of_the_right_shape_are_not_trusted(unit_vectors, tmp_path: Path,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    """Random vectors written over vectors.npy (same shape, valid .npy) fail the checksum and are reported."""
    index = ExactIndex(DIM)
    index.add(np.arange(N), unit_vectors(N, DIM, seed=5))
    d = tmp_path / "ix"
    index.save(d, model_id="m", state="s")
    np.save(d / "vectors.npy", unit_vectors(N, DIM, seed=99))
    assert np.load(d / "vectors.npy").shape == (N, DIM)
    with caplog.at_level("WARNING"):
        assert ExactIndex.load(d, "s", model_id="m", dim=DIM) is None
    assert "vectors.npy checksum mismatch" in caplog.text and "rebuilt from the stored vectors" in caplog.text
