"""The daily pipeline: fetch from arXiv, enrich, digests, the daily run (``Library.delivery``).

A part of the Library by composition: it uses the Library's store, feed and config (config.toml in
the data directory, paperfeed/config_file.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from paperfeed.config_file import Config, ConfigError
from paperfeed.export import hits_json
from paperfeed.models import Hit

if TYPE_CHECKING:  # (imported where used: a command that only reads starts without httpx, lxml, jinja2, smtplib)
    from paperfeed.config import Settings
    from paperfeed.delivery.daily import DailyReport
    from paperfeed.delivery.log import DigestOutcome
    from paperfeed.delivery.smtp import Sender, SmtpSettings
    from paperfeed.library import Library
    from paperfeed.sources.arxiv import ArxivClient
    from paperfeed.sources.harvest import EnrichReport, FetchReport
    from paperfeed.store.base import Store


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


class Delivery:
    """fetch_arxiv, enrich, digest, daily: ``lib.delivery.digest("jane", send=True)``."""

    def __init__(self, lib: Library) -> None:
        self.lib = lib

    @property
    def store(self) -> Store:
        return self.lib.store

    @property
    def settings(self) -> Settings:
        return self.lib.settings

    # ---- arXiv ------------------------------------------------------------------------

    def arxiv_client(self, cfg: Config | None = None, base_url: str | None = None, method: str = "api",
                     **overrides) -> ArxivClient:
        """A client configured from config.toml; ``base_url`` replaces the endpoint of ``method``."""
        cfg = cfg or self.lib.config()
        api, oai = cfg.get("fetch.api_url"), cfg.get("fetch.oai_url")
        if base_url:
            api, oai = (base_url, oai) if method == "api" else (api, base_url)
        opts = {"delay": cfg.get("fetch.delay"), "timeout": cfg.get("fetch.timeout"),
                "retries": cfg.get("fetch.retries"), "backoff": cfg.get("fetch.backoff"), **overrides}
        from paperfeed.sources.arxiv import ArxivClient

        return ArxivClient(api, oai, **opts)

    def fetch_arxiv(
        self, categories: Sequence[str] = (), since: str | None = None, until: str | None = None,
        method: str | None = None, base_url: str | None = None, client: ArxivClient | None = None,
        progress: Callable[[FetchReport], None] | None = None,
    ) -> list[FetchReport]:
        """Fetch new papers in ``categories`` (default: fetch.categories), resuming any stopped harvest."""
        cfg = self.lib.config()
        cats = list(categories) or list(cfg.get("fetch.categories"))
        if not cats:
            raise ConfigError("no categories to fetch: pass --category or "
                              "`paperfeed config set fetch.categories cs.LG,cs.CL`")
        method = method or cfg.get("fetch.method")
        own = client is None
        client = client or self.arxiv_client(cfg, base_url, method)
        first = cfg.get("fetch.first_days")
        try:
            if method == "oai":
                from paperfeed.sources.harvest import harvest_oai

                return harvest_oai(self.store, client, cats, since, until, first, progress)
            from paperfeed.sources.harvest import harvest_api

            return [harvest_api(self.store, client, cats, since, until, first, cfg.get("fetch.page_size"), progress)]
        finally:
            if own:
                client.close()

    def enrich(self, limit: int | None = None, base_url: str | None = None, client: ArxivClient | None = None,
               progress: Callable[[int], None] | None = None) -> EnrichReport:
        """Look up papers that have an arXiv id but lack a title, authors or date (100 ids a request)."""
        own = client is None
        client = client or self.arxiv_client(base_url=base_url, method="api")
        try:
            from paperfeed.sources.harvest import enrich

            return enrich(self.store, client, limit=limit, progress=progress)
        finally:
            if own:
                client.close()

    # ---- digests ---------------------------------------------------------------------

    def smtp_settings(self, cfg: Config | None = None) -> SmtpSettings:
        """SMTP settings from config.toml, the password from PAPERFEED_SMTP_PASSWORD."""
        from paperfeed.delivery.smtp import SmtpSettings

        cfg = cfg or self.lib.config()
        return SmtpSettings(host=cfg.get("smtp.host"), port=cfg.get("smtp.port"), tls=cfg.get("smtp.tls"),
                            user=cfg.get("smtp.user"), password=cfg.smtp_password(),
                            timeout=cfg.get("smtp.timeout"), cafile=cfg.get("smtp.cafile"))

    def digest_since(self, since: str | None = None, cfg: Config | None = None) -> str:
        """The first day of the digest's window: ``since``, else digest.days (7) days before today."""
        cfg = cfg or self.lib.config()
        return since or (datetime.now(UTC).date() - timedelta(days=cfg.get("digest.days"))).isoformat()

    def digest_hits(self, name: str, limit: int | None = None, since: str | None = None,
                    cfg: Config | None = None) -> list[Hit]:
        """The papers the next digest would hold: the feed over recent papers, minus delivered ones."""
        cfg = cfg or self.lib.config()
        hits = self.lib.feed(name, since=self.digest_since(since, cfg), limit=limit or cfg.get("digest.limit"))
        return hits + self.lib.alert_digest_hits(name, hits)  # saved searches' new matches (library_reading.py)

    def why_empty(self, since: str) -> str:
        """Why a digest (or feed) from ``since`` on has no papers, and what to do about it."""
        newest = self.lib.newest_date()
        if newest is None:
            return "the library has no dated papers; fetch some with `paperfeed fetch arxiv`"
        if newest < since:
            return (f"no papers since {since}; the newest paper in the library is from {newest}; fetch new ones "
                    "with `paperfeed fetch arxiv` or pass --since")
        return f"no papers since {since} that were not sent before or are not the profile's own"

    def digest(self, name: str, send: bool = False, limit: int | None = None, since: str | None = None,
               force: bool = False, sender: Sender | None = None) -> DigestOutcome:
        """Build a profile's digest; send and log it with ``send`` (under the run lock), else a dry run."""
        from paperfeed.delivery.log import DigestOutcome

        cfg = self.lib.config()
        if send:
            with self.store.run_lock("digest", self.settings.home):
                return self.send_digest_locked(name, cfg, limit, since, force, sender)
        self.lib._profile_id(name)
        hits = self.digest_hits(name, limit, since, cfg)
        msg = self._message(name, hits, cfg, cfg.get("smtp.from") or "paperfeed@localhost",
                            cfg.emails.get(name) or f"{name}@localhost")
        return DigestOutcome(profile=name, status="dry-run", papers=len(hits), message=msg,
                             message_id=str(msg["Message-ID"]), items=hits_json(hits),
                             detail="" if hits else self.why_empty(self.digest_since(since, cfg)))

    def send_digest_locked(self, name: str, cfg: Config | None = None, limit: int | None = None,
                           since: str | None = None, force: bool = False,
                           sender: Sender | None = None) -> DigestOutcome:
        """Send a profile's digest following delivery/log.py; the caller holds the run lock."""
        from paperfeed.delivery.log import DigestOutcome, deliver, resolve_unconfirmed
        from paperfeed.delivery.smtp import DeliveryUncertain, smtp_sender

        cfg = cfg or self.lib.config()
        prof_id = self.lib._profile_id(name)
        recipient, from_ = cfg.emails.get(name), cfg.get("smtp.from")
        if not recipient:
            raise ConfigError(f"no email address for {name!r}: paperfeed config set profiles.{name}.email ADDRESS")
        if not from_:
            raise ConfigError("no sender address: paperfeed config set smtp.from paperfeed@example.org")
        stale = resolve_unconfirmed(self.store, prof_id)
        warnings = [f"digest #{d['id']} of {d['created_at']} ({d['papers']} papers) was interrupted after sending "
                    "began; recorded as sent (unconfirmed), not re-sent" for d in stale]
        out = DigestOutcome(profile=name, status="skipped", warnings=warnings)
        if not force and (self.store.last_sent_at(prof_id) or "")[:10] == _today():
            out.detail = "already sent today; --force sends another"
            return out
        t0 = time.perf_counter()
        hits = self.digest_hits(name, limit, since, cfg)
        out.seconds["rank"] = time.perf_counter() - t0
        if not hits:
            out.status, out.detail = "nothing", self.why_empty(self.digest_since(since, cfg))
            return out
        t1 = time.perf_counter()
        msg = self._message(name, hits, cfg, from_, recipient)
        ids = self.store.ids_for_keys([h.key for h in hits])
        items = [(ids[h.key], h.why) for h in hits]
        out.seconds["build"] = time.perf_counter() - t1
        t2 = time.perf_counter()
        out.papers, out.message, out.message_id = len(items), msg, str(msg["Message-ID"])
        out.items = hits_json(hits)
        try:
            out.digest_id = deliver(self.store, prof_id, items, msg, sender or smtp_sender(self.smtp_settings(cfg)))
            out.status = "sent"
        except DeliveryUncertain as e:
            out.status, out.detail = "unconfirmed", str(e)
        out.seconds["send"] = time.perf_counter() - t2
        return out

    def _message(self, name: str, hits: list[Hit], cfg: Config, from_: str, to: str):
        web = cfg.get("web.base_url") or None
        from paperfeed.delivery.digest import Digest, build_message, digest_items, new_message_id

        digest = Digest(profile=name, items=digest_items(hits, name, web), day=_today(), web_url=web)
        return build_message(digest, from_, to, new_message_id(from_))

    def mark_seen(self, name: str, items: Sequence[tuple[str, str]], channel: str = "web") -> int:
        """Record (key, why) papers as delivered to a profile without sending anything; returns how many.

        They leave the feed as papers sent in a digest do; papers already delivered are skipped.
        """
        store = self.store
        prof = self.lib._profile_id(name)
        ids = store.ids_for_keys([k for k, _ in items])
        with store.transaction():
            delivered = store.delivered_ids(prof)
            rows = list({ids[k]: (ids[k], why) for k, why in items if k in ids and ids[k] not in delivered}.values())
            if not rows:
                return 0
            note = f"marked as seen ({channel})"
            digest = store.begin_digest(prof, rows, message_id=None, recipient=None, subject=note, channel=channel)
            store.mark_digest_sent(digest, note=note)
        return len(rows)

    def digest_log(self, name: str | None = None, limit: int = 50) -> list[dict]:
        """Recorded digests, newest first."""
        return self.store.digests(self.lib._profile_id(name) if name else None, limit=limit)

    # ---- the daily run ------------------------------------------------------------------

    def daily(self, since: str | None = None, client: ArxivClient | None = None, sender: Sender | None = None,
              fetch: bool = True) -> DailyReport:
        """fetch -> embed -> digests, under the run lock (LockedError if another run holds it)."""
        with self.store.run_lock("daily", self.settings.home):
            from paperfeed.delivery.daily import run_daily

            return run_daily(self.lib, since=since, client=client, sender=sender, fetch=fetch)

