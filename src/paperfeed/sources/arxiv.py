"""HTTP client for arXiv's export API (Atom) and OAI-PMH: polite, patient, injectable. No parsing here.

One request at a time, at most one every ``delay`` seconds (arXiv asks for 3 s). Timeouts, connection
errors, 429 and 5xx answers are retried with exponential backoff; a ``Retry-After`` header (OAI-PMH
answers 503 with one while it is busy) is honoured up to ``max_wait``. Any other answer is a FetchError.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Self
from urllib.parse import urlsplit

import httpx

from paperfeed import __version__
from paperfeed.errors import PaperfeedError

API_URL = "https://export.arxiv.org/api/query"
OAI_URL = "https://oaipmh.arxiv.org/oai"
USER_AGENT = f"paperfeed/{__version__} (local research-paper discovery)"
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


class FetchError(PaperfeedError):
    """arXiv could not be reached, kept failing, or answered something unusable."""


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class ArxivClient:
    """GET arXiv pages with rate limiting and retries; returns response bodies as bytes.

    ``service`` names the service in error messages (subclasses for other services change it).

    Args:
        api_url: the export API endpoint (…/api/query).
        oai_url: the OAI-PMH endpoint.
        http: an httpx.Client to use (tests and callers inject one); else one is created.
        transport: an httpx transport for the created client (ignored when ``http`` is given).
        delay: minimum seconds between the starts of two requests.
        timeout: seconds before a request counts as failed (then retried).
        retries: extra attempts after the first.
        backoff: first backoff in seconds; doubles on every retry.
        max_wait: ceiling for any single wait (backoff or Retry-After).
    """

    service = "arXiv"

    def __init__(
        self, api_url: str = API_URL, oai_url: str = OAI_URL, *, http: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None, delay: float = 3.0, timeout: float = 30.0,
        retries: int = 5, backoff: float = 2.0, max_wait: float = 300.0,
        sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.api_url, self.oai_url = api_url, oai_url
        self._own = http is None
        self.http = http or httpx.Client(
            transport=transport, timeout=httpx.Timeout(timeout), follow_redirects=True,
            headers={"User-Agent": USER_AGENT},
        )
        self.delay, self.retries, self.backoff, self.max_wait = delay, retries, backoff, max_wait
        self._sleep, self._clock = sleep, clock
        self._last: float | None = None
        self.requests = 0

    def close(self) -> None:
        """Close the HTTP client if this object created it."""
        if self._own:
            self.http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- endpoints ---------------------------------------------------------------

    def api_query(
        self, search_query: str | None = None, id_list: Sequence[str] = (), start: int = 0,
        max_results: int = 100, sort_by: str | None = None, sort_order: str | None = None,
    ) -> bytes:
        """One page of the export API (Atom)."""
        params: dict[str, str | int] = {"start": start, "max_results": max_results}
        if search_query:
            params["search_query"] = search_query
        if id_list:
            params["id_list"] = ",".join(id_list)
        if sort_by:
            params["sortBy"] = sort_by
        if sort_order:
            params["sortOrder"] = sort_order
        return self.get(self.api_url, params)

    def oai_list_records(
        self, token: str | None = None, set_spec: str | None = None, from_: str | None = None,
        until: str | None = None, prefix: str = "arXiv",
    ) -> bytes:
        """One ListRecords page: the first of a harvest, or the one a resumption token names."""
        if token:
            return self.get(self.oai_url, {"verb": "ListRecords", "resumptionToken": token})
        params = {"verb": "ListRecords", "metadataPrefix": prefix}
        for name, value in (("set", set_spec), ("from", from_), ("until", until)):
            if value:
                params[name] = value
        return self.get(self.oai_url, params)

    # ---- the polite, patient GET ----------------------------------------------------

    def get(self, url: str, params: dict) -> bytes:
        """GET with rate limiting and retries; the body of the first 200 answer."""
        last = "no attempt"
        for attempt in range(self.retries + 1):
            self._wait_turn()
            wait = self.backoff * (2**attempt)
            try:
                resp = self.http.get(url, params=params)
            except httpx.TransportError as e:  # timeouts, refused or dropped connections
                last = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
            else:
                if resp.status_code == 200:
                    return resp.content
                if resp.status_code not in RETRY_STATUS:
                    raise FetchError(f"{_where(url, self.service)}: HTTP {resp.status_code} {resp.reason_phrase}: "
                                     f"{self.error_text(resp)}")
                last = f"HTTP {resp.status_code}"
                hinted = retry_after(resp.headers.get("Retry-After"))
                wait = hinted if hinted is not None else wait
            if attempt < self.retries:
                self._sleep(min(wait, self.max_wait))
        raise FetchError(f"{_where(url, self.service)} unavailable: {last} (gave up after {self.retries + 1} attempts)")

    def error_text(self, resp: httpx.Response) -> str:
        """What an error answer says, shortened to one line."""
        return _snippet(resp.text)

    def _wait_turn(self) -> None:
        """Sleep until ``delay`` seconds have passed since the previous request started."""
        now = self._clock()
        if self._last is not None and now - self._last < self.delay:
            self._sleep(self.delay - (now - self._last))
        self._last = self._clock()
        self.requests += 1


def _where(url: str, service: str = "arXiv") -> str:
    parts = urlsplit(url)
    return f"{service} ({parts.netloc}{parts.path})"


def _snippet(text: str, n: int = 120) -> str:
    s = " ".join(text.split())
    return s if len(s) <= n else s[: n - 1] + "\u2026"
