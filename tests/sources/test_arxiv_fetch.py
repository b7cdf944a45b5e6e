"""The arXiv client and harvests against a real HTTP server on 127.0.0.1 (tests/support/fakes.py)."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from paperfeed.errors import InputError
from paperfeed.sources.arxiv import ArxivClient, FetchError, retry_after

CATS = ["cs.LG", "cs.CL"]


def fetch(lib, arxiv, method: str = "oai", **kw):
    url = arxiv.oai_url if method == "oai" else arxiv.api_url
    return lib.delivery.fetch_arxiv(CATS, since="2026-05-01", method=method, base_url=url, **kw)


def set_config(home: Path, text: str) -> None:
    (home / "config.toml").write_text(text, encoding="utf-8")


def test_oai_harvest_pages_through_resumption_tokens(lib, fakes, fast_config):
    with fakes.FakeArxiv(oai_page=15) as arxiv:
        reports = fetch(lib, arxiv)
    assert [r.pages for r in reports] == [3]
    assert reports[0].added == 40 and lib.store.count() == 40
    first, *rest = [p for _, p in arxiv.requests]
    assert first == {"verb": "ListRecords", "metadataPrefix": "arXiv", "set": "cs", "from": "2026-05-01"}
    assert [p["resumptionToken"] for p in rest] == ["15|2026-05-01|", "30|2026-05-01|"]
    cursor = lib.store.get_cursor("arxiv-oai:cs")
    assert cursor["token"] is None and cursor["last_datestamp"] == max(r["date"] for r in arxiv.records)
    paper = lib.get("arxiv:2606.00188")
    assert paper.title.startswith("PaintBench") and paper.authors and "arxiv-oai" in paper.sources


def test_api_harvest_pages_with_start_and_max_results(lib, arxiv, paperfeed_home):
    set_config(paperfeed_home, "[fetch]\ndelay = 0.0\npage_size = 15\n")
    [report] = fetch(lib, arxiv, method="api")
    assert report.pages == 3 and report.added == 40
    assert [int(p["start"]) for _, p in arxiv.requests] == [0, 15, 30]
    assert all(p["max_results"] == "15" and p["sortOrder"] == "ascending" for _, p in arxiv.requests)
    assert "submittedDate:[202605010000 TO" in arxiv.requests[0][1]["search_query"]
    assert lib.store.get_cursor("arxiv-api:cs.CL+cs.LG") == {"last_datestamp": max(r["date"] for r in arxiv.records)}


def test_next_run_is_incremental_from_the_last_datestamp(lib, fakes, fast_config):
    with fakes.FakeArxiv() as arxiv:
        fetch(lib, arxiv)
        again = lib.delivery.fetch_arxiv(CATS, method="oai", base_url=arxiv.oai_url)
    last = max(r["date"] for r in arxiv.records)
    later = [p for _, p in arxiv.requests if "metadataPrefix" in p][1]
    assert later["from"] == last and again[0].added == 0


def test_503_with_retry_after_is_honoured(lib, fakes, arxiv, fast_config):
    arxiv.faults.append(fakes.Fault(status=503, headers={"Retry-After": "1"}))
    reports = fetch(lib, arxiv)
    assert reports[0].added == 40
    assert arxiv.times[1] - arxiv.times[0] >= 0.95


def test_500_then_success_with_backoff(lib, fakes, arxiv, fast_config):
    arxiv.faults.extend([fakes.Fault(status=500), fakes.Fault(status=502)])
    assert fetch(lib, arxiv)[0].added == 40
    assert len(arxiv.requests) >= 3


def test_slow_response_beyond_the_timeout_is_retried(lib, fakes, arxiv, paperfeed_home):
    set_config(paperfeed_home, "[fetch]\ndelay = 0.0\ntimeout = 0.3\nbackoff = 0.01\n")
    arxiv.faults.append(fakes.Fault(sleep=0.8))
    started = time.monotonic()
    assert fetch(lib, arxiv)[0].added == 40
    assert time.monotonic() - started < 5


def test_outage_gives_up_with_a_clear_error_and_writes_nothing(lib, fakes, arxiv, fast_config):
    arxiv.faults.extend([fakes.Fault(status=503)] * 10)
    with pytest.raises(FetchError, match=r"unavailable: HTTP 503 \(gave up after 4 attempts\)"):
        fetch(lib, arxiv)
    assert lib.store.count() == 0 and lib.store.get_cursor("arxiv-oai:cs") is None


def test_connection_refused_is_a_fetch_error(lib, fakes, fast_config):
    url = f"http://127.0.0.1:{fakes.free_port()}/oai"
    with pytest.raises(FetchError, match="ConnectError"):
        lib.delivery.fetch_arxiv(CATS, method="oai", base_url=url)


def test_malformed_page_stops_cleanly_and_the_next_run_resumes(lib, fakes, fast_config):
    with fakes.FakeArxiv(oai_page=15) as arxiv:
        arxiv.faults.extend([None, fakes.Fault(body=b"<?xml version='1.0'?><OAI-PMH><ListRecords><record>")])
        with pytest.raises(InputError, match="page 2 .*malformed XML"):
            fetch(lib, arxiv)
        assert lib.store.count() == 15  # page 1 kept, nothing of page 2
        assert lib.store.get_cursor("arxiv-oai:cs")["token"] == "15|2026-05-01|"
        reports = lib.delivery.fetch_arxiv(CATS, method="oai", base_url=arxiv.oai_url)
    assert reports[0].resumed and reports[0].added == 25 and lib.store.count() == 40
    assert arxiv.requests[2][1] == {"verb": "ListRecords", "resumptionToken": "15|2026-05-01|"}


def test_expired_resumption_token_restarts_the_harvest(lib, arxiv, fast_config):
    with lib.store.transaction():
        lib.store.set_cursor("arxiv-oai:cs", {"token": "expired", "from": "2026-05-01", "until": None})
    [report] = lib.delivery.fetch_arxiv(CATS, method="oai", base_url=arxiv.oai_url)
    assert report.added == 40 and "expired" in report.notes[0]


def test_api_resumes_from_the_saved_start(lib, fakes, paperfeed_home):
    set_config(paperfeed_home, "[fetch]\ndelay = 0.0\npage_size = 15\nretries = 0\n")
    with fakes.FakeArxiv() as arxiv:
        arxiv.faults.extend([None, fakes.Fault(status=500)])
        with pytest.raises(FetchError):
            fetch(lib, arxiv, method="api")
        assert lib.store.count() == 15
        [report] = lib.delivery.fetch_arxiv(CATS, method="api", base_url=arxiv.api_url)
    assert report.resumed and lib.store.count() == 40
    assert int(arxiv.requests[2][1]["start"]) == 15


def test_categories_outside_the_followed_ones_are_skipped(lib, arxiv, fast_config):
    [report] = lib.delivery.fetch_arxiv(["cs.CL"], since="2026-05-01", method="oai", base_url=arxiv.oai_url)
    expected = sum("cs.CL" in r["categories"] for r in arxiv.records)
    assert report.added == expected and report.skipped == 40 - expected


def test_rate_limit_spaces_requests(fakes):
    """Each request starts ``delay`` seconds after the previous one started, on the client's clock
    (a virtual clock: sleeps advance it, so the check does not depend on the machine's load)."""
    now = [1000.0]
    starts: list[float] = []

    def sleep(s: float) -> None:
        now[0] += s

    with fakes.FakeArxiv(oai_page=10) as arxiv, ArxivClient(oai_url=arxiv.oai_url, delay=0.2, sleep=sleep,
                                                             clock=lambda: now[0]) as client:
        for _ in range(3):
            client.oai_list_records(set_spec="cs", from_="2026-05-01")
            starts.append(client._last)
            now[0] += 0.05  # the answer took 50 ms
    assert len(arxiv.times) == 3 and client.requests == 3
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert gaps == pytest.approx([0.2, 0.2])


def test_client_is_injectable_with_an_httpx_client(fakes):
    with fakes.FakeArxiv() as arxiv, httpx.Client(headers={"User-Agent": "test"}) as http:
        body = ArxivClient(api_url=arxiv.api_url, http=http, delay=0).api_query(id_list=["2606.00188"])
    assert b"PaintBench" in body


def test_retry_after_parses_seconds_and_http_dates():
    from datetime import UTC, datetime

    now = datetime(2026, 11, 24, 12, 0, 0, tzinfo=UTC)
    assert retry_after("5") == 5.0
    assert retry_after("Tue, 24 Nov 2026 12:00:30 GMT", now) == 30.0
    assert retry_after("soon") is None and retry_after(None) is None


def test_enrich_fills_papers_from_a_copied_listing(lib, arxiv, fast_config, tmp_path):
    recs = arxiv.records[:5]
    listing = tmp_path / "listing.txt"
    listing.write_text("".join(f"{r['abstract']}\narXiv:{r['id']}\n\n" for r in recs), encoding="utf-8")
    lib.ingest([str(listing)], fmt="text")
    assert all(not lib.get(f"arxiv:{r['id']}").title for r in recs)
    report = lib.delivery.enrich(base_url=arxiv.api_url)
    assert report.candidates == 5 and report.requests == 1 and report.updated == 5 and not report.not_found
    assert set(arxiv.requests[0][1]["id_list"].split(",")) == {r["id"] for r in recs}
    for r in recs:
        p = lib.get(f"arxiv:{r['id']}")
        assert p.title and p.authors and p.date
    assert lib.delivery.enrich(base_url=arxiv.api_url).candidates == 0  # nothing left to look up


def test_enrich_batches_ids(lib, arxiv, fast_config):
    from paperfeed.models import Paper
    from paperfeed.sources.harvest import enrich, write_page

    with lib.store.transaction():
        write_page(lib.store, [Paper(arxiv_id=r["id"]) for r in arxiv.records[:7]] + [Paper(arxiv_id="2601.99999")],
                   "listing.txt")
    with ArxivClient(api_url=arxiv.api_url, delay=0) as client:
        report = enrich(lib.store, client, batch=3)
    assert report.requests == 3 and report.updated == 7 and report.not_found == ["2601.99999"]
    assert [len(p["id_list"].split(",")) for _, p in arxiv.requests] == [3, 3, 2]
