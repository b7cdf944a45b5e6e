"""The two-tier ranker in the author-continuity evaluation (eval/rerank.py) on a small real run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import orjson
import pytest
from click.testing import CliRunner
from test_eval_feedback import small_data

from paperfeed.cli import main
from paperfeed.embed import onnx_minilm
from paperfeed.embed.hashing import HashingEmbedder
from paperfeed.eval import authors, windows
from paperfeed.eval.corpus import Doc
from paperfeed.eval.rerank import rerank_ranker, second_tier_row, with_second_tier
from paperfeed.rank.rerank import Rerank


def test_second_tier_reorders_each_authors_top_and_embeds_only_that(docs: list[Doc]) -> None:
    days = sorted({d.date for d in docs if d.date})
    task = authors.build_task(docs, days[-4], days[-1], n_authors=6)
    first, second = HashingEmbedder(dim=64), HashingEmbedder(dim=128)
    f = authors.Features(task, first.embed_batch)
    base = authors.paperfeed_ranker(f)
    warmed: list[list[str]] = []
    cfg = Rerank("hash-128", top=15, weight=3.0)
    rank = rerank_ranker(f, base, second.embed_batch, cfg, warm=warmed.append)
    n = len(task.authors)
    assert len(warmed) == 1 and len(warmed[0]) == n * 15 + sum(len(p) for p in task.profiles)
    changed = 0
    for i in range(n):
        before, after = np.argsort(-base(i), kind="stable"), np.argsort(-rank(i), kind="stable")
        assert set(after[:15]) == set(before[:15])  # the same top, re-ordered
        assert after[15:].tolist() == before[15:].tolist()  # the rest untouched
        changed += after[:15].tolist() != before[:15].tolist()
    assert changed >= 1
    same = rerank_ranker(f, base, second.embed_batch, Rerank("hash-128", top=15, weight=0.0))
    assert all(np.argsort(-same(i), kind="stable").tolist() == np.argsort(-base(i), kind="stable").tolist()
               for i in range(n))


def test_windows_run_reports_the_two_tier_row(docs: list[Doc]) -> None:
    days = sorted({d.date for d in docs if d.date})
    wins = [(days[-8], days[-5]), (days[-4], days[-1])]
    cfg = Rerank("hash-128", top=10)
    factory = with_second_tier(windows.standard_rankers, windows.HEADLINE, HashingEmbedder(dim=128).embed_batch, cfg)
    res = windows.run(docs, HashingEmbedder(dim=64).embed_batch, wins, n_authors=6, seeds=(13,), resamples=200,
                      rankers=factory)
    row = second_tier_row(cfg)
    assert row == "paperfeed + hash-128 re-rank (top 10, weight 1)"
    assert row in res["summary"] and "vs_baseline" in res["summary"][row]
    for w in res["windows"]:
        assert 0.0 <= w["results"][row]["recall@10"] <= 1.0


@pytest.mark.slow
@pytest.mark.skipif(not onnx_minilm.weights_installed(), reason=f"{onnx_minilm.WEIGHTS_PACKAGE} is not installed")
def test_cli_eval_authors_with_a_real_second_tier(tmp_path: Path, docs: list[Doc]) -> None:
    days = sorted({d.date for d in docs if d.date})
    args = ["eval", "authors", "--windows", f"{days[-5]}..{days[-1]}", "--data", str(small_data(tmp_path, docs)),
            "--authors", "3", "--model", "test-hashing-64", "--rerank-model", "minilm-l6-int8", "--rerank-top", "5"]
    r = CliRunner().invoke(main, [*args, "--json"])
    assert r.exit_code == 0, r.output
    summary = orjson.loads(r.stdout)["summary"]
    assert "paperfeed + minilm-l6-int8 re-rank (top 5, weight 1)" in summary
    bad = CliRunner().invoke(main, [*args[:-4], "--rerank-model", "no-such-model"])
    assert bad.exit_code != 0 and "unknown embedding model 'no-such-model'" in bad.output
