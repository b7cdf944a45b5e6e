"""Published generations and the writer lock: writers never change what a reader is opening."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest

from paperfeed.index import ExactIndex, current_generation, current_index, open_index, writer_lock
from paperfeed.index.base import atomic_write, begin_save, save_array
from paperfeed.index.publish import LOCK_NAME, publish

DIM = 16


def _index(n: int, seed: int = 0) -> ExactIndex:
    rng = np.random.default_rng(seed)
    vecs = rng.standard_normal((n, DIM)).astype(np.float32)
    index = ExactIndex(DIM)
    index.add(np.arange(n), vecs / np.linalg.norm(vecs, axis=1, keepdims=True))
    return index


def test_a_save_leaves_another_writers_temporary_file_alone(tmp_path: Path) -> None:
    """The cause of issue 15's 500s: begin_save deleted every .*.tmp, including one still being written."""
    d = begin_save(tmp_path / "ix")

    def write_while_another_save_begins(tmp: Path) -> None:
        tmp.write_bytes(b"first writer's data")
        begin_save(d)  # a second writer starts in the same directory

    atomic_write(d / "ids.npy", write_while_another_save_begins)
    assert (d / "ids.npy").read_bytes() == b"first writer's data"


def test_publish_points_current_at_a_complete_new_generation(tmp_path: Path) -> None:
    d = tmp_path / "ix"
    with writer_lock(d):
        first = publish(d, _index(10), model_id="m", state="1")
        second = publish(d, _index(20), model_id="m", state="2")
    gen, meta = current_generation(d)
    assert gen == second != first and meta.count == 20 and meta.state == "2"
    assert (d / "CURRENT").read_text().strip() == second.name
    assert len(open_index(d, DIM, "m", "2")) == 20
    assert open_index(d, DIM, "m", "1") is None  # stale for that state
    assert len(open_index(d, DIM, "m", None)) == 20  # any state


def test_publish_keeps_one_generation_and_clears_leftovers(tmp_path: Path) -> None:
    d = tmp_path / "ix"
    d.mkdir()
    (d / ".tmp-crashed").mkdir()
    (d / ".tmp-crashed" / "vectors.npy").write_bytes(b"half")
    save_array(d / "vectors.npy", np.zeros((2, DIM), np.float32))  # the layout before generations
    (d / "meta.json").write_text("{}")
    with writer_lock(d):
        gens = [publish(d, _index(5, seed), model_id="m", state=str(seed)) for seed in range(4)]
    assert sorted(p.name for p in d.iterdir()) == sorted(["CURRENT", LOCK_NAME, gens[3].name])


def test_a_loaded_generation_outlives_its_files(tmp_path: Path) -> None:
    """Readers keep the generation they loaded: pruning its directory does not disturb them."""
    d = tmp_path / "ix"
    with writer_lock(d):
        publish(d, _index(30), model_id="m", state="1")
    reader = open_index(d, DIM, "m", "1")
    q = np.asarray(reader.query_many(np.eye(DIM, dtype=np.float32)[:1], 3))
    with writer_lock(d):
        for s in range(2, 5):
            publish(d, _index(7, s), model_id="m", state=str(s))
    assert np.array_equal(np.asarray(reader.query_many(np.eye(DIM, dtype=np.float32)[:1], 3)), q)


def test_readers_never_see_a_missing_index_while_processes_publish(tmp_path: Path) -> None:
    """Two real processes publish in turn; a reader opening the current generation always finds a whole one."""
    d = tmp_path / "ix"
    with writer_lock(d):
        publish(d, _index(100), model_id="m", state="0")
    script = textwrap.dedent(f"""
        import numpy as np
        from paperfeed.index import ExactIndex, writer_lock
        from paperfeed.index.publish import publish
        rng = np.random.default_rng()
        for i in range(25):
            n = int(rng.integers(50, 3000))
            index = ExactIndex({DIM})
            index.add(np.arange(n), rng.standard_normal((n, {DIM})).astype(np.float32))
            with writer_lock({str(d)!r}):
                publish({str(d)!r}, index, model_id="m", state=str(n))
    """)
    writers = [subprocess.Popen([sys.executable, "-c", script]) for _ in range(2)]
    opened, missing = 0, 0
    while any(w.poll() is None for w in writers):
        index = open_index(d, DIM, "m", None)
        if index is None:
            missing += 1
        else:
            opened += 1
            assert index.query(np.ones(DIM, np.float32), 1)
    assert [w.wait() for w in writers] == [0, 0]
    assert missing == 0 and opened > 0, (missing, opened)


def test_writer_lock_between_processes(tmp_path: Path) -> None:
    d = tmp_path / "ix"
    probe = textwrap.dedent(f"""
        from paperfeed.index import writer_lock
        with writer_lock({str(d)!r}, "probe", wait=False) as got:
            print("got" if got else "busy", flush=True)
        say = lambda holder: print("waiting for:", holder, flush=True)
        with writer_lock({str(d)!r}, "probe", wait=True, on_wait=say) as got:
            print("got it" if got else "no", flush=True)
    """)
    with writer_lock(d, "embed"):
        proc = subprocess.Popen([sys.executable, "-c", probe], stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "busy"
        assert proc.stdout.readline().startswith("waiting for: embed, pid ")
        assert proc.poll() is None  # blocked until we let go
    assert proc.communicate(timeout=60)[0].strip() == "got it"
    with writer_lock(d, "after", wait=False) as got:
        assert got


def test_writer_lock_is_reentrant_for_its_thread_only(tmp_path: Path) -> None:
    d = tmp_path / "ix"
    seen: list[bool] = []
    with writer_lock(d) as outer, writer_lock(d, wait=False) as inner:
        assert outer and inner
        t = threading.Thread(target=lambda: seen.append(writer_lock(d, wait=False).__enter__()))
        t.start()
        t.join()
    assert seen == [False]


def test_current_index_serves_the_published_generation_while_another_writes(tmp_path: Path) -> None:
    d = tmp_path / "ix"
    built: list[int] = []

    def source() -> tuple[np.ndarray, np.ndarray]:
        built.append(1)
        index = _index(40)
        return index.ids(), index._vecs[: len(index)]

    first = current_index(d, DIM, "m", "1", source)
    assert built == [1] and first.generation is not None
    busy, step, published, release = (threading.Event() for _ in range(4))

    def other_writer() -> None:  # an embedding run: holds the lock, publishes once, goes on
        with writer_lock(d, "embed"):
            busy.set()
            step.wait(30)
            publish(d, _index(60), model_id="m", state="3")
            published.set()
            release.wait(30)

    t = threading.Thread(target=other_writer)
    t.start()
    busy.wait(30)
    stale = current_index(d, DIM, "m", "2", source, held=first)
    assert stale is first and built == [1]  # no rebuild, no wait: the reader goes on with what it has
    step.set()
    published.wait(30)
    newer = current_index(d, DIM, "m", "4", source, held=stale)
    assert len(newer.index) == 60 and newer.state == "3"  # the newer publication, though stale for "4"
    release.set()
    t.join()
    assert current_index(d, DIM, "m", "3", source, held=newer).index is not None
    assert built == [1]
    rebuilt = current_index(d, DIM, "m", "5", source, held=newer)  # nobody writes now: rebuilt for "5"
    assert built == [1, 1] and rebuilt.state == "5" and rebuilt.generation != newer.generation


@pytest.mark.parametrize("published", [True, False])
def test_current_index_rebuilds_a_damaged_generation(tmp_path: Path, published: bool,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    d = tmp_path / "ix"
    good = _index(50)
    source = lambda: (good.ids(), good._vecs[: len(good)])  # noqa: E731
    first = current_index(d, DIM, "m", "1", source)
    first_gen = current_generation(d)[0]
    np.save(first_gen / "vectors.npy", _index(50, seed=9)._vecs[:50])
    if not published:
        (first_gen / "meta.json").unlink()
    with caplog.at_level("WARNING"):
        again = current_index(d, DIM, "m", "1", source)
    assert again.generation != first.generation
    assert ("checksum mismatch" in caplog.text) is published
    assert np.array_equal(again.index.query_many(good._vecs[:3], 1), good.query_many(good._vecs[:3], 1))


def test_a_reader_that_cannot_take_the_lock_still_gets_an_index(tmp_path: Path) -> None:
    """A folder it cannot write (here: the lock file's name taken by a folder) does not fail a reader."""
    d = tmp_path / "ix"
    good = _index(30)
    source = lambda: (good.ids(), good._vecs[: len(good)])  # noqa: E731
    (d / LOCK_NAME).mkdir(parents=True)
    opened = current_index(d, DIM, "m", "1", source)
    assert len(opened.index) == 30 and opened.generation is None  # built in memory, not saved
    with pytest.raises(OSError), writer_lock(d, wait=True):  # a writer that must wait says why it cannot
        pass
