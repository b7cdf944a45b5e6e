"""Per-view ablation of the product's ranker on the development windows of `paperfeed eval authors`.

    .venv/bin/python bench/bench_ranker_views.py [--data ../shared/data] [--held-out] [--seeds 13]
                                                 [--authors 150] [--windows START..END,...] [--only SUBSTR]

Every row is recommend.score with the discriminative dense view on (the reference) and one view
removed, one view alone, or one setting of the discriminative dense view (the linear SVM on
embeddings: C, number of negatives, weight) changed; plus the reference in the feed's MMR order.
Each row prints recall@10 per window, the mean, a paired bootstrap 95 % interval against the
reference (variant minus reference) and the gain over arxiv-sanity with its interval
(authors resampled within each window). Choices are made on the development windows; --held-out
runs the same rows on the held-out windows to confirm one.

Embeddings come from the same cache as `paperfeed eval authors` ($PAPERFEED_HOME/eval-cache).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from paperfeed.config import load_settings
from paperfeed.embed.registry import get_embedder
from paperfeed.eval import authors as A
from paperfeed.eval import windows as W
from paperfeed.eval.corpus import EmbeddingCache, load_arxiv
from paperfeed.eval.metrics import paired_bootstrap
from paperfeed.rank import recommend as R

REFERENCE = "paperfeed + discriminative dense 0.5"
"""The reference row: the product's ranker with the discriminative dense view on (weight 0.5, C 0.1,
2,000 negatives). The product's default has it off; that is the row "- discriminative dense"."""
DISC = {"w_disc_dense": 0.5}


def with_(**changes) -> R.Params:
    """The reference parameters (the default with the discriminative view on) with some changed."""
    return R.Params(**{**R.DEFAULT.__dict__, **DISC, **changes})


def variants() -> dict[str, R.Params]:
    """The rows: views removed, views alone, and settings of the discriminative dense view."""
    return {
        REFERENCE: with_(),
        "- discriminative dense (the product's default)": with_(w_disc_dense=0.0),
        "- dense soft max": with_(w_dense=0.0),
        "- lexical soft max": with_(w_lex=0.0),
        "- category prior": with_(w_cat=0.0),
        "discriminative dense alone": with_(w_dense=0.0, w_lex=0.0, w_cat=0.0, w_disc_dense=1.0),
        "dense soft max alone": with_(w_lex=0.0, w_cat=0.0, w_disc_dense=0.0),
        "lexical soft max alone": with_(w_dense=0.0, w_cat=0.0, w_disc_dense=0.0),
        **{f"disc weight {w}": with_(w_disc_dense=w) for w in (0.25, 1.0)},
        **{f"disc C {c}": with_(disc_c=c) for c in (0.03, 0.3, 1.0)},
        **{f"disc negatives {n}": with_(disc_negatives=n) for n in (500, 10_000)},
    }


LEX_REFERENCE = "paperfeed (the product's default)"


def lexical_svm_variants() -> dict[str, R.Params]:
    """``--group lexical-svm``: the shipped default (the reference) with arxiv-sanity's linear SVM on the
    product's TF-IDF rows added at several weights and C values."""
    base = R.DEFAULT.__dict__
    rows = {LEX_REFERENCE: R.Params(**base)}
    for w in (0.5, 1.0, 2.0):
        for c in (0.01, 0.1, 1.0):
            rows[f"+ lexical SVM {w}, C {c}"] = R.Params(**{**base, "w_disc_lex": w, "disc_lex_c": c})
    rows["+ lexical SVM 1.0, C 0.1, + dense SVM 0.5"] = R.Params(
        **{**base, "w_disc_lex": 1.0, "disc_lex_c": 0.1, "w_disc_dense": 0.5})
    return rows


GROUPS = {"views": (REFERENCE, variants), "lexical-svm": (LEX_REFERENCE, lexical_svm_variants)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--held-out", action="store_true")
    ap.add_argument("--seeds", default="13")
    ap.add_argument("--authors", type=int, default=150)
    ap.add_argument("--windows", default=None, help="START..END[,...] instead of the default set")
    ap.add_argument("--only", action="append", default=[], help="Only rows whose name contains this (repeatable)")
    ap.add_argument("--group", choices=sorted(GROUPS), default="views",
                    help="views: the per-view ablation (reference: dense SVM on); lexical-svm: the shipped "
                         "default with the lexical SVM view added")
    a = ap.parse_args()
    reference, make_rows = GROUPS[a.group]
    wins = W.parse_windows(a.windows) if a.windows else W.HELD_OUT_WINDOWS if a.held_out else W.DEV_WINDOWS
    seeds = [int(s) for s in a.seeds.split(",")]
    rows = {n: p for n, p in make_rows().items() if n == reference or not a.only or any(s in n for s in a.only)}
    docs = load_arxiv(a.data)
    emb = get_embedder(None)
    cache = EmbeddingCache(load_settings().home / "eval-cache" / f"arxiv-{emb.model_id}.npz", emb.embed_batch, emb.dim)
    per: dict[str, list[np.ndarray]] = {}
    names: list[str] = []
    for task in W.tasks(docs, wins, a.authors, seeds):
        print(f"window {task.window[0]}..{task.window[1]}: {len(task.authors)} authors, "
              f"{len(task.candidates)} candidates", file=sys.stderr, flush=True)
        f = A.Features(task, cache.get)
        std = W.standard_rankers(f, docs)  # fits the product's wide TF-IDF into f
        rankers = {W.BASELINE: std[W.BASELINE]}
        for name, params in rows.items():
            rankers[name] = A.paperfeed_ranker(f, params)
            if name == reference:
                rankers["reference, feed order (MMR)"] = A.feed_order_ranker(f, rankers[name], params)
        for name, rank in rankers.items():
            t = time.perf_counter()
            per.setdefault(name, []).append(A.per_author(task, rank)["recall@10"])
            print(f"  {name}: {time.perf_counter() - t:.1f} s", file=sys.stderr, flush=True)
        names = list(rankers)
    kind = "held-out" if a.held_out else "development" if not a.windows else "given"
    print(f"{kind} windows, recall@10, {a.authors} authors per window, seeds {a.seeds}")
    head = " ".join(f"{w[0][5:]:>6s}" for w in wins)
    print(f"{'variant':46s} {head}   mean  vs reference: diff [95% CI]     vs arxiv-sanity: gain [95% CI]")
    for name in names:
        vals = per[name]
        cells = " ".join(f"{v.mean():6.3f}" for v in vals)
        mean = float(np.mean([v.mean() for v in vals]))
        line = f"{name:46s} {cells} {mean:6.3f}"
        if name != reference:
            b = paired_bootstrap(vals, per[reference])
            line += f"  {b['diff']:+.3f} [{b['diff_lo']:+.3f}, {b['diff_hi']:+.3f}]"
        else:
            line += " " * 27
        if name != W.BASELINE:
            s = paired_bootstrap(vals, per[W.BASELINE])
            line += f"  {s['gain'] * 100:+.0f}% [{s['gain_lo'] * 100:+.0f}, {s['gain_hi'] * 100:+.0f}]"
        print(line, flush=True)


if __name__ == "__main__":
    main()
