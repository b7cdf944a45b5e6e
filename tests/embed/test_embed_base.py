"""paper_text and the models cache location."""

from __future__ import annotations

from pathlib import Path

import pytest

from paperfeed.embed import models_cache_dir, paper_text


def test_paper_text_joins_title_and_abstract() -> None:
    assert paper_text("Deep  Nets", "We   train\n nets.") == "Deep Nets. We train nets."


def test_paper_text_keeps_question_mark_titles() -> None:
    assert paper_text("Is attention all you need?", "Maybe.") == "Is attention all you need? Maybe."


def test_paper_text_handles_missing_parts() -> None:
    assert paper_text("  Title only ", "") == "Title only"
    assert paper_text("", " abstract\tonly ") == "abstract only"


def test_cache_dir_prefers_paperfeed_models_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PAPERFEED_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert models_cache_dir() == tmp_path / "models"


def test_cache_dir_is_shared_across_libraries(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PAPERFEED_MODELS_DIR", raising=False)
    monkeypatch.setenv("PAPERFEED_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert models_cache_dir() == tmp_path / "xdg" / "paperfeed" / "models"


def test_cache_dir_uses_xdg_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PAPERFEED_MODELS_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert models_cache_dir() == tmp_path / "xdg" / "paperfeed" / "models"


def test_cache_dir_falls_back_to_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PAPERFEED_HOME", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert models_cache_dir() == tmp_path / ".cache" / "paperfeed" / "models"
