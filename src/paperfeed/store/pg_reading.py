"""Reading tables of the PostgreSQL store (store/base.py ReadingStore): reading list, tags, alerts (saved
searches), feed tokens and each user's default profile (migration 10). The same answers as
store/sqlite_reading.py; callers wrap writes in ``transaction()``.
"""

from __future__ import annotations

from collections.abc import Sequence

from paperfeed.store.pg_base import PgBase
from paperfeed.store.sqlhelpers import now as _now

ALERT_COLUMNS = ("id", "profile", "name", "query", "after_id", "token", "created_at")


class PgReadingMixin(PgBase):
    """Reading list, tags, alerts, feed tokens, default profiles (mixed into PostgresStore)."""

    # ---- reading list ------------------------------------------------------------

    def set_saved(self, profile_id: int, paper_id: int, on: bool = True) -> bool:
        """Put a paper on (or take it off) a profile's reading list; True when that changed anything."""
        if on:
            return self._run("INSERT INTO reading_list(profile_id, paper_id, added_at) VALUES (%s,%s,%s) "
                             "ON CONFLICT DO NOTHING", (profile_id, paper_id, _now())) > 0
        return self._run("DELETE FROM reading_list WHERE profile_id = %s AND paper_id = %s",
                         (profile_id, paper_id)) > 0

    def saved_ids(self, profile_id: int) -> list[int]:
        """The reading list's paper ids, most recently saved first."""
        rows = self._all("SELECT paper_id FROM reading_list WHERE profile_id = %s "
                         "ORDER BY added_at DESC, paper_id DESC", (profile_id,))
        return [r[0] for r in rows]

    # ---- tags --------------------------------------------------------------------

    def add_tags(self, profile_id: int, paper_id: int, tags: Sequence[str]) -> int:
        """Tag a paper; returns how many tags were new."""
        tags = list(dict.fromkeys(tags))
        if not tags:
            return 0
        return self._run("INSERT INTO paper_tags(profile_id, paper_id, tag, added_at) "
                         "SELECT %s, %s, unnest(%s::text[]), %s ON CONFLICT DO NOTHING",
                         (profile_id, paper_id, tags, _now()))

    def remove_tags(self, profile_id: int, paper_id: int, tags: Sequence[str]) -> int:
        """Untag a paper; returns how many tags it lost."""
        return self._run("DELETE FROM paper_tags WHERE profile_id = %s AND paper_id = %s AND tag = ANY(%s)",
                         (profile_id, paper_id, list(tags)))

    def tags_of(self, profile_id: int, paper_ids: Sequence[int] | None = None) -> dict[int, list[str]]:
        """Tags by paper id (all tagged papers of the profile, or only ``paper_ids``), sorted."""
        if paper_ids is None:
            rows = self._all("SELECT paper_id, tag FROM paper_tags WHERE profile_id = %s ORDER BY tag",
                             (profile_id,))
        else:
            rows = self._all("SELECT paper_id, tag FROM paper_tags WHERE profile_id = %s AND paper_id = ANY(%s) "
                             "ORDER BY tag", (profile_id, [int(i) for i in paper_ids]))
        out: dict[int, list[str]] = {}
        for pid, tag in rows:
            out.setdefault(pid, []).append(tag)
        return out

    def tag_counts(self, profile_id: int) -> list[tuple[str, int]]:
        """(tag, papers) of a profile, by tag."""
        rows = self._all("SELECT tag, count(*) FROM paper_tags WHERE profile_id = %s GROUP BY tag ORDER BY tag",
                         (profile_id,))
        return [(tag, int(n)) for tag, n in rows]

    def tagged_ids(self, profile_id: int, tag: str) -> list[int]:
        """Papers carrying a tag, most recently tagged first."""
        rows = self._all("SELECT paper_id FROM paper_tags WHERE profile_id = %s AND tag = %s "
                         "ORDER BY added_at DESC, paper_id DESC", (profile_id, tag))
        return [r[0] for r in rows]

    # ---- alerts (saved searches) ---------------------------------------------------

    def add_alert(self, profile_id: int, name: str, query: str, after_id: int, token: str) -> int | None:
        """A new saved search matching papers with row id above ``after_id``; None when the name is taken."""
        with self.transaction():
            row = self._one(
                "INSERT INTO alerts(profile_id, name, query, after_id, token, created_at) "
                "VALUES (%s,%s,%s,%s,%s,%s) ON CONFLICT DO NOTHING RETURNING id",
                (profile_id, name, query, after_id, token, _now()))
        return int(row[0]) if row else None

    def remove_alert(self, profile_id: int, name: str) -> bool:
        """Delete a saved search; True when it existed."""
        return self._run("DELETE FROM alerts WHERE profile_id = %s AND name = %s", (profile_id, name)) > 0

    def alerts(self, profile_id: int | None = None) -> list[dict]:
        """Saved searches (of one profile or all), by profile and name."""
        q = ("SELECT a.id, p.name, a.name, a.query, a.after_id, a.token, a.created_at FROM alerts a "
             "JOIN profiles p ON p.id = a.profile_id" + (" WHERE a.profile_id = %s" if profile_id else "")
             + " ORDER BY p.name, a.name")
        rows = self._all(q, (profile_id,) if profile_id else ())
        return [dict(zip(ALERT_COLUMNS, r, strict=True)) for r in rows]

    def alert_by_token(self, token: str) -> dict | None:
        """The saved search whose Atom feed this token opens, or None."""
        row = self._one("SELECT profile_id FROM alerts WHERE token = %s", (token,))
        return next((a for a in self.alerts(row[0]) if a["token"] == token), None) if row else None

    # ---- per-profile feed tokens ---------------------------------------------------

    def feed_token(self, profile_id: int) -> str | None:
        """The secret of a profile's Atom feed URL, or None when it has none yet."""
        row = self._one("SELECT token FROM feed_tokens WHERE profile_id = %s", (profile_id,))
        return row[0] if row else None

    def set_feed_token(self, profile_id: int, token: str) -> None:
        """Give a profile a (new) feed secret; the old URL stops working."""
        self._run("INSERT INTO feed_tokens(profile_id, token, created_at) VALUES (%s,%s,%s) "
                  "ON CONFLICT (profile_id) DO UPDATE SET token = excluded.token, created_at = excluded.created_at",
                  (profile_id, token, _now()))

    def profile_by_feed_token(self, token: str) -> int | None:
        """The profile whose feed this token opens, or None."""
        row = self._one("SELECT profile_id FROM feed_tokens WHERE token = %s", (token,))
        return row[0] if row else None

    # ---- default profile -------------------------------------------------------------

    def default_profile_id(self, user_id: int) -> int | None:
        """The profile "My feed" opens for a user (0: the single-user mode's user), or None."""
        row = self._one("SELECT profile_id FROM default_profiles WHERE user_id = %s", (user_id,))
        return row[0] if row else None

    def set_default_profile(self, user_id: int, profile_id: int) -> None:
        """Remember the profile "My feed" opens for a user."""
        self._run("INSERT INTO default_profiles(user_id, profile_id) VALUES (%s,%s) "
                  "ON CONFLICT (user_id) DO UPDATE SET profile_id = excluded.profile_id", (user_id, profile_id))
