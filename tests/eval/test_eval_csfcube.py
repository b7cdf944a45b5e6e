"""CSFCube evaluation on the real files (hashing embedder for speed)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from paperfeed.cli import main
from paperfeed.embed.hashing import HashingEmbedder
from paperfeed.eval import csfcube
from paperfeed.eval.metrics import graded_ndcg

GROUPS = ("all", "background", "method", "result")
METRICS = {"ndcg%20", "map", "r-precision", "queries"}


@pytest.fixture
def data_dir(data_file: Callable[[str], Path]) -> Path:
    data_file(csfcube.JUDGMENTS)
    return data_file(csfcube.PAPERS).parent


@pytest.fixture(scope="module")
def embed():
    return HashingEmbedder(dim=64).embed_batch


_RESULTS: dict[bool, dict] = {}


def results(data_dir: Path, embed, facet_queries: bool = False) -> dict:
    """csfcube.run, computed once per module and option."""
    if facet_queries not in _RESULTS:
        _RESULTS[facet_queries] = csfcube.run(data_dir, embed, facet_queries=facet_queries)
    return _RESULTS[facet_queries]


def test_load(data_dir: Path) -> None:
    papers, items = csfcube.load(data_dir)
    assert len(papers) > 4000 and len(items) == 50
    assert {it.facet for it in items} == {"background", "method", "result"}
    for it in items:
        assert it.query in papers
        assert it.grades and all(c in papers for c in it.grades)
        assert set(it.grades.values()) <= {0, 1, 2, 3}


def test_query_text_uses_the_facet_sentences(data_dir: Path) -> None:
    papers, items = csfcube.load(data_dir)
    it = items[0]
    p = papers[it.query]
    whole = csfcube.query_text(p, None)
    facet = csfcube.query_text(p, it.facet)
    assert whole.startswith(p["title"]) and facet.startswith(p["title"])
    assert len(facet) < len(whole)


def test_metrics_per_mode_and_facet(data_dir: Path, embed) -> None:
    res = results(data_dir, embed)
    assert set(res) == set(csfcube.MODES)
    for mode, by_group in res.items():
        assert set(GROUPS) <= set(by_group), mode
        assert by_group["all"]["queries"] == 50
        assert sum(by_group[g]["queries"] for g in GROUPS[1:]) == 50
        for group, m in by_group.items():
            assert set(m) == METRICS, (mode, group)
            for name in ("ndcg%20", "map", "r-precision"):
                assert 0.0 <= m[name] <= 1.0, (mode, group, name)


def test_keyword_beats_a_random_order(data_dir: Path, embed) -> None:
    res = results(data_dir, embed)
    _, items = csfcube.load(data_dir)
    rng = np.random.default_rng(0)
    random_ndcg = []
    for _ in range(5):
        for it in items:
            pool = [c for c in it.grades if c != it.query]
            order = [pool[i] for i in rng.permutation(len(pool))]
            random_ndcg.append(graded_ndcg(order, it.grades, max(1, int(0.2 * len(pool)))))
    base = float(np.mean(random_ndcg))
    assert res["keyword"]["all"]["ndcg%20"] > base + 0.05
    assert res["hybrid"]["all"]["ndcg%20"] > base


def test_facet_queries_option(data_dir: Path, embed) -> None:
    res = results(data_dir, embed, facet_queries=True)
    assert res["keyword"]["all"]["queries"] == 50
    assert res["keyword"]["all"]["ndcg%20"] != results(data_dir, embed)["keyword"]["all"]["ndcg%20"]


def test_missing_data_is_a_clear_error(tmp_path: Path, embed) -> None:
    from paperfeed.errors import PaperfeedError

    with pytest.raises(PaperfeedError, match="evaluation data not found"):
        csfcube.run(tmp_path, embed)


def test_cli_missing_data_exits_2(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["eval", "csfcube", "--data", str(tmp_path), "--model", "test-hashing-64"])
    assert r.exit_code == 2
    assert "evaluation data not found" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_second_tier_modes(data_dir: Path, embed) -> None:
    # the same model as its own second tier changes nothing; a different one changes the cosine rows only
    same = csfcube.run(data_dir, embed, second=embed)
    assert set(same) == set(csfcube.MODES) | {"semantic-2", "hybrid-2"}
    base = results(data_dir, embed)
    for mode in ("semantic", "hybrid"):
        paired = same[f"{mode}-2"]["all"].pop("vs_first_tier")
        assert paired["diff"] == pytest.approx(0) and paired["wins"] == paired["losses"] == 0
        for group, m in base[mode].items():
            assert same[f"{mode}-2"][group] == pytest.approx(m)
    other = csfcube.run(data_dir, embed, second=HashingEmbedder(dim=32).embed_batch)
    assert other["hybrid"] == base["hybrid"] and other["keyword"] == base["keyword"]
    assert other["semantic-2"]["all"]["ndcg%20"] != pytest.approx(base["semantic"]["all"]["ndcg%20"])
    paired = other["hybrid-2"]["all"]["vs_first_tier"]
    assert paired["diff_lo"] <= paired["diff"] <= paired["diff_hi"]
    assert paired["diff"] == pytest.approx(other["hybrid-2"]["all"]["ndcg%20"] - base["hybrid"]["all"]["ndcg%20"])
