"""Reading, parsing and normalising a big JSON Lines file in a second process while this one writes.

The writer (SQLite, FTS5) and the Python half of ingest each take about half the time of a fresh
ingest, and threads cannot overlap them (the GIL hand-offs around every SQLite step stall both).
A separate process can. It is used only for a file from a source the library has not seen yet:
re-ingest skips known lines unparsed, which is faster still, in one process.

The worker is ``python -m paperfeed.ingest.worker FILE FORMAT SOURCE BATCH``. It writes pickled messages
to its stdout, in file order: ("batch", [Rejected | Prepared, ...]) ..., then ("done",), or
("error", file, line, reason) for an unreadable file, or ("crash", traceback) for a bug.
If the writer dies, the worker's next write fails on the broken pipe and it exits.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import signal
import subprocess
import sys
import traceback
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import BinaryIO

from paperfeed import normalize
from paperfeed.errors import InputError, PaperfeedError
from paperfeed.models import Note, Paper, Parsed, Rejected
from paperfeed.store.rows import PaperRow, paper_row

MIN_BYTES = 4 << 20  # smaller files are done in-process: starting the worker costs ~0.2 s


@dataclass(frozen=True)
class Prepared:
    """A normalised paper with its line, its raw record's (key, hash) and its store row."""

    line: int
    paper: Paper
    ident: tuple[str, str]
    row: PaperRow  # the columns it is stored with, computed here to spare the writer
    cuts: tuple[str, ...] = ()  # fields cut to their length limits (normalize.LIMITS)


def line_hash(line: str) -> str:
    """Hash of one JSON Lines record, as stored to recognise it unparsed on re-ingest."""
    return hashlib.blake2b(line.rstrip("\r\n").encode(), digest_size=12).hexdigest()


def worth_it(path: str, fmt: str) -> bool:
    """Whether ``path`` is a JSON Lines file big enough, on a machine with a core to spare."""
    if fmt != "jsonl" or path == "-" or (os.cpu_count() or 1) < 2:
        return False
    try:
        return os.path.getsize(path) >= MIN_BYTES
    except OSError:
        return False


def prepared_batches(path: str, fmt: str, source: str, batch: int) -> Generator[list[Rejected | Note | Prepared]]:
    """Batches of the file's records, read, parsed and normalised by a worker process."""
    import paperfeed

    root = os.path.dirname(os.path.dirname(os.path.abspath(paperfeed.__file__)))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (root, os.environ.get("PYTHONPATH"))))}
    proc = subprocess.Popen(  # a plain child process: nothing of the caller's __main__ is re-imported
        [sys.executable, "-m", "paperfeed.ingest.worker", path, fmt, source, str(batch)],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, env=env,
    )
    assert proc.stdout is not None
    try:
        while True:
            try:
                msg = pickle.load(proc.stdout)
            except EOFError:
                raise PaperfeedError(f"{path}: the parsing process ended unexpectedly") from None
            if msg[0] == "batch":
                yield msg[1]
            elif msg[0] == "done":
                return
            elif msg[0] == "error":
                raise InputError(*msg[1:])
            else:
                raise RuntimeError(f"parsing {path} failed in the worker process:\n{msg[1]}")
    finally:
        proc.stdout.close()  # a worker still writing gets a broken pipe and stops
        if proc.poll() is None:
            proc.terminate()
        proc.wait()


def _hashed(lines: Iterable[str], hashes: dict[int, str]) -> Iterator[str]:
    for n, line in enumerate(lines, 1):
        if line.strip():
            hashes[n] = line_hash(line)
        yield line


def _produce(path: str, fmt: str, source: str, batch: int, out: BinaryIO) -> None:
    """Worker process: parse and normalise ``path``, sending pickled batches down ``out``."""
    from paperfeed.ingest import get_parser
    from paperfeed.ingest.reader import open_input

    def send(msg: tuple) -> None:
        pickle.dump(msg, out, protocol=pickle.HIGHEST_PROTOCOL)
        out.flush()

    try:
        opened = open_input(path)
        hashes: dict[int, str] = {}
        items: list[Rejected | Note | Prepared] = []
        for rec in get_parser(fmt)(_hashed(opened.lines, hashes), opened.name):
            h = hashes.pop(rec.line, "")
            if isinstance(rec, Parsed):
                key, _ = normalize.record_identity(rec.paper, rec.key)
                paper, cuts = normalize.normalize_paper_cut(rec.paper)
                paper = replace(paper, sources=(source,))  # as the store would
                items.append(Prepared(rec.line, paper, (key, h), paper_row(paper), cuts))
            else:
                items.append(rec)
            if len(items) >= batch:
                send(("batch", items))
                items = []
        if items:
            send(("batch", items))
        send(("done",))
    except InputError as e:
        send(("error", e.source, e.line, e.reason))
    except Exception:  # noqa: BLE001 - a parser bug: hand the traceback to the writer
        send(("crash", traceback.format_exc()))


if __name__ == "__main__":
    from paperfeed.ingest.worker import _produce as produce  # pickles name paperfeed's classes, not __main__'s

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the writer's to handle; it stops us
    try:
        produce(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.stdout.buffer)
    except BrokenPipeError:  # the writer is gone (killed, or stopped early): nothing left to do
        os._exit(0)
