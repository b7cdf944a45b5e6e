"""Fixtures shared by the feed tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_feed import CORPUS, as_jsonl, open_lib

from paperfeed.library import Library


@pytest.fixture
def feed_lib(tmp_path: Path) -> Iterator[Library]:
    """test_feed's hand-written three-topic library, ingested and embedded with the hashing model."""
    path = tmp_path / "corpus.jsonl"
    path.write_text(as_jsonl(CORPUS), encoding="utf-8")
    library = open_lib(tmp_path)
    library.ingest([str(path)])
    library.embed_pending()
    yield library
    library.close()
