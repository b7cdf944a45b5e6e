"""Milliseconds per feed spent in each view of the product's ranker, over realistic candidate pools.

    .venv/bin/python bench/bench_view_cost.py [--data ../shared/data] [--profiles 50] [--stand-in]

Pools: the candidates of each development window of `paperfeed eval authors` (a week of arXiv cs,
what `paperfeed feed --days 7` ranks), and 4,000 papers (the most a whole-library feed scores: the
union of each of 10 profile rows' 400 nearest neighbours). Profiles are the windows' sampled authors'
10 latest earlier papers. Vectors come from the `paperfeed eval authors` cache
($PAPERFEED_HOME/eval-cache; --stand-in: 384-d feature hashing, no model needed, so no cache either).
Each view is timed alone (wall median and p90, CPU median, over the profiles, one warm-up), then the whole
recommend.score with and without the discriminative dense view, and the feed's MMR.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy import sparse

from paperfeed.config import load_settings
from paperfeed.embed.hashing import HashingEmbedder
from paperfeed.embed.registry import get_embedder
from paperfeed.eval import authors as A
from paperfeed.eval import windows as W
from paperfeed.eval.corpus import EmbeddingCache, load_arxiv
from paperfeed.rank import recommend as R

POOL_WHOLE_LIBRARY = 4000
DISC_WEIGHT = 0.5
"""The discriminative dense view's weight when it is on (the product's default is 0: off)."""


def timed(fn: Callable[[int], object], n: int) -> tuple[float, float, float]:
    """Median and p90 wall milliseconds and median CPU milliseconds of fn(i) over i < n, after a warm-up.

    CPU time (this process, all threads) is what a shared machine's load does not inflate."""
    fn(0)
    ms, cpu = [], []
    for i in range(n):
        t, c = time.perf_counter(), time.process_time()
        fn(i)
        ms.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return float(np.median(ms)), float(np.percentile(ms, 90)), float(np.median(cpu))


def views(f: A.Features, cand: np.ndarray, lex, cats: list, n: int) -> dict[str, Callable[[int], object]]:
    """One function per view (and per whole score) of profile i over the given pool."""
    p = R.DEFAULT
    no_disc = R.Params(**{**p.__dict__, "w_disc_dense": 0.0, "w_recency": 0.0})
    with_disc = R.Params(**{**p.__dict__, "w_disc_dense": DISC_WEIGHT, "w_recency": 0.0})
    sig = [f.signals(i) for i in range(n)]
    rel = [R.score(s, cand, lex, cats, params=no_disc).score for s in sig]
    return {
        "dense soft max": lambda i: R.soft_max_sim(cand @ sig[i].dense.T, p.dense_temp),
        "lexical soft max": lambda i: R.soft_max_sim((lex @ sig[i].lex.T).toarray(), p.lex_temp),
        "category prior": lambda i: R.category_affinity(sig[i].categories, cats),
        "discriminative dense (SVM fit + scores)": lambda i: R.discriminative_dense(
            sig[i], cand, p.disc_c, p.disc_negatives),
        "score, default (without the discriminative view)": lambda i: R.score(sig[i], cand, lex, cats,
                                                                             params=no_disc),
        f"score, with it (weight {DISC_WEIGHT})": lambda i: R.score(sig[i], cand, lex, cats, params=with_disc),
        "MMR of the top 60 (20 shown)": lambda i: R.mmr(np.argsort(-rel[i]), rel[i], cand, 20, p.mmr_lambda,
                                                        p.mmr_top),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--profiles", type=int, default=50)
    ap.add_argument("--stand-in", action="store_true", help="384-d feature-hashing vectors instead of MiniLM's")
    a = ap.parse_args()
    docs = load_arxiv(a.data)
    if a.stand_in:
        embed = HashingEmbedder(dim=384).embed_batch
    else:
        emb = get_embedder(None)
        embed = EmbeddingCache(load_settings().home / "eval-cache" / f"arxiv-{emb.model_id}.npz", emb.embed_batch,
                               emb.dim).get
    feats = []
    for task in W.tasks(docs, W.DEV_WINDOWS, a.profiles, [13]):
        f = A.Features(task, embed)
        W.standard_rankers(f, docs)  # the product's wide TF-IDF
        feats.append(f)
    pools = [(f"window {f.task.window[0]}..{f.task.window[1]}", f, f.cand_dense, f.cand_lex, f.cand_cats)
             for f in feats]
    f0, f1 = feats
    whole = np.vstack([f0.cand_dense, f1.cand_dense])[:POOL_WHOLE_LIBRARY]
    whole_lex = sparse.vstack([f0.cand_lex, f1.cand_lex]).tocsr()[:POOL_WHOLE_LIBRARY]
    pools.append((f"{len(whole):,} papers (whole-library preselection)", f0, whole, whole_lex,
                  (f0.cand_cats + f1.cand_cats)[:POOL_WHOLE_LIBRARY]))
    print(f"ms per feed (wall median / p90, CPU median, over {a.profiles} profiles of 10 papers; vectors: "
          f"{'feature hashing' if a.stand_in else 'MiniLM'})")
    for label, f, cand, lex, cats in pools:
        n = min(a.profiles, len(f.task.authors))
        print(f"{label}: {len(cand):,} candidates", flush=True)
        for name, fn in views(f, cand, lex, cats, n).items():
            med, p90, cpu = timed(fn, n)
            print(f"  {name:50s} {med:7.1f} / {p90:7.1f}  cpu {cpu:7.1f}", flush=True)
    print("load average: " + " ".join(f"{x:.1f}" for x in os.getloadavg()), file=sys.stderr)


if __name__ == "__main__":
    main()
