"""How many records an input file holds, counted from its bytes without parsing: the total that
gives ingest's progress bar its ETA. An estimate (a marker inside a quoted field counts too), about
a second per 300 MB; None where a format has no marker (pasted text) or the input is stdin."""

from __future__ import annotations

import re

from paperfeed.ingest.reader import byte_chunks

_LINE = re.compile(rb"\n")
_MARKERS: dict[str, tuple[re.Pattern[bytes], bytes]] = {
    "jsonl": (_LINE, b"\n"),
    "csv": (_LINE, b"\n"),
    "tsv": (_LINE, b"\n"),
    "json": (re.compile(rb'"title"\s*:'), b","),
    # bibtex._ENTRY_START, less the blocks that are not entries
    "bibtex": (re.compile(rb"(?m)^[ \t]*@[ \t]*(?!(?i:string|comment|preamble)[ \t]*[{(])[A-Za-z][\w-]*[ \t]*[{(]"),
               b"\n"),
    "atom": (re.compile(rb"<(?:[\w.-]+:)?entry[\s>]"), b"<"),
    "oai": (re.compile(rb"<(?:[\w.-]+:)?record[\s>]"), b"<"),
}
"""Format -> (what starts one record, a byte before which a chunk may be cut without splitting one)."""


_MAX_CARRY = 16 << 20
"""Bytes without a place to cut (one huge line) that are carried to the next chunk before counting anyway."""


def count_records(path: str, fmt: str, chunk: int = 1 << 20) -> int | None:
    """Records in ``path`` read as ``fmt`` (a gzip file is counted gunzipped), or None if unknown."""
    if path == "-" or fmt not in _MARKERS:
        return None
    marker, cut_at = _MARKERS[fmt]
    n, rest, last = 0, b"", b""
    for block in byte_chunks(path, chunk):
        buf, last = rest + block, block[-1:]
        cut = buf.rfind(cut_at)
        if cut <= 0 and len(buf) < _MAX_CARRY:
            rest = buf
            continue
        cut = cut if cut > 0 else len(buf)
        n += len(marker.findall(buf, 0, cut))
        rest = buf[cut:]
    n += len(marker.findall(rest))
    if marker is _LINE:
        n += bool(last) and last != b"\n"  # a last line without its newline
        if fmt in ("csv", "tsv"):
            n -= 1  # the header
    return max(n, 0)
