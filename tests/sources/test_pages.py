"""Pure page readers: real-layout samples, and any bytes give a Page or a clear InputError."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from paperfeed.errors import InputError
from paperfeed.sources.harvest import api_query
from paperfeed.sources.pages import Page, archive_set, read_api_page, read_oai_page


def test_oai_page_has_papers_datestamps_and_token(fakes):
    recs = fakes.sample_records()[:3]
    body = fakes.oai_response({"verb": "ListRecords"}, "<ListRecords>" + "".join(map(fakes.oai_record, recs))
                              + '<resumptionToken cursor="0" completeListSize="9">3|x|</resumptionToken></ListRecords>')
    page = read_oai_page(body, "t")
    assert [p.arxiv_id for p in page.papers] == [r["id"] for r in recs] and page.token == "3|x|"
    assert page.datestamps == [r["date"] for r in recs] and page.entries == 3 and page.error is None
    assert page.papers[0].authors == tuple(recs[0]["authors"])


def test_oai_errors_are_reported_not_raised(fakes):
    page = read_oai_page(fakes.oai_response({}, '<error code="badResumptionToken">expired</error>'), "t")
    assert page.error == "badResumptionToken" and page.error_text == "expired"
    empty = read_oai_page(fakes.oai_response({}, '<error code="noRecordsMatch">none</error>'), "t")
    assert empty.error is None and empty.papers == [] and empty.token is None


def test_api_page_counts_entries_and_total(fakes):
    recs = fakes.sample_records()[:4]
    page = read_api_page(fakes.atom_feed(recs, 99, 0, 4), "t")
    assert page.total == 99 and page.entries == 4 and page.papers[1].title == recs[1]["title"]
    assert page.papers[0].categories[0] == recs[0]["categories"][0]


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_give_a_page_or_a_clear_error(data):
    for read in (read_oai_page, read_api_page):
        try:
            assert isinstance(read(data, "fuzz"), Page)
        except InputError as e:
            assert str(e).startswith("fuzz")


def test_sets_and_queries():
    assert [archive_set(c) for c in ("cs.LG", "stat.ML", "hep-th", "astro-ph.GA")] == [
        "cs", "stat", "physics:hep-th", "physics:astro-ph"]
    q = api_query(["cs.LG", "cs"], "2026-11-20", "2026-11-22")
    assert q == "(cat:cs.LG OR cat:cs.*) AND submittedDate:[202611200000 TO 202611222359]"
