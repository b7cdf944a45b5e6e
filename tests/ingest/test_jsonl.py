"""The JSON Lines parser: shared-data schema, arXiv bulk snapshot schema, bad and blank lines."""

from __future__ import annotations

import gzip
import itertools
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paperfeed.errors import InputError
from paperfeed.ingest import get_parser
from paperfeed.ingest.jsonl import parse, parse_array
from paperfeed.models import Paper, Parsed, Rejected
from paperfeed.normalize import normalize_paper

SHARED = {
    "id": "2506.21486",
    "title": "Cross-Lingual Retrieval with Small Models",
    "abstract": "We show that small models retrieve well across languages & scripts, at 100% recall@5.",
    "authors": ["José García", "Bo Li", "Anna van der Berg"],
    "categories": ["cs.CL", "cs.IR"],
    "date": "2025-06-27",
    "source": "owner/repo",
}
CONF = {  # the cs-conf file: no arXiv id, with venue/year/doi/url
    "id": None,
    "title": "A Biased Sampling Method for Imbalanced Personalized Ranking",
    "abstract": "Pairwise ranking models have been widely used to address recommendation problems.",
    "authors": ["Lu Yu", "Shichao Pei"],
    "categories": [],
    "date": None,
    "venue": "CIKM",
    "year": 2022,
    "doi": "https://doi.org/10.1145/3511808.3557239",
    "url": "https://dl.acm.org/doi/10.1145/3511808.3557239",
    "source": "owner/repo2",
}
# as in arXiv's metadata snapshot (Kaggle "arxiv-metadata-oai-snapshot.json")
BULK = {
    "id": "0704.0001",
    "submitter": "Pavel Nadolsky",
    "authors": "C. Bal\\'azs, E. L. Berger, P. M. Nadolsky, C.-P. Yuan",
    "title": "Calculation of prompt diphoton production cross sections at Tevatron and\n  LHC energies",
    "comments": "37 pages, 15 figures; published version",
    "journal-ref": "Phys.Rev.D76:013009,2007",
    "doi": "10.1103/PhysRevD.76.013009",
    "report-no": "ANL-HEP-PR-07-12",
    "categories": "hep-ph",
    "license": None,
    "abstract": "  A fully differential calculation in perturbative quantum chromodynamics is\npresented for "
                "the production of massive photon pairs at hadron colliders.\n",
    "versions": [
        {"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"},
        {"version": "v2", "created": "Tue, 24 Jul 2007 20:10:27 GMT"},
    ],
    "update_date": "2008-11-13",
    "authors_parsed": [["Bal\\'azs", "C.", ""], ["Berger", "E. L.", ""], ["Nadolsky", "P. M.", ""],
                       ["Yuan", "C. -P.", ""]],
}
BULK_OLD = {
    "id": "math/0601001",
    "submitter": "Paul Erdos",
    "authors": "P. Erd\\H{o}s and J. M\\\"uller Jr",
    "title": "On the Schr\\\"odinger equation in $\\mathbb{R}^3$",
    "comments": None,
    "journal-ref": None,
    "doi": None,
    "categories": "math.AG math-ph math.MP",
    "abstract": "We prove things about $x^2$.",
    "versions": [{"version": "v1", "created": "Sun, 1 Jan 2006 00:00:01 GMT"}],
    "update_date": "2006-01-02",
    "authors_parsed": [["Erd\\H{o}s", "P.", ""], ["M\\\"uller", "J.", "Jr"]],
}


def lines(*objs: object) -> list[str]:
    return [(o if isinstance(o, str) else json.dumps(o)) + "\n" for o in objs]


def records(text_lines: list[str]) -> list[Parsed | Rejected]:
    return list(parse(text_lines, "test.jsonl"))


def test_shared_data_schema() -> None:
    (rec,) = records(lines(SHARED))
    assert isinstance(rec, Parsed) and rec.line == 1
    p = normalize_paper(rec.paper)
    assert p.arxiv_id == "2506.21486" and p.key == "arxiv:2506.21486"
    assert p.title == SHARED["title"] and p.abstract == SHARED["abstract"]
    assert p.authors == ("José García", "Bo Li", "Anna van der Berg")
    assert p.categories == ("cs.CL", "cs.IR")
    assert p.date == "2025-06-27"


def test_conference_schema_with_doi_venue_and_year() -> None:
    (rec,) = records(lines(CONF))
    p = normalize_paper(rec.paper)
    assert p.arxiv_id is None
    assert p.doi == "10.1145/3511808.3557239" and p.key == "doi:10.1145/3511808.3557239"
    assert p.venue == "CIKM" and p.url == CONF["url"]
    assert p.date == "2022"  # from "year" when "date" is null


def test_arxiv_bulk_snapshot_schema() -> None:
    (rec,) = records(lines(BULK))
    p = normalize_paper(rec.paper)
    assert p.arxiv_id == "0704.0001" and p.version == 2
    assert p.title == "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    assert p.abstract.startswith("A fully differential calculation") and "\n" not in p.abstract
    assert p.authors == ("C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan")
    assert p.doi == "10.1103/physrevd.76.013009"
    assert p.categories == ("hep-ph",)
    assert p.date == "2007-04-02"  # first version's RFC 2822 date
    assert p.updated == "2008-11-13"
    assert p.journal_ref == "Phys.Rev.D76:013009,2007"
    assert p.comments == "37 pages, 15 figures; published version"


def test_arxiv_bulk_old_style_id_latex_names_and_suffix() -> None:
    (rec,) = records(lines(BULK_OLD))
    p = normalize_paper(rec.paper)
    assert p.key == normalize_paper(Paper(arxiv_id="math/0601001")).key
    assert p.authors == ("P. Erdős", "J. Müller Jr")
    assert p.title == "On the Schrödinger equation in $\\mathbb{R}^3$"
    assert p.categories == ("math.AG", "math-ph", "math.MP")
    assert p.date == "2006-01-01" and p.version == 1


def test_arxiv_bulk_without_authors_parsed_uses_latex_author_string() -> None:
    obj = {k: v for k, v in BULK.items() if k != "authors_parsed"}
    (rec,) = records(lines(obj))
    assert rec.paper.authors == ("C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan")
    obj = {**obj, "authors": "P. Erd\\H{o}s and J. M\\\"uller"}
    (rec,) = records(lines(obj))
    assert rec.paper.authors == ("P. Erdős", "J. Müller")


def test_bad_lines_are_rejected_with_line_numbers_and_blank_lines_skipped() -> None:
    text = lines(
        SHARED,                      # 1
        "",                          # 2 blank
        '{"id": "2401.00001", "title": ',  # 3 truncated JSON
        CONF,                        # 4
        "   \t",                     # 5 whitespace only
        "[1, 2, 3]",                 # 6 not an object
        "{}",                        # 7 nothing usable
        '{"abstract": "only an abstract"}',  # 8
        "42",                        # 9
        '"a string"',                # 10
        BULK,                        # 11
    )
    recs = records(text)
    assert [(type(r).__name__, r.line) for r in recs] == [
        ("Parsed", 1), ("Rejected", 3), ("Parsed", 4), ("Rejected", 6), ("Rejected", 7),
        ("Rejected", 8), ("Rejected", 9), ("Rejected", 10), ("Parsed", 11),
    ]
    reasons = {r.line: r.reason for r in recs if isinstance(r, Rejected)}
    assert "JSON" in reasons[3]
    assert "object" in reasons[6]
    assert all(reason and "\n" not in reason for reason in reasons.values())


def test_crlf_and_missing_final_newline() -> None:
    text = [json.dumps(SHARED) + "\r\n", "\r\n", json.dumps(CONF)]
    recs = records(text)
    assert [r.line for r in recs] == [1, 3] and all(isinstance(r, Parsed) for r in recs)


def test_record_with_only_an_arxiv_id_is_kept() -> None:
    (rec,) = records(lines({"id": "2401.01234v2"}))
    assert isinstance(rec, Parsed) and normalize_paper(rec.paper).version == 2


def test_string_authors_and_categories_are_split() -> None:
    obj = {"title": "T", "authors": "Doe, Jane; Roe, Kim", "categories": "cs.LG stat.ML"}
    p = normalize_paper(records(lines(obj))[0].paper)
    assert p.authors == ("Jane Doe", "Kim Roe")
    assert p.categories == ("cs.LG", "stat.ML")


def test_json_array_format() -> None:
    text = json.dumps([SHARED, 5, {"abstract": "x"}, CONF], indent=2).splitlines(keepends=True)
    recs = list(parse_array(text, "a.json"))
    assert [type(r).__name__ for r in recs] == ["Parsed", "Rejected", "Rejected", "Parsed"]
    assert get_parser("json") is parse_array and get_parser("jsonl") is parse
    with pytest.raises(InputError, match="a.json"):
        list(parse_array(['{"not": "an array"}'], "a.json"))
    with pytest.raises(InputError, match="a.json"):
        list(parse_array(["[{"], "a.json"))


def test_real_shared_data_sample(data_file) -> None:
    path = data_file("arxiv-cs-daily-dwdengwei.jsonl.gz")
    with gzip.open(path, "rt", encoding="utf-8") as f:
        raw = list(itertools.islice(f, 300))
    recs = records(raw)
    assert len(recs) == 300 and all(isinstance(r, Parsed) for r in recs)
    for line, rec in zip(raw, recs, strict=True):
        obj = json.loads(line)
        p = normalize_paper(rec.paper)
        assert p.arxiv_id == obj["id"]
        assert p.title == " ".join(obj["title"].split())
        assert len(p.authors) == len([a for a in obj["authors"] if a.strip()])
        assert p.categories == tuple(obj["categories"])
        assert p.date == obj["date"]


def test_real_conference_sample(data_file) -> None:
    path = data_file("cs-conf-ir-dm-papers-doragd.jsonl.gz")
    with gzip.open(path, "rt", encoding="utf-8") as f:
        raw = list(itertools.islice(f, 200))
    recs = records(raw)
    assert all(isinstance(r, Parsed) for r in recs)
    papers = [normalize_paper(r.paper) for r in recs]
    assert all(p.title and p.date for p in papers)
    assert any(p.doi for p in papers) and any(p.venue for p in papers)


@pytest.mark.parametrize(
    "obj",
    [
        {"title": "T", "versions": 5},
        {"title": "T", "versions": True},
        {"title": "T", "versions": {"v1": "Mon, 2 Apr 2007 19:18:42 GMT"}},
        {"title": "T", "versions": [{"version": "v1", "created": 20070402}]},
        {"title": "T", "categories": 5},
        {"title": "T", "authors": 5},
    ],
    ids=["versions-int", "versions-bool", "versions-object", "created-int", "categories-int", "authors-int"],
)
def test_wrongly_typed_fields_do_not_crash_the_parser(obj: dict) -> None:
    # one odd record must become a Paper (ignoring the odd field) or a Rejected, never an exception
    (rec,) = records(lines(obj))
    assert isinstance(rec, Parsed | Rejected)
    if isinstance(rec, Parsed):
        assert rec.paper.title == "T"


# ---- properties ---------------------------------------------------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=8,
)
_fields = st.sampled_from([
    "id", "arxiv_id", "title", "abstract", "summary", "authors", "categories", "date", "published", "year",
    "doi", "venue", "url", "comments", "journal_ref", "version", "updated", "authors_parsed", "versions",
    "journal-ref", "update_date",
])


@given(st.dictionaries(_fields, _json, max_size=8))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_json_object_gives_a_paper_or_a_rejection(obj: dict) -> None:
    line = json.dumps(obj) + "\n"
    (rec,) = records([line])
    assert isinstance(rec, Parsed | Rejected)
    if isinstance(rec, Parsed):
        normalize_paper(rec.paper)


@given(st.text(max_size=200))
@settings(max_examples=200, deadline=None)
def test_any_line_gives_records_not_exceptions(text: str) -> None:
    recs = records(text.splitlines(keepends=True))
    assert all(isinstance(r, Parsed | Rejected) for r in recs)
