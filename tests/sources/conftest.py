"""Fixtures of this folder; the servers (fakes, arxiv, smtp, fast_config) live in tests/conftest.py."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def hashing_model(paperfeed_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The deterministic test embedder (the real model is not the point here)."""
    monkeypatch.setenv("PAPERFEED_MODEL", "test-hashing-64")
