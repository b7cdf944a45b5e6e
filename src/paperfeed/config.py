"""Settings: where the library lives. Built by load_settings(); nothing happens at import."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from paperfeed.errors import PaperfeedError

SERVER_SCHEMES = ("postgresql://", "postgres://")


def default_home() -> Path:
    """$PAPERFEED_HOME, else the XDG data directory."""
    env = os.environ.get("PAPERFEED_HOME")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "paperfeed"


def is_server_url(url: str | os.PathLike) -> bool:
    """Whether a --db value names a database server (PostgreSQL) rather than a SQLite file."""
    return str(url).startswith(SERVER_SCHEMES)


def sqlite_path(url: str | os.PathLike) -> Path:
    """The file of a SQLite store given as a path or ``sqlite:///path``."""
    s = str(url)
    return Path(s.removeprefix("sqlite:///") if s.startswith("sqlite:///") else s).expanduser()


@dataclass(frozen=True)
class Settings:
    """Where the store is (``store_url``: a SQLite path, ``sqlite:///path`` or ``postgresql://...``) and the
    home folder where config.toml, caches and file indexes live."""

    home: Path
    store_url: str
    model_id: str | None = None

    @property
    def is_server(self) -> bool:
        """Whether the store is a database server (several processes and machines share it)."""
        return is_server_url(self.store_url)

    @property
    def db_path(self) -> Path:
        """The SQLite file (a PaperfeedError for a server store)."""
        if self.is_server:
            raise PaperfeedError(f"{self.store_url_shown}: a database server has no library file")
        return sqlite_path(self.store_url)

    @property
    def store_url_shown(self) -> str:
        """The store URL with any password masked (for messages)."""
        if not self.is_server:
            return str(self.db_path)
        from urllib.parse import urlsplit, urlunsplit

        u = urlsplit(self.store_url)
        if u.password:
            u = u._replace(netloc=u.netloc.replace(f":{u.password}@", ":***@"))
        return urlunsplit(u)

    @property
    def index_dir(self) -> Path:
        """Where file indexes (vector index of a SQLite library, lexical rows, topic maps) are persisted."""
        if self.is_server:
            return self.home / "index"
        return self.db_path.parent / f"{self.db_path.stem}-index"


def _configured_store() -> str | None:
    """store.url of config.toml in the home folder (`paperfeed config set store.url postgresql://...`)."""
    path = default_home() / "config.toml"
    if not path.is_file():
        return None
    from paperfeed.config_file import load_config

    return load_config(default_home()).get("store.url") or None


def load_settings(db: str | os.PathLike | None = None, model_id: str | None = None) -> Settings:
    """Settings from --db, $PAPERFEED_DB, store.url of config.toml, $PAPERFEED_HOME or the XDG default,
    in that order.

    A server URL never becomes a path: its home is $PAPERFEED_HOME (or the XDG default). A SQLite
    path's home is its folder unless $PAPERFEED_HOME is set."""
    db = db or os.environ.get("PAPERFEED_DB") or _configured_store()
    model_id = model_id or os.environ.get("PAPERFEED_MODEL")
    if db and is_server_url(db):
        return Settings(home=default_home(), store_url=str(db), model_id=model_id)
    if db:
        db_path = sqlite_path(db)
        home = db_path.parent if not os.environ.get("PAPERFEED_HOME") else default_home()
    else:
        home = default_home()
        db_path = home / "library.db"
    return Settings(home=home, store_url=str(db_path), model_id=model_id)
