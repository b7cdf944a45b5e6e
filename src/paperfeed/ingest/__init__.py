"""Parsers for every listing format, and the pipeline that feeds them into a store."""

from __future__ import annotations

import importlib

from paperfeed.errors import PaperfeedError
from paperfeed.ingest.base import Parser

_PARSERS = {
    "jsonl": ("paperfeed.ingest.jsonl", "parse"),
    "json": ("paperfeed.ingest.jsonl", "parse_array"),
    "bibtex": ("paperfeed.ingest.bibtex", "parse"),
    "atom": ("paperfeed.ingest.arxiv_atom", "parse"),
    "oai": ("paperfeed.ingest.oai", "parse"),
    "csv": ("paperfeed.ingest.csvfile", "parse"),
    "tsv": ("paperfeed.ingest.csvfile", "parse"),
    "text": ("paperfeed.ingest.pasted", "parse"),
}
"""Format name -> (module, function), imported on first use (the CLI starts without lxml or bibtexparser)."""
FORMATS = tuple(_PARSERS)
"""The input formats (``ingest --format``; detect.py returns one of them)."""


def get_parser(fmt: str) -> Parser:
    """The parse function for a format name."""
    if fmt not in _PARSERS:
        raise PaperfeedError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    module, func = _PARSERS[fmt]
    return getattr(importlib.import_module(module), func)
