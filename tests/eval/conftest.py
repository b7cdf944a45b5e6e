"""Fixtures shared by the evaluation tests."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from paperfeed.eval.corpus import Doc


@pytest.fixture
def docs(data_file: Callable[[str], Path]) -> list[Doc]:
    """The first 3,000 records of one daily-listing file (skipped, with the reason, when it is missing)."""
    out = []
    with gzip.open(data_file("arxiv-cs-daily-dwdengwei.jsonl.gz"), "rb") as f:
        for line in f:
            o = orjson.loads(line)
            out.append(Doc(o["id"] or "", o["title"], o["abstract"], tuple(o["authors"]), tuple(o["categories"]),
                           o["date"]))
            if len(out) == 3000:
                break
    return out
