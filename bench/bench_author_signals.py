"""Signals beyond the text, measured on the development windows of `paperfeed eval authors`.

    .venv/bin/python bench/bench_author_signals.py [--data ../shared/data] [--held-out] [--seeds 13]

Every variant is the product's ranker (recommend.score) with one change; each row prints recall@10
per window, the mean, and a paired bootstrap 95 % interval against the unchanged default (authors
resampled within each window). Choices are made on the development windows; --held-out runs the
same rows on the held-out windows to confirm them.

- category prior: weight of the category affinity (default 0.3), and affinity over all of the
  profile papers' categories instead of their primary one;
- profile recency: profile rows weigh exp(-age / half-life) in the soft maximum (the author's
  newest papers count more);
- co-authors: + w x [candidate shares an author with the profile papers, owner excluded]. This
  leaks in this protocol (relevance is authorship): an upper bound. With the boost withheld from
  the author's own papers it can only displace relevant papers: a lower bound (its cost when
  co-authors' papers are not wanted at all). Its real value lies between.

Embeddings come from the same cache as `paperfeed eval authors` ($PAPERFEED_HOME/eval-cache).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from paperfeed.config import load_settings
from paperfeed.embed.registry import get_embedder
from paperfeed.eval import authors as A
from paperfeed.eval import windows as W
from paperfeed.eval.corpus import EmbeddingCache, load_arxiv
from paperfeed.rank import recommend as R


def variants(f: A.Features, docs: list) -> dict[str, A.Ranker]:
    rows = W.standard_rankers(f, docs)
    out = {W.BASELINE: rows[W.BASELINE], W.HEADLINE: rows[W.HEADLINE]}
    base = R.DEFAULT
    for w in (0.0, 0.6, 1.0):
        out[f"category weight {w}"] = A.paperfeed_ranker(f, R.Params(**{**base.__dict__, "w_cat": w}))
    for h in (30.0, 90.0, 180.0, 365.0):
        out[f"profile recency, half-life {h:.0f} d"] = A.paperfeed_ranker(
            f, R.Params(**{**base.__dict__, "row_half_life_days": h}))
    for w in (0.5, 1.0, 2.0):
        out[f"+ co-authors x {w} (leaks)"] = W.coauthor_ranker(f, rows[W.HEADLINE], w)
        out[f"+ co-authors x {w}, own papers withheld"] = W.coauthor_ranker(f, rows[W.HEADLINE], w, withhold_own=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--held-out", action="store_true")
    ap.add_argument("--seeds", default="13")
    ap.add_argument("--authors", type=int, default=150)
    ap.add_argument("--windows", default=None, help="START..END[,...] instead of the default set")
    a = ap.parse_args()
    wins = W.parse_windows(a.windows) if a.windows else W.HELD_OUT_WINDOWS if a.held_out else W.DEV_WINDOWS
    seeds = [int(s) for s in a.seeds.split(",")]
    docs = load_arxiv(a.data)
    emb = get_embedder(None)
    cache = EmbeddingCache(load_settings().home / "eval-cache" / f"arxiv-{emb.model_id}.npz", emb.embed_batch, emb.dim)
    res = W.run(docs, cache.get, wins, a.authors, seeds, rankers=variants, baseline=W.HEADLINE,
                progress=lambda m: print(m, file=sys.stderr, flush=True))
    print(f"{'held-out' if a.held_out else 'development'} windows, recall@10; interval = variant minus default")
    head = " ".join(f"{w['window'][0][5:]:>6s}" for w in res["windows"])
    print(f"{'variant':44s} {head}   mean  diff [95% CI]")
    for name, s in res["summary"].items():
        cells = " ".join(f"{w['results'][name]['recall@10']:6.3f}" for w in res["windows"])
        b = s.get("vs_baseline")
        ci = f"{b['diff']:+.3f} [{b['diff_lo']:+.3f}, {b['diff_hi']:+.3f}]" if b else ""
        print(f"{name:44s} {cells} {s['mean']:6.3f}  {ci}")


if __name__ == "__main__":
    main()
