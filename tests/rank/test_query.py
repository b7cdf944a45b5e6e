"""The search query syntax: parsing, and the FTS5 expressions built from it (run against a real store)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from paperfeed.dates import DateError
from paperfeed.models import Paper
from paperfeed.rank.query import (
    Match,
    Query,
    constraint_match,
    excluded_match,
    keyword_match,
    parse_query,
)
from paperfeed.store.fts5 import fts5_expression
from paperfeed.store.sqlite import SqliteStore


def fts_expression(q: Query, **kw) -> str:
    return fts5_expression(keyword_match(q, **kw))


def constraint_expression(q: Query) -> str:
    return fts5_expression(constraint_match(q))


def excluded_expression(q: Query) -> str:
    return fts5_expression(excluded_match(q))

WORD = re.compile(r"\w", re.UNICODE)


@pytest.fixture(scope="module")
def fts_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqliteStore]:
    """A store with a few papers, shared by the property tests (they only read)."""
    s = SqliteStore(tmp_path_factory.mktemp("query") / "store.db")
    papers = [
        Paper(title="Mixture of Experts for Language Models", abstract="Sparse expert routing scales transformers.",
              authors=("Jane Doe", "Bo Li"), categories=("cs.LG", "cs.CL"), arxiv_id="2401.00001",
              date="2024-01-05", key="arxiv:2401.00001"),
        Paper(title="Vision Transformers at Scale", abstract="Patches of images are tokens for a transformer.",
              authors=("José García",), categories=("cs.CV",), arxiv_id="2402.00002", date="2024-02-05",
              key="arxiv:2402.00002"),
        Paper(title="KV Cache Compression for Long Context", abstract="Quantising the cache of attention keys.",
              authors=("Jane Doe",), categories=("cs.CL",), arxiv_id="2403.00003", date="2024-03-05",
              key="arxiv:2403.00003"),
    ]
    with s.transaction():
        s.write_papers(papers, "test")
    yield s
    s.close()


def run_match(store: SqliteStore, match: Match) -> set[str]:
    """Keys the match selects (PaperfeedError if FTS5 rejects its rendering)."""
    return {p.key for p in store.papers_by_ids([i for i, _ in store.search_fts(match, 50)])}


# ---- parsing ------------------------------------------------------------------------


def test_free_words() -> None:
    q = parse_query("kv cache compression")
    assert q.words == ["kv", "cache", "compression"]
    assert (q.phrases, q.authors, q.categories, q.excluded) == ([], [], [], [])
    assert q.dense_text == "kv cache compression"
    assert not q.has_constraints


def test_phrases_keep_their_words_together() -> None:
    q = parse_query('"mixture of experts" routing')
    assert q.phrases == ["mixture of experts"]
    assert q.words == ["routing"]
    assert q.dense_text == "mixture of experts routing"
    assert q.has_constraints
    assert q.terms == ["routing", "mixture", "experts"]  # stopwords dropped, de-duplicated


def test_single_word_in_quotes_is_a_word() -> None:
    assert parse_query('"transformers"').words == ["transformers"]


def test_authors_and_categories() -> None:
    q = parse_query('au:"Jane Doe" author:Li cat:cs.LG category:cs.CL')
    assert q.authors == ["Jane Doe", "Li"]
    assert q.categories == ["cs.LG", "cs.CL"]
    assert q.words == [] and q.dense_text == ""
    assert q.has_constraints


def test_prefixes_are_case_insensitive() -> None:
    q = parse_query("AU:Doe Cat:cs.CV SINCE:2024-02-01 Until:2024-03")
    assert (q.authors, q.categories, q.since, q.until) == (["Doe"], ["cs.CV"], "2024-02-01", "2024-03")


def test_excluded_terms_and_phrases() -> None:
    q = parse_query('transformers -vision -"image patches"')
    assert q.words == ["transformers"]
    assert q.excluded == ["vision", "image patches"]


def test_dates() -> None:
    q = parse_query("since:2025-06-01 until:2025-06-30 attention")
    assert (q.since, q.until, q.words) == ("2025-06-01", "2025-06-30", ["attention"])
    assert parse_query("since:2025").since == "2025"
    assert parse_query("since:yesterday").since == (date.today() - timedelta(days=1)).isoformat()
    assert parse_query("until:7d").until == (date.today() - timedelta(days=7)).isoformat()


@pytest.mark.parametrize("raw", ["since:notadate", "since:2026-13-45", "since:2025-02-30", "until:2026-13-01",
                                 "attention SINCE:last-week"])
def test_bad_dates_in_a_query_are_rejected_like_the_option(raw: str) -> None:
    """issue 15 item 13: since:/until: that are not dates were silently ignored while --since rejected them."""
    with pytest.raises(DateError, match=r"(?i)(since|until): '.*' is not a"):
        parse_query(raw)


def test_empty_prefix_values_are_plain_words() -> None:
    q = parse_query("au: cat:")
    assert q.authors == [] and q.categories == []
    assert q.words == ["au", "cat"]


def test_lone_minus_and_punctuation() -> None:
    for raw in ("-", "(((", "*", ":", "", "   "):
        q = parse_query(raw)
        assert (q.words, q.phrases, q.excluded, q.dense_text) == ([], [], [], "")
    assert parse_query("--x").excluded == ["-x"]
    assert parse_query("state-of-the-art").words == ["state", "of", "the", "art"]


def test_unbalanced_double_quote_is_tolerated() -> None:
    q = parse_query('kv "cache compression')
    assert q.words == ["kv", "cache", "compression"]
    assert q.phrases == []


@pytest.mark.parametrize("raw", ["Alzheimer's disease", "don't stop", "'", "O'Brien", "speech\\", "\\"])
def test_apostrophes_and_backslashes_never_raise(raw: str) -> None:
    """BUG: _split falls back only for '"'; a lone ' or a trailing backslash makes shlex raise ValueError."""
    q = parse_query(raw)
    assert isinstance(q, Query)


def test_apostrophe_words_are_kept() -> None:
    q = parse_query("Alzheimer's disease")
    assert "disease" in q.words and any(w.lower().startswith("alzheimer") for w in q.words)


def test_non_ascii_words() -> None:
    q = parse_query("García Müller 量子 réseaux")
    assert q.words == ["García", "Müller", "量子", "réseaux"]


# ---- FTS expressions ----------------------------------------------------------------------


def test_fts_expression_shapes() -> None:
    q = parse_query('au:"Jane Doe" cat:cs.LG "mixture of experts" routing -vision')
    assert fts_expression(q) == ('("mixture of experts" AND authors : "Jane Doe" AND categories : "cs LG" '
                                 'AND ("routing")) NOT "vision"')
    assert fts_expression(q, free_words=False) == ('("mixture of experts" AND authors : "Jane Doe" AND '
                                                   'categories : "cs LG") NOT "vision"')
    assert constraint_expression(q) == '"mixture of experts" AND authors : "Jane Doe" AND categories : "cs LG"'
    assert excluded_expression(q) == '("vision")'


def test_free_words_are_or_ed_without_stopwords() -> None:
    assert fts_expression(parse_query("the cache of attention")) == '("cache" OR "attention")'
    assert fts_expression(parse_query("the of")) == '("the" OR "of")'  # only stopwords: keep them


def test_fts_operators_in_the_query_are_quoted() -> None:
    expr = fts_expression(parse_query("cache AND NOT OR NEAR attention"))
    assert expr == '("cache" OR "NOT" OR "NEAR" OR "attention")'


def test_nothing_searchable_gives_empty_expression() -> None:
    for raw in ("", "   ", "-", '"', "(((", "since:2024-01-01", "-vision", '" . "'):
        assert fts_expression(parse_query(raw)) == ""
    assert constraint_expression(parse_query("words only")) == ""
    assert excluded_expression(parse_query("words only")) == ""


def test_expressions_select_the_right_papers(fts_store: SqliteStore) -> None:
    def match(raw: str) -> set[str]:
        return run_match(fts_store, keyword_match(parse_query(raw)))

    assert match("transformer") == {"arxiv:2401.00001", "arxiv:2402.00002"}  # porter: transformers
    assert match("transformer -vision") == {"arxiv:2401.00001"}
    assert match('"long context"') == {"arxiv:2403.00003"}
    assert match('"context long"') == set()
    assert match('au:"Jane Doe"') == {"arxiv:2401.00001", "arxiv:2403.00003"}
    assert match('au:"Jane Doe" cat:cs.LG') == {"arxiv:2401.00001"}
    assert match("au:garcia") == {"arxiv:2402.00002"}  # diacritics removed
    assert match("cat:cs.CL") == {"arxiv:2401.00001", "arxiv:2403.00003"}
    assert match("cat:cs.CL -cache") == {"arxiv:2401.00001"}
    assert match("cache OR NOT") == {"arxiv:2403.00003"}


# ---- properties -----------------------------------------------------------------------------

query_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80
) | st.lists(
    st.sampled_from(['"', "'", "-", "\\", "au:", "cat:", "since:", "until:", "AND", "OR", "NOT", "NEAR", "(", ")",
                     "*", "^", ":", "+", " ", "cache", "Jane Doe", "cs.LG", "2024-01-01", "é", "\x00", "\t"]),
    max_size=12,
).map("".join)


def searchable(q: Query) -> bool:
    return any(WORD.search(x) for x in q.words + q.phrases + q.authors + q.categories)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=query_text)
@example(raw="don't")
@example(raw="speech\\")
def test_parse_query_raises_only_for_bad_dates_and_fts_accepts_the_expression(fts_store: SqliteStore, raw: str) -> None:
    try:
        q = parse_query(raw)
    except DateError:
        assert re.search(r"(?i)(since|until):", raw)  # the only error: a since:/until: that is not a date
        return
    for m in (keyword_match(q), keyword_match(q, free_words=False), constraint_match(q), excluded_match(q)):
        assert m.is_empty == (fts5_expression(m) == "")
        run_match(fts_store, m)  # raises PaperfeedError if FTS5 rejects the rendering
    if keyword_match(q).is_empty:
        assert not searchable(q)


parts = st.lists(st.text(max_size=20), max_size=4)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=parts, phrases=parts, authors=parts, categories=parts, excluded=parts)
def test_fts_expression_of_any_query_is_valid_fts5(fts_store: SqliteStore, words, phrases, authors, categories,
                                                   excluded) -> None:
    q = Query(raw="", words=words, phrases=phrases, authors=authors, categories=categories, excluded=excluded)
    for free in (True, False):
        m = keyword_match(q, free_words=free)
        run_match(fts_store, m)
        if m.is_empty and free:
            assert not searchable(q)
    for m in (constraint_match(q), excluded_match(q)):
        run_match(fts_store, m)


def test_query_syntax_of_fts5_in_a_match_is_only_words(fts_store: SqliteStore) -> None:
    # the store renders a Match from its word characters: quotes and operators cannot reach FTS5
    assert run_match(fts_store, Match(words=('"unterminated', "cache*", "NEAR(")) ) == {"arxiv:2403.00003"}
    assert run_match(fts_store, Match(phrases=('"long) (context',))) == {"arxiv:2403.00003"}

