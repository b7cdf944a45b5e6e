"""Accounts for a shared server: users, argon2 password hashes, login sessions, API tokens, and
which user owns which profile. The web app and the `paperfeed user` commands reach it as
``Library.accounts``.

Only hashes reach the database: passwords as argon2id, session cookies and API tokens as SHA-256
of a 256-bit random value (a fast hash is enough for values that cannot be guessed).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from paperfeed.errors import NotFound, PaperfeedError
from paperfeed.store.base import AccountStore, UserRow

SESSION_DAYS = 30
MIN_PASSWORD = 8
TOKEN_PREFIX = "pft_"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
_hasher = PasswordHasher()
_dummy_hash: str | None = None


@dataclass(frozen=True)
class Principal:
    """Who is making a request.

    ``via`` is 'local' (single-user mode, no login), 'session' (a browser login) or 'token'
    (Authorization: Bearer). ``user_id`` is None in single-user mode, where everything is accessible.
    """

    name: str
    user_id: int | None = None
    via: str = "local"
    csrf: str = ""

    @property
    def sees_everything(self) -> bool:
        """Single-user mode: every profile is this user's."""
        return self.user_id is None


def new_secret() -> str:
    """A URL-safe random value with 256 bits of entropy."""
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """The stored form of a session cookie or API token."""
    return hashlib.sha256(secret.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    """Constant-time string comparison."""
    return hmac.compare_digest(a.encode(), b.encode())


def hash_password(password: str) -> str:
    """argon2id hash of a password (checks the minimum length)."""
    if len(password) < MIN_PASSWORD:
        raise PaperfeedError(f"password too short: use at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether the password matches; costs the same time when the user does not exist."""
    global _dummy_hash
    if password_hash is None:
        _dummy_hash = _dummy_hash or _hasher.hash(new_secret())
        password_hash, password = _dummy_hash, password + "\0"
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def check_user_name(name: str) -> str:
    """A valid user name (ASCII letters, digits, _ . @ -; at most 64) or PaperfeedError.

    User names ignore case: ``Alice`` and ``alice`` are one account (and one login throttle)."""
    if not _NAME.match(name):
        raise PaperfeedError(f"invalid user name {name!r}: use ASCII letters, digits, '_', '.', '@' or '-' "
                             "(at most 64, starting with a letter or digit)")
    return name


class Accounts:
    """User, session, token and profile-ownership operations over a store with UserStoreMixin."""

    def __init__(self, store: AccountStore) -> None:
        self.store = store

    def add_user(self, name: str, password: str) -> int:
        """Create a user; the name must be free and the password long enough."""
        check_user_name(name)
        hashed = hash_password(password)
        with self.store.transaction():
            self.check_name_free(name)
            return self.store.create_user(name, hashed)

    def check_name_free(self, name: str) -> None:
        """PaperfeedError if a user has this name, in any case."""
        taken = self.store.user_by_name(name)
        if taken is not None:
            raise PaperfeedError(f"user {taken.name!r} already exists (user names ignore case)")

    def set_password(self, name: str, password: str) -> None:
        """Change a password and end the user's sessions."""
        user = self.get_user(name)
        hashed = hash_password(password)
        with self.store.transaction():
            self.store.set_password_hash(user.id, hashed)
            self.store.delete_user_sessions(user.id)

    def delete_user(self, name: str) -> None:
        """Delete a user (profiles stay, without an owner)."""
        user = self.get_user(name)
        with self.store.transaction():
            self.store.delete_user(user.name)

    def authenticate(self, name: str, password: str) -> Principal | None:
        """The user for a correct name and password, else None."""
        user = self.store.user_by_name(name)
        if not verify_password(user.password_hash if user else None, password) or user is None:
            return None
        return Principal(name=user.name, user_id=user.id, via="session")

    def start_session(self, user: Principal) -> tuple[str, str]:
        """A new session for a user: (cookie value, CSRF token)."""
        if user.user_id is None:
            raise PaperfeedError("single-user mode has no sessions")
        cookie, csrf = new_secret(), new_secret()
        expires = (datetime.now(UTC) + timedelta(days=SESSION_DAYS)).strftime("%Y-%m-%dT%H:%M:%SZ")
        with self.store.transaction():
            self.store.create_session(digest(cookie), user.user_id, csrf, expires)
        return cookie, csrf

    def session(self, cookie: str) -> Principal | None:
        """The user of a live session cookie, or None."""
        row = self.store.session_user(digest(cookie))
        return Principal(name=row[1], user_id=row[0], via="session", csrf=row[2]) if row else None

    def end_session(self, cookie: str) -> None:
        """Log out."""
        with self.store.transaction():
            self.store.delete_session(digest(cookie))

    def new_token(self, name: str, label: str = "default") -> str:
        """A new API token for a user; only its hash is stored, so show it once."""
        user = self.get_user(name)
        token = TOKEN_PREFIX + new_secret()
        with self.store.transaction():
            self.store.create_api_token(digest(token), user.id, label)
        return token

    def token_user(self, token: str) -> Principal | None:
        """The user owning an API token, or None."""
        row = self.store.api_token_user(digest(token))
        return Principal(name=row[1], user_id=row[0], via="token") if row else None

    def get_user(self, name: str) -> UserRow:
        """The user with this name, or NotFound."""
        user = self.store.user_by_name(name)
        if user is None:
            raise NotFound(f"no user named {name!r} (see `paperfeed user list`)")
        return user

    def users(self) -> list[dict]:
        """Every user with their numbers of profiles, live sessions and API tokens."""
        return self.store.user_rows()

    def revoke_tokens(self, name: str, label: str | None = None) -> int:
        """Delete a user's API tokens (those with ``label``, or all); returns how many."""
        user = self.get_user(name)
        with self.store.transaction():
            return self.store.delete_api_tokens(user.id, label)

    def assign_profiles(self, name: str, profiles: Sequence[str]) -> None:
        """Give existing profiles to a user; all or none (an unknown profile is NotFound)."""
        user = self.get_user(name)
        with self.store.transaction():
            for prof in profiles:
                if not self.store.set_profile_owner(prof, user.id):
                    raise NotFound(f"no profile named {prof!r} (see `paperfeed profile list`)")

    def claim_profile(self, name: str, user_id: int) -> None:
        """Make a (new or unowned) profile name this user's; ProfileTaken if another user has it."""
        with self.store.transaction():
            self.store.claim_profile(name, user_id)

    def profile_owners(self) -> dict[str, int | None]:
        """Owner's user id of every profile (None: no owner)."""
        return self.store.profile_owners()

    def profile_owner(self, name: str) -> tuple[bool, int | None]:
        """Whether the profile exists, and its owner's user id."""
        return self.store.profile_owner(name)
