"""The profile scorer's parts: soft max, standardisation, MMR, category affinity, recency, feedback model."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import sparse

from paperfeed.rank import recommend
from paperfeed.rank.lexical import Lexical
from paperfeed.rank.recommend import (
    Params,
    ProfileSignals,
    category_affinity,
    feedback_model,
    mmr,
    recency,
    soft_max_sim,
    standardise,
)


def unit(rows) -> np.ndarray:
    a = np.asarray(rows, dtype=np.float32)
    return a / np.linalg.norm(a, axis=1, keepdims=True)


# ---- soft_max_sim ---------------------------------------------------------------------


def test_soft_max_sim_hand_computed() -> None:
    sims = np.array([[0.2, 0.5], [0.1, 0.1]], dtype=np.float64)
    val, arg = soft_max_sim(sims, 0.1)
    assert val[0] == pytest.approx(0.5 + 0.1 * np.log(1 + np.exp(-3.0)))
    assert val[1] == pytest.approx(0.1 + 0.1 * np.log(2.0))
    assert arg.tolist() == [1, 0]


def test_soft_max_sim_approaches_max_as_temperature_falls() -> None:
    rng = np.random.default_rng(0)
    sims = rng.uniform(-1, 1, size=(50, 7))
    exact = sims.max(axis=1)
    gaps = [float(np.max(soft_max_sim(sims, t)[0] - exact)) for t in (1.0, 0.1, 0.01, 0.001)]
    assert all(g >= -1e-12 for g in gaps)  # never below the max
    assert gaps == sorted(gaps, reverse=True)
    assert gaps[-1] < 0.001 * np.log(7) + 1e-9  # bound: temp * log(rows)
    val, arg = soft_max_sim(sims, 0.0)
    assert np.array_equal(val, exact) and np.array_equal(arg, sims.argmax(axis=1))


def test_soft_max_sim_rewards_several_close_rows() -> None:
    one = np.array([[0.8, 0.0, 0.0]])
    three = np.array([[0.8, 0.8, 0.8]])
    assert soft_max_sim(three, 0.1)[0][0] > soft_max_sim(one, 0.1)[0][0]


def test_soft_max_sim_without_profile_rows() -> None:
    val, arg = soft_max_sim(np.zeros((4, 0)), 0.1)
    assert val.tolist() == [0, 0, 0, 0] and arg.tolist() == [0, 0, 0, 0]


@settings(max_examples=100, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 6)), elements=st.floats(-1, 1)),
       st.floats(0.001, 2.0))
def test_soft_max_sim_bounds(sims: np.ndarray, temp: float) -> None:
    val, arg = soft_max_sim(sims, temp)
    m = sims.max(axis=1)
    assert np.all(val >= m - 1e-9)
    assert np.all(val <= m + temp * np.log(sims.shape[1]) + 1e-9)
    assert np.all(sims[np.arange(len(sims)), arg] == m)


# ---- standardise ------------------------------------------------------------------------


def test_standardise() -> None:
    z = standardise(np.array([1.0, 2.0, 3.0, 4.0]))
    assert z.mean() == pytest.approx(0.0) and z.std() == pytest.approx(1.0)
    assert list(np.argsort(z)) == [0, 1, 2, 3]
    assert standardise(np.full(5, 0.7)).tolist() == [0.0] * 5
    assert standardise(np.array([3.0])).tolist() == [0.0]
    assert standardise(np.array([])).size == 0


# ---- category affinity and recency ---------------------------------------------------------


def test_category_affinity_hand_computed() -> None:
    prof = Counter({"cs.CL": 3, "cs.LG": 1})
    got = category_affinity(prof, [("cs.CL",), ("cs.LG", "cs.CL"), ("cs.CV",), (), ("cs.CV", "cs.CL")])
    assert got.tolist() == pytest.approx([6 / 8, (2 + 3) / 8, 0.0, 0.0, 3 / 8])
    assert category_affinity(Counter(), [("cs.CL",)]).tolist() == [0.0]


def test_category_affinity_primary_counts_double() -> None:
    prof = Counter({"cs.RO": 1})
    primary, secondary = category_affinity(prof, [("cs.RO", "cs.CV"), ("cs.CV", "cs.RO")])
    assert primary == pytest.approx(2 * secondary)


def test_recency() -> None:
    got = recency(["2025-06-30", "2025-05-01", None, "2025", "2025-06-30"], 60.0)
    assert got[0] == pytest.approx(1.0) and got[4] == pytest.approx(1.0)
    assert got[1] == pytest.approx(np.exp(-60 / 60))
    assert got[2] == 0.0 and got[3] == 0.0  # undated, and year-only dates
    assert recency([None, None], 60.0).tolist() == [0.0, 0.0]


# ---- MMR ---------------------------------------------------------------------------------------


def near_duplicate_vectors() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Six candidates: 0,1,2 are near-copies (highest relevance), 3,4,5 point elsewhere."""
    vecs = unit([[1, 0, 0], [1, 0.01, 0], [1, 0, 0.01], [0, 1, 0], [0, 0, 1], [0.1, 0.7, 0.7]])
    rel = np.array([1.0, 0.99, 0.98, 0.6, 0.55, 0.5])
    order = np.argsort(-rel)
    return order, rel, vecs


def test_mmr_lambda_one_is_the_plain_order() -> None:
    order, rel, vecs = near_duplicate_vectors()
    assert mmr(order, rel, vecs, 4, 1.0, 60) == order[:4].tolist()


def test_mmr_lower_lambda_avoids_near_duplicates() -> None:
    order, rel, vecs = near_duplicate_vectors()
    picked = mmr(order, rel, vecs, 3, 0.5, 60)
    assert picked[0] == 0
    assert len(set(picked) & {0, 1, 2}) == 1  # one of the copies, then other directions
    plain = mmr(order, rel, vecs, 3, 1.0, 60)
    assert set(plain) == {0, 1, 2}


@pytest.mark.parametrize("lam", [0.0, 0.3, 0.85, 1.0])
@pytest.mark.parametrize("k", [1, 3, 6, 10])
def test_mmr_returns_k_distinct_positions(lam: float, k: int) -> None:
    order, rel, vecs = near_duplicate_vectors()
    picked = mmr(order, rel, vecs, k, lam, 60)
    assert len(picked) == min(k, len(order))
    assert len(set(picked)) == len(picked)
    assert set(picked) <= set(order.tolist())


def test_mmr_only_reorders_the_top_pool() -> None:
    rng = np.random.default_rng(1)
    vecs = unit(rng.normal(size=(30, 8)))
    rel = rng.uniform(size=30)
    order = np.argsort(-rel)
    picked = mmr(order, rel, vecs, 20, 0.5, top=10)
    assert set(picked[:10]) == set(order[:10].tolist())
    assert picked[10:] == order[10:20].tolist()


def test_mmr_single_candidate_and_empty() -> None:
    assert mmr(np.array([0]), np.array([1.0]), unit([[1, 0]]), 5, 0.5, 60) == [0]
    assert mmr(np.array([], dtype=np.int64), np.array([]), np.zeros((0, 2)), 5, 0.5, 60) == []


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 25), k=st.integers(1, 30), lam=st.floats(0, 1), top=st.integers(1, 30),
       seed=st.integers(0, 1000))
def test_mmr_properties(n: int, k: int, lam: float, top: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    vecs = unit(rng.normal(size=(n, 4)))
    rel = rng.normal(size=n)
    order = np.argsort(-rel)
    picked = mmr(order, rel, vecs, k, lam, top)
    assert len(picked) == min(k, n)
    assert len(set(picked)) == len(picked)
    assert picked[0] == order[0]  # the most relevant is always first


# ---- feedback model and score ------------------------------------------------------------------


def signals(dense, neg=None, lex=None) -> ProfileSignals:
    dense = unit(dense)
    lex = lex if lex is not None else sparse.csr_matrix((len(dense), 5), dtype=np.float32)
    return ProfileSignals(dense=dense, lex=lex, labels=[f"row {i}" for i in range(len(dense))],
                          neg_dense=None if neg is None else unit(neg))


def test_feedback_model_is_none_without_dislikes() -> None:
    sig = signals([[1, 0, 0], [0.9, 0.1, 0]])
    assert feedback_model(sig, unit([[0, 1, 0]]), unit([[1, 0, 0]])) is None


def test_feedback_model_is_none_without_profile_rows() -> None:
    sig = ProfileSignals(dense=np.zeros((0, 3), np.float32), lex=sparse.csr_matrix((0, 5)), labels=[],
                         neg_dense=unit([[0, 1, 0]]))
    assert feedback_model(sig, np.zeros((0, 3)), unit([[1, 0, 0]])) is None


def test_feedback_model_separates_liked_from_disliked_directions() -> None:
    sig = signals([[1, 0, 0], [0.9, 0.2, 0], [0.95, 0, 0.1]], neg=[[0, 1, 0], [0.1, 0.9, 0.1]])
    cand = unit([[1, 0.05, 0], [0.05, 1, 0]])
    got = feedback_model(sig, unit([[0, 0, 1], [0, 0.3, 1]]), cand)
    assert got is not None and got.shape == (2,)
    assert got[0] > got[1]


def test_score_prefers_the_profile_direction_and_reports_rows() -> None:
    sig = signals([[1, 0, 0, 0], [0, 1, 0, 0]])
    cand = unit([[0, 0.1, 0, 1], [1, 0, 0.1, 0], [0, 1, 0.1, 0], [0, 0, 1, 0.1]])
    lex = sparse.csr_matrix((4, 5), dtype=np.float32)
    s = recommend.score(sig, cand, lex, params=Params(w_recency=0.0))
    assert set(np.argsort(-s.score)[:2].tolist()) == {1, 2}
    assert s.dense_row[1] == 0 and s.dense_row[2] == 1
    assert s.score.dtype == np.float32 and s.score.shape == (4,)


def test_score_dislikes_push_similar_candidates_down() -> None:
    cand = unit([[1, 0.3, 0], [1, -0.3, 0], [0, 0, 1]])
    lex = sparse.csr_matrix((3, 5), dtype=np.float32)
    base = recommend.score(signals([[1, 0, 0]]), cand, lex).score
    disliked = recommend.score(signals([[1, 0, 0]], neg=[[0.7, 1, 0]]), cand, lex,
                               background=unit([[0, 0, 1], [0, 1, 1]])).score
    assert base[0] == pytest.approx(base[1], abs=1e-6)
    assert disliked[1] > disliked[0]


def test_score_lexical_view_breaks_dense_ties() -> None:
    sig_lex = sparse.csr_matrix(np.array([[1, 0, 0, 0, 0]], dtype=np.float32))
    sig = signals([[1, 0, 0]], lex=sig_lex)
    cand = unit([[1, 0, 0], [1, 0, 0]])
    cand_lex = sparse.csr_matrix(np.array([[0, 1, 0, 0, 0], [1, 0, 0, 0, 0]], dtype=np.float32))
    s = recommend.score(sig, cand, cand_lex)
    assert s.score[1] > s.score[0]
    assert s.lex[1] > s.lex[0]


def test_score_category_and_recency_terms() -> None:
    sig = signals([[1, 0, 0]])
    sig.categories = Counter({"cs.RO": 2})
    cand = unit([[1, 0, 0], [1, 0, 0]])
    lex = sparse.csr_matrix((2, 5), dtype=np.float32)
    s = recommend.score(sig, cand, lex, [("cs.CV",), ("cs.RO",)], ["2025-01-01", "2025-01-01"])
    assert s.score[1] > s.score[0]
    s = recommend.score(sig, cand, lex, [("cs.RO",), ("cs.RO",)], ["2025-01-01", "2024-01-01"])
    assert s.score[0] > s.score[1]


# ---- discriminative dense view (linear SVM on the embedding vectors) ------------------------------


def crowd(n: int, axis: int, dim: int = 6, seed: int = 0) -> np.ndarray:
    """n unit vectors scattered around one axis: the bulk of a candidate pool."""
    rng = np.random.default_rng(seed)
    v = rng.normal(scale=0.3, size=(n, dim))
    v[:, axis] += 1.0
    return unit(v)


def test_disc_dense_lifts_the_side_of_the_profile_away_from_the_pool() -> None:
    # A and B are equally close to the one profile paper; B leans towards the crowd of other candidates
    sig = signals([[1, 0, 0, 0, 0, 0]])
    a, b = unit([[1, 0, 0.5, 0, 0, 0], [1, 0.5, 0, 0, 0, 0]])
    cand = np.vstack([a, b, crowd(40, axis=1)])
    lex = sparse.csr_matrix((len(cand), 5), dtype=np.float32)
    old = recommend.score(sig, cand, lex, params=Params(w_disc_dense=0.0)).score
    new = recommend.score(sig, cand, lex, params=Params(w_disc_dense=0.5)).score
    assert old[0] == pytest.approx(old[1], abs=1e-5)  # cosine alone cannot tell them apart
    assert new[0] > new[1]
    disc = recommend.discriminative_dense(sig, cand)
    assert disc is not None and disc.shape == (len(cand),) and disc.dtype == np.float32
    assert disc[0] > disc[1] > float(np.max(disc[2:]))  # both above the pool


def test_disc_dense_dislikes_are_explicit_negatives() -> None:
    # A and B mirror each other around the profile; the dislike lies on B's side
    a, b = unit([[1, 0, 0.6, 0, 0, 0], [1, 0, 0, 0.6, 0, 0]])
    pool = crowd(30, axis=1)
    cand = np.vstack([a, b, pool, pool[:, [0, 1, 3, 2, 4, 5]]])  # the pool mirrored too: axes 2 and 3 alike
    plain = recommend.discriminative_dense(signals([[1, 0, 0, 0, 0, 0]]), cand)
    disliked = recommend.discriminative_dense(signals([[1, 0, 0, 0, 0, 0]], neg=[[0.3, 0, 0, 1, 0, 0]]), cand)
    assert plain is not None and disliked is not None
    assert plain[0] == pytest.approx(plain[1], abs=1e-3)
    assert disliked[0] > disliked[1] + 0.1


def test_disc_dense_weight_zero_is_the_fusion_without_it() -> None:
    rng = np.random.default_rng(3)
    sig = signals(rng.normal(size=(4, 8)), lex=sparse.random(4, 30, density=0.3, format="csr", random_state=1,
                                                             dtype=np.float32))
    cand = unit(rng.normal(size=(60, 8)))
    cand_lex = sparse.random(60, 30, density=0.3, format="csr", random_state=2, dtype=np.float32)
    base = Params(w_recency=0.0, w_disc_dense=0.0)
    off = recommend.score(sig, cand, cand_lex, params=base)
    # the order before the view: the standardised dense and lexical soft maxima, summed
    assert off.score == pytest.approx(standardise(off.dense) + standardise(off.lex), abs=1e-5)
    on = recommend.score(sig, cand, cand_lex, params=Params(w_recency=0.0, w_disc_dense=0.5))
    disc = recommend.discriminative_dense(sig, cand)
    assert on.score - off.score == pytest.approx(0.5 * standardise(disc), abs=1e-5)
    assert not np.array_equal(np.argsort(-on.score), np.argsort(-off.score))


def test_disc_dense_samples_at_most_the_given_negatives_deterministically() -> None:
    sig = signals([[1, 0, 0, 0, 0, 0], [0.8, 0, 0.6, 0, 0, 0]])
    cand = np.vstack([crowd(150, axis=1, seed=1), crowd(150, axis=0, seed=2)])
    once = recommend.discriminative_dense(sig, cand, negatives=50)
    again = recommend.discriminative_dense(sig, cand, negatives=50)
    every = recommend.discriminative_dense(sig, cand, negatives=300)
    assert once is not None and every is not None
    assert np.array_equal(once, again)  # a fixed-seed sample: the same feed twice
    assert np.array_equal(every, recommend.discriminative_dense(sig, cand, negatives=10_000))
    assert not np.allclose(once, every)  # the cap changes which candidates were negatives
    # the candidates near the profile still come first
    assert np.mean(np.argsort(-once)[:50] >= 150) > 0.9


def test_disc_dense_needs_a_profile_row_and_a_candidate() -> None:
    empty = ProfileSignals(dense=np.zeros((0, 3), np.float32), lex=sparse.csr_matrix((0, 5)), labels=[])
    assert recommend.discriminative_dense(empty, unit([[1, 0, 0]])) is None
    none = np.zeros((0, 3), np.float32)
    assert recommend.discriminative_dense(signals([[1, 0, 0]], neg=[[0, 1, 0]]), none) is None
    assert recommend.score(signals([[1, 0, 0]]), none, sparse.csr_matrix((0, 5), dtype=np.float32)).score.shape == (0,)
    one = recommend.discriminative_dense(signals([[1, 0, 0]]), unit([[0, 1, 0]]))  # one candidate is a negative
    assert one is not None and one.shape == (1,) and one[0] < 0


# ---- discriminative lexical view (arxiv-sanity's linear SVM on the TF-IDF rows) ----------------------


def lexical_pool() -> tuple[list[str], list[str]]:
    """Profile texts on graph learning for molecules, and candidates: two on-topic papers (one using the
    profile's distinctive words, one only the words the whole pool shares) and a pool of other papers."""
    profile = ["message passing graph networks predict molecule toxicity",
               "equivariant graph networks for molecule conformers"]
    cands = ["graph networks for molecule toxicity screening", "deep learning networks improve benchmark results"]
    cands += [f"deep learning networks for {t} improve benchmark results" for t in
              ("speech", "vision", "translation", "robots", "games", "tabular data", "retrieval", "audio",
               "video", "code", "weather", "finance")]
    return profile, cands


def lex_signals(texts: list[str], lexical: Lexical, neg: list[str] | None = None) -> ProfileSignals:
    return ProfileSignals(dense=unit(np.ones((len(texts), 4))), lex=lexical.transform(texts),
                          labels=texts, neg_lex=None if neg is None else lexical.transform(neg))


def test_disc_lex_ranks_the_profiles_distinctive_vocabulary_above_the_pool() -> None:
    profile, cands = lexical_pool()
    lexical = Lexical.fit(profile + cands)
    disc = recommend.discriminative_lexical(lex_signals(profile, lexical), lexical.transform(cands))
    assert disc is not None and disc.shape == (len(cands),) and disc.dtype == np.float32
    assert disc[0] > float(np.max(disc[1:]))  # the molecule paper first
    nothing = sparse.csr_matrix((0, len(lexical.terms)), dtype=np.float32)
    assert recommend.discriminative_lexical(lex_signals(profile, lexical), nothing) is None
    empty = ProfileSignals(dense=np.zeros((0, 4), np.float32), lex=nothing, labels=[])
    assert recommend.discriminative_lexical(empty, lexical.transform(cands)) is None


def test_disc_lex_dislikes_are_explicit_negatives() -> None:
    profile = ["graph networks for molecules", "graph networks for proteins"]
    cands = ["graph networks for molecules toxicity", "graph networks for proteins folding"]
    cands += [f"benchmark study of {t}" for t in ("speech", "vision", "translation", "robots", "games")]
    lexical = Lexical.fit(profile + cands)
    plain = recommend.discriminative_lexical(lex_signals(profile, lexical), lexical.transform(cands))
    disliked = recommend.discriminative_lexical(lex_signals(profile, lexical, neg=["proteins folding"]),
                                                lexical.transform(cands))
    assert plain is not None and disliked is not None
    assert plain[0] == pytest.approx(plain[1], rel=1e-3)  # the profile is symmetric in the two
    assert disliked[0] > 1.5 * disliked[1]


def test_disc_lex_weight_adds_its_standardised_decision_values() -> None:
    profile, cands = lexical_pool()
    lexical = Lexical.fit(profile + cands)
    sig = lex_signals(profile, lexical)
    cand_dense = unit(np.random.default_rng(4).normal(size=(len(cands), 4)))
    cand_lex = lexical.transform(cands)
    off = recommend.score(sig, cand_dense, cand_lex, params=Params(w_recency=0.0))
    on = recommend.score(sig, cand_dense, cand_lex, params=Params(w_recency=0.0, w_disc_lex=1.0))
    disc = recommend.discriminative_lexical(sig, cand_lex)
    assert on.score - off.score == pytest.approx(standardise(disc), abs=1e-5)
