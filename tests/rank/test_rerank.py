"""The feed's second tier (rank/rerank.py): the fusion itself, and a feed re-ranked by a real model."""

from __future__ import annotations

import numpy as np
import pytest
from test_feed import ROBOT_PROFILE, TOPIC

from paperfeed.config_file import set_value
from paperfeed.embed import onnx_minilm
from paperfeed.embed.registry import model_ids
from paperfeed.errors import PaperfeedError
from paperfeed.library import Library
from paperfeed.rank.rerank import Rerank, fuse, top_indices


def unit(rows: list[list[float]]) -> np.ndarray:
    a = np.array(rows, np.float32)
    return a / np.linalg.norm(a, axis=1, keepdims=True)


def test_top_indices_best_first_ties_by_position() -> None:
    assert top_indices(np.array([0.1, 0.5, 0.5, 0.9]), 3).tolist() == [3, 1, 2]
    assert top_indices(np.array([0.1, 0.5]), 0).tolist() == []


def test_second_tier_reorders_only_the_top_and_keeps_it_on_top() -> None:
    total = np.array([0.9, 0.8, 0.7, 0.1, 0.05], np.float32)
    picked = top_indices(total, 3)  # 0, 1, 2
    prof = unit([[1, 0]])
    cand = unit([[0, 1], [1, 0.1], [1, 1]])  # the strong model likes 1 best, then 2, then 0
    new, sim = fuse(total, picked, cand, prof, Rerank("m", top=3, weight=5.0))
    assert np.argsort(-new).tolist() == [1, 2, 0, 3, 4]
    assert new[[3, 4]].tolist() == pytest.approx(total[[3, 4]].tolist())  # the rest is untouched
    assert new[picked].min() > new[3]  # the re-ranked set stays above the rest
    assert sim.shape == (3,) and sim[1] > sim[2] > sim[0]


def test_weight_zero_keeps_the_first_stage_order() -> None:
    rng = np.random.default_rng(1)
    total = rng.random(40).astype(np.float32)
    picked = top_indices(total, 10)
    new, _ = fuse(total, picked, unit(rng.normal(size=(10, 8)).tolist()), unit(rng.normal(size=(3, 8)).tolist()),
                  Rerank("m", top=10, weight=0.0))
    assert np.argsort(-new, kind="stable").tolist() == np.argsort(-total, kind="stable").tolist()


def test_no_profile_rows_or_no_candidates_change_nothing() -> None:
    total = np.array([0.3, 0.2], np.float32)
    new, sim = fuse(total, top_indices(total, 2), unit([[1, 0], [0, 1]]), np.zeros((0, 2), np.float32), Rerank("m"))
    assert new.tolist() == pytest.approx(total.tolist()) and sim.tolist() == [0.0, 0.0]
    new, sim = fuse(total, np.zeros(0, np.int64), np.zeros((0, 2), np.float32), unit([[1, 0]]), Rerank("m"))
    assert new.tolist() == pytest.approx(total.tolist()) and len(sim) == 0


def test_feed_without_a_second_tier_says_nothing_of_one(feed_lib: Library) -> None:
    feed_lib.create_profile("robo", keys=ROBOT_PROFILE)
    assert feed_lib.second_tier() is None
    hits = feed_lib.feed("robo", limit=10)
    assert hits and not any(f"{m} similarity" in h.why for m in model_ids() for h in hits)


def test_unknown_second_tier_model_is_a_clear_error(feed_lib: Library) -> None:
    feed_lib.create_profile("robo", keys=ROBOT_PROFILE)
    set_value(feed_lib.settings.home, "feed.rerank_model", "no-such-model")
    with pytest.raises(PaperfeedError, match="unknown embedding model 'no-such-model'"):
        feed_lib.feed("robo")


@pytest.mark.slow
@pytest.mark.skipif(not onnx_minilm.weights_installed(), reason=f"{onnx_minilm.WEIGHTS_PACKAGE} is not installed")
def test_a_real_second_tier_reranks_the_top_of_the_feed(feed_lib: Library) -> None:
    # first tier: the hashing test model; second tier: the real MiniLM, over the first stage's top 8
    feed_lib.create_profile("robo", keys=ROBOT_PROFILE)
    before = feed_lib.feed("robo", limit=27)
    set_value(feed_lib.settings.home, "feed.rerank_model", "minilm-l6-int8")
    set_value(feed_lib.settings.home, "feed.rerank_top", "8")
    set_value(feed_lib.settings.home, "feed.rerank_weight", "2")
    after = feed_lib.feed("robo", limit=27)
    assert {h.key for h in after} == {h.key for h in before}  # the same papers, re-ordered at the top
    marked = ["minilm-l6-int8 similarity" in h.why for h in after]
    # MMR still diversifies after the second tier, so a paper from outside may come in near the end
    assert sum(marked) == 8 and all(marked[:6])
    assert [h.key for h in after[:6]] != [h.key for h in before[:6]]  # MiniLM re-ordered the top
    assert [TOPIC[h.paper.arxiv_id] for h in after[:6]] == ["robots"] * 6
    # the feed stays read-only: the second tier's vectors are computed, not stored
    assert feed_lib.store.vector_models().get("minilm-l6-int8", 0) == 0
