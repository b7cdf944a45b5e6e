"""The author-continuity evaluation: task construction on a hand-made corpus, evaluate(), and a small real run."""

from __future__ import annotations

import gzip
import random
from collections.abc import Callable
from pathlib import Path

import numpy as np
import orjson
import pytest

from paperfeed.embed.hashing import HashingEmbedder
from paperfeed.eval import windows
from paperfeed.eval.authors import author_identity, build_task, evaluate
from paperfeed.eval.corpus import Doc

START, END = "2026-06-24", "2026-06-30"


def doc(i: str, date: str | None, *names: str, cats: tuple[str, ...] = ("cs.LG",)) -> Doc:
    return Doc(id=i, title=f"Paper {i}", abstract=f"Abstract of paper {i}.", authors=names, categories=cats,
               date=date)


def corpus() -> list[Doc]:
    """Hand-made authors: who has >= 3 papers before the window and >= 1 inside it."""
    docs = [
        # Ada: 4 before, 1 inside -> eligible
        doc("a1", "2026-05-01", "Ada Lovelace"), doc("a2", "2026-05-10", "Ada Lovelace", "Alan Turing"),
        doc("a3", "2026-06-01", "Ada Lovelace"), doc("a4", "2026-06-23", "Ada Lovelace"),
        doc("a5", "2026-06-25", "Ada Lovelace"),
        # Alan: a2 + 2 more before, 2 inside -> eligible
        doc("t1", "2026-04-01", "Alan Turing"), doc("t2", "2026-04-02", "Alan Turing"),
        doc("t3", "2026-06-24", "Alan Turing"), doc("t4", "2026-06-30", "Alan Turing", "Grace Hopper"),
        # Grace: 2 before, 1 inside -> not eligible
        doc("g1", "2026-01-01", "Grace Hopper"), doc("g2", "2026-01-02", "Grace Hopper"),
        # Édouard: spelled three ways before, once inside -> eligible (accents and dots folded)
        doc("e1", "2026-03-01", "Édouard Lucas"), doc("e2", "2026-03-02", "Edouard Lucas"),
        doc("e3", "2026-03-03", "ÉDOUARD LUCAS"), doc("e4", "2026-06-26", "Edouard  Lucas"),
        # Claude: many before, nothing inside -> not eligible
        *[doc(f"c{n}", f"2026-02-{n + 10:02d}", "Claude Shannon") for n in range(5)],
        # Emmy: 12 before (profile keeps the 10 latest), 1 inside; an undated paper is ignored
        *[doc(f"n{n:02d}", f"2025-{n + 1:02d}-15", "Emmy Noether") for n in range(12)],
        doc("n99", None, "Emmy Noether"), doc("n50", "2026-06-28", "Emmy Noether"),
        # after the window: neither candidate nor profile
        doc("late", "2026-07-01", "Ada Lovelace"),
    ]
    random.Random(0).shuffle(docs)
    return docs


def test_author_identity_folds_accents_case_and_dots() -> None:
    assert author_identity("Édouard  Lucas") == author_identity("EDOUARD LUCAS") == "edouard lucas"
    assert author_identity("J. R. R. Tolkien") == "j r r tolkien"
    assert author_identity("J. Tolkien") != author_identity("John Tolkien")


def test_build_task_selects_eligible_authors_and_relevant_sets() -> None:
    task = build_task(corpus(), START, END, n_authors=150, seed=13)
    assert task.window == (START, END)
    assert [d.id for d in task.candidates] == ["a5", "e4", "n50", "t3", "t4"]  # in the window, sorted by id
    assert sorted(task.authors) == ["ada lovelace", "alan turing", "edouard lucas", "emmy noether"]
    by_author = dict(zip(task.authors, zip(task.profiles, task.relevant, strict=True), strict=True))
    cand = [d.id for d in task.candidates]

    profile, relevant = by_author["ada lovelace"]
    assert [d.id for d in profile] == ["a1", "a2", "a3", "a4"]  # oldest first
    assert {cand[i] for i in relevant} == {"a5"}
    profile, relevant = by_author["alan turing"]
    assert [d.id for d in profile] == ["t1", "t2", "a2"]
    assert {cand[i] for i in relevant} == {"t3", "t4"}
    profile, relevant = by_author["edouard lucas"]
    assert [d.id for d in profile] == ["e1", "e2", "e3"]
    assert {cand[i] for i in relevant} == {"e4"}
    profile, relevant = by_author["emmy noether"]
    assert [d.id for d in profile] == [f"n{n:02d}" for n in range(2, 12)]  # the 10 latest
    assert {cand[i] for i in relevant} == {"n50"}


def test_build_task_is_deterministic_for_a_seed() -> None:
    docs = corpus()
    one = build_task(docs, START, END, n_authors=2, seed=7)
    two = build_task(list(reversed(docs)), START, END, n_authors=2, seed=7)
    assert one.authors == two.authors and len(one.authors) == 2
    assert [[d.id for d in p] for p in one.profiles] == [[d.id for d in p] for p in two.profiles]
    assert one.relevant == two.relevant
    eligible = ["ada lovelace", "alan turing", "edouard lucas", "emmy noether"]
    assert set(one.authors) <= set(eligible)
    picks = {tuple(build_task(docs, START, END, n_authors=2, seed=s).authors) for s in range(20)}
    assert len(picks) > 1  # the seed matters


def test_build_task_profile_size_and_empty_window() -> None:
    task = build_task(corpus(), START, END, profile_size=2)
    assert all(len(p) <= 2 for p in task.profiles)
    empty = build_task(corpus(), "2030-01-01", "2030-01-31")
    assert (empty.candidates, empty.authors, empty.profiles, empty.relevant) == ([], [], [], [])


def test_evaluate_two_rankers_hand_computed() -> None:
    task = build_task(corpus(), START, END, seed=13)
    n = len(task.candidates)

    def oracle(i: int) -> np.ndarray:
        s = np.zeros(n)
        s[list(task.relevant[i])] = 1.0
        return s

    def worst(i: int) -> np.ndarray:
        return -oracle(i)

    res = evaluate(task, {"oracle": oracle, "worst": worst}, k=1)
    assert res["oracle"] == {"recall@1": pytest.approx(np.mean([1 / len(r) for r in task.relevant])),
                             "ndcg@1": 1.0, "mrr": 1.0}
    # worst: relevant items last among 5 candidates
    exp_mrr = np.mean([1 / (n - len(r) + 1) for r in task.relevant])
    assert res["worst"]["recall@1"] == 0.0 and res["worst"]["ndcg@1"] == 0.0
    assert res["worst"]["mrr"] == pytest.approx(exp_mrr)
    res10 = evaluate(task, {"oracle": oracle}, k=10)
    assert res10["oracle"] == {"recall@10": 1.0, "ndcg@10": 1.0, "mrr": 1.0}


def test_evaluate_ties_keep_candidate_order() -> None:
    task = build_task(corpus(), START, END, seed=13)
    flat = evaluate(task, {"flat": lambda i: np.zeros(len(task.candidates))}, k=1)["flat"]
    first_is_relevant = [0 in r for r in task.relevant]
    assert flat["recall@1"] == pytest.approx(np.mean([1 / len(r) if f else 0 for r, f in
                                                     zip(task.relevant, first_is_relevant, strict=True)]))


def first_records(path: Path, n: int) -> list[Doc]:
    """The first n records of a daily-listing file."""
    docs = []
    with gzip.open(path, "rb") as f:
        for line in f:
            o = orjson.loads(line)
            docs.append(Doc(o["id"] or "", o["title"], o["abstract"], tuple(o["authors"]), tuple(o["categories"]),
                            o["date"]))
            if len(docs) == n:
                break
    return docs


def test_small_real_run(data_file: Callable[[str], Path]) -> None:
    """The whole protocol on the first 3,000 records of one daily-listing file, over two windows."""
    docs = first_records(data_file("arxiv-cs-daily-dwdengwei.jsonl.gz"), 3000)
    days = sorted({d.date for d in docs if d.date})
    wins = [(days[-8], days[-5]), (days[-4], days[-1])]
    emb = HashingEmbedder(dim=64)
    res = windows.run(docs, emb.embed_batch, wins, n_authors=6, seeds=(13,), resamples=200)
    assert [w["window"] for w in res["windows"]] == [list(w) for w in wins]
    expected = {"arxiv-sanity (tfidf+svm)", "tfidf centroid", "dense centroid", "dense max-sim",
                "paperfeed (default)", "paperfeed, feed order (MMR)", "paperfeed + co-authors (leaks)",
                "paperfeed + co-authors, own withheld", "paperfeed + followed authors (leaks)"}
    for w in res["windows"]:
        assert 1 <= w["authors"] <= 6 and w["candidates"] > 20 and w["relevant"] >= w["authors"]
        assert set(w["results"]) == expected
        for row in w["results"].values():
            assert set(row) == {"recall@10", "ndcg@10", "mrr"}
            assert all(0.0 <= v <= 1.0 for v in row.values())
        # boosting every paper that shares an author can only move the author's own papers up
        followed, base = w["results"]["paperfeed + followed authors (leaks)"], w["results"]["paperfeed (default)"]
        assert followed["recall@10"] >= base["recall@10"] and followed["mrr"] > 0.5
    summary = res["summary"]
    assert set(summary) == expected and "vs_baseline" not in summary["arxiv-sanity (tfidf+svm)"]
    for name, s in summary.items():
        means = [w["results"][name]["recall@10"] for w in res["windows"]]
        assert s["mean"] == pytest.approx(np.mean(means)) and s["min"] == min(means)
        if "vs_baseline" in s:
            b = s["vs_baseline"]
            assert b["diff_lo"] <= b["diff"] + 1e-9 and b["diff"] <= b["diff_hi"] + 1e-9


def test_feed_order_row_is_the_mmr_order_of_the_headline(data_file: Callable[[str], Path]) -> None:
    from paperfeed.eval.authors import Features, feed_order_ranker, paperfeed_ranker
    from paperfeed.rank import recommend

    docs = first_records(data_file("arxiv-cs-daily-dwdengwei.jsonl.gz"), 3000)
    days = sorted({d.date for d in docs if d.date})
    task = build_task(docs, days[-4], days[-1], n_authors=4, seed=13)
    f = Features(task, HashingEmbedder(dim=32).embed_batch)
    base = paperfeed_ranker(f)
    assert base(0) is base(0)  # scored once per author, shared by the rows built on it
    p = recommend.Params(mmr_lambda=0.5, mmr_top=12)
    feed = feed_order_ranker(f, base, p)
    plain = feed_order_ranker(f, base, recommend.Params(mmr_lambda=1.0))
    reordered = 0
    for i in range(len(task.authors)):
        rel = base(i)
        order = np.argsort(-rel, kind="stable")
        picks = recommend.mmr(order, rel, f.cand_dense, p.mmr_top, p.mmr_lambda, p.mmr_top)
        got = np.argsort(-feed(i), kind="stable")
        assert got[: len(picks)].tolist() == picks
        assert sorted(got.tolist()) == list(range(len(rel)))  # every candidate, once
        assert got[len(picks):].tolist() == [j for j in order.tolist() if j not in picks]  # the rest by relevance
        assert np.argsort(-plain(i), kind="stable").tolist() == order.tolist()  # no diversity: the ranking itself
        reordered += got.tolist() != order.tolist()
    assert reordered  # diversity did move something
