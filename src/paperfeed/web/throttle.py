"""Login throttling: too many failed logins for one user name or from one address are refused for
a while (HTTP 429 with Retry-After), so passwords cannot be guessed at the speed of argon2.

The failures live in the library's store (table login_failures), so every worker process of
`paperfeed serve --workers N` counts against the same limit, and a restart forgets nothing. Keys
are stored as SHA-256 hashes: what someone typed into the name field is not kept in the clear."""

from __future__ import annotations

import time
from collections.abc import Callable

from paperfeed.accounts import digest
from paperfeed.store.base import AccountStore

MAX_FAILURES = 5
"""Failed logins allowed per user name, and per client address, within WINDOW_S."""
WINDOW_S = 15 * 60


class LoginThrottle:
    """Failures per key in a sliding window of ``window_s`` seconds, kept in the store."""

    def __init__(self, store: AccountStore, max_failures: int = MAX_FAILURES, window_s: float = WINDOW_S,
                 clock: Callable[[], float] = time.time) -> None:
        self.store, self.max_failures, self.window_s, self.clock = store, max_failures, window_s, clock

    def _wait(self, keys: tuple[str, ...], now: float) -> float:
        """Seconds until every key is below the limit (0 if it is now); call inside a transaction."""
        failures = self.store.login_failures(keys, now - self.window_s)
        return max((t[0] + self.window_s - now for t in failures.values() if len(t) >= self.max_failures),
                   default=0.0)

    def retry_after(self, *keys: str) -> int:
        """Seconds until any of these keys may try again; 0 if none is blocked."""
        with self.store.transaction():
            wait = self._wait(tuple(map(digest, keys)), self.clock())
        return int(wait) + 1 if wait > 0 else 0

    def attempt(self, *keys: str) -> int:
        """Check and count one login attempt against every key, atomically, before the password is checked.

        Returns the seconds to wait when any key is blocked (nothing is counted then), else 0. Counting
        first means concurrent attempts, from this process or another, cannot all pass the check while
        the slow hash runs.
        """
        hashed, now = tuple(map(digest, keys)), self.clock()
        with self.store.transaction():
            wait = self._wait(hashed, now)
            if wait <= 0:
                self.store.add_login_failures(hashed, now)
        return int(wait) + 1 if wait > 0 else 0

    def failed(self, *keys: str) -> None:
        """Record one failed login against every key."""
        with self.store.transaction():
            self.store.add_login_failures(tuple(map(digest, keys)), self.clock())

    def succeeded(self, key: str, *counted: str) -> None:
        """A correct login clears that key's failures (an address's failures stay).

        ``counted``: other keys whose attempt (see ``attempt``) turned out not to be a failure."""
        with self.store.transaction():
            self.store.forget_login_failures(digest(key))
            for k in counted:
                self.store.forget_login_failures(digest(k), newest_only=True)
