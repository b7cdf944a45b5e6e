"""The login throttle keeps its failures in the store: one limit for every worker process of
`paperfeed serve --workers N`, on both backends, and a restart forgets nothing."""

from __future__ import annotations

import subprocess
import sys
import time

from paperfeed.store.base import Store, open_store
from paperfeed.web.throttle import LoginThrottle


def test_a_correct_login_clears_the_name_but_not_the_address(any_store: Store) -> None:
    now = [1000.0]
    t = LoginThrottle(any_store, max_failures=3, window_s=60, clock=lambda: now[0])
    t.failed("user:alice", "addr:1.2.3.4")
    t.failed("user:alice", "addr:1.2.3.4")
    t.succeeded("user:alice")
    t.failed("user:alice", "addr:1.2.3.4")
    assert t.retry_after("user:alice") == 0
    assert t.retry_after("addr:1.2.3.4") == 61  # three failures, the first at t=1000
    now[0] += 30
    assert t.retry_after("user:alice", "addr:1.2.3.4") == 31
    now[0] += 31
    assert t.retry_after("user:alice", "addr:1.2.3.4") == 0  # the window slid past the first failure


def test_an_attempt_counts_before_the_check_and_a_success_takes_it_back(any_store: Store) -> None:
    now = [50.0]
    t = LoginThrottle(any_store, max_failures=2, window_s=100, clock=lambda: now[0])
    assert t.attempt("user:bob", "addr:10.0.0.1") == 0
    t.succeeded("user:bob", "addr:10.0.0.1")  # the right password: neither key keeps this attempt
    assert t.attempt("user:carol", "addr:10.0.0.1") == 0  # wrong password: counted
    assert t.attempt("user:carol", "addr:10.0.0.1") == 0
    assert t.attempt("user:bob", "addr:10.0.0.1") == 101  # the address is at its limit: nothing counted
    assert t.retry_after("user:bob") == 0


def test_failures_survive_a_restart_and_only_hashes_are_stored(store_url: str) -> None:
    first = open_store(store_url)
    try:
        for _ in range(3):
            LoginThrottle(first, max_failures=3).failed("user:alice")
    finally:
        first.close()
    again = open_store(store_url)  # a new process's store, as after `paperfeed serve` restarts
    try:
        assert LoginThrottle(again, max_failures=3).retry_after("user:alice") > 0
        stored = again.login_failures(["user:alice"], 0.0)
        assert stored == {"user:alice": []}  # the name itself is not a key: its SHA-256 is
    finally:
        again.close()


WORKER = """
import sys, time
from paperfeed.store.base import open_store
from paperfeed.web.throttle import LoginThrottle
store = open_store(sys.argv[1])
store.login_failures([], 0.0)  # connected and migrated before the start signal
start = float(sys.argv[2])
time.sleep(max(0.0, start - time.time()))
print(LoginThrottle(store, max_failures=5).attempt("user:alice", "addr:192.0.2.7"))
store.close()
"""


def test_worker_processes_share_one_limit(store_url: str) -> None:
    """Twelve processes guess alice's password at the same moment: exactly five get to try."""
    open_store(store_url).close()  # migrate once, before the workers
    start = time.time() + 4.0
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, store_url, str(start)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(12)]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        results.append(int(out))
    assert sorted(results)[:5] == [0] * 5
    assert all(r > 0 for r in sorted(results)[5:]), results
