"""What only the PostgreSQL store has to show: concurrent writers, the missing extra, migrations
by several processes at once, and keyword syntax rendered as tsquery (property test)."""

from __future__ import annotations

import sys
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paperfeed.errors import PaperfeedError
from paperfeed.models import Paper
from paperfeed.normalize import normalize_paper
from paperfeed.rank.query import Match, keyword_match, parse_query
from paperfeed.store.base import open_store
from paperfeed.store.postgres import PostgresStore


def paper(i: int, source_tag: str) -> Paper:
    return normalize_paper(Paper(title=f"Paper {i} about topic {i % 7}", abstract=f"Abstract {i} {source_tag}.",
                                 authors=(f"Author {i}",), arxiv_id=f"2401.{i:05d}", date="2024-01-02"))


def test_two_ingests_at_once_lose_nothing_and_duplicate_nothing(pg_url: str) -> None:
    """Two processes' worth of writers (own pools) ingest overlapping batches at the same time."""
    errors: list[BaseException] = []

    def ingest(offset: int, tag: str) -> None:
        s = PostgresStore(pg_url)
        try:
            for start in range(offset, offset + 300, 50):
                with s.transaction():
                    s.write_papers([paper(i, tag) for i in range(start, start + 50)], f"{tag}.jsonl")
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)
        finally:
            s.close()

    threads = [threading.Thread(target=ingest, args=(0, "a")), threading.Thread(target=ingest, args=(150, "b"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    s = PostgresStore(pg_url)
    try:
        assert s.count() == 450  # 0..449, the 150 shared ones once
        assert s.stats()["by_source"] == {"a.jsonl": 300, "b.jsonl": 300}
        assert sorted(s.filter_ids().tolist()) == list(range(1, 451))
    finally:
        s.close()


def test_several_processes_migrating_at_once(pg_server: str) -> None:
    from support import pg

    url = pg.with_database(pg_server, "pf_fresh_migrate")
    import psycopg

    with psycopg.connect(pg_server, autocommit=True) as c:
        c.execute("DROP DATABASE IF EXISTS pf_fresh_migrate WITH (FORCE)")
        c.execute("CREATE DATABASE pf_fresh_migrate")
    try:
        stores: list[PostgresStore] = []
        threads = [threading.Thread(target=lambda: stores.append(PostgresStore(url))) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(stores) == 4 and all(s.count() == 0 for s in stores)
        for s in stores:
            s.close()
    finally:
        pg.drop_database(pg_server, url)


def test_both_backends_have_one_schema_version() -> None:
    from paperfeed.store import migrations, pg_migrations

    assert len(pg_migrations.MIGRATIONS) == len(migrations.MIGRATIONS)
    assert pg_migrations.SCHEMA_VERSION == migrations.SCHEMA_VERSION


def test_a_library_from_schema_10_gets_the_generated_tsvector(pg_server: str) -> None:
    """Step 11 replaces the tsvector the store computed with a generated column: papers stored
    before it are searchable after it, and later writes keep it current."""
    import psycopg

    from paperfeed.store import pg_migrations
    from support import pg

    url = pg.with_database(pg_server, "pf_from_10")
    with psycopg.connect(pg_server, autocommit=True) as c:
        c.execute("DROP DATABASE IF EXISTS pf_from_10 WITH (FORCE)")
        c.execute("CREATE DATABASE pf_from_10")
    try:
        with psycopg.connect(url, autocommit=True) as c:
            for step in pg_migrations.MIGRATIONS[:10]:
                if step.strip():
                    c.execute(step)
            c.execute("CREATE TABLE paperfeed_schema (version INTEGER NOT NULL)")
            c.execute("INSERT INTO paperfeed_schema VALUES (10)")
            c.execute(
                "INSERT INTO papers(id, key, arxiv_id, title_key, title, abstract, authors, categories, sources, "
                "content_hash, text_hash, added_at, modified_at, tsv) VALUES (1, 'arxiv:2401.00001', '2401.00001', "
                "'old cafe', 'Old Café Networks', 'an abstract', '[\"José García\"]', 'cs.CL', '[]', 'h', 'h', "
                "'2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z', to_tsvector('english', 'old cafe networks'))")
        s = PostgresStore(url)
        try:
            row = s._one("SELECT max(version) FROM paperfeed_schema")
            assert row is not None and row[0] == pg_migrations.SCHEMA_VERSION
            assert [i for i, _ in s.search_fts(Match(words=("cafe",)), 10)] == [1]
            assert [i for i, _ in s.search_fts(Match(authors=("Garcia",)), 10)] == [1]  # folded by the server
            s.write_papers([normalize_paper(Paper(title="Old Café Networks", abstract="now about gossip",
                                                  arxiv_id="2401.00001v2", authors=("José García",)))], "t")
            assert [i for i, _ in s.search_fts(Match(words=("gossip",)), 10)] == [1]
        finally:
            s.close()
    finally:
        pg.drop_database(pg_server, url)


def test_without_the_extra_a_url_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)
    with pytest.raises(PaperfeedError, match=r"pip install 'paperfeed\[postgres\]'"):
        open_store("postgresql://u@h/db")


@pytest.fixture(scope="module")
def pg_query_store(pg_server: str):
    from support import pg

    url = pg.create_database(pg_server)
    s = PostgresStore(url)
    s.write_papers([normalize_paper(Paper(title="KV Cache Compression", abstract="the cache of attention",
                                          authors=("José García",), categories=("cs.CL",), arxiv_id="2403.00003"))],
                   "t")
    yield s
    s.close()
    pg.drop_database(pg_server, url)


query_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60) | st.lists(
    st.sampled_from(['"', "'", "-", "\\", "au:", "cat:", "&", "|", "!", "<->", ":*", "(", ")", ":A", " ", "cache",
                     "García", "cs.CL", "\x00", "_", "'s"]), max_size=12).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=query_text)
def test_any_query_renders_as_a_valid_tsquery(pg_query_store: PostgresStore, raw: str) -> None:
    q = parse_query(raw)
    for m in (keyword_match(q), keyword_match(q, all_words=True), Match(words=tuple(q.excluded))):
        pg_query_store.search_fts(m, 5)  # a psycopg error here would be a rendering bug
        pg_query_store.count_fts(m)


def test_tsquery_matches_like_fts5(pg_query_store: PostgresStore) -> None:
    def hits(raw: str) -> int:
        return len(pg_query_store.search_fts(keyword_match(parse_query(raw)), 5))

    assert hits("caches") == 1 and hits('au:"jose garcia"') == 1 and hits("cat:cs.CL") == 1
    assert hits('"attention cache"') == 0 and hits('"cache of attention"') == 1 and hits("cache -garcia") == 0


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=40))
def test_the_server_folds_paper_text_as_queries_are_folded(pg_query_store: PostgresStore, text: str) -> None:
    """Papers' tsvectors are folded by the server (paperfeed_fold), queries by tsquery.fold: the same text."""
    from paperfeed.store.tsquery import fold

    row = pg_query_store._one("SELECT paperfeed_fold(%s)", (text,))
    assert row is not None and row[0] == fold(text)
