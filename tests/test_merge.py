"""Merging two records of one paper, and deciding whether two records are one paper."""

from __future__ import annotations

import pytest

from paperfeed.merge import merge, same_paper_fuzzy
from paperfeed.models import Paper
from paperfeed.normalize import normalize_paper


def P(**kw) -> Paper:  # noqa: N802 - short constructor for normalised test papers
    return normalize_paper(Paper(**kw))


# ---- merge -------------------------------------------------------------------


def test_richest_fields_are_kept_when_no_version_is_newer() -> None:
    old = P(title="A Study", abstract="short", authors=("Jane Doe",), arxiv_id="2401.01234",
            venue="NeurIPS", sources=("a",))
    new = P(title="A study", abstract="a much longer abstract text", authors=("Jane Doe", "Bo Li"),
            doi="10.1000/xyz", venue="Advances in Neural Information Processing Systems",
            journal_ref="NeurIPS 2024", url="https://example.org/p", sources=("b",))
    m = merge(old, new)
    assert m.title == "A Study"  # the stored title stays
    assert m.abstract == "a much longer abstract text"
    assert m.authors == ("Jane Doe", "Bo Li")
    assert m.arxiv_id == "2401.01234" and m.doi == "10.1000/xyz"
    assert m.venue == "Advances in Neural Information Processing Systems"
    assert m.journal_ref == "NeurIPS 2024"
    assert m.url == "https://example.org/p"
    assert m.key == old.key


def test_a_poorer_record_changes_nothing() -> None:
    old = P(title="A Study", abstract="the full abstract", authors=("Jane Doe", "Bo Li"),
            arxiv_id="2401.01234v2", categories=("cs.LG",), date="2024-01-05", sources=("a",))
    new = P(title="A study", abstract="", authors=("J. Doe",), arxiv_id="2401.01234", sources=("a",))
    assert merge(old, new) == old


def test_newer_version_text_wins_even_if_shorter() -> None:
    old = P(title="Old Title", abstract="a long abstract of version two, quite long indeed",
            authors=("Jane Doe", "Bo Li", "Al Smith"), arxiv_id="2401.01234v2", comments="10 pages",
            categories=("cs.LG",))
    new = P(title="New Title", abstract="v3 abstract", authors=("Jane Doe", "Bo Li"),
            arxiv_id="2401.01234v3", comments="12 pages, fixed", categories=("cs.CL", "cs.LG"))
    m = merge(old, new)
    assert (m.title, m.abstract, m.authors) == ("New Title", "v3 abstract", ("Jane Doe", "Bo Li"))
    assert m.version == 3
    assert m.comments == "12 pages, fixed"
    assert m.categories == ("cs.CL", "cs.LG")


def test_older_version_does_not_overwrite_newer() -> None:
    new = P(title="New Title", abstract="v3 abstract", arxiv_id="2401.01234v3")
    old = P(title="Old Title", abstract="v1 abstract that is longer than the other", arxiv_id="2401.01234v1")
    m = merge(new, old)
    assert m.title == "New Title"
    assert m.version == 3


def test_older_version_text_does_not_replace_newer_text_even_if_longer() -> None:
    # the store holds v3; a stale v1 record (longer abstract, one more author) arrives from another file
    stored = P(title="New Title", abstract="v3 abstract", authors=("Jane Doe",), comments="v3 comment",
               arxiv_id="2401.01234v3")
    stale = P(title="Old Title", abstract="v1 abstract that is longer than the other",
              authors=("Jane Doe", "Dropped Author"), comments="v1 comment that is longer",
              arxiv_id="2401.01234v1")
    m = merge(stored, stale)
    assert m.abstract == "v3 abstract"
    assert m.authors == ("Jane Doe",)
    assert m.comments == "v3 comment"


def test_newer_version_with_empty_fields_keeps_old_values() -> None:
    old = P(title="T", abstract="kept", authors=("Jane Doe",), arxiv_id="2401.01234v1")
    new = P(title="", abstract="", arxiv_id="2401.01234v2")
    m = merge(old, new)
    assert (m.title, m.abstract, m.authors, m.version) == ("T", "kept", ("Jane Doe",), 2)


def test_sources_and_categories_are_unions_without_duplicates() -> None:
    old = P(title="T", arxiv_id="2401.01234", categories=("cs.LG", "cs.AI"), sources=("a.jsonl", "b.bib"))
    new = P(title="T", arxiv_id="2401.01234", categories=("cs.AI", "stat.ML"), sources=("b.bib", "c.csv"))
    m = merge(old, new)
    assert m.sources == ("a.jsonl", "b.bib", "c.csv")
    assert m.categories == ("cs.LG", "cs.AI", "stat.ML")


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("2024", "2024-03-05", "2024-03-05"),  # more precise wins
        ("2024-03-05", "2024-03", "2024-03-05"),
        ("2024-03-05", "2024-01-02", "2024-01-02"),  # same precision: first appearance
        (None, "2024-01-02", "2024-01-02"),
        ("2024-01-02", None, "2024-01-02"),
    ],
)
def test_date_merge(a: str | None, b: str | None, expected: str) -> None:
    assert merge(P(title="T", date=a), P(title="T", date=b)).date == expected


def test_updated_is_the_latest() -> None:
    m = merge(P(title="T", updated="2024-05-01"), P(title="T", updated="2024-03-01"))
    assert m.updated == "2024-05-01"


# ---- same_paper_fuzzy -----------------------------------------------------------


def test_titles_differing_in_punctuation_and_case_with_shared_author_are_same() -> None:
    a = P(title="Graph Neural Networks: A Survey", authors=("José García", "Bo Li"), arxiv_id="2401.01234")
    b = P(title="Graph neural networks - a survey.", authors=("J. Garcia", "Someone Else"))
    assert same_paper_fuzzy(a, b)
    assert same_paper_fuzzy(b, a)


def test_one_letter_typo_with_shared_author_is_same() -> None:
    a = P(title="Efficient Transformers for Long Document Summarization", authors=("Jane Doe",))
    b = P(title="Efficient Transformer for Long Document Summarization", authors=("Doe, Jane",))
    assert same_paper_fuzzy(a, b)


def test_same_title_without_shared_author_is_not_same() -> None:
    a = P(title="A Survey of Large Language Models", authors=("Jane Doe",))
    b = P(title="A survey of large language models", authors=("Kim Roe",))
    assert not same_paper_fuzzy(a, b)


def test_different_arxiv_ids_are_never_same() -> None:
    a = P(title="A Survey of Large Language Models", authors=("Jane Doe",), arxiv_id="2401.01234")
    b = P(title="A Survey of Large Language Models", authors=("Jane Doe",), arxiv_id="2401.09999")
    assert not same_paper_fuzzy(a, b)


def test_different_dois_are_never_same() -> None:
    a = P(title="A Survey of Large Language Models", authors=("Jane Doe",), doi="10.1000/a")
    b = P(title="A Survey of Large Language Models", authors=("Jane Doe",), doi="10.1000/b")
    assert not same_paper_fuzzy(a, b)


def test_different_titles_are_not_same() -> None:
    a = P(title="Attention Is All You Need", authors=("Jane Doe",))
    b = P(title="Attention Is Not All You Need", authors=("Jane Doe",))
    assert not same_paper_fuzzy(a, b)


def test_empty_titles_are_not_same() -> None:
    assert not same_paper_fuzzy(P(title="", authors=("Jane Doe",)), P(title="", authors=("Jane Doe",)))


@pytest.mark.parametrize(
    ("t1", "t2"),
    [
        ("Deep Reinforcement Learning for Robotic Manipulation: Part I",
         "Deep Reinforcement Learning for Robotic Manipulation: Part II"),
        ("The Llama 3 Herd of Models", "The Llama 4 Herd of Models"),
        ("Solving the Navier-Stokes equations in 2 dimensions",
         "Solving the Navier-Stokes equations in 3 dimensions"),
    ],
    ids=["part-I-vs-II", "llama-3-vs-4", "2d-vs-3d"],
)
def test_titles_differing_only_in_a_number_are_different_papers(t1: str, t2: str) -> None:
    # an author's series ("Part I" / "Part II") are distinct papers; merging them loses one
    a = P(title=t1, authors=("Jane Doe", "Bo Li"))
    b = P(title=t2, authors=("Jane Doe", "Bo Li"))
    assert not same_paper_fuzzy(a, b)
