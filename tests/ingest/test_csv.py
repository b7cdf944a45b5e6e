"""CSV/TSV parser: real samples, column synonyms, delimiters, line numbers and bad rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from paperfeed.errors import InputError
from paperfeed.ingest import csvfile
from paperfeed.models import Parsed, Rejected

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "formats"


def parse_text(text: str, source: str = "test.csv") -> list:
    return list(csvfile.parse(text.splitlines(keepends=True), source))


def parse_sample(name: str) -> list:
    with open(SAMPLES / name, encoding="utf-8", newline="") as f:
        return list(csvfile.parse(f, name))


def test_sample_csv() -> None:
    records = parse_sample("sample.csv")
    assert all(isinstance(r, Parsed) for r in records)
    assert [r.line for r in records] == [2, 3, 4, 5, 6, 7, 8]
    first = records[0].paper
    assert first.title == "Towards a Unified Copernicus Foundation Model for Earth Vision"
    assert first.authors[:3] == ("Yi Wang", "Zhitong Xiong", "Chenying Liu")
    assert "Laura Leal-Taixé" in first.authors and len(first.authors) == 11
    assert first.arxiv_id == "2503.11849" and first.version is None
    assert first.date == "2025-03-18"
    assert first.categories == ("cs.CV",)
    assert first.url == "https://arxiv.org/abs/2503.11849"
    assert first.abstract.startswith("Advances in Earth observation (EO) foundation models")
    cengel = records[1].paper
    assert cengel.authors == ("F. Çengel", "V. Adanova", "S. Tari")  # ';' separated: kept as-is
    gsbak = records[5].paper
    assert gsbak.title == "GSBAK$^K$: $top$-$K$ Geometric Score-based Black-box Attack"
    cag = records[6].paper
    assert cag.categories == ("cs.AI", "cs.CL", "cs.HC", "cs.IR")
    assert cag.date == "2024-12-30"


def test_sample_tsv() -> None:
    records = parse_sample("sample.tsv")
    assert [r.line for r in records] == [2, 3, 4, 5, 6, 7]
    mtgs = records[0].paper
    assert mtgs.title == "MTGS: Multi-Traversal Gaussian Splatting"
    assert mtgs.arxiv_id == "2503.12552v1" and mtgs.version == 1
    assert mtgs.authors == (
        "Tianyu Li", "Yihang Qiu", "Zhenhua Wu", "Carl Lindström", "Peng Su", "Matthias Nießner",
        "Hongyang Li",
    )
    assert mtgs.categories == ("cs.CV", "cs.GR")
    assert mtgs.abstract.startswith("Multi-traversal data, commonly collected through daily commutes")
    histo = records[3].paper
    assert histo.categories == ("eess.IV", "cs.AI", "cs.CV", "cs.LG", "q-bio.QM")
    assert histo.authors[3] == "Peter Schüffler"


def test_row_with_too_many_fields_is_rejected_with_its_line() -> None:
    text = (
        "title,authors,arxiv id\n"
        '"Multi-line\nquoted, title",Doe; Roe,2401.01234v2\n'
        "Too,many,fields,here\n"
        "\n"
        "Trailing empty cells are fine,A. Smith,,,\n"
        "Short\n"
    )
    records = parse_text(text)
    assert [(type(r).__name__, r.line) for r in records] == [
        ("Parsed", 2), ("Rejected", 4), ("Parsed", 6), ("Rejected", 7),
    ]
    assert records[0].paper.title == "Multi-line quoted, title"
    assert records[0].paper.version == 2
    assert records[1].reason == "expected 3 fields, got 4"


def test_header_without_title_or_id_column_names_the_columns() -> None:
    with pytest.raises(InputError) as err:
        parse_text("name;value\nx;y\n")
    assert "'name', 'value'" in err.value.reason
    assert err.value.line == 1


def test_semicolon_delimiter_and_synonyms() -> None:
    text = (
        "Paper Title;Author;DOI;Publication Year;Tags;Journal;Summary\n"
        "Attention Is All You Need;Vaswani, Ashish;10.48550/arXiv.1706.03762;2017;cs.CL, cs.LG;NeurIPS;Transformers.\n"
        ";;;;;;\n"
        ";Nobody;;2020;;;no title and no ids\n"
    )
    records = parse_text(text)
    p = records[0].paper
    assert p.title == "Attention Is All You Need"
    assert p.authors == ("Vaswani, Ashish",)  # 'Last, First' kept whole
    assert p.doi == "10.48550/arXiv.1706.03762"
    assert p.arxiv_id == "1706.03762"  # read off the arXiv DOI
    assert p.date == "2017" and p.venue == "NeurIPS" and p.abstract == "Transformers."
    assert p.categories == ("cs.CL", "cs.LG")
    assert isinstance(records[1], Rejected) and records[1].line == 4


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("Jane Doe; John Roe", ("Jane Doe", "John Roe")),
        ("Doe, Jane; Roe, John", ("Doe, Jane", "Roe, John")),
        ("A. Smith, B. Jones and C. Lee", ("A. Smith", "B. Jones", "C. Lee")),
        ("Doe, Jane and Roe, John", ("Doe, Jane", "Roe, John")),
        ("Doe, Jane", ("Doe, Jane",)),
        ("Jane Doe, John Roe, et al.", ("Jane Doe", "John Roe")),
        ("", ()),
    ],
)
def test_author_splitting(cell: str, expected: tuple[str, ...]) -> None:
    assert csvfile.split_authors(cell) == expected


def test_id_column_only_used_when_it_looks_like_an_arxiv_id() -> None:
    text = "id,title,url\n1,First,https://arxiv.org/abs/2401.01234\narXiv:hep-th/9901001,Second,\n"
    first, second = (r.paper for r in parse_text(text))
    assert first.arxiv_id == "2401.01234"  # from the URL, not the row number
    assert second.arxiv_id == "hep-th/9901001"


def test_delimiter_sniffing() -> None:
    assert csvfile.sniff_delimiter("title\tabstract\tauthors") == "\t"
    assert csvfile.sniff_delimiter('"a, b";title;doi') == ";"
    assert csvfile.sniff_delimiter("title", "x.tsv") == "\t"
    assert csvfile.sniff_delimiter("title") == ","


def test_empty_and_bom() -> None:
    assert parse_text("") == []
    assert parse_text("\n\n") == []
    (rec,) = parse_text("\ufefftitle,doi\nA Paper,10.1000/x\n")
    assert rec.paper.doi == "10.1000/x"
