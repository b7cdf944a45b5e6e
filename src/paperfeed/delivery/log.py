"""Each paper once: the delivery-log protocol around sending one digest.

1. One transaction records the digest as 'sending' together with one ``deliveries`` row per paper.
   That table's key (profile, paper) makes a second live delivery of a paper impossible, and
   Library.feed already leaves out the papers of 'sending' and 'sent' digests.
2. The message is sent.
3. Accepted: the digest becomes 'sent' (its Message-ID was stored in step 1).
   Certainly not sent (unreachable server, bad login, refused): 'failed', and its deliveries rows
   are deleted so those papers go into the next digest; the digest row stays as the record.
   Uncertain (the connection broke after the whole message was handed over): 'sent' with a note.
4. A digest still 'sending' when the next run starts means the process died between 2 and 3
   (runs that send hold the run lock, so nobody else is sending it). It is resolved as 'sent',
   marked unconfirmed, with a warning: the SMTP server has most probably accepted it (the window
   is the few milliseconds around the server's reply) and re-sending would repeat papers. Its
   record and papers stay, so nothing is sent twice and nothing is lost from the log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage

from paperfeed.delivery.smtp import DeliveryUncertain, Sender
from paperfeed.errors import PaperfeedError
from paperfeed.store.base import DeliveryStore

UNCONFIRMED = "unconfirmed: the run ended between sending and recording; assumed delivered, not re-sent"


@dataclass
class DigestOutcome:
    """What happened to one profile's digest."""

    profile: str
    status: str  # sent | unconfirmed | nothing | skipped | dry-run | failed
    papers: int = 0
    digest_id: int | None = None
    message_id: str | None = None
    detail: str = ""
    warnings: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    items: list[dict] = field(default_factory=list, repr=False)  # the papers, as export.hits_json
    message: EmailMessage | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        """False for a failure or an uncertain send."""
        return self.status not in ("failed", "unconfirmed")

    def as_dict(self) -> dict:
        """JSON shape (without the message itself)."""
        return {k: v for k, v in self.__dict__.items() if k != "message"}

    def summary(self) -> str:
        """One line."""
        what = {
            "sent": f"sent {self.papers} papers", "unconfirmed": f"{self.papers} papers, delivery unconfirmed",
            "nothing": "nothing new", "skipped": "skipped", "dry-run": f"{self.papers} papers (dry run, not sent)",
            "failed": "failed",
        }[self.status]
        return f"{self.profile}: {what}" + (f" ({self.detail})" if self.detail else "")


def resolve_unconfirmed(store: DeliveryStore, profile_id: int) -> list[dict]:
    """Digests a crashed run left in 'sending': recorded as sent (unconfirmed); returns them."""
    stale = store.digests(profile_id, status="sending")
    if stale:
        with store.transaction():
            for d in stale:
                store.mark_digest_sent(d["id"], note=UNCONFIRMED)
    return stale


def deliver(store: DeliveryStore, profile_id: int, items: Sequence[tuple[int, str]], msg: EmailMessage,
            sender: Sender) -> int:
    """Record, send, then mark: the protocol above. Returns the digest id; raises DeliveryError."""
    with store.transaction():
        digest_id = store.begin_digest(profile_id, items, str(msg["Message-ID"]), str(msg["To"]),
                                       str(msg["Subject"]))
    try:
        sender(msg)
    except DeliveryUncertain as e:
        with store.transaction():
            store.mark_digest_sent(digest_id, note=f"unconfirmed: {e}")
        raise
    except PaperfeedError as e:
        with store.transaction():
            store.mark_digest_failed(digest_id, str(e))
        raise
    with store.transaction():
        store.mark_digest_sent(digest_id)
    return digest_id
