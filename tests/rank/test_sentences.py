"""Sentence splitting and sentence-level max-sim for similar papers; z-score fusion."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from paperfeed.rank import sentences
from paperfeed.rank.fusion import zfuse


def test_split_keeps_title_and_sentences() -> None:
    got = sentences.split("Tiny Experts", "We route tokens to tiny experts. Accuracy rises by 3.5 points on GLUE. "
                                          "The router halves the cost of inference on long inputs.")
    assert got == ["Tiny Experts", "We route tokens to tiny experts.", "Accuracy rises by 3.5 points on GLUE.",
                   "The router halves the cost of inference on long inputs."]


@pytest.mark.parametrize("abbrev", ["e.g.", "i.e.", "et al.", "Fig.", "Eq.", "vs."])
def test_abbreviations_do_not_end_a_sentence(abbrev: str) -> None:
    text = f"Prior methods such as those of {abbrev} Smith fail on long inputs. We fix this with caching."
    assert sentences.split("", text) == [f"Prior methods such as those of {abbrev} Smith fail on long inputs.",
                                         "We fix this with caching."]


def test_short_fragments_join_a_neighbour() -> None:
    got = sentences.split("", "We propose a sparse router for experts. It works. Ok. "
                                  "Costs fall by half on long inputs.")
    assert got == ["We propose a sparse router for experts. It works. Ok.", "Costs fall by half on long inputs."]


@pytest.mark.parametrize("line", [
    "Code is available at this https URL.", "Our code and models are publicly available at github.com/x/y.",
    "More demos and information are available at: this https URL", "Project page: https://example.org/proj.",
    "The dataset is released at www.example.org.",
])
def test_pointers_to_code_and_pages_are_left_out(line: str) -> None:
    text = f"We propose a sparse router for tiny experts. {line}"
    assert sentences.split("T", text) == ["T", "We propose a sparse router for tiny experts."]
    assert sentences.split("T", text, keep_boilerplate=True)[-1].startswith(line.split()[0])


def test_very_long_abstracts_are_capped() -> None:
    text = " ".join(f"Sentence number {i} says something quite long about experts." for i in range(40))
    got = sentences.split("T", text)
    assert len(got) == sentences.MAX_SENTENCES
    assert got[-1].endswith("number 39 says something quite long about experts.")


words = st.text(alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "Zs"]), max_size=400)


@given(st.text(max_size=60), words)
def test_split_never_loses_or_invents_words(title: str, abstract: str) -> None:
    got = sentences.split(title, abstract, keep_boilerplate=True)
    assert len(got) <= sentences.MAX_SENTENCES
    assert all(s.strip() for s in got)
    expected = ([title.strip()] if title.strip() else []) + abstract.split()
    assert " ".join(got).split() == " ".join(expected).split()


def test_max_sim_averages_each_query_sentences_best_match() -> None:
    q = np.eye(3, dtype=np.float32)[:2]  # two query sentences: e0, e1
    c = np.array([[1, 0, 0], [0, 0.6, 0.8]], dtype=np.float32)
    score, qi, ci = sentences.max_sim(q, c)
    assert score == pytest.approx((1.0 + 0.6) / 2)
    assert (qi, ci) == (0, 0)
    assert sentences.max_sim(q, np.zeros((0, 3), np.float32)) == (0.0, -1, -1)


def test_zfuse_standardises_each_column() -> None:
    a = [1.0, 2.0, 3.0]
    b = [100.0, 300.0, 250.0]
    fused = zfuse([a, b], [1.0, 1.0])
    assert list(np.argsort(-fused)) == [2, 1, 0]  # equal weight: scale of b does not dominate
    assert np.allclose(zfuse([a, [5.0, 5.0, 5.0]], [1.0, 9.0]), zfuse([a], [1.0]))  # constant adds nothing
    assert list(np.argsort(-zfuse([a, b], [0.1, 1.0]))) == [1, 2, 0]


def test_rarest_within_keeps_the_rarest_words_in_their_order() -> None:
    from paperfeed.rank.similar import rarest_within

    words = ["model", "kv", "cache", "learning", "eviction"]
    df = {"model": 90_000, "kv": 300, "cache": 2_000, "learning": 70_000, "eviction": 150}
    assert rarest_within(words, df, budget=3_000) == ["kv", "cache", "eviction"]
    assert rarest_within(words, df, budget=100) == ["eviction"]  # at least one word
    assert rarest_within(words, df, budget=10**9) == words
