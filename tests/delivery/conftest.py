"""Fixtures: the real local arXiv look-alike and SMTP sink (tests/support/fakes.py), fast fetch settings."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest


def _fakes():
    name = "paperfeed_test_fakes"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).parents[1] / "support" / "fakes.py")
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return sys.modules[name]


@pytest.fixture
def fakes():
    """The tests/support/fakes.py module."""
    return _fakes()


@pytest.fixture
def arxiv(fakes) -> Iterator:
    """A running FakeArxiv on 127.0.0.1 with the sample records."""
    with fakes.FakeArxiv() as server:
        yield server


@pytest.fixture
def smtp(fakes) -> Iterator:
    """A running SMTP sink on 127.0.0.1 (no auth)."""
    with fakes.SmtpSink() as sink:
        yield sink


FAST_FETCH = "[fetch]\ndelay = 0.0\ntimeout = 1.0\nretries = 3\nbackoff = 0.05\n"


@pytest.fixture
def fast_config(paperfeed_home: Path) -> Path:
    """config.toml with test-speed fetch settings (no rate limit, short timeouts)."""
    path = paperfeed_home / "config.toml"
    path.write_text(FAST_FETCH, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def hashing_model(paperfeed_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The deterministic test embedder (the real model is not the point here)."""
    monkeypatch.setenv("PAPERFEED_MODEL", "test-hashing-64")
