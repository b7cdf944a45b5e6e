"""Library methods for daily reading: a reading list and tags per profile, saved searches (alerts),
secret Atom-feed URLs and each user's default profile.

Mixed into Library; the CLI (`paperfeed save`, `tag`, `alert`) and the web call the same methods.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING

from paperfeed.errors import NotFound, PaperfeedError
from paperfeed.models import Hit, Paper

if TYPE_CHECKING:
    from paperfeed.store.base import Store

TAG = re.compile(r"^[\w.:/+-]{1,40}$")
"""A tag: 1-40 letters, digits or ``_ . : / + -`` (no spaces, so a shell needs no quoting)."""
ALERT_POOL = 500
"""Keyword matches looked at per alert before keeping the papers that arrived after it was saved."""
LOCAL_USER = 0
"""The user id of single-user mode in ``default_profiles``."""


def check_tags(tags: Sequence[str]) -> list[str]:
    """Tags in their stored form (lower case), or a clear error naming the bad one."""
    out = []
    for t in tags:
        t = t.strip().lower()
        if not TAG.match(t):
            raise PaperfeedError(f"invalid tag {t!r}: use 1-40 letters, digits or _ . : / + - (no spaces)")
        out.append(t)
    if not out:
        raise PaperfeedError("give at least one tag")
    return out


def new_token() -> str:
    """A URL-safe secret for a feed URL (256 bits)."""
    return secrets.token_urlsafe(32)


class ReadingMixin:
    """save, tag, alerts, feed tokens, default profiles (mixed into Library)."""

    store: Store
    _profile_id: Callable[[str], int]
    _paper_id: Callable[[str], int]
    search: Callable[..., list[Hit]]

    # ---- reading list -----------------------------------------------------------------

    def save(self, name: str, ref: str, on: bool = True) -> bool:
        """Save a paper for later in a profile's reading list (``on=False`` takes it off); True if changed."""
        prof, pid = self._profile_id(name), self._paper_id(ref)
        with self.store.transaction():
            return self.store.set_saved(prof, pid, on)

    def reading_list(self, name: str, tag: str | None = None) -> list[Paper]:
        """The profile's saved papers, newest first; with ``tag``, its papers carrying that tag instead."""
        prof = self._profile_id(name)
        ids = self.store.tagged_ids(prof, check_tags([tag])[0]) if tag else self.store.saved_ids(prof)
        return self.store.papers_by_ids(ids)

    # ---- tags ---------------------------------------------------------------------------

    def tag(self, name: str, ref: str, tags: Sequence[str], remove: bool = False) -> list[str]:
        """Add (or with ``remove`` take off) tags on a paper for a profile; returns its tags after."""
        prof, pid = self._profile_id(name), self._paper_id(ref)
        clean = check_tags(tags)
        with self.store.transaction():
            (self.store.remove_tags if remove else self.store.add_tags)(prof, pid, clean)
        return self.store.tags_of(prof, [pid]).get(pid, [])

    def tags(self, name: str) -> list[tuple[str, int]]:
        """(tag, number of papers) of a profile."""
        return self.store.tag_counts(self._profile_id(name))

    def reading_marks(self, name: str, keys: Sequence[str]) -> dict[str, dict]:
        """For papers shown to a profile: {key: {"saved": bool, "tags": [...]}}."""
        prof = self._profile_id(name)
        ids = self.store.ids_for_keys(list(keys))
        saved = set(self.store.saved_ids(prof))
        tags = self.store.tags_of(prof, list(ids.values()))
        return {k: {"saved": i in saved, "tags": tags.get(i, [])} for k, i in ids.items()}

    def export_bibtex(self, name: str, tag: str | None = None) -> str:
        """The reading list (or the papers with ``tag``) as BibTeX."""
        from paperfeed.export import bibtex_entry

        return "\n".join(bibtex_entry(p) for p in self.reading_list(name, tag))

    # ---- alerts (saved searches) -----------------------------------------------------------

    def add_alert(self, name: str, alert: str, query: str) -> dict:
        """Save a search as an alert: papers matching it that arrive from now on reach the digest."""
        prof = self._profile_id(name)
        alert = alert.strip()
        if not alert or len(alert) > 64 or any(c in alert for c in "\r\n/"):
            raise PaperfeedError(f"invalid alert name {alert!r}: 1-64 characters, no '/' or line breaks")
        self.search(query, mode="keyword", limit=1)  # a query that cannot run fails here, not in the digest
        with self.store.transaction():
            if self.store.add_alert(prof, alert, query.strip(), self.store.max_id(), new_token()) is None:
                raise PaperfeedError(f"profile {name!r} already has an alert named {alert!r}")
        return self.alert(name, alert)

    def alerts(self, name: str | None = None) -> list[dict]:
        """Saved searches of a profile (or of all profiles)."""
        return self.store.alerts(self._profile_id(name) if name else None)

    def alert(self, name: str, alert: str) -> dict:
        """One saved search of a profile; NotFound otherwise."""
        found = next((a for a in self.alerts(name) if a["name"] == alert), None)
        if found is None:
            raise NotFound(f"profile {name!r} has no alert named {alert!r} (see `paperfeed alert list`)")
        return found

    def remove_alert(self, name: str, alert: str) -> None:
        """Delete a saved search."""
        prof = self._profile_id(name)
        with self.store.transaction():
            if not self.store.remove_alert(prof, alert):
                raise NotFound(f"profile {name!r} has no alert named {alert!r} (see `paperfeed alert list`)")

    def alert_hits(self, alert: dict, limit: int = 50, exclude: AbstractSet[int] = frozenset()) -> list[Hit]:
        """New matches of a saved search: keyword hits among papers added after it was saved."""
        hits = self.search(alert["query"], mode="keyword", limit=ALERT_POOL)
        ids = self.store.ids_for_keys([h.key for h in hits])
        out = [Hit(h.key, h.score, f"alert {alert['name']!r}: {h.why}" if h.why else f"alert {alert['name']!r}",
                   h.paper) for h in hits if ids.get(h.key, 0) > alert["after_id"] and ids[h.key] not in exclude]
        return out[:limit]

    def alert_digest_hits(self, name: str, shown: Sequence[Hit], limit: int = 20) -> list[Hit]:
        """Alert matches for a profile's next digest: not delivered before and not already in ``shown``."""
        prof = self._profile_id(name)
        exclude = self.store.delivered_ids(prof) | set(self.store.ids_for_keys([h.key for h in shown]).values())
        out: list[Hit] = []
        for a in self.store.alerts(prof):
            for h in self.alert_hits(a, limit, exclude):
                out.append(h)
                exclude |= set(self.store.ids_for_keys([h.key]).values())
        return out

    # ---- secret feed URLs -------------------------------------------------------------------

    def feed_token(self, name: str) -> str | None:
        """The secret in a profile's Atom feed URL, or None until ``reset_feed_token`` made one."""
        return self.store.feed_token(self._profile_id(name))

    def reset_feed_token(self, name: str) -> str:
        """Give a profile a new feed secret (the first, or a replacement: the old URL stops working)."""
        prof = self._profile_id(name)
        token = new_token()
        with self.store.transaction():
            self.store.set_feed_token(prof, token)
        return token

    def profile_for_feed_token(self, token: str) -> str | None:
        """The name of the profile a feed secret opens, or None."""
        prof = self.store.profile_by_feed_token(token) if token else None
        return next((n for i, n in self.store.profile_rows() if i == prof), None) if prof else None

    def alert_for_feed_token(self, token: str) -> dict | None:
        """The saved search whose Atom feed a secret opens, or None."""
        return self.store.alert_by_token(token) if token else None

    # ---- default profile ---------------------------------------------------------------------

    def default_profile(self, user_id: int | None) -> str | None:
        """The profile "My feed" opens for a user (None: single-user mode), if one was chosen."""
        prof = self.store.default_profile_id(user_id or LOCAL_USER)
        return next((n for i, n in self.store.profile_rows() if i == prof), None) if prof else None

    def set_default_profile(self, user_id: int | None, name: str) -> None:
        """Choose the profile "My feed" opens for a user (None: single-user mode)."""
        prof = self._profile_id(name)
        with self.store.transaction():
            self.store.set_default_profile(user_id or LOCAL_USER, prof)
