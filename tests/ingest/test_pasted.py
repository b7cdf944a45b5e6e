"""Pasted web-page text: the three layouts, clutter, line endings and skipped paragraphs."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paperfeed.ingest import pasted
from paperfeed.models import Note, Parsed, Rejected

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "formats"

ABSTRACT_1 = (
    "We study sparse routing for tiny experts. Our method trains a small gate with a balancing loss "
    "and matches dense baselines on three language modelling benchmarks while using a fraction of "
    "the compute of prior work."
)
ABSTRACT_2 = (
    "Long documents are hard to read for models with short context windows, so we learn where to "
    "look. A pointer network selects passages and a reader answers questions, which improves "
    "accuracy on four benchmarks."
)


def parse_text(text: str) -> list:
    return list(pasted.parse(text.splitlines(keepends=True), "pasted.txt"))


def parse_sample(name: str, newline: str | None = None) -> list:
    with open(SAMPLES / name, encoding="utf-8", newline=newline) as f:
        return list(pasted.parse(f, name))


# ------------------------------------------------------------- (a) listing


def test_sample_arxiv_listing() -> None:
    records = parse_sample("pasted-arxiv-listing.txt")
    assert all(isinstance(r, Parsed) for r in records)
    assert [r.line for r in records] == [8, 16, 23, 29, 38, 43]
    assert [(r.paper.arxiv_id, r.paper.date) for r in records] == [
        ("2509.14104", "2025-09-18"), ("2508.06256", "2025-08-11"), ("2507.23447", "2025-08-01"),
        ("2505.11121", "2025-05-19"), ("2504.11416", "2025-04-16"), ("2503.24088", "2025-04-01"),
    ]
    assert all(r.paper.title == "" for r in records)  # the listing has no titles; none invented
    assert records[0].paper.abstract.startswith("Self-supervised learning through masked autoencoders")
    assert records[0].paper.abstract.endswith("https://git.tu-berlin.de/rsim/csmoe.")
    assert records[3].paper.comments == (
        "Accepted at IEEE International Geoscience and Remote Sensing Symposium (IGARSS) 2025"
    )
    assert records[3].paper.abstract.startswith("The development of foundation models through pretraining")
    assert all(r.paper.comments is None for i, r in enumerate(records) if i != 3)


def test_listing_inline() -> None:
    text = (
        "Jane Doe\nHome  Papers  Contact\n\n"
        "Jane Doe is a professor of computer science. Her research interests include machine learning, "
        "natural language processing and the study of sparse models for efficient inference.\n\n"
        f"{ABSTRACT_1}\n\n10 pages, 4 figures\n\nMar 12\n\n"
        "arXiv:2401.01234v2 [cs.LG]\nCreated: 2024-01-02\nUpdated: 2024-02-10\n\n3 comments\n\n"
        f"{ABSTRACT_2}\n\narXiv:hep-th/9901001\nCreated: Jan 4, 1999\n\nSign up for our newsletter\n"
    )
    assert pasted.detect_layout(text.splitlines()) == "listing"
    bio, first, second = parse_text(text)
    assert isinstance(bio, Rejected) and bio.line == 4
    assert bio.reason.startswith("skipped:") and "Jane Doe is a professor" in bio.reason
    assert first.line == 6
    assert first.paper.abstract == ABSTRACT_1
    assert first.paper.comments == "10 pages, 4 figures"
    assert first.paper.arxiv_id == "2401.01234v2" and first.paper.version == 2
    assert first.paper.categories == ("cs.LG",)
    assert (first.paper.date, first.paper.updated) == ("2024-01-02", "2024-02-10")
    assert second.paper.arxiv_id == "hep-th/9901001" and second.paper.date == "1999-01-04"
    assert second.paper.comments is None


# ---------------------------------------------------------- (b) aggregator


def test_sample_aggregator() -> None:
    records = parse_sample("pasted-aggregator.txt")
    assert all(isinstance(r, Parsed) for r in records)
    assert [r.line for r in records] == [12, 21, 29, 35, 43, 50]
    assert [r.paper.title for r in records] == [
        "Safe Vision-Language Models via Unsafe Weights Manipulation",
        "MTGS: Multi-Traversal Gaussian Splatting",
        "LATINO-PRO: LAtent consisTency INverse sOlver with PRompt Optimization",
        "Challenges in Plane Symmetry: From Theory to Perception",
        "Exploration of VLMs for Driver Monitoring Systems Applications",
        "GSBAK$^K$: $top$-$K$ Geometric Score-based Black-box Attack",
    ]
    assert [r.paper.arxiv_id for r in records] == [
        "2503.11742", None, "2503.12615", None, "2503.12281", None,
    ]
    assert records[1].paper.abstract.startswith("Multi-traversal data, commonly collected through daily commutes")
    assert records[1].paper.authors == ()


def test_aggregator_inline() -> None:
    text = (
        "Trending papers this week\n\n"
        "This page lists the papers that our community found most interesting this week, ranked by the "
        "number of upvotes they received from readers like you, with links to code.\n\n"
        "Submitted by someone\n▲ 42\nSparse Routing for Tiny Experts\n\n"
        "We study sparse routing for tiny experts. Our method trains a small gate with\n"
        "a balancing loss and matches dense baselines on three language modelling\n"
        "benchmarks while using a fraction of the compute of prior work.\n"
        "https://arxiv.org/abs/2401.01234v1\n12 comments\n\n"
        "Learning Where to Look in Long Documents\n\n"
        f"{ABSTRACT_2}\n\n"
        "A Paper Listed Without Its Abstract\narXiv:2402.00002\n\nLoad more\n"
    )
    assert pasted.detect_layout(text.splitlines()) == "aggregator"
    records = parse_text(text)
    assert [(type(r).__name__, r.line) for r in records] == [
        ("Rejected", 3), ("Parsed", 7), ("Parsed", 15), ("Parsed", 19),
    ]
    assert "paragraph without a title" in records[0].reason
    sparse = records[1].paper
    assert sparse.title == "Sparse Routing for Tiny Experts"
    assert sparse.abstract == ABSTRACT_1  # hard-wrapped lines joined
    assert sparse.arxiv_id == "2401.01234v1" and sparse.version == 1
    assert records[2].paper.title == "Learning Where to Look in Long Documents"
    assert records[2].paper.arxiv_id is None
    assert (records[3].paper.title, records[3].paper.arxiv_id) == (
        "A Paper Listed Without Its Abstract", "2402.00002",
    )


def test_abstract_without_title_but_with_id_keeps_empty_title() -> None:
    text = f"Home\n\n{ABSTRACT_1} Code: arxiv.org/abs/2401.01234\n"
    (rec,) = parse_text(text)
    assert isinstance(rec, Parsed)
    assert rec.paper.title == "" and rec.paper.arxiv_id == "2401.01234"


# -------------------------------------------------------- (c) publications


def test_sample_publications_crlf() -> None:
    for newline in (None, ""):  # universal newlines, and raw "\r\n" kept in the lines
        records = parse_sample("pasted-publications.txt", newline)
        assert [r.line for r in records] == [4, 10, 15, 19, 24, 28]
        colon = records[0].paper
        assert colon.title == (
            "ColonSplat: Reconstruction of Peristaltic Motion in Colonoscopy with Dynamic Gaussian Splatting"
        )
        assert colon.authors == ("Weronika Smolak-Dyżewska", "Joanna Kaleta", "Diego Dall'Alba", "Przemysław Spurek")
        assert colon.abstract.startswith("Accurate 3D reconstruction of colonoscopy data")
        assert not colon.abstract.endswith("\r")
        genie = records[1].paper
        assert genie.authors == ("Mikołaj Zieliński", "Krzysztof Byrski", "Szczepanik", "Przemysław Spurek")
        cec = records[4].paper
        assert cec.title == "CEC-MMR: Cross-Entropy Clustering Approach to Multi-Modal Regression"
        assert cec.authors == ("Byrski", "Jacek Tabor", "Przemysław Spurek", "Mazur")
        assert all(r.paper.arxiv_id is None for r in records)


def test_publications_inline_with_owner_clutter_and_windows_endings() -> None:
    text = (
        "Doe, Jane\r\nHome | Publications | Contact\r\n"
        "Sparse Routing for Tiny Experts\r\nDoe, Jane, Smith, John, Álvarez, María\r\n"
        f"{ABSTRACT_1}\r\n12 comments\r\nNov 2024\r\n"
        "Learning Where to Look in Long Documents\r\nNavrátil, null, van der Berg, Anna\r\n"
        f"{ABSTRACT_2}\r\n"
        "Small, Fast, and Cheap Retrieval Without an Abstract\r\nDoe, Jane\r\n\r\nSubscribe\r\n"
    )
    assert pasted.detect_layout(text.splitlines(keepends=True)) == "publications"
    first, second, third = parse_text(text)
    assert first.line == 3
    assert first.paper.title == "Sparse Routing for Tiny Experts"
    assert first.paper.authors == ("Jane Doe", "John Smith", "María Álvarez")
    assert first.paper.abstract == ABSTRACT_1
    assert second.line == 8
    assert second.paper.authors == ("Navrátil", "Anna van der Berg")
    assert second.paper.abstract == ABSTRACT_2
    assert third.line == 11
    assert third.paper.title == "Small, Fast, and Cheap Retrieval Without an Abstract"
    assert third.paper.authors == ("Jane Doe",) and third.paper.abstract == ""


# ------------------------------------------------------------------ misc


@pytest.mark.parametrize("text", ["", "\n\n", "Home\nLog in\nMar 12\n12 comments\n▲ 3\n"])
def test_nothing_to_find(text: str) -> None:
    assert parse_text(text) == []


@pytest.mark.parametrize(
    "line",
    ["Home", "Subscribe", "Log in", "Sign up for our newsletter", "Mar 12", "Nov 2024", "12 comments",
     "Submitted by akhaliq", "▲ 42", "3 days ago", "Cited by 7", "PDF    Cite    Share", "Page 2 of 5"],
)
def test_clutter_lines(line: str) -> None:
    assert pasted._is_clutter(line)


@pytest.mark.parametrize(
    "line",
    ["Sparse Routing for Tiny Experts", "Search and Rescue with Learned Maps",
     "GSBAK$^K$: $top$-$K$ Geometric Score-based Black-box Attack"],
)
def test_titles_are_not_clutter(line: str) -> None:
    assert pasted._is_title(line)
    assert not pasted._is_clutter(line)


def test_listing_long_comments_paragraph_is_not_the_abstract() -> None:
    comments = (
        "Accepted by the Findings of EMNLP 2024. This version adds experiments on three more data sets, "
        "fixes a typo in the second table and thanks the anonymous reviewers for their helpful comments."
    )
    text = f"{ABSTRACT_1}\n\n{comments}\n\narXiv:2401.01234\nCreated: 2024-01-02\n"
    (rec,) = parse_text(text)
    assert rec.line == 1
    assert rec.paper.abstract == ABSTRACT_1
    assert rec.paper.comments == comments


def test_aggregator_two_word_title_right_before_abstract() -> None:
    text = f"Trending\n\nAttention Sinks\n\n{ABSTRACT_2}\n\n5 comments\n"
    (rec,) = parse_text(text)
    assert (rec.line, rec.paper.title) == (3, "Attention Sinks")


# ---------------------------------------------------- split names joined


def test_two_one_part_names_in_a_row_are_one_person() -> None:
    text = (
        "Sparse Routing for Tiny Experts\n"
        "Doe, Jane, Jiří, null, Navrátil, null, Mazur, Marcin\n"
        f"{ABSTRACT_1}\n"
        "Learning Where to Look in Long Documents\n"
        "Szczepanik, null, Mazur, null, Doe, Jane\n"
        f"{ABSTRACT_2}\n"
    )
    first, note, second = parse_text(text)
    assert first.paper.authors == ("Jane Doe", "Jiří Navrátil", "Marcin Mazur")
    assert isinstance(note, Note) and note.line == 2 and note.text == "Jiří + Navrátil \u2192 Jiří Navrátil"
    # Mazur is a surname on this page ("Mazur, Marcin"): Szczepanik and Mazur are two people
    assert second.paper.authors == ("Szczepanik", "Mazur", "Jane Doe")


def test_the_ingest_report_says_names_were_joined(lib, tmp_path: Path) -> None:
    page = tmp_path / "publications.txt"
    page.write_text("Sparse Routing for Tiny Experts\nDoe, Jane, Jiří, null, Navrátil, null\n" + ABSTRACT_1 + "\n",
                    encoding="utf-8")
    report = lib.ingest([str(page)])
    assert report.added == 1
    assert report.notes == [f"{page}: 1 author names written as two one-part names were joined "
                            "(Jiří + Navrátil \u2192 Jiří Navrátil)"]
    assert lib.get(lib.recent()[0].key).authors == ("Jane Doe", "Jiří Navrátil")


def test_a_listing_without_titles_asks_for_enrich_and_shows_the_abstract_instead(lib) -> None:
    report = lib.ingest([str(SAMPLES / "pasted-arxiv-listing.txt")])
    n = report.added
    assert n > 0
    assert report.notes == [f"{SAMPLES / 'pasted-arxiv-listing.txt'}: {n} papers in it have no title: run "
                            "`paperfeed enrich` to complete them from arXiv (until then the first words of "
                            "the abstract stand in)"]
    p = lib.recent(limit=1)[0]
    assert p.title == "" and p.label.endswith("\u2026")
    assert p.label[:-1].split() == p.abstract.split()[:12]


def test_a_person_written_in_full_elsewhere_on_the_page_is_joined() -> None:
    text = ("Sparse Routing for Tiny Experts\nNavrátil, Jiří, Mazur, Marcin\n" + ABSTRACT_1 + "\n"
            "Learning Where to Look in Long Documents\nMazur, Marcin, Jiří, null, Navrátil, null\n" + ABSTRACT_2 + "\n")
    records = [r for r in parse_text(text) if isinstance(r, Parsed)]
    assert records[1].paper.authors == ("Marcin Mazur", "Jiří Navrátil")


_WORD = st.text(st.characters(categories=("Lu", "Ll")), min_size=1, max_size=8).filter(
    lambda w: w.lower() != "null")  # "null" in any case is the placeholder pasted lists write for a missing part


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_WORD, st.one_of(_WORD, st.just("null"))), max_size=8))
def test_pair_names_keeps_every_name_word_in_order(pairs: list[tuple[str, str]]) -> None:
    tokens = [t for pair in pairs for t in pair]
    names, joins = pasted._pair_names(tokens, pasted._known_names([tokens]))
    assert len(names) == len(pairs) - len(joins)
    words = [w for last, first in pairs for w in ([last] if first == "null" else [first, last])]
    assert sorted(w for n in names for w in n.split()) == sorted(w for w in words if w.lower() != "null")
    full = [p for p in pairs if p[1] != "null"]
    assert all(f"{first} {last}" in names for last, first in full if last.lower() != "null" != first.lower())
