"""Web tables of the SQLite store: users, sessions, API tokens and profile owners."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from paperfeed.errors import PaperfeedError, ProfileTaken
from paperfeed.store.base import UserRow
from paperfeed.store.sqlhelpers import now as _now


class UserStoreMixin:
    """Users, sessions, API tokens and profile ownership (mixed into SqliteStore).

    Secrets are never stored: sessions and tokens are kept as SHA-256 hashes of the random value.
    Callers wrap writes in ``transaction()``.
    """

    conn: sqlite3.Connection

    # ---- users ---------------------------------------------------------------

    def create_user(self, name: str, password_hash: str) -> int:
        """Add a user; raises PaperfeedError when the name is taken."""
        try:
            cur = self.conn.execute(
                "INSERT INTO users(name, password_hash, created_at) VALUES (?,?,?)", (name, password_hash, _now())
            )
        except sqlite3.IntegrityError:
            raise PaperfeedError(f"user {name!r} already exists") from None
        return int(cur.lastrowid or 0)

    def user_by_name(self, name: str) -> UserRow | None:
        """The user with this name, ignoring (ASCII) case, or None; an exact match first."""
        row = self.conn.execute(
            "SELECT id, name, password_hash, created_at FROM users WHERE name = ? COLLATE NOCASE "
            "ORDER BY name = ? DESC LIMIT 1", (name, name)
        ).fetchone()
        return UserRow(*row) if row else None

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        """Replace a user's password hash."""
        self.conn.execute("UPDATE users SET password_hash = ? WHERE id = ?", (password_hash, user_id))

    def user_rows(self) -> list[dict]:
        """Every user with the number of profiles, live sessions and API tokens they have."""
        q = (
            "SELECT u.id, u.name, u.created_at, "
            "(SELECT count(*) FROM profiles p WHERE p.owner_id = u.id), "
            "(SELECT count(*) FROM sessions s WHERE s.user_id = u.id AND s.expires_at > ?), "
            "(SELECT count(*) FROM api_tokens t WHERE t.user_id = u.id) FROM users u ORDER BY u.name"
        )
        return [
            {"id": r[0], "name": r[1], "created_at": r[2], "profiles": r[3], "sessions": r[4], "tokens": r[5]}
            for r in self.conn.execute(q, (_now(),))
        ]

    def delete_user(self, name: str) -> bool:
        """Delete a user with their sessions and tokens; their profiles stay, without an owner."""
        return self.conn.execute("DELETE FROM users WHERE name = ?", (name,)).rowcount > 0

    # ---- sessions ----------------------------------------------------------------

    def create_session(self, token_hash: str, user_id: int, csrf_token: str, expires_at: str) -> None:
        """Store a login session (the cookie's hash) and its CSRF token; drops expired sessions."""
        now = _now()
        self.conn.execute("DELETE FROM sessions WHERE expires_at <= ?", (now,))
        self.conn.execute(
            "INSERT INTO sessions(token_hash, user_id, csrf_token, created_at, expires_at) VALUES (?,?,?,?,?)",
            (token_hash, user_id, csrf_token, now, expires_at),
        )

    def session_user(self, token_hash: str) -> tuple[int, str, str] | None:
        """(user id, user name, CSRF token) of a live session, or None."""
        row = self.conn.execute(
            "SELECT u.id, u.name, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id "
            "WHERE s.token_hash = ? AND s.expires_at > ?",
            (token_hash, _now()),
        ).fetchone()
        return (row[0], row[1], row[2]) if row else None

    def delete_session(self, token_hash: str) -> None:
        """Log a session out."""
        self.conn.execute("DELETE FROM sessions WHERE token_hash = ?", (token_hash,))

    def delete_user_sessions(self, user_id: int) -> int:
        """Log a user out everywhere (after a password change)."""
        return self.conn.execute("DELETE FROM sessions WHERE user_id = ?", (user_id,)).rowcount

    # ---- login throttle (web/throttle.py) ---------------------------------------------

    def login_failures(self, keys: Sequence[str], since: float) -> dict[str, list[float]]:
        """Failure times (oldest first) of each key at or after ``since``; older rows are deleted.

        In a transaction (BEGIN IMMEDIATE) other processes wait, so a check and the count after it are atomic."""
        self.conn.execute("DELETE FROM login_failures WHERE at < ?", (since,))
        marks = ",".join("?" * len(keys))
        out: dict[str, list[float]] = {k: [] for k in keys}
        for key, at in self.conn.execute(
                f"SELECT key, at FROM login_failures WHERE key IN ({marks}) ORDER BY at", tuple(keys)):
            out[key].append(at)
        return out

    def add_login_failures(self, keys: Sequence[str], at: float) -> None:
        """Count one failure (or attempt) at time ``at`` against each key."""
        self.conn.executemany("INSERT INTO login_failures(key, at) VALUES (?,?)", [(k, at) for k in keys])

    def forget_login_failures(self, key: str, newest_only: bool = False) -> None:
        """Forget a key's failures, or only its newest one."""
        if newest_only:
            self.conn.execute("DELETE FROM login_failures WHERE rowid = (SELECT rowid FROM login_failures "
                              "WHERE key = ? ORDER BY at DESC LIMIT 1)", (key,))
        else:
            self.conn.execute("DELETE FROM login_failures WHERE key = ?", (key,))

    # ---- API tokens ----------------------------------------------------------------

    def create_api_token(self, token_hash: str, user_id: int, name: str) -> None:
        """Store an API token's hash under a label."""
        self.conn.execute(
            "INSERT INTO api_tokens(token_hash, user_id, name, created_at) VALUES (?,?,?,?)",
            (token_hash, user_id, name, _now()),
        )

    def api_token_user(self, token_hash: str) -> tuple[int, str] | None:
        """(user id, user name) owning an API token, or None."""
        row = self.conn.execute(
            "SELECT u.id, u.name FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?",
            (token_hash,),
        ).fetchone()
        return (row[0], row[1]) if row else None

    def api_token_rows(self, user_id: int) -> list[dict]:
        """A user's tokens (labels and dates only)."""
        rows = self.conn.execute(
            "SELECT name, created_at FROM api_tokens WHERE user_id = ? ORDER BY created_at", (user_id,)
        )
        return [{"name": n, "created_at": c} for n, c in rows]

    def delete_api_tokens(self, user_id: int, name: str | None = None) -> int:
        """Revoke a user's tokens (all, or those with this label)."""
        if name is None:
            return self.conn.execute("DELETE FROM api_tokens WHERE user_id = ?", (user_id,)).rowcount
        return self.conn.execute(
            "DELETE FROM api_tokens WHERE user_id = ? AND name = ?", (user_id, name)
        ).rowcount

    # ---- profile ownership ------------------------------------------------------------

    def profile_owners(self) -> dict[str, int | None]:
        """Owner user id (or None) of every profile, by profile name."""
        return dict(self.conn.execute("SELECT name, owner_id FROM profiles").fetchall())

    def profile_owner(self, name: str) -> tuple[bool, int | None]:
        """(exists, owner id) of a profile."""
        row = self.conn.execute("SELECT owner_id FROM profiles WHERE name = ?", (name,)).fetchone()
        return (row is not None, row[0] if row else None)

    def set_profile_owner(self, name: str, user_id: int | None) -> bool:
        """Give a profile to a user (None: to nobody)."""
        return self.conn.execute("UPDATE profiles SET owner_id = ? WHERE name = ?", (user_id, name)).rowcount > 0

    def claim_profile(self, name: str, user_id: int) -> bool:
        """Create an empty profile owned by ``user_id``, or accept one it already owns.

        Returns True when created. Raises ProfileTaken when the name exists with another owner
        (or none). Call inside a transaction so the check and the insert are one step.
        """
        exists, owner = self.profile_owner(name)
        if exists:
            if owner != user_id:
                raise ProfileTaken(f"the profile name {name!r} is taken; choose another")
            return False
        self.conn.execute(
            "INSERT INTO profiles(name, interests, authors, created_at, owner_id) VALUES (?, '', '[]', ?, ?)",
            (name, _now(), user_id),
        )
        return True
