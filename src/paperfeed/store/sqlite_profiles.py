"""Profile tables of the SQLite store: profiles, their papers, feedback and mutes."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence

from paperfeed.models import Profile
from paperfeed.store.sqlhelpers import chunks as _chunks
from paperfeed.store.sqlhelpers import now as _now
from paperfeed.store.sqlhelpers import profile_from_rows


class ProfileStoreMixin:
    """Profiles, their papers, feedback and mutes (mixed into SqliteStore)."""

    conn: sqlite3.Connection

    def profile_id(self, name: str) -> int | None:
        """Row id of a profile, or None."""
        row = self.conn.execute("SELECT id FROM profiles WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def create_profile(self, name: str, interests: str = "", authors: Sequence[str] = ()) -> int:
        """Create a profile (or return the existing one's id, updating interests/authors if given)."""
        pid = self.profile_id(name)
        if pid is None:
            cur = self.conn.execute(
                "INSERT INTO profiles(name, interests, authors, created_at) VALUES (?,?,?,?)",
                (name, interests, json.dumps(list(authors), ensure_ascii=False), _now()),
            )
            return int(cur.lastrowid or 0)
        if interests:
            self.conn.execute("UPDATE profiles SET interests = ? WHERE id = ?", (interests, pid))
        if authors:
            old = json.loads(self.conn.execute("SELECT authors FROM profiles WHERE id=?", (pid,)).fetchone()[0])
            merged = list(dict.fromkeys(old + list(authors)))
            self.conn.execute("UPDATE profiles SET authors = ? WHERE id = ?", (json.dumps(merged), pid))
        return pid

    def delete_profile(self, name: str) -> bool:
        """Delete a profile and its feedback; papers stay in the library."""
        return self.conn.execute("DELETE FROM profiles WHERE name = ?", (name,)).rowcount > 0

    def add_profile_papers(self, profile_id: int, paper_ids: Iterable[int], origin: str = "",
                           detail: str = "") -> int:
        """Make papers the profile's own, noting why (origin, detail); returns how many were new.

        A paper already in the profile keeps the reason it was first added for.
        """
        rows = [(profile_id, i, origin, detail, _now()) for i in dict.fromkeys(paper_ids)]
        cur = self.conn.executemany(
            "INSERT OR IGNORE INTO profile_papers(profile_id, paper_id, origin, detail, added_at) "
            "VALUES (?, ?, ?, ?, ?)", rows,
        )
        added = cur.rowcount
        if origin:  # papers added before provenance was recorded get this one
            self.conn.executemany(
                "UPDATE profile_papers SET origin = ?, detail = ? WHERE profile_id = ? AND paper_id = ? "
                "AND origin = ''", [(origin, detail, profile_id, i) for _, i, *_ in rows],
            )
        return added

    def profile_paper_origins(self, profile_id: int) -> dict[int, tuple[str, str]]:
        """Why each of a profile's papers is in it: paper id -> (origin, detail)."""
        q = "SELECT paper_id, origin, detail FROM profile_papers WHERE profile_id = ?"
        return {pid: (origin, detail) for pid, origin, detail in self.conn.execute(q, (profile_id,))}

    def remove_profile_papers(self, profile_id: int, paper_ids: Iterable[int]) -> int:
        """Remove papers from a profile (not from the library)."""
        cur = self.conn.executemany(
            "DELETE FROM profile_papers WHERE profile_id = ? AND paper_id = ?",
            [(profile_id, i) for i in paper_ids],
        )
        return cur.rowcount

    def set_profile_email(self, profile_id: int, email: str | None) -> None:
        """Set or clear a profile's email address."""
        self.conn.execute("UPDATE profiles SET email = ? WHERE id = ?", (email, profile_id))

    def profile_rows(self) -> list[tuple[int, str]]:
        """(id, name) of every profile, by name."""
        return self.conn.execute("SELECT id, name FROM profiles ORDER BY name").fetchall()

    def profile_record(self, profile_id: int) -> Profile:
        """Everything about a profile: papers (ids and keys), feedback, mutes, interests, authors, email."""
        c = self.conn
        name, interests, authors, email, created = c.execute(
            "SELECT name, interests, authors, email, created_at FROM profiles WHERE id = ?", (profile_id,)
        ).fetchone()
        papers = c.execute("SELECT pp.paper_id, p.key FROM profile_papers pp JOIN papers p ON p.id = pp.paper_id "
                           "WHERE pp.profile_id = ? ORDER BY pp.paper_id", (profile_id,)).fetchall()
        fb = c.execute("SELECT f.paper_id, p.key, f.value FROM feedback f JOIN papers p ON p.id = f.paper_id "
                       "WHERE f.profile_id = ? ORDER BY f.at", (profile_id,)).fetchall()
        mutes = c.execute("SELECT kind, value FROM mutes WHERE profile_id = ?", (profile_id,)).fetchall()
        return profile_from_rows(name, interests, authors, email, created, papers, fb, mutes)

    def set_feedback(self, profile_id: int, paper_id: int, value: int | None) -> None:
        """+1 like, -1 dislike, None to clear."""
        if value is None:
            self.conn.execute("DELETE FROM feedback WHERE profile_id = ? AND paper_id = ?", (profile_id, paper_id))
            return
        self.conn.execute(
            "INSERT INTO feedback(profile_id, paper_id, value, at) VALUES (?,?,?,?) "
            "ON CONFLICT(profile_id, paper_id) DO UPDATE SET value = excluded.value, at = excluded.at",
            (profile_id, paper_id, value, _now()),
        )

    def set_mute(self, profile_id: int, kind: str, value: str, on: bool = True) -> None:
        """Mute (or unmute) an author or a category for a profile."""
        if on:
            self.conn.execute(
                "INSERT OR IGNORE INTO mutes(profile_id, kind, value) VALUES (?,?,?)", (profile_id, kind, value)
            )
        elif kind == "author":
            from paperfeed.normalize import author_key

            rows = self.conn.execute(
                "SELECT value FROM mutes WHERE profile_id = ? AND kind = 'author'", (profile_id,)
            ).fetchall()
            gone = [(profile_id, v) for (v,) in rows if author_key(v) == author_key(value)]
            self.conn.executemany("DELETE FROM mutes WHERE profile_id = ? AND kind = 'author' AND value = ?", gone)
        else:
            self.conn.execute(
                "DELETE FROM mutes WHERE profile_id = ? AND kind = ? AND value = ?", (profile_id, kind, value)
            )

    def ids_with_any_author_key(self, keys: Sequence[str]) -> set[int]:
        """Papers having any of these author keys."""
        out: set[int] = set()
        for chunk in _chunks(list(keys)):
            q = f"SELECT paper_id FROM paper_authors WHERE author_key IN ({','.join('?' * len(chunk))})"
            out.update(r[0] for r in self.conn.execute(q, chunk))
        return out

    def ids_with_any_category(self, cats: Sequence[str]) -> set[int]:
        """Papers carrying any of these categories."""
        out: set[int] = set()
        for cat in cats:
            q = "SELECT id FROM papers WHERE (' ' || categories || ' ') LIKE ?"
            out.update(r[0] for r in self.conn.execute(q, (f"% {cat} %",)))
        return out

    def delivered_ids(self, profile_id: int) -> set[int]:
        """Papers already delivered to a profile (or in a digest whose sending is unresolved)."""
        q = (
            "SELECT d.paper_id FROM deliveries d JOIN digests g ON g.id = d.digest_id "
            "WHERE d.profile_id = ? AND g.status IN ('sent', 'sending')"
        )
        return {r[0] for r in self.conn.execute(q, (profile_id,))}
