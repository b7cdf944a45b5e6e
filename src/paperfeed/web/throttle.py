"""Login throttling: too many failed logins for one user name or from one address are refused for
a while (HTTP 429 with Retry-After), so passwords cannot be guessed at the speed of argon2."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable

MAX_FAILURES = 5
"""Failed logins allowed per user name, and per client address, within WINDOW_S."""
WINDOW_S = 15 * 60


class LoginThrottle:
    """Failures per key in a sliding window, kept in memory (a restart forgets them)."""

    def __init__(self, max_failures: int = MAX_FAILURES, window_s: float = WINDOW_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_failures, self.window_s, self.clock = max_failures, window_s, clock
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def retry_after(self, *keys: str) -> int:
        """Seconds until any of these keys may try again; 0 if none is blocked."""
        now = self.clock()
        wait = 0.0
        with self._lock:
            for k in keys:
                q = self._prune(k, now)
                if len(q) >= self.max_failures:
                    wait = max(wait, q[0] + self.window_s - now)
        return int(wait) + 1 if wait > 0 else 0

    def attempt(self, *keys: str) -> int:
        """Check and count one login attempt against every key, atomically, before the password is checked.

        Returns the seconds to wait when any key is blocked (nothing is counted then), else 0. Counting
        first means concurrent attempts cannot all pass the check while the slow hash runs.
        """
        now = self.clock()
        with self._lock:
            queues = [self._prune(k, now) for k in keys]
            wait = max((q[0] + self.window_s - now for q in queues if len(q) >= self.max_failures), default=0.0)
            if wait > 0:
                return int(wait) + 1
            for q in queues:
                q.append(now)
        return 0

    def failed(self, *keys: str) -> None:
        """Record one failed login against every key."""
        now = self.clock()
        with self._lock:
            for k in keys:
                self._prune(k, now).append(now)

    def succeeded(self, key: str, *counted: str) -> None:
        """A correct login clears that key's failures (an address's failures stay).

        ``counted``: other keys whose attempt (see ``attempt``) turned out not to be a failure."""
        with self._lock:
            self._failures.pop(key, None)
            for k in counted:
                q = self._failures.get(k)
                if q:
                    q.pop()

    def _prune(self, key: str, now: float) -> deque[float]:
        q = self._failures[key]
        while q and q[0] <= now - self.window_s:
            q.popleft()
        return q
