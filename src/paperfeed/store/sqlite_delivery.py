"""Delivery tables of the SQLite store: digests, the papers each delivered, and fetch cursors.

The each-paper-once protocol (see paperfeed/delivery/log.py) relies on three facts kept here:
a digest and its deliveries are written in the caller's transaction; ``deliveries`` has one row
per (profile, paper), so a paper can be in only one live digest; a failed digest gives its papers back.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path

from paperfeed.errors import AlreadyDelivered
from paperfeed.store.sqlhelpers import now as _now


class DeliveryStoreMixin:
    """Digests, deliveries and fetch cursors (mixed into SqliteStore)."""

    conn: sqlite3.Connection

    # ---- digests ---------------------------------------------------------------

    def begin_digest(
        self, profile_id: int, items: Sequence[tuple[int, str]], message_id: str | None, recipient: str | None,
        subject: str, channel: str = "email",
    ) -> int:
        """Record a digest in state 'sending' with its (paper id, why) items; returns its id.

        Call inside a transaction. Raises AlreadyDelivered if a paper was already delivered.
        """
        cur = self.conn.execute(
            "INSERT INTO digests(profile_id, channel, status, message_id, recipient, subject, created_at) "
            "VALUES (?, ?, 'sending', ?, ?, ?, ?)",
            (profile_id, channel, message_id, recipient, subject, _now()),
        )
        digest_id = int(cur.lastrowid or 0)
        try:
            self.conn.executemany(
                "INSERT INTO deliveries(profile_id, paper_id, digest_id, position, why) VALUES (?,?,?,?,?)",
                [(profile_id, pid, digest_id, pos, why) for pos, (pid, why) in enumerate(items, 1)],
            )
        except sqlite3.IntegrityError as e:
            raise AlreadyDelivered(f"digest for profile {profile_id}: {e}") from None
        return digest_id

    def mark_digest_sent(self, digest_id: int, note: str | None = None) -> None:
        """A digest the SMTP server accepted (``note`` records how that was decided)."""
        self.conn.execute(
            "UPDATE digests SET status = 'sent', sent_at = ?, error = ? WHERE id = ? AND status = 'sending'",
            (_now(), note, digest_id),
        )

    def mark_digest_failed(self, digest_id: int, error: str) -> None:
        """A digest that was not sent: its papers become deliverable again; the row stays as a record."""
        n = self.conn.execute("SELECT count(*) FROM deliveries WHERE digest_id = ?", (digest_id,)).fetchone()[0]
        self.conn.execute("DELETE FROM deliveries WHERE digest_id = ?", (digest_id,))
        self.conn.execute(
            "UPDATE digests SET status = 'failed', error = ? WHERE id = ? AND status = 'sending'",
            (f"{error} ({n} papers released)", digest_id),
        )

    def digests(self, profile_id: int | None = None, status: str | None = None, limit: int = 50) -> list[dict]:
        """Digests, newest first, optionally for one profile and/or one status."""
        conds: list[str] = []
        args: list[int | str] = []
        if profile_id is not None:
            conds.append("g.profile_id = ?")
            args.append(profile_id)
        if status is not None:
            conds.append("g.status = ?")
            args.append(status)
        where = ("WHERE " + " AND ".join(conds)) if conds else ""
        q = (
            "SELECT g.id, p.name, g.channel, g.status, g.message_id, g.recipient, g.subject, g.created_at, "
            "g.sent_at, g.error, (SELECT count(*) FROM deliveries d WHERE d.digest_id = g.id) "
            f"FROM digests g JOIN profiles p ON p.id = g.profile_id {where} ORDER BY g.id DESC LIMIT ?"
        )
        cols = ("id", "profile", "channel", "status", "message_id", "recipient", "subject", "created_at",
                "sent_at", "error", "papers")
        return [dict(zip(cols, row, strict=True)) for row in self.conn.execute(q, (*args, limit))]

    def digest_items(self, digest_id: int) -> list[tuple[int, str]]:
        """(paper id, why) of a digest, in their order."""
        q = "SELECT paper_id, why FROM deliveries WHERE digest_id = ? ORDER BY position"
        return self.conn.execute(q, (digest_id,)).fetchall()

    def last_sent_at(self, profile_id: int) -> str | None:
        """When the profile's newest sent digest was created (UTC ISO), or None."""
        row = self.conn.execute(
            "SELECT max(created_at) FROM digests WHERE profile_id = ? AND status = 'sent'", (profile_id,)
        ).fetchone()
        return row[0] if row else None

    # ---- enrichment -------------------------------------------------------------

    def papers_to_enrich(self, limit: int | None = None) -> list[tuple[int, str]]:
        """(id, arXiv id) of papers missing a title, authors or date, never fetched from arXiv itself."""
        q = (
            "SELECT id, arxiv_id FROM papers WHERE arxiv_id IS NOT NULL "
            "AND (title = '' OR authors = '[]' OR date IS NULL) "
            "AND NOT EXISTS (SELECT 1 FROM paper_sources s WHERE s.paper_id = papers.id "
            "AND s.source IN ('arxiv-api', 'arxiv-oai')) ORDER BY id LIMIT ?"
        )
        return self.conn.execute(q, (-1 if limit is None else limit,)).fetchall()

    # ---- fetch cursors ------------------------------------------------------------

    def get_cursor(self, source: str) -> dict | None:
        """The saved harvesting state of a source, or None."""
        row = self.conn.execute("SELECT value FROM fetch_cursors WHERE source = ?", (source,)).fetchone()
        return json.loads(row[0]) if row else None

    def set_cursor(self, source: str, value: dict) -> None:
        """Save a source's harvesting state (call in the transaction that wrote the page)."""
        self.conn.execute(
            "INSERT INTO fetch_cursors(source, value, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT(source) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            (source, json.dumps(value, sort_keys=True), _now()),
        )

    def cursors(self) -> dict[str, dict]:
        """Every saved cursor by source."""
        return {s: json.loads(v) for s, v in self.conn.execute("SELECT source, value FROM fetch_cursors")}

    # ---- the run lock -------------------------------------------------------------

    def run_lock(self, what: str, home: Path) -> AbstractContextManager[None]:
        """One daily run or digest send at a time: a file lock in the data directory (delivery/lock.py)."""
        from paperfeed.delivery.lock import run_lock

        return run_lock(home, what)
