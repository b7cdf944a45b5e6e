"""What the web needs beyond the Library facade: profile ownership, adding pasted or uploaded
listings, marking a feed as seen. Each helper checks access, then calls the Library.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from paperfeed.accounts import Principal
from paperfeed.errors import NotFound, PaperfeedError
from paperfeed.library import Library

MAX_UPLOAD = 20 * 1024 * 1024
"""Largest listing or BibTeX file accepted from a browser, in bytes."""
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


def visible_profiles(lib: Library, user: Principal) -> list[dict]:
    """The profiles this user may see (all of them in single-user mode), with their counts."""
    rows = lib.profiles()
    if user.sees_everything:
        return rows
    owners = lib.accounts.profile_owners()
    return [r for r in rows if owners.get(r["name"]) == user.user_id]


def check_profile(lib: Library, user: Principal, name: str) -> None:
    """NotFound unless the profile exists and is this user's (another user's profile looks missing)."""
    exists, owner = lib.accounts.profile_owner(name)
    if not exists or (not user.sees_everything and owner != user.user_id):
        raise NotFound(f"no profile named {name!r}")


def create_profile(
    lib: Library, user: Principal, name: str, files: Sequence[str] = (), keys: Sequence[str] = (),
    author: str | None = None, interests: str | None = None,
) -> dict:
    """Create (or extend) a profile owned by the user; a name taken by someone else is refused."""
    lib.check_profile_name(name)  # before the name is claimed
    for k in keys:
        lib.get(k)  # unknown keys fail before the profile is claimed
    if user.user_id is not None:  # not single-user mode
        lib.accounts.claim_profile(name, user.user_id)
    return lib.create_profile(name, files=files, keys=keys, author=author or None, interests=interests or None,
                              uploaded=True)


@contextmanager
def listing_file(data: bytes, filename: str = "pasted.txt") -> Iterator[str]:
    """A temporary file holding a pasted listing or an uploaded file, named like the upload.

    The text then goes through the same parsers as ``paperfeed ingest`` (format detection looks
    at the name and the content).
    """
    if not data.strip():
        raise PaperfeedError("nothing to add: the listing is empty")
    if len(data) > MAX_UPLOAD:
        raise PaperfeedError(f"file too large (over {MAX_UPLOAD // 2**20} MiB)")
    safe = _SAFE_NAME.sub("_", Path(filename).name).strip("._") or "upload.txt"
    with tempfile.TemporaryDirectory(prefix="paperfeed-upload-") as tmp:
        path = Path(tmp) / safe
        path.write_bytes(data)
        yield str(path)


def add_listing(lib: Library, user: Principal, name: str, data: bytes, filename: str = "pasted.txt") -> dict:
    """Add the papers of a pasted listing or an uploaded file (any ingest format) to a profile."""
    check_profile(lib, user, name)
    with listing_file(data, filename) as path:
        return lib.create_profile(name, files=[path], uploaded=True)


def remove_papers(lib: Library, user: Principal, name: str, keys: Sequence[str]) -> int:
    """Take papers out of one of the user's profiles."""
    check_profile(lib, user, name)
    return lib.remove_profile_papers(name, keys)


def mark_seen(lib: Library, user: Principal, name: str, items: Sequence[tuple[str, str]]) -> int:
    """Record (key, why) papers as delivered to the profile on the 'web' channel; returns how many.

    They leave the feed, as papers sent in an email digest do. Papers already delivered are skipped.
    """
    check_profile(lib, user, name)
    return lib.delivery.mark_seen(name, items, channel="web")
