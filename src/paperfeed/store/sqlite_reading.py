"""Reading tables of the SQLite store (store/base.py ReadingStore): reading list, tags, alerts (saved
searches), feed tokens and each user's default profile (migration 10). Callers wrap writes in ``transaction()``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from paperfeed.store.sqlhelpers import now as _now


class ReadingStoreMixin:
    """Reading list, tags, alerts, feed tokens, default profiles (mixed into SqliteStore)."""

    conn: sqlite3.Connection

    # ---- reading list ------------------------------------------------------------

    def set_saved(self, profile_id: int, paper_id: int, on: bool = True) -> bool:
        """Put a paper on (or take it off) a profile's reading list; True when that changed anything."""
        if on:
            q = "INSERT OR IGNORE INTO reading_list(profile_id, paper_id, added_at) VALUES (?,?,?)"
            return self.conn.execute(q, (profile_id, paper_id, _now())).rowcount > 0
        q = "DELETE FROM reading_list WHERE profile_id = ? AND paper_id = ?"
        return self.conn.execute(q, (profile_id, paper_id)).rowcount > 0

    def saved_ids(self, profile_id: int) -> list[int]:
        """The reading list's paper ids, most recently saved first."""
        q = "SELECT paper_id FROM reading_list WHERE profile_id = ? ORDER BY added_at DESC, paper_id DESC"
        return [r[0] for r in self.conn.execute(q, (profile_id,))]

    # ---- tags --------------------------------------------------------------------

    def add_tags(self, profile_id: int, paper_id: int, tags: Sequence[str]) -> int:
        """Tag a paper; returns how many tags were new."""
        q = "INSERT OR IGNORE INTO paper_tags(profile_id, paper_id, tag, added_at) VALUES (?,?,?,?)"
        return self.conn.executemany(q, [(profile_id, paper_id, t, _now()) for t in dict.fromkeys(tags)]).rowcount

    def remove_tags(self, profile_id: int, paper_id: int, tags: Sequence[str]) -> int:
        """Untag a paper; returns how many tags it lost."""
        q = "DELETE FROM paper_tags WHERE profile_id = ? AND paper_id = ? AND tag = ?"
        return self.conn.executemany(q, [(profile_id, paper_id, t) for t in tags]).rowcount

    def tags_of(self, profile_id: int, paper_ids: Sequence[int] | None = None) -> dict[int, list[str]]:
        """Tags by paper id (all tagged papers of the profile, or only ``paper_ids``), sorted."""
        rows = self.conn.execute("SELECT paper_id, tag FROM paper_tags WHERE profile_id = ? ORDER BY tag",
                                 (profile_id,)).fetchall()
        wanted = set(paper_ids) if paper_ids is not None else None
        out: dict[int, list[str]] = {}
        for pid, tag in rows:
            if wanted is None or pid in wanted:
                out.setdefault(pid, []).append(tag)
        return out

    def tag_counts(self, profile_id: int) -> list[tuple[str, int]]:
        """(tag, papers) of a profile, by tag."""
        q = "SELECT tag, count(*) FROM paper_tags WHERE profile_id = ? GROUP BY tag ORDER BY tag"
        return self.conn.execute(q, (profile_id,)).fetchall()

    def tagged_ids(self, profile_id: int, tag: str) -> list[int]:
        """Papers carrying a tag, most recently tagged first."""
        q = "SELECT paper_id FROM paper_tags WHERE profile_id = ? AND tag = ? ORDER BY added_at DESC, paper_id DESC"
        return [r[0] for r in self.conn.execute(q, (profile_id, tag))]

    # ---- alerts (saved searches) ---------------------------------------------------

    def add_alert(self, profile_id: int, name: str, query: str, after_id: int, token: str) -> int | None:
        """A new saved search matching papers with row id above ``after_id``; None when the name is taken."""
        try:
            cur = self.conn.execute(
                "INSERT INTO alerts(profile_id, name, query, after_id, token, created_at) VALUES (?,?,?,?,?,?)",
                (profile_id, name, query, after_id, token, _now()))
        except sqlite3.IntegrityError:
            return None
        return cur.lastrowid

    def remove_alert(self, profile_id: int, name: str) -> bool:
        """Delete a saved search; True when it existed."""
        q = "DELETE FROM alerts WHERE profile_id = ? AND name = ?"
        return self.conn.execute(q, (profile_id, name)).rowcount > 0

    def alerts(self, profile_id: int | None = None) -> list[dict]:
        """Saved searches (of one profile or all), by profile and name."""
        q = ("SELECT a.id, p.name, a.name, a.query, a.after_id, a.token, a.created_at FROM alerts a "
             "JOIN profiles p ON p.id = a.profile_id" + (" WHERE a.profile_id = ?" if profile_id else "")
             + " ORDER BY p.name, a.name")
        cols = ("id", "profile", "name", "query", "after_id", "token", "created_at")
        return [dict(zip(cols, r, strict=True)) for r in self.conn.execute(q, (profile_id,) if profile_id else ())]

    def alert_by_token(self, token: str) -> dict | None:
        """The saved search whose Atom feed this token opens, or None."""
        row = self.conn.execute("SELECT profile_id FROM alerts WHERE token = ?", (token,)).fetchone()
        return next((a for a in self.alerts(row[0]) if a["token"] == token), None) if row else None

    # ---- per-profile feed tokens ---------------------------------------------------

    def feed_token(self, profile_id: int) -> str | None:
        """The secret of a profile's Atom feed URL, or None when it has none yet."""
        row = self.conn.execute("SELECT token FROM feed_tokens WHERE profile_id = ?", (profile_id,)).fetchone()
        return row[0] if row else None

    def set_feed_token(self, profile_id: int, token: str) -> None:
        """Give a profile a (new) feed secret; the old URL stops working."""
        self.conn.execute(
            "INSERT INTO feed_tokens(profile_id, token, created_at) VALUES (?,?,?) ON CONFLICT(profile_id) "
            "DO UPDATE SET token = excluded.token, created_at = excluded.created_at", (profile_id, token, _now()))

    def profile_by_feed_token(self, token: str) -> int | None:
        """The profile whose feed this token opens, or None."""
        row = self.conn.execute("SELECT profile_id FROM feed_tokens WHERE token = ?", (token,)).fetchone()
        return row[0] if row else None

    # ---- default profile -------------------------------------------------------------

    def default_profile_id(self, user_id: int) -> int | None:
        """The profile "My feed" opens for a user (0: the single-user mode's user), or None."""
        row = self.conn.execute("SELECT profile_id FROM default_profiles WHERE user_id = ?", (user_id,)).fetchone()
        return row[0] if row else None

    def set_default_profile(self, user_id: int, profile_id: int) -> None:
        """Remember the profile "My feed" opens for a user."""
        self.conn.execute("INSERT INTO default_profiles(user_id, profile_id) VALUES (?,?) ON CONFLICT(user_id) "
                          "DO UPDATE SET profile_id = excluded.profile_id", (user_id, profile_id))
