"""Onboarding from a researcher's services against a real local HTTP server with recorded answers."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paperfeed.errors import PaperfeedError
from paperfeed.sources.arxiv import FetchError
from paperfeed.sources.works import SERVICES, check_ident
from support.recorded import (
    DBLP,
    OPENALEX,
    OPENALEX_CURSORS,
    ORCID,
    S2,
    RecordedServer,
    Reply,
    config_for,
    researcher_routes,
)

NAME = "Jiří Navrátil"
SPARSE, LOOK, COMPACT = "arxiv:2402.01234", "doi:10.1145/3580305.3599999", "Compact Retrieval Indexes"


@pytest.fixture
def server(paperfeed_home: Path):
    with RecordedServer(researcher_routes()) as srv:
        (paperfeed_home / "config.toml").write_text(config_for(srv), encoding="utf-8")
        yield srv


def plan_one(lib, option: str, ident: str):
    [src] = lib.plan_profile(sources=[(option, ident)]).sources
    return src


def by_key(papers) -> dict:
    return {p.key: p for p in papers}


def test_openalex_pages_by_cursor_and_rebuilds_abstracts(lib, server) -> None:
    src = plan_one(lib, "openalex", f"https://openalex.org/{OPENALEX}")
    papers = by_key(src.papers)
    assert len(papers) == 3 and src.requests == 3
    assert [p["cursor"] for _, p, _ in server.requests] == ["*", *OPENALEX_CURSORS]
    sparse = papers[SPARSE]
    assert sparse.abstract == ("We study sparse routing for tiny experts. A balanced gate sparse routing "
                               "matches dense baselines.")
    assert sparse.authors == (NAME, "Anna van der Berg") and sparse.date == "2024-02-02"
    assert sparse.venue is None and sparse.doi is None  # the arXiv DOI is the arXiv id, not a second id
    assert papers[LOOK].venue.startswith("Proceedings of the 29th ACM SIGKDD")
    _, params, headers = server.requests[0]
    assert params["filter"] == f"author.id:{OPENALEX}" and params["mailto"] == "lab@example.org"
    assert "mailto:lab@example.org" in headers["User-Agent"] and headers["User-Agent"].startswith("paperfeed/")


def test_orcid_reads_work_summaries_with_their_ids(lib, server) -> None:
    src = plan_one(lib, "orcid", f"https://orcid.org/{ORCID}")
    papers = by_key(src.papers)
    assert set(papers) == {SPARSE, LOOK, next(k for k in papers if k.startswith("title:"))}
    assert papers[LOOK].date == "2023-08" and papers[LOOK].title == "Learning Where to Look in Long Documents"
    assert papers[SPARSE].date == "2024-02-02" and papers[SPARSE].authors == ()
    assert "application/json" in server.requests[0][2]["Accept"]


def test_semantic_scholar_pages_by_offset(lib, server) -> None:
    src = plan_one(lib, "semantic-scholar", f"https://www.semanticscholar.org/author/J-Navratil/{S2}")
    assert [p["offset"] for _, p, _ in server.requests] == ["0", "2"]
    assert all(p["limit"] == "100" and "abstract" in p["fields"] for _, p, _ in server.requests)
    papers = by_key(src.papers)
    assert len(papers) == 3 and papers[LOOK].date == "2023" and papers[LOOK].abstract == ""


def test_dblp_person_page_drops_homonym_numbers_and_title_periods(lib, server) -> None:
    src = plan_one(lib, "dblp", f"https://dblp.org/pid/{DBLP}.html")
    assert server.requests[0][0] == f"/dblp/pid/{DBLP}.xml"
    papers = by_key(src.papers)
    assert papers[SPARSE].authors == (NAME, "Anna van der Berg")
    assert papers[SPARSE].title == "Sparse Routing for Tiny Experts"
    assert papers[LOOK].venue == "KDD" and papers[LOOK].date == "2023"
    [compact] = [p for p in src.papers if p.title.startswith(COMPACT)]
    assert compact.title == "Compact Retrieval Indexes with Product Quantization" and compact.venue == "Inf. Retr. J."


def test_dblp_bibtex(lib, server) -> None:
    src = plan_one(lib, "dblp", f"{DBLP}.bib")
    papers = by_key(src.papers)
    assert set(papers) == {SPARSE, LOOK}
    assert papers[SPARSE].authors == (NAME, "Anna van der Berg")


def test_arxiv_author_query_keeps_the_person_and_lists_near_misses(lib, server) -> None:
    src = plan_one(lib, "arxiv-author", "Navrátil, Jiří")
    assert server.requests[0][1]["search_query"] == 'au:"Jiri Navratil"'
    assert {p.key for p in src.papers} == {SPARSE, "arxiv:2311.04321"}  # "Jiri Navratil" is the same name
    assert [(p.key, n) for p, n in src.near] == [("arxiv:2305.11111", "J. Navrátil")]
    assert "1 arXiv results by other authors left out" in src.notes  # Jan Navrátil


def test_services_agree_on_the_same_papers(lib, server) -> None:
    plan = lib.plan_profile(sources=[("openalex", OPENALEX), ("orcid", ORCID), ("semantic-scholar", S2),
                                     ("dblp", DBLP)])
    res = lib.create_profile("me", plan=plan)
    assert res["papers_added"] == 3 and lib.store.count() == 3
    assert [s["profile_added"] for s in res["sources"]] == [3, 0, 0, 0]
    rec = lib.profile("me")
    assert set(rec["origins"].values()) == {("openalex", OPENALEX)}
    again = lib.create_profile("me", plan=lib.plan_profile(sources=[("orcid", ORCID)]))
    assert again["papers_added"] == 0 and again["sources"][0]["unchanged"] == 3  # re-running is idempotent
    assert again["notes"] == []  # OpenAlex gave the abstracts ORCID lacks
    assert lib.store.count() == 3


def test_empty_answers_give_empty_plans(lib, server) -> None:
    assert plan_one(lib, "orcid", "0000-0002-9079-593X").papers == []
    assert plan_one(lib, "openalex", "A1").papers == []
    assert plan_one(lib, "arxiv-author", "Nobody Known").papers == []


@pytest.mark.parametrize(("option", "ident", "needle"), [
    ("orcid", "0000-0001-5109-3700", "/works): HTTP 404 Not Found: The resource was not found."),
    ("semantic-scholar", "999", "Author with id 999 not found"),
    ("dblp", "00/0000", "HTTP 404"),
    ("openalex", "A0", "not a valid OpenAlex ID"),
])
def test_error_answers_are_one_clear_line_and_write_nothing(lib, server, option, ident, needle) -> None:
    with pytest.raises(FetchError) as e:
        lib.create_profile("me", plan=lib.plan_profile(sources=[(option, ident)]))
    assert needle in str(e.value) and "\n" not in str(e.value)
    assert lib.store.profile_id("me") is None and lib.store.count() == 0


def test_rate_limit_is_retried_after_the_wait_it_asks_for(lib, server) -> None:
    server.faults.append(Reply("s2-429.json", 429, {"Retry-After": "0"}))
    src = plan_one(lib, "semantic-scholar", S2)
    assert len(src.papers) == 3 and [p["offset"] for _, p, _ in server.requests] == ["0", "0", "2"]


def test_rate_limited_for_good_gives_up_with_a_clear_error(lib, server) -> None:
    server.faults.extend([Reply("s2-429.json", 429)] * 3)
    with pytest.raises(FetchError, match=r"Semantic Scholar \(127\.0\.0\.1.*HTTP 429 \(gave up after 3 attempts\)"):
        plan_one(lib, "semantic-scholar", S2)


@pytest.mark.parametrize(("option", "ident", "body"), [
    ("openalex", OPENALEX, b"<html>maintenance</html>"),
    ("orcid", ORCID, b'{"works": []}'),
    ("dblp", DBLP, b"<html><body>not a person</body></html>"),
])
def test_an_answer_in_the_wrong_format_is_a_clear_error(lib, server, option, ident, body) -> None:
    server.faults.append(Reply(body=body))
    with pytest.raises(FetchError) as e:
        plan_one(lib, option, ident)
    assert "\n" not in str(e.value) and len(str(e.value)) < 300


def test_offline_fails_at_once_with_one_line(lib, paperfeed_home) -> None:
    try:
        socket.getaddrinfo("paperfeed-test.invalid", None)
        pytest.skip("this resolver answers for .invalid names")  # RFC 6761 says it must not
    except OSError:
        pass
    (paperfeed_home / "config.toml").write_text('[fetch]\nopenalex_url = "https://paperfeed-test.invalid"\n')
    with pytest.raises(FetchError, match=r"^OpenAlex: cannot resolve paperfeed-test\.invalid \(offline\?\)$"):
        plan_one(lib, "openalex", OPENALEX)


@pytest.mark.parametrize(("option", "ident"), [
    ("orcid", "0000-0002-1825-0098"), ("orcid", "1234"), ("openalex", "W123"), ("semantic-scholar", "abc"),
    ("dblp", "https://example.org/pid/1/2"), ("arxiv-author", "Doe"),
])
def test_bad_ids_fail_before_any_request(lib, server, option, ident) -> None:
    with pytest.raises(PaperfeedError, match=f"^--{option}: "):
        lib.plan_profile(sources=[(option, ident)])
    assert server.requests == []


@settings(max_examples=200, deadline=None)
@given(option=st.sampled_from(sorted(SERVICES)), value=st.text(max_size=60))
def test_any_id_text_gives_a_canonical_id_or_a_one_line_error(option: str, value: str) -> None:
    try:
        ident = check_ident(option, value)
    except PaperfeedError as e:
        assert str(e).startswith(f"--{option}: ")
        return
    assert ident and ident == ident.strip()
    assert check_ident(option, ident) == ident  # canonical ids stay as they are


def test_orcid_check_digit() -> None:
    assert check_ident("orcid", "https://orcid.org/0000-0002-1694-233x") == "0000-0002-1694-233X"
    assert check_ident("openalex", "https://openalex.org/authors/a5023888391") == "A5023888391"
    for url in ("https://dblp.org/pid/45/6789.html", "https://dblp.org/pid/45/6789.bib"):
        ident = check_ident("dblp", url)
        assert ident == url.removeprefix("https://dblp.org") and check_ident("dblp", ident) == ident


def test_works_without_abstracts_point_to_enrich(lib, server) -> None:
    res = lib.create_profile("me", plan=lib.plan_profile(sources=[("orcid", ORCID)]))
    assert res["notes"] == ["1 of the fetched papers have no abstract yet: run `paperfeed enrich` to complete "
                            "them from arXiv"]  # the one with an arXiv id; the others have none
    assert lib.get(SPARSE).abstract == "" and "orcid" in lib.get(SPARSE).sources
