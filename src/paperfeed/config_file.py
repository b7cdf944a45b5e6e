"""config.toml in the data directory: what to fetch, where to send digests, how to reach SMTP.

The file is the single source of truth for profile email addresses (``profiles.NAME.email``);
the ``profiles.email`` column of the library is a read-only mirror refreshed by ``config set`` and
``daily`` so that ``profile list`` can show it. The SMTP password is never stored: it comes from
the environment variable PAPERFEED_SMTP_PASSWORD.
"""

from __future__ import annotations

import os
import re
import tempfile
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from paperfeed.errors import PaperfeedError

FILE_NAME = "config.toml"
PASSWORD_ENV = "PAPERFEED_SMTP_PASSWORD"
TLS_MODES = ("none", "starttls", "ssl")
FETCH_METHODS = ("oai", "api")
_CATEGORY = re.compile(r"^[a-z][a-z-]*(\.[A-Za-z-]+)?$")
_EMAIL = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")
_LOCAL_EMAIL = re.compile(r"^[^@\s<>,;\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})$")
"""A sender on a local relay: ``paperfeed@localhost`` or ``paperfeed@labserver`` (one host label)."""


class ConfigError(PaperfeedError):
    """A config.toml that cannot be read, or a key or value that is not valid."""


def _url(v: str) -> str:
    parts = urlsplit(v)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("expected an http(s) URL")
    return v.rstrip("/")


def _email(v: str) -> str:
    if not _EMAIL.match(v):
        raise ValueError("expected an email address like jane@example.org")
    return v


def _sender(v: str) -> str:
    if not (_EMAIL.match(v) or _LOCAL_EMAIL.match(v)):
        raise ValueError("expected an email address like paperfeed@example.org or paperfeed@localhost")
    return v


def _categories(v: str | list) -> list[str]:
    items = v if isinstance(v, list) else re.split(r"[\s,]+", v.strip())
    cats = [str(c).strip() for c in items if str(c).strip()]
    bad = [c for c in cats if not _CATEGORY.match(c)]
    if bad:
        raise ValueError(f"not an arXiv category: {', '.join(bad)} (e.g. cs.LG)")
    return list(dict.fromkeys(cats))


def _choice(options: tuple[str, ...]) -> Callable[[str], str]:
    def check(v: str) -> str:
        if v not in options:
            raise ValueError(f"expected one of {', '.join(options)}")
        return v
    return check


def _number(kind: type, lo: float, hi: float) -> Callable[[Any], Any]:
    def check(v: Any) -> Any:
        try:
            n = kind(v)
        except (TypeError, ValueError):
            raise ValueError(f"expected a {'whole ' if kind is int else ''}number") from None
        if isinstance(v, bool) or not lo <= n <= hi:
            raise ValueError(f"expected a number from {lo:g} to {hi:g}")
        return n
    return check


def _text(v: Any) -> str:
    s = str(v)
    if any(c in s for c in "\r\n\x00"):
        raise ValueError("line breaks are not allowed")
    return s


def _store_url(v: Any) -> str:
    s = _text(v)
    if s.startswith(("postgresql://", "postgres://")):
        from urllib.parse import urlsplit

        if urlsplit(s).password:
            raise ValueError("no password in config.toml: use PGPASSWORD or ~/.pgpass")
    return s


# key -> (validator, default)
KEYS: dict[str, tuple[Callable[[Any], Any], Any]] = {
    "fetch.categories": (_categories, []),
    "fetch.method": (_choice(FETCH_METHODS), "oai"),
    "fetch.api_url": (_url, "https://export.arxiv.org/api/query"),
    "fetch.oai_url": (_url, "https://oaipmh.arxiv.org/oai"),
    "fetch.delay": (_number(float, 0, 600), 3.0),
    "fetch.timeout": (_number(float, 0.01, 600), 30.0),
    "fetch.retries": (_number(int, 0, 20), 5),
    "fetch.backoff": (_number(float, 0, 600), 2.0),
    "fetch.first_days": (_number(int, 1, 3650), 3),
    "fetch.page_size": (_number(int, 1, 2000), 100),
    "fetch.contact": (_text, ""),  # an email address for the User-Agent (the services' polite pools)
    "fetch.orcid_url": (_url, "https://pub.orcid.org/v3.0"),
    "fetch.openalex_url": (_url, "https://api.openalex.org"),
    "fetch.semantic_scholar_url": (_url, "https://api.semanticscholar.org/graph/v1"),
    "fetch.dblp_url": (_url, "https://dblp.org"),
    "digest.limit": (_number(int, 1, 500), 20),
    "digest.days": (_number(int, 1, 3650), 7),
    "feed.days": (_number(int, 1, 36500), 7),
    "feed.rerank_model": (_text, ""),  # a second-tier model id (rank/rerank.py); empty = one tier
    "feed.rerank_top": (_number(int, 1, 1000), 50),
    "feed.rerank_weight": (_number(float, 0, 100), 1.0),
    "similar.rerank_model": (_text, ""),  # a second-tier model id whose cosine `similar` re-ranks with; empty = off
    "smtp.host": (_text, "localhost"),
    "smtp.port": (_number(int, 1, 65535), 25),
    "smtp.tls": (_choice(TLS_MODES), "starttls"),
    "smtp.user": (_text, ""),
    "smtp.from": (_sender, ""),
    "smtp.timeout": (_number(float, 0.1, 600), 30.0),
    "smtp.cafile": (_text, ""),
    "web.base_url": (lambda v: _url(v) if v else "", ""),
    "store.url": (_store_url, ""),
}
SECRET_WORDS = ("password", "secret", "token")
_PROFILE_KEY = re.compile(r"^profiles\.(?P<name>.+)\.email$")


@dataclass(frozen=True)
class Config:
    """The parsed config.toml: known keys with defaults filled in, and profile emails."""

    values: dict[str, Any]
    emails: dict[str, str]
    path: Path

    def get(self, key: str) -> Any:
        """The value of a known key (its default when unset)."""
        return self.values[key]

    def smtp_password(self) -> str | None:
        """The SMTP password, from the environment only."""
        return os.environ.get(PASSWORD_ENV) or None


def config_path(home: Path) -> Path:
    """Where config.toml lives for a data directory."""
    return Path(home) / FILE_NAME


def _read_raw(path: Path) -> dict:
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: not valid TOML ({e})") from None


def _flatten(raw: dict, path: Path) -> dict[str, Any]:
    """Dotted keys for everything but the profiles table."""
    flat: dict[str, Any] = {}
    for section, table in raw.items():
        if section == "profiles":
            continue
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: unknown key {section!r}")
        for name, value in table.items():
            flat[f"{section}.{name}"] = value
    return flat


def load_config(home: Path) -> Config:
    """Read and validate config.toml (a missing file means all defaults)."""
    path = config_path(home)
    raw = _read_raw(path)
    values = {k: default for k, (_, default) in KEYS.items()}
    for key, value in _flatten(raw, path).items():
        values[key] = _validate(key, value, path)
    emails = {}
    for name, table in (raw.get("profiles") or {}).items():
        if not isinstance(table, dict) or set(table) - {"email"}:
            raise ConfigError(f"{path}: profiles.{name} may only have an email")
        if "email" in table:
            emails[name] = _validate(f"profiles.{name}.email", table["email"], path)
    return Config(values, emails, path)


def _validate(key: str, value: Any, where: Path | str = "config") -> Any:
    if any(w in key.lower() for w in SECRET_WORDS):
        raise ConfigError(f"{where}: {key} must not be stored in config.toml; set {PASSWORD_ENV} instead")
    check: Callable[[Any], Any]
    if _PROFILE_KEY.match(key):
        check = _email
    elif key in KEYS:
        check = KEYS[key][0]
    else:
        raise ConfigError(f"{where}: unknown key {key!r} (known: {', '.join(KEYS)}, profiles.NAME.email)")
    try:
        return check(value)
    except ValueError as e:
        raise ConfigError(f"{where}: bad value for {key}: {value!r}: {e}") from None


def parse_value(key: str, text: str) -> Any:
    """Validate a value given on the command line for ``key``."""
    return _validate(key, text, "config set")


def _slot(raw: dict, key: str) -> tuple[dict, str]:
    """The table holding ``key`` in the raw TOML (created if missing) and the field name in it."""
    m = _PROFILE_KEY.match(key)
    if m:
        return raw.setdefault("profiles", {}).setdefault(m.group("name"), {}), "email"
    section, name = key.split(".", 1)
    return raw.setdefault(section, {}), name


def set_value(home: Path, key: str, text: str) -> Any:
    """Validate and write one key (an empty value removes it); the file is replaced atomically."""
    path = config_path(home)
    raw = _read_raw(path)
    if text == "":
        if key not in KEYS and not _PROFILE_KEY.match(key):
            _validate(key, "", "config set")  # raises the unknown-key error
        table, name = _slot(raw, key)
        table.pop(name, None)
        value = None
    else:
        value = parse_value(key, text)
        table, name = _slot(raw, key)
        table[name] = value
    write_atomic(path, dumps(raw))
    load_config(home)  # the written file must read back
    return value


def shown(config: Config) -> dict[str, Any]:
    """Every key with its value for display; secrets masked."""
    out = dict(config.values)
    for name, email in sorted(config.emails.items()):
        out[f"profiles.{name}.email"] = email
    pw = config.smtp_password()
    out["smtp.password"] = f"******** (from {PASSWORD_ENV})" if pw else f"(not set; use {PASSWORD_ENV})"
    return out


# ---- writing TOML (the subset this file uses) -------------------------------------------

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(k: str) -> str:
    return k if _BARE.match(k) else _string(k)


def _string(s: str) -> str:
    out = s.replace("\\", "\\\\").replace('"', '\\"')
    out = "".join(c if c >= " " and c != "\x7f" else f"\\u{ord(c):04x}" for c in out)
    return f'"{out}"'


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    return _string(str(v))


def dumps(raw: dict) -> str:
    """TOML text for {section: {key: value}} and {'profiles': {name: {'email': ...}}}."""
    lines = ["# paperfeed configuration (see `paperfeed config show`); the SMTP password is read",
             f"# from ${PASSWORD_ENV}, never from this file.", ""]
    for section, table in raw.items():
        if section == "profiles":
            continue
        lines.append(f"[{_key(section)}]")
        lines += [f"{_key(k)} = {_value(v)}" for k, v in table.items()]
        lines.append("")
    for name, table in (raw.get("profiles") or {}).items():
        if table:
            lines.append(f"[profiles.{_key(name)}]")
            lines += [f"{_key(k)} = {_value(v)}" for k, v in table.items()]
            lines.append("")
    return "\n".join(lines)


def write_atomic(path: Path, text: str) -> None:
    """Write a file so that readers see the old or the new content, never a mix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
