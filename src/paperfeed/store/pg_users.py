"""Web tables of the PostgreSQL store: users, sessions, API tokens and profile owners."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from paperfeed.errors import PaperfeedError, ProfileTaken
from paperfeed.store.base import UserRow
from paperfeed.store.pg_base import PgBase
from paperfeed.store.sqlhelpers import now as _now

LOCK_LOGIN = 7_245_300_004
"""pg_advisory_xact_lock key held while the login throttle checks and counts an attempt."""


class PgUserMixin(PgBase):
    """Users, sessions, API tokens and profile ownership (mixed into PostgresStore)."""

    def create_user(self, name: str, password_hash: str) -> int:
        """Add a user; raises PaperfeedError when the name is taken."""
        row = self._one("INSERT INTO users(name, password_hash, created_at) VALUES (%s,%s,%s) "
                        "ON CONFLICT (name) DO NOTHING RETURNING id", (name, password_hash, _now()))
        if row is None:
            raise PaperfeedError(f"user {name!r} already exists")
        return int(row[0])

    def user_by_name(self, name: str) -> UserRow | None:
        """The user with this name, ignoring (ASCII) case as SQLite's NOCASE does, or None; an exact match first."""
        row = self._one("SELECT id, name, password_hash, created_at FROM users WHERE lower(name) = lower(%s) "
                        "ORDER BY name = %s DESC LIMIT 1", (name, name))
        return UserRow(*row) if row else None

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        """Replace a user's password hash."""
        self._run("UPDATE users SET password_hash = %s WHERE id = %s", (password_hash, user_id))

    def user_rows(self) -> list[dict[str, Any]]:
        """Every user with the number of profiles, live sessions and API tokens they have."""
        q = (
            "SELECT u.id, u.name, u.created_at, "
            "(SELECT count(*) FROM profiles p WHERE p.owner_id = u.id), "
            "(SELECT count(*) FROM sessions s WHERE s.user_id = u.id AND s.expires_at > %s), "
            "(SELECT count(*) FROM api_tokens t WHERE t.user_id = u.id) FROM users u ORDER BY u.name"
        )
        return [{"id": r[0], "name": r[1], "created_at": r[2], "profiles": r[3], "sessions": r[4], "tokens": r[5]}
                for r in self._all(q, (_now(),))]

    def delete_user(self, name: str) -> bool:
        """Delete a user with their sessions and tokens; their profiles stay, without an owner."""
        return self._run("DELETE FROM users WHERE name = %s", (name,)) > 0

    def create_session(self, token_hash: str, user_id: int, csrf_token: str, expires_at: str) -> None:
        """Store a login session (the cookie's hash) and its CSRF token; drops expired sessions."""
        now = _now()
        self._run("DELETE FROM sessions WHERE expires_at <= %s", (now,))
        self._run("INSERT INTO sessions(token_hash, user_id, csrf_token, created_at, expires_at) "
                  "VALUES (%s,%s,%s,%s,%s)", (token_hash, user_id, csrf_token, now, expires_at))

    def session_user(self, token_hash: str) -> tuple[int, str, str] | None:
        """(user id, user name, CSRF token) of a live session, or None."""
        row = self._one("SELECT u.id, u.name, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id "
                        "WHERE s.token_hash = %s AND s.expires_at > %s", (token_hash, _now()))
        return (row[0], row[1], row[2]) if row else None

    def delete_session(self, token_hash: str) -> None:
        """Log a session out."""
        self._run("DELETE FROM sessions WHERE token_hash = %s", (token_hash,))

    def delete_user_sessions(self, user_id: int) -> int:
        """Log a user out everywhere (after a password change)."""
        return self._run("DELETE FROM sessions WHERE user_id = %s", (user_id,))

    def login_failures(self, keys: Sequence[str], since: float) -> dict[str, list[float]]:
        """Failure times (oldest first) of each key at or after ``since``; older rows are deleted.

        Takes an advisory lock held to the end of the transaction, so that in a transaction a check and
        the count after it are atomic across processes."""
        self._one("SELECT pg_advisory_xact_lock(%s)", (LOCK_LOGIN,))
        self._run("DELETE FROM login_failures WHERE at < %s", (since,))
        out: dict[str, list[float]] = {k: [] for k in keys}
        for key, at in self._all("SELECT key, at FROM login_failures WHERE key = ANY(%s) ORDER BY at", (list(keys),)):
            out[key].append(at)
        return out

    def add_login_failures(self, keys: Sequence[str], at: float) -> None:
        """Count one failure (or attempt) at time ``at`` against each key."""
        self._many("INSERT INTO login_failures(key, at) VALUES (%s,%s)", [(k, at) for k in keys])

    def forget_login_failures(self, key: str, newest_only: bool = False) -> None:
        """Forget a key's failures, or only its newest one."""
        if newest_only:
            self._run("DELETE FROM login_failures WHERE ctid = (SELECT ctid FROM login_failures "
                      "WHERE key = %s ORDER BY at DESC LIMIT 1)", (key,))
        else:
            self._run("DELETE FROM login_failures WHERE key = %s", (key,))

    def create_api_token(self, token_hash: str, user_id: int, name: str) -> None:
        """Store an API token's hash under a label."""
        self._run("INSERT INTO api_tokens(token_hash, user_id, name, created_at) VALUES (%s,%s,%s,%s)",
                  (token_hash, user_id, name, _now()))

    def api_token_user(self, token_hash: str) -> tuple[int, str] | None:
        """(user id, user name) owning an API token, or None."""
        row = self._one("SELECT u.id, u.name FROM api_tokens t JOIN users u ON u.id = t.user_id "
                        "WHERE t.token_hash = %s", (token_hash,))
        return (row[0], row[1]) if row else None

    def api_token_rows(self, user_id: int) -> list[dict[str, Any]]:
        """A user's tokens (labels and dates only)."""
        rows = self._all("SELECT name, created_at FROM api_tokens WHERE user_id = %s ORDER BY created_at, name",
                         (user_id,))
        return [{"name": n, "created_at": c} for n, c in rows]

    def delete_api_tokens(self, user_id: int, name: str | None = None) -> int:
        """Revoke a user's tokens (all, or those with this label)."""
        if name is None:
            return self._run("DELETE FROM api_tokens WHERE user_id = %s", (user_id,))
        return self._run("DELETE FROM api_tokens WHERE user_id = %s AND name = %s", (user_id, name))

    def profile_owners(self) -> dict[str, int | None]:
        """Owner user id (or None) of every profile, by profile name."""
        return dict(self._all("SELECT name, owner_id FROM profiles"))

    def profile_owner(self, name: str) -> tuple[bool, int | None]:
        """(exists, owner id) of a profile."""
        row = self._one("SELECT owner_id FROM profiles WHERE name = %s", (name,))
        return (row is not None, row[0] if row else None)

    def set_profile_owner(self, name: str, user_id: int | None) -> bool:
        """Give a profile to a user (None: to nobody)."""
        return self._run("UPDATE profiles SET owner_id = %s WHERE name = %s", (user_id, name)) > 0

    def claim_profile(self, name: str, user_id: int) -> bool:
        """Create an empty profile owned by ``user_id``, or accept one it already owns.

        Returns True when created. Raises ProfileTaken when the name exists with another owner."""
        row = self._one("INSERT INTO profiles(name, interests, authors, created_at, owner_id) "
                        "VALUES (%s, '', '[]', %s, %s) ON CONFLICT (name) DO NOTHING RETURNING id",
                        (name, _now(), user_id))
        if row is not None:
            return True
        exists, owner = self.profile_owner(name)
        if owner != user_id:
            raise ProfileTaken(f"the profile name {name!r} is taken; choose another")
        return False
