"""Settings: where the library lives. Built by load_settings(); nothing happens at import."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def default_home() -> Path:
    """$PAPERFEED_HOME, else the XDG data directory."""
    env = os.environ.get("PAPERFEED_HOME")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "paperfeed"


@dataclass(frozen=True)
class Settings:
    """Paths and defaults every front end shares."""

    home: Path
    db_path: Path
    model_id: str | None = None

    @property
    def index_dir(self) -> Path:
        """Where vector indexes are persisted."""
        return self.db_path.parent / f"{self.db_path.stem}-index"


def load_settings(db: str | os.PathLike | None = None, model_id: str | None = None) -> Settings:
    """Settings from --db, $PAPERFEED_DB, $PAPERFEED_HOME or the XDG default, in that order."""
    db = db or os.environ.get("PAPERFEED_DB")
    if db:
        db_path = Path(db).expanduser()
        home = db_path.parent if not os.environ.get("PAPERFEED_HOME") else default_home()
    else:
        home = default_home()
        db_path = home / "library.db"
    return Settings(home=home, db_path=db_path, model_id=model_id or os.environ.get("PAPERFEED_MODEL"))
