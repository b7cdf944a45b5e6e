"""Fixtures shared by every test: an isolated PAPERFEED_HOME, a fresh store, a Library, shared data.

Test modules should use the fixtures (``store``, ``lib``, ``shared_data``, ``data_file``) rather than
``from conftest import ...``: tests/ has no __init__.py files, so another directory's conftest.py
can shadow this module's name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from paperfeed.config import load_settings
from paperfeed.library import Library
from paperfeed.store.base import Store, open_store
from paperfeed.store.sqlite import SqliteStore

DATA = (Path(__file__).parents[1] / ".." / "shared" / "data").resolve()


def requires_data(name: str) -> pytest.MarkDecorator:
    """A skipif mark for tests that need ``shared/data/<name>``."""
    return pytest.mark.skipif(not (DATA / name).is_file(), reason=f"shared data file {name} is not present")


@pytest.fixture(autouse=True)
def paperfeed_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own PAPERFEED_HOME; PAPERFEED_DB, _MODEL and _MPNET_DIR from outside are cleared."""
    home = tmp_path / "paperfeed-home"
    home.mkdir()
    monkeypatch.setenv("PAPERFEED_HOME", str(home))
    monkeypatch.delenv("PAPERFEED_DB", raising=False)
    monkeypatch.delenv("PAPERFEED_MODEL", raising=False)
    monkeypatch.delenv("PAPERFEED_MPNET_DIR", raising=False)
    return home


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    """A fresh, migrated SqliteStore in the test's temporary directory."""
    s = SqliteStore(tmp_path / "store.db")
    yield s
    s.close()


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[Library]:
    """A Library on a fresh database file in the test's temporary directory."""
    library = Library(load_settings(tmp_path / "lib.db"))
    yield library
    library.close()


@pytest.fixture(scope="session")
def pg_server() -> str:
    """URL of a real PostgreSQL + pgvector (tests/support/pg.py): $PAPERFEED_TEST_PG or a private server."""
    from support import pg

    return pg.base_url()


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database of this test's own (dropped afterwards)."""
    from support import pg

    url = pg.create_database(pg_server)
    yield url
    pg.drop_database(pg_server, url)


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh library on each backend: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "lib.db")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def any_store(store_url: str) -> Iterator[Store]:
    """A fresh store on each backend (the store contract tests use it)."""
    s = open_store(store_url)
    yield s
    s.close()


@pytest.fixture
def any_lib(store_url: str) -> Iterator[Library]:
    """A Library on a fresh store of each backend."""
    library = Library(load_settings(store_url))
    yield library
    library.close()


@pytest.fixture
def shared_data() -> Path:
    """The shared data directory (may not exist on every machine)."""
    return DATA


@pytest.fixture
def data_file() -> Callable[[str], Path]:
    """``data_file(name)``: the path of a shared data file, or skip the test when it is missing."""

    def get(name: str) -> Path:
        path = DATA / name
        if not path.is_file():
            pytest.skip(f"shared data file {name} is not present")
        return path

    return get


@pytest.fixture
def hashing_embedder():
    """The deterministic hashing embedder (no model files)."""
    from paperfeed.embed.hashing import HashingEmbedder

    return HashingEmbedder(dim=64)


# ---- real local servers for network and email code (tests/support/fakes.py) ----

@pytest.fixture
def fakes():
    """The tests/support/fakes.py module (real local servers: arXiv look-alike, SMTP sink)."""
    from support import fakes as module

    return module


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
