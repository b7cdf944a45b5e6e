"""The store contract: writing with dedup, reading, keyword search, vectors, transactions.

Every test here runs on both backends (the ``store`` fixture below is SQLite, then PostgreSQL), so
the two behave the same; SQLite internals are checked only where the store is a SqliteStore."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from paperfeed.errors import PaperfeedError
from paperfeed.models import Paper
from paperfeed.normalize import normalize_paper, text_hash
from paperfeed.rank.query import Match
from paperfeed.store.base import open_store
from paperfeed.store.sqlite import SqliteStore


@pytest.fixture
def store(any_store):
    """Each test runs on a fresh SQLite store and on a fresh PostgreSQL store."""
    return any_store


def words(*ws: str) -> Match:
    """A keyword match of any of these words."""
    return Match(words=ws)


def P(**kw) -> Paper:  # noqa: N802
    return normalize_paper(Paper(**kw))


def arxiv_paper(n: int = 1, **kw) -> Paper:
    base = dict(
        title=f"Sparse Attention for Long Documents number {n}",
        abstract=f"We study sparse attention, experiment {n}.",
        authors=("Jane Doe", f"Coauthor {n}"),
        arxiv_id=f"2401.{n:05d}v1",
        categories=("cs.CL", "cs.LG"),
        date="2024-01-05",
    )
    base.update(kw)
    return P(**base)


def statuses(result: list[tuple[str, int]]) -> list[str]:
    return [s for s, _ in result]


# ---- statuses and dedup ---------------------------------------------------------


def test_add_then_unchanged_then_updated(store: SqliteStore) -> None:
    p = arxiv_paper()
    assert statuses(store.write_papers([p], "a.jsonl")) == ["added"]
    assert statuses(store.write_papers([p], "a.jsonl")) == ["unchanged"]
    changed = arxiv_paper(abstract="A corrected, longer abstract about sparse attention.")
    assert statuses(store.write_papers([changed], "a.jsonl")) == ["updated"]
    assert store.count() == 1
    assert store.get(p.key).abstract == "A corrected, longer abstract about sparse attention."


def test_write_returns_row_ids_in_input_order(store: SqliteStore) -> None:
    papers = [arxiv_paper(i) for i in range(1, 6)]
    out = store.write_papers(papers, "a")
    ids = [pid for _, pid in out]
    assert len(set(ids)) == 5
    assert [p.key for p in store.papers_by_ids(ids)] == [p.key for p in papers]


def test_duplicate_within_one_batch_is_stored_once(store: SqliteStore) -> None:
    p = arxiv_paper()
    out = store.write_papers([p, p], "a")
    assert statuses(out) == ["added", "unchanged"]
    assert out[0][1] == out[1][1]
    assert store.count() == 1


def test_dedup_by_arxiv_id_across_sources(store: SqliteStore) -> None:
    store.write_papers([arxiv_paper()], "a.jsonl")
    other = P(title="Sparse attention for long documents number 1 (extended)", arxiv_id="arXiv:2401.00001",
              authors=("Someone Else",), sources=())
    store.write_papers([other], "b.bib")
    assert store.count() == 1
    got = store.get("arxiv:2401.00001")
    assert set(got.sources) == {"a.jsonl", "b.bib"}


def test_dedup_by_doi_across_sources(store: SqliteStore) -> None:
    store.write_papers([P(title="Published Paper", doi="https://doi.org/10.1145/ABC", authors=("A B",))], "a")
    store.write_papers([P(title="A different title string", doi="10.1145/abc", venue="KDD")], "b")
    assert store.count() == 1
    assert store.get("doi:10.1145/abc").venue == "KDD"


def test_dedup_by_exact_normalised_title(store: SqliteStore) -> None:
    store.write_papers([P(title="Learning to Rank: From Pairwise to Listwise", authors=("Zhe Cao",))], "a")
    store.write_papers([P(title="learning to rank -- from pairwise to listwise!", authors=("T. Qin",))], "b")
    assert store.count() == 1


def test_exact_title_with_conflicting_arxiv_ids_is_two_papers(store: SqliteStore) -> None:
    store.write_papers([arxiv_paper(1, title="Same Title")], "a")
    store.write_papers([arxiv_paper(2, title="Same Title")], "a")
    assert store.count() == 2


def test_bibtex_like_record_merges_into_stored_arxiv_paper_by_fuzzy_title(store: SqliteStore) -> None:
    arx = P(title="Self-Supervised Learning of Pretext-Invariant Representations",
            abstract="We study pretext-invariant representation learning.",
            authors=("Ishan Misra", "Laurens van der Maaten"), arxiv_id="1912.01991v1", date="2019-12-04")
    store.write_papers([arx], "arxiv.jsonl")
    bib = P(title="Self Supervised Learning of Pretext Invariant Representations",  # hyphens and case differ
            authors=("Misra, Ishan", "van der Maaten, Laurens"), venue="CVPR", date="2020",
            doi="10.1109/CVPR42600.2020.00674")
    out = store.write_papers([bib], "papers.bib")
    assert statuses(out) == ["updated"]
    # and a near-identical (not exactly equal) title with a shared author merges too
    fuzzy = P(title="Selfsupervised learning of pretext-invariant representations", authors=("I. Misra",),
              journal_ref="CVPR 2020, pp. 6707-6717")
    store.write_papers([fuzzy], "other.bib")
    assert store.count() == 1
    got = store.get("arxiv:1912.01991")
    assert got.key == "arxiv:1912.01991"
    assert got.venue == "CVPR"
    assert got.doi == "10.1109/cvpr42600.2020.00674"
    assert got.date == "2019-12-04"
    assert got.journal_ref == "CVPR 2020, pp. 6707-6717"
    assert set(got.sources) == {"arxiv.jsonl", "papers.bib", "other.bib"}
    assert store.resolve_id("10.1109/CVPR42600.2020.00674") == store.resolve_id("1912.01991")


def test_fuzzy_title_without_shared_author_is_a_new_paper(store: SqliteStore) -> None:
    store.write_papers([arxiv_paper(1, title="Self-Supervised Learning of Invariant Representations")], "a")
    store.write_papers([P(title="Self Supervised Learning of Invariant Representation",
                          authors=("Kim Roe",))], "b")
    assert store.count() == 2


@pytest.mark.parametrize("batches", [1, 2], ids=["one-batch", "two-batches"])
def test_series_papers_by_one_author_are_not_merged(store: SqliteStore, batches: int) -> None:
    # two entries of one author's bibliography: Part I and Part II are different papers
    papers = [
        P(title="Deep Reinforcement Learning for Robotic Manipulation: Part I", authors=("Jane Doe",)),
        P(title="Deep Reinforcement Learning for Robotic Manipulation: Part II", authors=("Jane Doe",)),
    ]
    if batches == 1:
        store.write_papers(papers, "mine.bib")
    else:
        store.write_papers(papers[:1], "mine.bib")
        store.write_papers(papers[1:], "mine.bib")
    assert store.count() == 2


@pytest.mark.parametrize("batches", [1, 2], ids=["one-batch", "two-batches"])
def test_fuzzy_dedup_does_not_depend_on_batch_boundaries(store: SqliteStore, batches: int) -> None:
    # one file holding an arXiv record and a BibTeX-like copy of it (title differs by hyphens/case):
    # whether the two land in one write batch or two must not change the result
    arx = P(title="Self-Supervised Learning of Pretext-Invariant Representations",
            authors=("Ishan Misra", "Laurens van der Maaten"), arxiv_id="1912.01991")
    bib = P(title="Selfsupervised learning of pretext-invariant representations",  # fuzzy, not exact
            authors=("Misra, Ishan",), venue="CVPR")
    if batches == 1:
        store.write_papers([arx, bib], "mixed.jsonl")
    else:
        store.write_papers([arx], "mixed.jsonl")
        store.write_papers([bib], "mixed.jsonl")
    assert store.count() == 1
    assert store.get("1912.01991").venue == "CVPR"


def test_record_whose_arxiv_id_and_doi_match_two_stored_papers_does_not_crash(store: SqliteStore) -> None:
    # the preprint (arXiv id only) and the published version (DOI, renamed) were stored apart;
    # then arXiv's bulk snapshot brings a record carrying both ids.
    store.write_papers([P(title="Preprint title about cats", authors=("Jane Doe",), arxiv_id="2401.01234")], "a")
    store.write_papers([P(title="Published title on dogs", authors=("Jane Doe",), doi="10.1000/d1")], "b")
    both = P(title="Preprint title about cats", authors=("Jane Doe",), arxiv_id="2401.01234v2", doi="10.1000/d1")
    try:
        store.write_papers([both], "c")
    except sqlite3.IntegrityError as e:  # pragma: no cover - the failure this test documents
        pytest.fail(f"write_papers raised {e!r}")
    assert store.resolve_id("2401.01234") is not None
    assert store.resolve_id("10.1000/d1") is not None


def test_key_stability_on_reingest(store: SqliteStore) -> None:
    arx = arxiv_paper(7)
    bib = P(title=arx.title.lower(), authors=("Doe, Jane",), venue="ACL")
    plain = P(title="A Paper With Neither Id", authors=("Al Smith",))
    store.write_papers([arx, plain], "one")
    store.write_papers([bib], "two")
    keys1 = sorted(p.key for p in store.iter_papers())
    for _ in range(2):
        assert set(statuses(store.write_papers([arx, plain], "one"))) == {"unchanged"}
        assert statuses(store.write_papers([bib], "two")) == ["unchanged"]
    assert sorted(p.key for p in store.iter_papers()) == keys1 == sorted([arx.key, plain.key])


def test_bibtex_first_then_arxiv_keeps_one_paper(store: SqliteStore) -> None:
    bib = P(title="Sparse Attention for Long Documents", authors=("Doe, Jane",), venue="ACL", date="2024")
    store.write_papers([bib], "mine.bib")
    arx = P(title="Sparse attention for long documents", authors=("Jane Doe", "Bo Li"),
            arxiv_id="2401.01234v2", abstract="Abstract.", date="2024-01-05")
    store.write_papers([arx], "arxiv.jsonl")
    assert store.count() == 1
    pid = store.resolve_id("arXiv:2401.01234")
    assert pid is not None and pid == store.resolve_id(bib.key)
    got = store.papers_by_ids([pid])[0]
    assert got.arxiv_id == "2401.01234" and got.venue == "ACL" and got.abstract == "Abstract."
    # re-ingesting either file changes nothing
    assert statuses(store.write_papers([bib], "mine.bib")) == ["unchanged"]
    assert statuses(store.write_papers([arx], "arxiv.jsonl")) == ["unchanged"]
    assert store.count() == 1


def test_newer_version_updates_abstract(store: SqliteStore) -> None:
    v2 = arxiv_paper(1, arxiv_id="2401.00001v2", abstract="Version two abstract, long and detailed.")
    v3 = arxiv_paper(1, arxiv_id="2401.00001v3", abstract="Version three abstract.")
    store.write_papers([v2], "a")
    assert statuses(store.write_papers([v3], "b")) == ["updated"]
    got = store.get("2401.00001")
    assert (got.abstract, got.version) == ("Version three abstract.", 3)
    # the stale v2 record arriving again from yet another file must not bring v2's text back
    store.write_papers([v2], "c")
    got = store.get("2401.00001")
    assert (got.abstract, got.version) == ("Version three abstract.", 3)


def test_authors_index_follows_updates(store: SqliteStore) -> None:
    v1 = arxiv_paper(1, authors=("Jane Doe",))
    v2 = arxiv_paper(1, arxiv_id="2401.00001v2", authors=("Kim Roe", "Bo Li"))
    (_, pid), = store.write_papers([v1], "a")
    assert store.ids_by_author_key("j doe") == [pid]
    store.write_papers([v2], "a")
    assert store.ids_by_author_key("j doe") == []
    assert store.ids_by_author_key("k roe") == [pid]


# ---- reading --------------------------------------------------------------------


@pytest.fixture
def filled(store: SqliteStore) -> SqliteStore:
    store.write_papers([
        P(title="Old Paper", arxiv_id="hep-th/9901001v1", date="1999-01-04", categories=("hep-th",)),
        P(title="Mid Paper", arxiv_id="2305.00002", date="2023-05-02", categories=("cs.LG",)),
        P(title="New Paper", arxiv_id="2401.00003", date="2024-01-05", categories=("cs.CL", "cs.LG")),
        P(title="Undated Paper", doi="10.1145/ABC.123", categories=("cs.IR",)),
        P(title="Year Only Paper", date="2023", authors=("Jane Doe",)),
    ], "seed")
    return store


@pytest.mark.parametrize(
    ("ref", "title"),
    [
        ("arxiv:2401.00003", "New Paper"),
        ("2401.00003", "New Paper"),
        ("2401.00003v4", "New Paper"),
        ("arXiv:2401.00003", "New Paper"),
        ("https://arxiv.org/abs/2401.00003v1", "New Paper"),
        ("hep-th/9901001", "Old Paper"),
        ("arxiv:hep-th/9901001", "Old Paper"),
        ("doi:10.1145/abc.123", "Undated Paper"),
        ("10.1145/ABC.123", "Undated Paper"),
        ("DOI:10.1145/ABC.123", "Undated Paper"),
        ("https://doi.org/10.1145/ABC.123", "Undated Paper"),
        ("  2305.00002 ", "Mid Paper"),
    ],
)
def test_resolve_id_and_get(filled: SqliteStore, ref: str, title: str) -> None:
    pid = filled.resolve_id(ref)
    assert pid is not None
    assert filled.get(ref).title == title


def test_resolve_title_key(filled: SqliteStore) -> None:
    key = normalize_paper(Paper(title="Year Only Paper")).key
    assert filled.get(key).title == "Year Only Paper"


@pytest.mark.parametrize("ref", ["arxiv:2401.99999", "2401.99999", "10.1145/nope", "doi:10.9999/x", "title:0",
                                 "nonsense", ""])
def test_resolve_unknown(filled: SqliteStore, ref: str) -> None:
    assert filled.resolve_id(ref) is None
    assert filled.get(ref) is None


def test_list_papers_newest_first_undated_last(filled: SqliteStore) -> None:
    titles = [p.title for p in filled.list_papers(limit=10)]
    assert titles == ["New Paper", "Mid Paper", "Year Only Paper", "Old Paper", "Undated Paper"]
    assert [p.title for p in filled.list_papers(limit=2, offset=0)] == titles[:2]
    assert [p.title for p in filled.list_papers(limit=2, offset=2)] == titles[2:4]


def test_list_papers_pages_through_dated_then_undated(store) -> None:
    # dated papers newest first (ties by id, newest row first), then undated ones; every page agrees
    dates = ["2024-01-05", None, "2023", "2024-01-05", None, "1999-01-04", "2023-05-02", None]
    store.write_papers([P(title=f"Paper {n}", arxiv_id=f"2601.{n:05d}", date=d, categories=("cs.LG",) if n % 2
                          else ("cs.CV",)) for n, d in enumerate(dates)], "seed")
    everything = store.list_papers(limit=100)
    titles = [p.title for p in everything]
    assert titles == ["Paper 3", "Paper 0", "Paper 6", "Paper 2", "Paper 5", "Paper 7", "Paper 4", "Paper 1"]
    for limit in range(1, 9):
        for offset in range(0, 10):
            assert [p.title for p in store.list_papers(limit=limit, offset=offset)] == titles[offset:offset + limit]
    odd = [p.title for p in store.list_papers(limit=100, category="cs.LG")]
    assert odd == [t for t in titles if int(t.split()[1]) % 2]
    assert [p.title for p in store.list_papers(limit=2, offset=1, category="cs.LG")] == odd[1:3]
    assert [p.title for p in store.list_papers(limit=100, since="2023-02-01")] == ["Paper 3", "Paper 0", "Paper 6"]


def test_newest_date_is_the_first_listed_papers(filled: SqliteStore) -> None:
    assert filled.newest_date() == filled.list_papers(limit=1)[0].date == "2024-01-05"


def test_newest_date_of_an_empty_or_undated_library(store) -> None:
    assert store.newest_date() is None
    store.write_papers([P(title="Undated Paper", doi="10.1145/X.1")], "seed")
    assert store.newest_date() is None


def test_list_papers_filters(filled: SqliteStore) -> None:
    assert [p.title for p in filled.list_papers(category="cs.LG")] == ["New Paper", "Mid Paper"]
    assert [p.title for p in filled.list_papers(category="cs")] == []  # whole categories only
    assert {p.title for p in filled.list_papers(since="2023-05-01")} == {"New Paper", "Mid Paper"}
    assert {p.title for p in filled.list_papers(until="2023-05-02")} == {"Mid Paper", "Old Paper", "Year Only Paper"}
    assert {p.title for p in filled.list_papers(until="2023")} == {"Mid Paper", "Old Paper", "Year Only Paper"}
    assert [p.title for p in filled.list_papers(since="2023-01-01", until="2023-12-31", category="cs.LG")] == [
        "Mid Paper"]


def test_filter_ids_matches_list_papers(filled: SqliteStore) -> None:
    ids = filled.filter_ids(category="cs.LG")
    assert ids.dtype == np.int64
    assert sorted(p.title for p in filled.papers_by_ids(ids.tolist())) == ["Mid Paper", "New Paper"]
    assert len(filled.filter_ids()) == filled.count() == 5


def test_iter_papers_streams_everything_in_batches(store: SqliteStore) -> None:
    store.write_papers([arxiv_paper(i) for i in range(1, 26)], "a")
    keys = [p.key for p in store.iter_papers(batch=7)]
    assert len(keys) == len(set(keys)) == 25
    assert [p.key for p in store.iter_papers(ids=[3, 1], batch=1)] == [
        store.papers_by_ids([3])[0].key, store.papers_by_ids([1])[0].key]


def test_ids_for_keys_and_papers_by_ids_order(filled: SqliteStore) -> None:
    m = filled.ids_for_keys(["arxiv:2401.00003", "arxiv:2305.00002", "arxiv:0000.00000"])
    assert set(m) == {"arxiv:2401.00003", "arxiv:2305.00002"}
    ps = filled.papers_by_ids([m["arxiv:2305.00002"], 999, m["arxiv:2401.00003"]])
    assert [p.title for p in ps] == ["Mid Paper", "New Paper"]


def test_stats(filled: SqliteStore) -> None:
    filled.write_papers([P(title="New Paper", arxiv_id="2401.00003")], "second")
    st = filled.stats()
    assert st["papers"] == 5
    assert st["by_source"] == {"seed": 5, "second": 1}
    assert st["by_year"] == {"1999": 1, "2023": 2, "2024": 1, "unknown": 1}
    assert st["by_category"]["cs.LG"] == 2 and st["by_category"]["hep-th"] == 1
    assert list(st["by_category"])[0] == "cs.LG"
    assert st["missing"] == {"title": 0, "abstract": 5, "authors": 4, "date": 1, "categories": 1,
                             "arxiv_id_and_doi": 1}


def test_stats_on_empty_store(store: SqliteStore) -> None:
    st = store.stats()
    assert st["papers"] == 0 and st["by_source"] == {} and st["by_year"] == {}
    assert all(v == 0 for v in st["missing"].values())


def test_roundtrip_of_every_field(store: SqliteStore) -> None:
    p = P(title="Ünïcode & <things> $x^2$ {braces}", abstract="Abstract with 100% \\LaTeX and \"quotes\".",
          authors=("José García", "Bo Li"), arxiv_id="2401.01234v2", doi="10.1000/x1",
          categories=("cs.LG", "stat.ML"), date="2024-01-05", updated="2024-02-01", venue="ICML",
          url="https://example.org", comments="9 pages", journal_ref="ICML 2024")
    store.write_papers([p], "src")
    got = store.get(p.key)
    from dataclasses import replace

    assert got == replace(p, sources=("src",))


# ---- keyword search ---------------------------------------------------------------


def test_search_fts_title_match_ranks_above_abstract_only(store: SqliteStore) -> None:
    store.write_papers([
        P(title="A study of graphs", abstract="We use transformers to model molecules and proteins here.",
          arxiv_id="2401.00001"),
        P(title="Transformers for molecules", abstract="We study graphs of proteins and more things here.",
          arxiv_id="2401.00002"),
        P(title="Unrelated", abstract="Nothing to see.", arxiv_id="2401.00003"),
    ], "a")
    hits = store.search_fts(words("transformers"), limit=10)
    titles = [store.papers_by_ids([i])[0].title for i, _ in hits]
    assert titles == ["Transformers for molecules", "A study of graphs"]
    assert hits[0][1] > hits[1][1]


def test_search_fts_stems_folds_diacritics_and_filters(store: SqliteStore) -> None:
    store.write_papers([
        P(title="Modelling Café Networks", authors=("José García",), arxiv_id="2401.00001", date="2024-01-01",
          categories=("cs.SI",)),
        P(title="Networked systems", arxiv_id="2301.00002", date="2023-01-01", categories=("cs.NI",)),
    ], "a")
    assert len(store.search_fts(words("cafe"), 10)) == 1
    assert len(store.search_fts(words("garcia"), 10)) == 1
    assert len(store.search_fts(words("network"), 10)) == 2  # porter stemming
    assert len(store.search_fts(words("network"), 10, since="2024-01-01")) == 1
    assert len(store.search_fts(words("network"), 10, category="cs.NI")) == 1


def test_search_fts_sees_updates(store: SqliteStore) -> None:
    store.write_papers([arxiv_paper(1, title="Old words here")], "a")
    store.write_papers([arxiv_paper(1, arxiv_id="2401.00001v2", title="Fresh vocabulary")], "a")
    assert store.search_fts(words("old"), 10) == []
    assert len(store.search_fts(words("vocabulary"), 10)) == 1
    if isinstance(store, SqliteStore):
        store.conn.execute("INSERT INTO papers_fts(papers_fts) VALUES('integrity-check')")


# ---- vectors ----------------------------------------------------------------------


def test_vectors_put_load_missing_and_stale(store: SqliteStore) -> None:
    out = store.write_papers([arxiv_paper(i) for i in (1, 2, 3)], "a")
    ids = [pid for _, pid in out]
    missing = store.papers_missing_vectors("m", 10)
    assert [r[0] for r in missing] == ids[::-1]  # newest first; one date, so the last added first
    assert missing[0][3] == text_hash(missing[0][1], missing[0][2])
    assert store.count_missing_vectors("m") == 3
    state0 = store.vector_state("m")

    vecs = np.arange(3 * 4, dtype=np.float32).reshape(3, 4)
    missing = missing[::-1]
    store.put_vectors("m", [(r[0], r[3]) for r in missing[:2]], vecs[:2])
    assert store.count_missing_vectors("m") == 1
    assert [r[0] for r in store.papers_missing_vectors("m", 10)] == [ids[2]]
    assert store.count_missing_vectors("other-model") == 3
    got_ids, mat = store.load_vectors("m", 4)
    assert got_ids.tolist() == ids[:2] and mat.dtype == np.float32
    np.testing.assert_array_equal(mat, vecs[:2])
    assert store.vector_state("m") != state0
    assert set(store.vectors_for("m", ids, 4)) == set(ids[:2])
    assert store.vector_models() == {"m": 2}

    # the text of paper 1 changes: its vector is stale, not loaded, and listed as missing
    store.write_papers([arxiv_paper(1, arxiv_id="2401.00001v2", abstract="Rewritten abstract.")], "a")
    assert {r[0] for r in store.papers_missing_vectors("m", 10)} == {ids[0], ids[2]}
    got_ids, mat = store.load_vectors("m", 4)
    assert got_ids.tolist() == [ids[1]]
    assert list(store.vectors_for("m", ids, 4)) == [ids[1]]


def test_load_vectors_empty(store: SqliteStore) -> None:
    ids, mat = store.load_vectors("m", 8)
    assert ids.shape == (0,) and mat.shape == (0, 8)
    assert store.vector_state("m") == store.vector_state("m")


def test_metadata_only_change_keeps_vector(store: SqliteStore) -> None:
    (_, pid), = store.write_papers([arxiv_paper(1)], "a")
    (row,) = store.papers_missing_vectors("m", 10)
    store.put_vectors("m", [(pid, row[3])], np.ones((1, 4), dtype=np.float32))
    store.write_papers([arxiv_paper(1, venue="ACL 2024")], "b")
    assert store.count_missing_vectors("m") == 0


# ---- transactions -------------------------------------------------------------------


def test_transaction_rollback_leaves_nothing(store: SqliteStore) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.write_papers([arxiv_paper(i) for i in range(1, 4)], "a")
        assert store.count() == 3
        raise RuntimeError("boom")
    assert store.count() == 0
    assert not store.has_source("a")
    assert store.ids_by_author_key("j doe") == []
    assert store.search_fts(words("sparse"), 10) == []
    # and the store still works afterwards
    assert statuses(store.write_papers([arxiv_paper(1)], "a")) == ["added"]


def test_nested_transaction_joins_outer(store: SqliteStore) -> None:
    with pytest.raises(KeyboardInterrupt), store.transaction():
        with store.transaction():
            store.write_papers([arxiv_paper(1)], "a")
        raise KeyboardInterrupt
    assert store.count() == 0


def test_committed_data_visible_to_a_second_connection(store: SqliteStore, store_url: str) -> None:
    store.write_papers([arxiv_paper(1)], "a")
    other = open_store(store_url)
    try:
        assert other.count() == 1
    finally:
        other.close()


def test_open_store_urls(tmp_path) -> None:
    s = open_store(f"sqlite:///{tmp_path / 'x.db'}")
    assert isinstance(s, SqliteStore) and s.path == tmp_path / "x.db"
    s.close()
    with pytest.raises(PaperfeedError, match="cannot connect to postgresql://nobody:\\*\\*\\*@127.0.0.1:1/db"):
        open_store("postgresql://nobody:secret@127.0.0.1:1/db")


def test_profile_papers_keep_the_first_reason_they_were_added(store) -> None:
    store.write_papers([P(title="A", arxiv_id="2601.00001"), P(title="B", arxiv_id="2601.00002")], "t")
    ids = sorted(store.ids_for_keys(["arxiv:2601.00001", "arxiv:2601.00002"]).values())
    pid = store.create_profile("p")
    assert store.add_profile_papers(pid, ids[:1]) == 1  # as before migration 9: no reason known
    assert store.profile_paper_origins(pid) == {ids[0]: ("", "")}
    assert store.add_profile_papers(pid, ids, "author", "Jane Doe") == 1
    assert store.add_profile_papers(pid, ids, "orcid", "0000-0002-1825-0097") == 0
    assert store.profile_paper_origins(pid) == {ids[0]: ("author", "Jane Doe"), ids[1]: ("author", "Jane Doe")}


def test_profile_record_is_a_models_profile_with_ids_and_keys(store) -> None:
    from paperfeed.models import Profile

    store.write_papers([P(title=t, arxiv_id=f"2601.0000{n}") for n, t in enumerate("ABCD", 1)], "t")
    ids = store.ids_for_keys([f"arxiv:2601.0000{n}" for n in range(1, 5)])
    pid = store.create_profile("p", interests="graphs", authors=["Jane Doe"])
    store.add_profile_papers(pid, [ids["arxiv:2601.00002"], ids["arxiv:2601.00001"]])
    store.set_feedback(pid, ids["arxiv:2601.00004"], 1)
    store.set_feedback(pid, ids["arxiv:2601.00003"], -1)
    store.set_mute(pid, "category", "cs.CV")
    rec = store.profile_record(pid)
    assert isinstance(rec, Profile) and (rec.name, rec.interests, rec.authors) == ("p", "graphs", ("Jane Doe",))
    assert rec.paper_ids == (ids["arxiv:2601.00001"], ids["arxiv:2601.00002"])
    assert rec.paper_keys == ("arxiv:2601.00001", "arxiv:2601.00002")
    assert (rec.liked_ids, rec.liked) == ((ids["arxiv:2601.00004"],), ("arxiv:2601.00004",))
    assert (rec.disliked_ids, rec.disliked) == ((ids["arxiv:2601.00003"],), ("arxiv:2601.00003",))
    assert (rec.muted_categories, rec.muted_authors, rec.email) == (("cs.CV",), (), None)


def test_missing_vectors_newest_first_and_among_ids(store: SqliteStore) -> None:
    dates = {1: "2024-01-05", 2: "2024-03-01", 3: None, 4: "2024-02-01"}
    out = store.write_papers([arxiv_paper(i, date=d) for i, d in dates.items()], "a")
    ids = dict(zip(dates, (pid for _, pid in out), strict=True))
    assert [r[0] for r in store.papers_missing_vectors("m", 10)] == [ids[2], ids[4], ids[1], ids[3]]
    assert [r[0] for r in store.papers_missing_vectors("m", 10, [ids[3], ids[1]])] == [ids[1], ids[3]]
    assert store.count_missing_vectors("m", [ids[3], ids[1]]) == 2
    store.put_vectors("m", [(ids[1], store.papers_missing_vectors("m", 1, [ids[1]])[0][3])], np.ones((1, 4)))
    assert store.count_missing_vectors("m", [ids[3], ids[1]]) == 1 and store.count_missing_vectors("m") == 3
