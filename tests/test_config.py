"""Settings: a store URL apart from the home folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from paperfeed.config import load_settings
from paperfeed.errors import PaperfeedError


def test_server_url_stays_a_url_and_home_is_paperfeed_home(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PAPERFEED_HOME", str(tmp_path / "home"))
    s = load_settings("postgresql://alice:secret@db.example:5432/papers")
    assert s.store_url == "postgresql://alice:secret@db.example:5432/papers"
    assert s.is_server and s.home == tmp_path / "home"
    assert s.index_dir == tmp_path / "home" / "index"
    assert "secret" not in s.store_url_shown and "alice" in s.store_url_shown
    with pytest.raises(PaperfeedError, match="no library file"):
        _ = s.db_path


def test_sqlite_forms(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("PAPERFEED_HOME", raising=False)
    for given in (str(tmp_path / "lib.db"), f"sqlite:///{tmp_path / 'lib.db'}"):
        s = load_settings(given)
        assert not s.is_server and s.db_path == tmp_path / "lib.db" and s.home == tmp_path
        assert s.index_dir == tmp_path / "lib-index"


def test_env_url(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PAPERFEED_HOME", str(tmp_path))
    monkeypatch.setenv("PAPERFEED_DB", "postgres://u@h/db")
    assert load_settings().store_url == "postgres://u@h/db"


def test_library_config_is_read_again_only_when_the_file_changes(lib) -> None:
    """Library.config() parses config.toml once and again after each change (by `config set` or by hand)."""
    from paperfeed.config_file import config_path, set_value

    first = lib.config()
    assert lib.config() is first and first.get("feed.days") == 7
    set_value(lib.settings.home, "feed.days", "3")
    assert lib.config().get("feed.days") == 3
    assert lib.config() is lib.config()
    path = config_path(lib.settings.home)
    path.write_text(path.read_text(encoding="utf-8").replace("3", "12"), encoding="utf-8")
    assert lib.config().get("feed.days") == 12
    path.unlink()
    assert lib.config().get("feed.days") == 7
