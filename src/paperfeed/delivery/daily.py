"""The daily run: fetch -> embed (and sentence vectors, once asked for) -> one digest per profile with an email.

Cron- and systemd-friendly: one run at a time (the caller holds the run lock), one summary line,
exit code 0 when everything worked, 2 when a step failed (a later run catches up), 75 when another
run holds the lock. A failed fetch skips the digests, so they are never built from a stale library.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from paperfeed.delivery.log import DigestOutcome
from paperfeed.errors import PaperfeedError
from paperfeed.sources.harvest import FetchReport

EXIT_OK = 0
EXIT_FAILED = 2


@dataclass
class DailyReport:
    """What a daily run did, with the seconds each stage took."""

    fetch: list[FetchReport] = field(default_factory=list)
    fetch_error: str | None = None
    embedded: int = 0
    second_tier: int = 0
    """Papers the second tiers (feed.rerank_model, similar.rerank_model) embedded: the digest window and
    profile papers (counted once per model)."""
    sentences: int = 0
    digests: list[DigestOutcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        """0 when every step worked, else 2."""
        return EXIT_FAILED if self.fetch_error or any(not d.ok for d in self.digests) else EXIT_OK

    def as_dict(self) -> dict:
        """JSON shape."""
        return {"exit_code": self.exit_code, "summary": self.summary(), "fetch": [f.as_dict() for f in self.fetch],
                "fetch_error": self.fetch_error, "embedded": self.embedded,
                "second_tier": self.second_tier, "sentences": self.sentences,
                "digests": [d.as_dict() for d in self.digests], "notes": self.notes, "seconds": self.seconds}

    def summary(self) -> str:
        """One line for cron mail and the journal."""
        if self.fetch_error:
            fetched = f"fetch failed: {self.fetch_error}"
        elif self.fetch:
            fetched = (f"fetched {sum(f.added for f in self.fetch)} new, {sum(f.updated for f in self.fetch)} "
                       f"updated")
        else:
            fetched = "no fetch"
        counts: dict[str, int] = {}
        for d in self.digests:
            counts[d.status] = counts.get(d.status, 0) + 1
        sent = sum(d.papers for d in self.digests if d.status == "sent")
        if self.fetch_error:
            digests = "digests skipped (fetch failed; the next run catches up)"
        else:
            digests = "digests: " + (", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no profiles")
            digests += f" ({sent} papers)" if sent else ""
        failed = [d.summary() for d in self.digests if not d.ok]
        head = "daily ok" if self.exit_code == EXIT_OK else "daily FAILED"
        tail = f"; {'; '.join(failed)}" if failed else ""
        embedded = f"embedded {self.embedded}" + (f" (+ sentences of {self.sentences})" if self.sentences else "")
        if "embed_second" in self.seconds:
            embedded += f" (second tier {self.second_tier} in {self.seconds['embed_second']:.1f}s)"
        return f"{head}: {fetched}; {embedded}; {digests}{tail}; {self.seconds.get('total', 0):.1f}s"


def run_daily(lib, since: str | None = None, client=None, sender=None, fetch: bool = True) -> DailyReport:
    """Fetch, embed and send every profile's digest (call with the run lock held)."""
    t0 = time.perf_counter()
    report = DailyReport()
    cfg = lib.config()
    lib.sync_profile_emails(cfg)
    if fetch and cfg.get("fetch.categories"):
        try:
            report.fetch = lib.delivery.fetch_arxiv(since=since, client=client)
        except PaperfeedError as e:
            report.fetch_error = str(e)
    elif fetch:
        report.notes.append("fetch skipped: no fetch.categories in config.toml")
    report.seconds["fetch"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    report.embedded = lib.embed_pending()
    report.sentences = lib.embed_sentences_kept_ahead()  # only if `embed --sentences` was ever run
    report.seconds["embed"] = time.perf_counter() - t1
    models = lib.second_tier_models()
    if models:  # the stronger model(s) embed only what the digests rank and show
        t = time.perf_counter()
        window = lib.second_tier_ids(lib.delivery.digest_since(since, cfg))
        report.second_tier = sum(lib.embed_pending(m, ids=window) for m in models)
        report.seconds["embed_second"] = time.perf_counter() - t
    t2 = time.perf_counter()
    if not report.fetch_error:
        for name in sorted(cfg.emails):
            report.digests.append(_one_digest(lib, name, cfg, since, sender))
    report.seconds["digests"] = time.perf_counter() - t2
    report.seconds["total"] = time.perf_counter() - t0
    return report


def _one_digest(lib, name: str, cfg, since: str | None, sender) -> DigestOutcome:
    try:
        return lib.delivery.send_digest_locked(name, cfg=cfg, since=since, sender=sender)
    except PaperfeedError as e:
        return DigestOutcome(profile=name, status="failed", detail=str(e))
