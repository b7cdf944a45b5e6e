"""eval authors, eval csfcube: ranking quality measured on real data."""

from __future__ import annotations

import os
from pathlib import Path

import click

from paperfeed.cli.common import console, json_option, print_json
from paperfeed.config import load_settings

DEFAULT_DATA = Path(os.environ.get("PAPERFEED_EVAL_DATA", "../shared/data"))


def _cached_embedder(name: str, model_id: str | None):
    """The model's embed function, caching vectors by text under the data directory."""
    from paperfeed.embed.registry import get_embedder
    from paperfeed.eval.corpus import EmbeddingCache

    emb = get_embedder(model_id)
    path = load_settings().home / "eval-cache" / f"{name}-{emb.model_id}.npz"
    return EmbeddingCache(path, emb.embed_batch, emb.dim).get


data_option = click.option("--data", "data", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_DATA,
                           show_default=True, help="The shared data directory.")


@click.group(name="eval")
def eval_() -> None:
    """Measure ranking quality on real data against classic baselines."""


@eval_.command(name="authors")
@data_option
@click.option("--start", default="2026-06-24", show_default=True, help="First day of the window.")
@click.option("--end", default="2026-06-30", show_default=True, help="Last day of the window.")
@click.option("--authors", "n_authors", default=150, show_default=True, type=click.IntRange(1))
@click.option("--seed", default=13, show_default=True, type=int)
@click.option("--model", "model_id", default=None)
@json_option
def eval_authors(data: Path, start: str, end: str, n_authors: int, seed: int, model_id: str | None,
                 as_json: bool) -> None:
    """Author continuity: do an author's next papers reach the top 10 of a feed built from their earlier ones?

    \b
    Profiles are each sampled author's 10 latest papers before the window; candidates are all
    papers in the window; relevant are the author's papers in it. Rankers see title and abstract
    (paperfeed's also categories), never author names.
    """
    from paperfeed.eval import authors
    from paperfeed.eval.corpus import load_arxiv

    docs = load_arxiv(data)
    res = authors.run(docs, _cached_embedder("arxiv", model_id), start, end, n_authors, seed)
    if as_json:
        print_json(res)
        return
    console.print(f"window {res['window'][0]}..{res['window'][1]}: {res['authors']} authors, "
                  f"{res['candidates']} candidates, {res['relevant']} relevant papers, seed {res['seed']}")
    _table({**res["results"], **res["variant"]})
    base = res["results"]["arxiv-sanity (tfidf+svm)"]["recall@10"]
    ours = res["results"]["paperfeed (default)"]["recall@10"]
    if base:
        gain = (ours / base - 1) * 100
        console.print(f"paperfeed vs arxiv-sanity recall@10: {ours:.3f} vs {base:.3f} ({gain:+.0f}%)")


@eval_.command(name="csfcube")
@data_option
@click.option("--facet-queries", is_flag=True, help="Query with the facet's sentences instead of the whole abstract.")
@click.option("--model", "model_id", default=None)
@click.option("--store", "store_url", default=None, metavar="PATH|URL",
              help="Keyword scores from this new, empty store (SQLite FTS5 or postgresql:// tsvector) "
                   "instead of an in-memory FTS5 table.")
@json_option
def eval_csfcube(data: Path, facet_queries: bool, model_id: str | None, store_url: str | None, as_json: bool) -> None:
    """CSFCube: rank each query's pool by keyword, semantic, RRF and hybrid similar-paper ranking; NDCG%20 per
    facet and on the official folds' test halves, and MAP."""
    from paperfeed.eval import csfcube

    res = csfcube.run(data, _cached_embedder("csfcube", model_id), facet_queries=facet_queries, store_url=store_url)
    if as_json:
        print_json(res)
        return
    groups = ("all", "background", "method", "result", "fold1_test", "fold2_test")
    console.print("NDCG%20 per group; MAP over all queries")
    console.print(f"{'mode':10s} " + " ".join(f"{g:>11s}" for g in groups) + f" {'map':>7s}")
    for mode, by_group in res.items():
        console.print(f"{mode:10s} " + " ".join(f"{by_group[g]['ndcg%20']:11.3f}" if g in by_group else f"{'-':>11s}"
                                                for g in groups) + f" {by_group['all']['map']:7.3f}")


def _table(results: dict[str, dict[str, float]]) -> None:
    metrics = list(next(iter(results.values())))
    console.print(f"{'ranker':32s} " + " ".join(f"{m:>10s}" for m in metrics))
    for name, row in results.items():
        console.print(f"{name:32s} " + " ".join(f"{row[m]:10.3f}" for m in metrics))


COMMANDS = [eval_]
