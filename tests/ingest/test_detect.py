"""Format detection from the head of an input, with the file name as tie-breaker only."""

from __future__ import annotations

from pathlib import Path

import pytest

from paperfeed.errors import InputError
from paperfeed.ingest.detect import FORMATS, detect_format

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "formats"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("sample.bib", "bibtex"),
        ("sample.csv", "csv"),
        ("sample.tsv", "tsv"),
        ("sample-atom.xml", "atom"),
        ("sample-oai-arXiv.xml", "oai"),
        ("sample-oai-arXivRaw.xml", "oai"),
        ("pasted-arxiv-listing.txt", "text"),
        ("pasted-aggregator.txt", "text"),
        ("pasted-publications.txt", "text"),
    ],
)
def test_samples(name: str, expected: str) -> None:
    head = (SAMPLES / name).read_text(encoding="utf-8")[:65536]
    assert detect_format(head, name) == expected
    assert detect_format(head, None) == expected  # content alone decides
    assert detect_format(head, "misleading.json") == expected


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ('{"id": "2401.01234", "title": "T"}\n{"id": "2401.01235"}\n', "jsonl"),
        ('\ufeff  \n{"id": "2401.01234"}', "jsonl"),
        ('[\n  {"id": "2401.01234"}\n]', "json"),
        ("[]", "json"),
        ("[1] arXiv:2401.01234 [pdf, other]\nTitle: Something\n", "text"),
        ("% JabRef\n@Article{k,\n title={T}\n}\n", "bibtex"),
        ("This file was created with JabRef.\n\n@article{a, title={A}}\n@book{b, title={B}}\n", "bibtex"),
        ("@string{x = \"y\"}\n", "bibtex"),
        ("Contact me @jane on social media {or not}, thanks\n", "text"),
        ('<?xml version="1.0"?>\n<!-- a comment -->\n<feed xmlns="http://www.w3.org/2005/Atom">', "atom"),
        ('<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords>', "oai"),
        ("<html><body>Hello</body></html>", "text"),
        ("Title;Authors;DOI\nA;B;10.1/x\nC;D;10.1/y\n", "csv"),
        ("arxiv_id\ttitle\n2401.01234\tT\n", "tsv"),
        ("Doe, Jane\nSparse Routing for Tiny Experts\nDoe, Jane, Smith, John\n", "text"),
        ("Home\n\nSome paper title\n\nAn abstract with words.\n", "text"),
    ],
)
def test_content(head: str, expected: str) -> None:
    assert detect_format(head, None) == expected


def test_extension_breaks_ties() -> None:
    assert detect_format("", "empty.bib") == "bibtex"
    assert detect_format("", None) == "text"
    assert detect_format("", "papers.csv.gz") == "csv"
    assert detect_format("name,value\nx,y\n", "odd.csv") == "csv"  # no known column, but .csv
    assert detect_format("name,value\nx,y\n", None) == "text"
    assert detect_format("<root/>", "feed.atom") == "atom"
    assert detect_format("@article{k, title={T}} and more", "x.bib") == "bibtex"


@pytest.mark.parametrize("head", ["PK\x03\x04\x00\x00binary", "\x01\x02\x03\x04\x05\x06\x07\x08abc"])
def test_binary_data_raises(head: str) -> None:
    with pytest.raises(InputError) as err:
        detect_format(head, "thing.zip")
    assert err.value.line is None
    assert "binary" in err.value.reason
    assert err.value.source == "thing.zip"


def test_formats_tuple() -> None:
    import paperfeed.ingest

    assert FORMATS == ("jsonl", "json", "bibtex", "atom", "oai", "csv", "tsv", "text")
    assert FORMATS is paperfeed.ingest.FORMATS  # written once: every detected format has a parser
    for fmt in FORMATS:
        assert callable(paperfeed.ingest.get_parser(fmt))
