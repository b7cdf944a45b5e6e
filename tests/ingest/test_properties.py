"""Property tests: every parser yields well-typed records or raises InputError, nothing else."""

from __future__ import annotations

import csv
import dataclasses
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paperfeed.errors import InputError
from paperfeed.ingest import arxiv_atom, bibtex, csvfile, oai, pasted
from paperfeed.ingest.detect import FORMATS, detect_format
from paperfeed.ingest.latex import latex_to_text
from paperfeed.models import Note, Paper, Parsed, Rejected
from paperfeed.normalize import iso_date

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_STR_FIELDS = ("title", "abstract", "key")
_OPT_FIELDS = ("arxiv_id", "doi", "date", "updated", "venue", "url", "comments", "journal_ref")
_TUPLE_FIELDS = ("authors", "categories", "sources")


def _check_paper(paper: Paper) -> None:
    """All fields carry the declared types."""
    for name in _STR_FIELDS:
        assert isinstance(getattr(paper, name), str), name
    for name in _OPT_FIELDS:
        value = getattr(paper, name)
        assert value is None or isinstance(value, str), name
    for name in _TUPLE_FIELDS:
        value = getattr(paper, name)
        assert isinstance(value, tuple) and all(isinstance(v, str) for v in value), name
    assert paper.version is None or isinstance(paper.version, int)
    assert paper.sources == ()
    assert {f.name for f in dataclasses.fields(paper)} >= set(_STR_FIELDS + _OPT_FIELDS)


def check_parser(parse, text: str, lines: list[str] | None = None) -> list:
    """Run ``parse`` on ``text`` (or on ``lines``); assert the contract; return the records."""
    lines = text.splitlines(keepends=True) if lines is None else lines
    try:
        records = list(parse(lines, "prop-input"))
    except InputError as exc:
        assert exc.source == "prop-input"
        assert isinstance(exc.reason, str) and exc.reason
        return []
    for record in records:
        assert isinstance(record, Parsed | Rejected | Note)
        assert isinstance(record.line, int)
        assert 1 <= record.line <= max(1, len(lines)), (record.line, len(lines))
        if isinstance(record, Rejected):
            assert isinstance(record.reason, str) and record.reason
        elif isinstance(record, Note):
            assert isinstance(record.text, str) and record.text
        else:
            _check_paper(record.paper)
    return records


def _joined(fragments: list[str]) -> st.SearchStrategy[str]:
    """Strings glued together from format-specific fragments and a little noise."""
    noise = st.text(alphabet="ab \n\t{}\\\"'$,;@=<>&%#~-`^", max_size=6)
    return st.lists(st.one_of(st.sampled_from(fragments), noise), max_size=40).map("".join)


BIB_FRAGMENTS = [
    "@article{", "@misc(", "@inproceedings{", "@string{", "@comment{", "@preamble{", "key2024,",
    "DBLP:journals/corr/abs-2401-01234,", "title", "author", "abstract", "journal", " = ", "{", "}",
    '"', " # ", ",", "\n", "month = jan,", "year = {2024},", "eprint = {2401.01234v2},",
    "archivePrefix = {arXiv},", "author = {Doe, Jane and Roe, R. and {Barnes and Noble}},",
    "journal = {arXiv preprint arXiv:2401.01234},", "doi = {10.1000/xyz},", "%", "--", "\\emph{",
    "\\\"o", "\\'{\\i}", "\\c{c}", "\\ss", "$x^2$", "~", "undefinedmacro", "@string{a = b}",
    "keywords = {cs.CL, Foo},", "url = {https://arxiv.org/abs/hep-th/9901001v3},",
]
CSV_FRAGMENTS = [
    "title", "Title", "abstract", "authors", "arXiv ID", "id", "doi", "date", "categories", "url",
    ",", ";", "\t", "\n", "\r\n", '"', '""', "Doe, Jane", "Jane Doe; John Roe", "A and B",
    "2401.01234v2", "hep-th/9901001", "2024-01-02", "March 2024", "cs.CL cs.AI", "10.1000/x",
    "A Title With Words", "\x00", "\r",
]
ATOM_FRAGMENTS = [
    '<?xml version="1.0" encoding="UTF-8"?>', '<feed xmlns="http://www.w3.org/2005/Atom">',
    "</feed>", "<entry>", "</entry>", "<id>", "</id>", "http://arxiv.org/abs/2401.01234v2",
    "http://arxiv.org/api/errors#bad", "<title>", "</title>", "<summary>", "</summary>",
    "<author><name>", "</name></author>", "<published>", "</published>", "2024-01-02T00:00:00Z",
    '<category term="cs.CL"/>', '<link href="http://x" rel="alternate"/>', "&amp;", "&bogus;",
    '<!DOCTYPE feed [<!ENTITY e "expanded">]>', "&e;", "\\'e", "$x$", "\n", "<", ">",
    '<opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">',
]
OAI_FRAGMENTS = [
    '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">', "</OAI-PMH>", "<ListRecords>",
    "</ListRecords>", "<record>", "</record>", "<header>", '<header status="deleted">', "</header>",
    "<metadata>", "</metadata>", '<arXiv xmlns="http://arxiv.org/OAI/arXiv/">', "</arXiv>",
    '<arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/">', "</arXivRaw>", "<id>2401.01234</id>",
    "<title>T</title>", "<authors>A. Smith (MIT), B. Jones and C. Lee</authors>",
    "<authors><author><keyname>Doe</keyname><forenames>Jane</forenames></author></authors>",
    '<version version="v2"><date>Mon, 2 Apr 2007 19:18:42 GMT</date></version>',
    "<created>2024-01-02</created>", '<error code="badArgument">bad</error>',
    "<resumptionToken>x|1</resumptionToken>", "\n", "<", "&amp;",
]
PASTED_LINES = [
    "", "Home", "Subscribe", "Log in", "Sign up for our newsletter", "Mar 12", "Nov 2024",
    "12 comments", "Submitted by akhaliq", "▲ 42", "arXiv:2401.01234", "arXiv:2401.01234v3 [cs.CL]",
    "Created: 2024-01-02", "Created: not a date", "https://arxiv.org/abs/2401.01234",
    "Sparse Routing for Tiny Experts", "Doe, Jane", "Doe, Jane, Smith, John, Álvarez, María",
    "Navrátil, null, null, null", "10 pages, 4 figures", "Accepted by ACL 2024",
    "We study sparse routing in mixtures of tiny experts and show that a simple learned gate, "
    "trained with a load-balancing loss, matches dense baselines on language modelling while "
    "using a fraction of the compute. Code is available.",
    "and this line continues a wrapped paragraph that was cut by the mail client at some",
    "\r", "\t", "    ", "ALL CAPS HEADER LINE",
]


@SETTINGS
@given(st.text())
def test_bibtex_any_text(text: str) -> None:
    check_parser(bibtex.parse, text)


@SETTINGS
@given(_joined(BIB_FRAGMENTS))
def test_bibtex_bibtexish(text: str) -> None:
    check_parser(bibtex.parse, text)


@SETTINGS
@given(st.text())
def test_csv_any_text(text: str) -> None:
    check_parser(csvfile.parse, text)


@SETTINGS
@given(_joined(CSV_FRAGMENTS))
def test_csv_csvish(text: str) -> None:
    check_parser(csvfile.parse, "title,authors,arxiv id,date\n" + text)


@SETTINGS
@given(_joined(CSV_FRAGMENTS))
def test_csv_csvish_any_header(text: str) -> None:
    check_parser(csvfile.parse, text)


_CELL = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r\\"), max_size=30)


@SETTINGS
@given(st.lists(st.tuples(_CELL, _CELL), max_size=8), st.sampled_from([",", "\t", ";"]))
def test_csv_round_trip(rows: list[tuple[str, str]], delimiter: str) -> None:
    """Rows written by the csv module come back with their titles and starting lines."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(["title", "abstract"])
    starts = []
    for title, abstract in rows:
        starts.append(buf.getvalue().count("\n") + 1)
        writer.writerow([title, abstract])
    text = buf.getvalue()
    records = check_parser(csvfile.parse, text, io.StringIO(text, newline="\n").readlines())
    kept = [(line, t) for line, (t, a) in zip(starts, rows, strict=True) if (t + a).strip()]
    assert [r.line for r in records] == [line for line, _ in kept]
    for record, (_, title) in zip(records, kept, strict=True):
        if title.strip():
            assert isinstance(record, Parsed) and record.paper.title == " ".join(title.split())
        else:
            assert isinstance(record, Rejected)


@SETTINGS
@given(st.text())
def test_atom_any_text(text: str) -> None:
    check_parser(arxiv_atom.parse, text)


@SETTINGS
@given(_joined(ATOM_FRAGMENTS))
def test_atom_xmlish(text: str) -> None:
    check_parser(arxiv_atom.parse, text)


@SETTINGS
@given(st.text())
def test_oai_any_text(text: str) -> None:
    check_parser(oai.parse, text)


@SETTINGS
@given(_joined(OAI_FRAGMENTS))
def test_oai_xmlish(text: str) -> None:
    check_parser(oai.parse, text)


@SETTINGS
@given(st.text())
def test_pasted_any_text(text: str) -> None:
    check_parser(pasted.parse, text)


@SETTINGS
@given(st.lists(st.sampled_from(PASTED_LINES), max_size=40), st.sampled_from(["\n", "\r\n"]))
def test_pasted_pageish(lines: list[str], newline: str) -> None:
    check_parser(pasted.parse, newline.join(lines))


@SETTINGS
@given(st.text(), st.sampled_from([None, "x.bib", "x.csv", "x.tsv", "x.xml", "x.json", "x.txt"]))
def test_detect_any_text(text: str, filename: str | None) -> None:
    try:
        assert detect_format(text, filename) in FORMATS
    except InputError as exc:
        assert "binary" in exc.reason


@SETTINGS
@given(st.one_of(st.text(), _joined(BIB_FRAGMENTS)))
def test_latex_and_dates_total(text: str) -> None:
    assert isinstance(latex_to_text(text), str)
    found = iso_date(text)
    assert found is None or len(found) in (4, 7, 10)
