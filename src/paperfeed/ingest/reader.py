"""Opening inputs: files or stdin, gzip or plain, decoded as UTF-8, with a head for detection."""

from __future__ import annotations

import gzip
import io
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from isal import igzip, isal_zlib

from paperfeed.errors import InputError

HEAD_BYTES = 65536


@dataclass
class Opened:
    """An input ready to parse: its name, first chunk of text and a line iterator."""

    name: str
    head: str
    lines: Iterator[str]
    handles: tuple[IO[bytes], ...] = ()

    def close(self) -> None:
        """Close the input without reading it to the end (stdin is left open)."""
        _close(self.handles)


def _raw_stream(path: str) -> tuple[IO[bytes], str]:
    if path == "-":
        return sys.stdin.buffer, "<stdin>"
    p = Path(path)
    if not p.exists():
        raise InputError(path, None, "no such file")
    if p.is_dir():
        raise InputError(path, None, "is a directory")
    try:
        return p.open("rb"), path
    except OSError as e:
        raise InputError(path, None, f"cannot open: {e.strerror}") from None


def _open_stream(path: str) -> tuple[IO[bytes], str, tuple[IO[bytes], ...]]:
    """``path`` ('-' for stdin) as a buffered byte stream, gunzipped if it is gzip; its name; what to close."""
    raw, name = _raw_stream(path)
    handles: tuple[IO[bytes], ...] = () if raw is sys.stdin.buffer else (raw,)
    try:
        buffered = io.BufferedReader(raw) if not isinstance(raw, io.BufferedReader) else raw  # type: ignore[type-var]
        magic = buffered.peek(2)[:2]
        # isal's gzip reader is a drop-in GzipFile about 3x faster than the standard library's
        stream: IO[bytes] = igzip.IGzipFile(fileobj=buffered) if magic == b"\x1f\x8b" else buffered  # type: ignore[assignment]
        stream = io.BufferedReader(stream) if not isinstance(stream, io.BufferedReader) else stream  # type: ignore[type-var]
    except BaseException:
        _close(handles)
        raise
    if stream is not sys.stdin.buffer:  # a gzip reader does not close the file it reads: close both
        handles = (stream, *handles)
    return stream, name, handles


def open_input(path: str) -> Opened:
    """Open ``path`` ('-' for stdin), transparently gunzipping, and peek at its head."""
    stream, name, handles = _open_stream(path)
    try:
        try:
            head_bytes = stream.peek(HEAD_BYTES)[:HEAD_BYTES]  # type: ignore[attr-defined]
        except (OSError, EOFError, zlib.error, isal_zlib.error) as e:  # type: ignore[misc]  # isal_zlib.error is an exception
            raise InputError(name, None, f"cannot read compressed data: {e}") from None
        if b"\x00" in head_bytes[:4096]:
            raise InputError(name, None, "binary data, not a paper listing")
    except BaseException:
        _close(handles)
        raise
    head = head_bytes.decode("utf-8", errors="ignore").lstrip("\ufeff")
    return Opened(name, head, _lines(stream, name, handles), handles)


def byte_chunks(path: str, size: int = 1 << 20) -> Iterator[bytes]:
    """The bytes of a file (gunzipped if it is gzip) in chunks of ``size``; not for stdin."""
    stream, _, handles = _open_stream(path)
    try:
        while chunk := stream.read(size):
            yield chunk
    finally:
        _close(handles)


def _close(handles: tuple[IO[bytes], ...]) -> None:
    for h in handles:
        h.close()


def _lines(stream: IO[bytes], name: str, handles: tuple[IO[bytes], ...]) -> Iterator[str]:
    """Decoded lines; unreadable bytes or a truncated gzip become an InputError with the line."""
    n = 0
    try:
        for n, raw in enumerate(stream, 1):  # noqa: B007 - n is reported on error
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise InputError(name, n, f"not UTF-8 text (byte {e.start})") from None
            if n == 1:
                line = line.lstrip("\ufeff")
            yield line
    except (EOFError, zlib.error, isal_zlib.error, gzip.BadGzipFile) as e:  # type: ignore[misc]
        raise InputError(name, n + 1, f"truncated or corrupt compressed file ({e})") from None
    finally:
        _close(handles)
