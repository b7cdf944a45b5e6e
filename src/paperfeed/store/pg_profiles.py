"""Profile tables of the PostgreSQL store: profiles, their papers, feedback and mutes."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from paperfeed.models import Profile
from paperfeed.store.pg_base import PgBase
from paperfeed.store.sqlhelpers import now as _now
from paperfeed.store.sqlhelpers import profile_from_rows


class PgProfileMixin(PgBase):
    """Profiles, their papers, feedback and mutes (mixed into PostgresStore)."""

    def profile_id(self, name: str) -> int | None:
        """Row id of a profile, or None."""
        row = self._one("SELECT id FROM profiles WHERE name = %s", (name,))
        return row[0] if row else None

    def create_profile(self, name: str, interests: str = "", authors: Sequence[str] = ()) -> int:
        """Create a profile (or return the existing one's id, updating interests/authors if given)."""
        with self.transaction():
            row = self._one(
                "INSERT INTO profiles(name, interests, authors, created_at) VALUES (%s,%s,%s,%s) "
                "ON CONFLICT (name) DO NOTHING RETURNING id",
                (name, interests, json.dumps(list(authors), ensure_ascii=False), _now()),
            )
            if row:
                return int(row[0])
            pid, old = self._one("SELECT id, authors FROM profiles WHERE name = %s FOR UPDATE", (name,)) or (0, "[]")
            if interests:
                self._run("UPDATE profiles SET interests = %s WHERE id = %s", (interests, pid))
            if authors:
                merged = list(dict.fromkeys(json.loads(old) + list(authors)))
                self._run("UPDATE profiles SET authors = %s WHERE id = %s", (json.dumps(merged), pid))
            return int(pid)

    def delete_profile(self, name: str) -> bool:
        """Delete a profile and its feedback; papers stay in the library."""
        return self._run("DELETE FROM profiles WHERE name = %s", (name,)) > 0

    def add_profile_papers(self, profile_id: int, paper_ids: Iterable[int], origin: str = "",
                           detail: str = "") -> int:
        """Make papers the profile's own, noting why (origin, detail); returns how many were new.

        A paper already in the profile keeps the reason it was first added for."""
        ids = [int(i) for i in dict.fromkeys(paper_ids)]
        if not ids:
            return 0
        with self.transaction():
            added = self._run(
                "INSERT INTO profile_papers(profile_id, paper_id, origin, detail, added_at) "
                "SELECT %s, unnest(%s::bigint[]), %s, %s, %s ON CONFLICT DO NOTHING",
                (profile_id, ids, origin, detail, _now()))
            if origin:  # papers added before provenance was recorded get this one
                self._run("UPDATE profile_papers SET origin = %s, detail = %s WHERE profile_id = %s "
                          "AND paper_id = ANY(%s) AND origin = ''", (origin, detail, profile_id, ids))
        return added

    def profile_paper_origins(self, profile_id: int) -> dict[int, tuple[str, str]]:
        """Why each of a profile's papers is in it: paper id -> (origin, detail)."""
        rows = self._all("SELECT paper_id, origin, detail FROM profile_papers WHERE profile_id = %s", (profile_id,))
        return {pid: (origin, detail) for pid, origin, detail in rows}

    def remove_profile_papers(self, profile_id: int, paper_ids: Iterable[int]) -> int:
        """Remove papers from a profile (not from the library)."""
        return self._run("DELETE FROM profile_papers WHERE profile_id = %s AND paper_id = ANY(%s)",
                         (profile_id, [int(i) for i in paper_ids]))

    def set_profile_email(self, profile_id: int, email: str | None) -> None:
        """Set or clear a profile's email address."""
        self._run("UPDATE profiles SET email = %s WHERE id = %s", (email, profile_id))

    def profile_rows(self) -> list[tuple[int, str]]:
        """(id, name) of every profile, by name."""
        return self._all("SELECT id, name FROM profiles ORDER BY name")

    def profile_record(self, profile_id: int) -> Profile:
        """Everything about a profile: papers (ids and keys), feedback, mutes, interests, authors, email."""
        name, interests, authors, email, created = self._one(
            "SELECT name, interests, authors, email, created_at FROM profiles WHERE id = %s", (profile_id,)
        ) or ("", "", "[]", None, "")
        papers = self._all("SELECT pp.paper_id, p.key FROM profile_papers pp JOIN papers p ON p.id = pp.paper_id "
                           "WHERE pp.profile_id = %s ORDER BY pp.paper_id", (profile_id,))
        fb = self._all("SELECT f.paper_id, p.key, f.value FROM feedback f JOIN papers p ON p.id = f.paper_id "
                       "WHERE f.profile_id = %s ORDER BY f.at, f.paper_id", (profile_id,))
        mutes = self._all("SELECT kind, value FROM mutes WHERE profile_id = %s ORDER BY kind, value", (profile_id,))
        return profile_from_rows(name, interests, authors, email, created, papers, fb, mutes)

    def set_feedback(self, profile_id: int, paper_id: int, value: int | None) -> None:
        """+1 like, -1 dislike, None to clear."""
        if value is None:
            self._run("DELETE FROM feedback WHERE profile_id = %s AND paper_id = %s", (profile_id, paper_id))
            return
        self._run(
            "INSERT INTO feedback(profile_id, paper_id, value, at) VALUES (%s,%s,%s,%s) "
            "ON CONFLICT (profile_id, paper_id) DO UPDATE SET value = excluded.value, at = excluded.at",
            (profile_id, paper_id, value, _now()),
        )

    def set_mute(self, profile_id: int, kind: str, value: str, on: bool = True) -> None:
        """Mute (or unmute) an author or a category for a profile."""
        if on:
            self._run("INSERT INTO mutes(profile_id, kind, value) VALUES (%s,%s,%s) ON CONFLICT DO NOTHING",
                      (profile_id, kind, value))
        elif kind == "author":
            from paperfeed.normalize import author_key

            rows = self._all("SELECT value FROM mutes WHERE profile_id = %s AND kind = 'author'", (profile_id,))
            gone = [v for (v,) in rows if author_key(v) == author_key(value)]
            self._run("DELETE FROM mutes WHERE profile_id = %s AND kind = 'author' AND value = ANY(%s)",
                      (profile_id, gone))
        else:
            self._run("DELETE FROM mutes WHERE profile_id = %s AND kind = %s AND value = %s",
                      (profile_id, kind, value))

    def delivered_ids(self, profile_id: int) -> set[int]:
        """Papers already delivered to a profile (or in a digest whose sending is unresolved)."""
        return {r[0] for r in self._all(
            "SELECT d.paper_id FROM deliveries d JOIN digests g ON g.id = d.digest_id "
            "WHERE d.profile_id = %s AND g.status IN ('sent', 'sending')", (profile_id,))}
