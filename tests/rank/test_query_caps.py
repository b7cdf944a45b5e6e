"""Query caps (issue 15, item 5): at most 400 characters and 64 distinct terms, repeats merged, and a
clear one-line error (exit 2 in the CLI; HTTP 400 in the API, see tests/web/test_hardening.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from paperfeed.cli import main
from paperfeed.rank.query import MAX_QUERY_CHARS, MAX_QUERY_TERMS, QueryTooLarge, keyword_match, parse_query
from paperfeed.store.fts5 import fts5_expression


def test_repeated_words_are_merged() -> None:
    q = parse_query("attention " * 40)  # exactly 400 characters
    assert q.words == ["attention"] and fts5_expression(keyword_match(q)) == '("attention")'
    q = parse_query('Attention attention, ATTENTION "kv cache" "KV cache" au:Doe au:doe -x -X kv')
    assert q.words == ["Attention", "kv"] and q.phrases == ["kv cache"] and q.authors == ["Doe"]
    assert q.excluded == ["x"]


def test_the_caps() -> None:
    assert parse_query("a" * MAX_QUERY_CHARS).words == ["a" * MAX_QUERY_CHARS]
    with pytest.raises(QueryTooLarge, match=r"^query too long: 401 characters \(at most 400\)$"):
        parse_query("a" * (MAX_QUERY_CHARS + 1))
    with pytest.raises(QueryTooLarge, match=r"^query too long: 7999 characters"):
        parse_query("attention " * 800)
    many = " ".join(f"w{i}" for i in range(MAX_QUERY_TERMS))
    assert len(parse_query(many).words) == MAX_QUERY_TERMS
    with pytest.raises(QueryTooLarge, match=r"^query has 65 different terms \(at most 64\)$"):
        parse_query(many + " extra")
    with pytest.raises(QueryTooLarge, match="different terms"):  # one token, many words
        parse_query("-".join(f"w{i}" for i in range(100)))


@given(st.text(alphabet=st.sampled_from(list('ab AB"-:au:cat:since:2025 é\t')), max_size=500))
def test_any_query_parses_or_is_refused_clearly(raw: str) -> None:
    try:
        q = parse_query(raw)
    except QueryTooLarge as e:
        assert str(e).startswith("query ") and "\n" not in str(e)
        return
    assert len(raw.strip()) <= MAX_QUERY_CHARS
    assert len({w.lower() for w in q.words}) == len(q.words) <= MAX_QUERY_TERMS


def test_the_cli_gives_one_line_and_exit_2(tmp_path: Path) -> None:
    db = str(tmp_path / "lib.db")
    for query, msg in (("attention " * 800, "query too long: 7999 characters"),
                       (" ".join(f"w{i}" for i in range(80)), "query has 80 different terms")):
        r = CliRunner().invoke(main, ["--db", db, "search", "--mode", "keyword", query], catch_exceptions=False)
        assert r.exit_code == 2 and msg in r.output and len(r.output.strip().splitlines()) == 1, r.output
