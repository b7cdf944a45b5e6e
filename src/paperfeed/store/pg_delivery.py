"""Delivery tables of the PostgreSQL store: digests, deliveries, fetch cursors, and the run lock.

The each-paper-once protocol (paperfeed/delivery/log.py) rests on the same facts as in SQLite: a
digest and its deliveries are written in the caller's transaction, and ``deliveries`` has one row
per (profile, paper). The run lock is a session-level advisory lock held on a connection of its own
for as long as the run lasts: the server releases it when that connection ends, however the
process ends, so `daily` on one machine and the web app on another never send the same digest.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from paperfeed.errors import AlreadyDelivered
from paperfeed.store.pg_base import PgBase
from paperfeed.store.sqlhelpers import now as _now

LOCK_RUN = 7_245_300_003
"""pg_try_advisory_lock key of the daily run and of digest sends."""


class PgDeliveryMixin(PgBase):
    """Digests, deliveries, fetch cursors and the run lock (mixed into PostgresStore)."""

    def begin_digest(
        self, profile_id: int, items: Sequence[tuple[int, str]], message_id: str | None, recipient: str | None,
        subject: str, channel: str = "email",
    ) -> int:
        """Record a digest in state 'sending' with its (paper id, why) items; returns its id.

        Call inside a transaction. Raises AlreadyDelivered if a paper was already delivered."""
        import psycopg

        row = self._one(
            "INSERT INTO digests(profile_id, channel, status, message_id, recipient, subject, created_at) "
            "VALUES (%s, %s, 'sending', %s, %s, %s, %s) RETURNING id",
            (profile_id, channel, message_id, recipient, subject, _now()),
        )
        digest_id = int(row[0]) if row else 0
        try:
            self._many("INSERT INTO deliveries(profile_id, paper_id, digest_id, position, why) VALUES (%s,%s,%s,%s,%s)",
                       [(profile_id, pid, digest_id, pos, why) for pos, (pid, why) in enumerate(items, 1)])
        except psycopg.errors.UniqueViolation as e:
            raise AlreadyDelivered(f"digest for profile {profile_id}: {e.diag.message_detail or e}") from None
        return digest_id

    def mark_digest_sent(self, digest_id: int, note: str | None = None) -> None:
        """A digest the SMTP server accepted (``note`` records how that was decided)."""
        self._run("UPDATE digests SET status = 'sent', sent_at = %s, error = %s WHERE id = %s AND status = 'sending'",
                  (_now(), note, digest_id))

    def mark_digest_failed(self, digest_id: int, error: str) -> None:
        """A digest that was not sent: its papers become deliverable again; the row stays as a record."""
        n = self._run("DELETE FROM deliveries WHERE digest_id = %s", (digest_id,))
        self._run("UPDATE digests SET status = 'failed', error = %s WHERE id = %s AND status = 'sending'",
                  (f"{error} ({n} papers released)", digest_id))

    def digests(self, profile_id: int | None = None, status: str | None = None,
                limit: int = 50) -> list[dict[str, Any]]:
        """Digests, newest first, optionally for one profile and/or one status."""
        conds: list[str] = []
        args: list[int | str] = []
        if profile_id is not None:
            conds.append("g.profile_id = %s")
            args.append(profile_id)
        if status is not None:
            conds.append("g.status = %s")
            args.append(status)
        where = ("WHERE " + " AND ".join(conds)) if conds else ""
        q = (
            "SELECT g.id, p.name, g.channel, g.status, g.message_id, g.recipient, g.subject, g.created_at, "
            "g.sent_at, g.error, (SELECT count(*) FROM deliveries d WHERE d.digest_id = g.id) "
            f"FROM digests g JOIN profiles p ON p.id = g.profile_id {where} ORDER BY g.id DESC LIMIT %s"
        )
        cols = ("id", "profile", "channel", "status", "message_id", "recipient", "subject", "created_at",
                "sent_at", "error", "papers")
        return [dict(zip(cols, row, strict=True)) for row in self._all(q, (*args, limit))]

    def digest_items(self, digest_id: int) -> list[tuple[int, str]]:
        """(paper id, why) of a digest, in their order."""
        return self._all("SELECT paper_id, why FROM deliveries WHERE digest_id = %s ORDER BY position", (digest_id,))

    def last_sent_at(self, profile_id: int) -> str | None:
        """When the profile's newest sent digest was created (UTC ISO), or None."""
        row = self._one("SELECT max(created_at) FROM digests WHERE profile_id = %s AND status = 'sent'", (profile_id,))
        return row[0] if row else None

    def get_cursor(self, source: str) -> dict[str, Any] | None:
        """The saved harvesting state of a source, or None."""
        row = self._one("SELECT value FROM fetch_cursors WHERE source = %s", (source,))
        return json.loads(row[0]) if row else None

    def set_cursor(self, source: str, value: dict[str, Any]) -> None:
        """Save a source's harvesting state (call in the transaction that wrote the page)."""
        self._run(
            "INSERT INTO fetch_cursors(source, value, updated_at) VALUES (%s, %s, %s) "
            "ON CONFLICT (source) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            (source, json.dumps(value, sort_keys=True), _now()),
        )

    def cursors(self) -> dict[str, dict[str, Any]]:
        """Every saved cursor by source."""
        return {s: json.loads(v) for s, v in self._all("SELECT source, value FROM fetch_cursors")}

    @contextmanager
    def run_lock(self, what: str, home: Path) -> Iterator[None]:
        """Hold the database's run lock, or raise LockedError at once (never waits); ``home`` is unused."""
        import psycopg

        from paperfeed.delivery.lock import LockedError

        holder = f"{what}, pid {os.getpid()} on {socket.gethostname()}, since {_now()}"
        with psycopg.connect(self.url, autocommit=True, application_name=f"paperfeed {holder}"[:63]) as conn:
            row = conn.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_RUN,)).fetchone()
            if not (row and row[0]):
                other = conn.execute(
                    "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                    "WHERE l.locktype = 'advisory' AND l.objid = %s AND l.granted LIMIT 1", (LOCK_RUN & 0xFFFFFFFF,)
                ).fetchone()
                shown = (other[0].removeprefix("paperfeed ") if other and other[0] else "") or "unknown"
                raise LockedError(f"another paperfeed run is in progress ({shown}); not starting {what}")
            try:
                yield
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_RUN,))
