"""eval authors, eval expertise, eval csfcube: ranking quality measured on real data."""

from __future__ import annotations

import os
from pathlib import Path

import click

from paperfeed.cli.common import console, err_console, json_option, print_json
from paperfeed.config import load_settings

DEFAULT_DATA = Path(os.environ.get("PAPERFEED_EVAL_DATA", "../shared/data"))


def _cache(name: str, model_id: str | None):
    """An EmbeddingCache for the model, under $PAPERFEED_HOME/eval-cache."""
    from paperfeed.embed.registry import get_embedder
    from paperfeed.eval.corpus import EmbeddingCache

    emb = get_embedder(model_id)
    path = load_settings().home / "eval-cache" / f"{name}-{emb.model_id}.npz"
    return EmbeddingCache(path, emb.embed_batch, emb.dim)


def _cached_embedder(name: str, model_id: str | None):
    """The model's embed function, caching vectors by text under the data directory."""
    cache = _cache(name, model_id)

    def get(texts):
        _warm(cache, texts, False)
        return cache.get(texts)

    return get


def _warm(cache, texts: list[str], quiet: bool) -> None:
    """Embed the texts the cache lacks, with a progress bar (rate and ETA) on a terminal."""
    from paperfeed.cli.progress import progress

    todo = cache.missing(texts)
    with progress("embedding texts for eval (cached for the next run):", todo, unit="texts",
                  quiet=quiet or todo == 0) as advance:
        cache.get(texts, progress=advance)


data_option = click.option("--data", "data", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_DATA,
                           show_default=True, help="The shared data directory.")


@click.group(name="eval")
def eval_() -> None:
    """Measure ranking quality on real data against classic baselines."""


@eval_.command(name="authors")
@data_option
@click.option("--windows", "windows_spec", default=None, metavar="START..END[,...]",
              help="Held-out windows (default: the four in paperfeed.eval.windows.HELD_OUT_WINDOWS).")
@click.option("--dev", is_flag=True, help="Run the development windows instead (where weights are chosen).")
@click.option("--authors", "n_authors", default=150, show_default=True, type=click.IntRange(1),
              help="Authors sampled per window and seed.")
@click.option("--seeds", default="13", show_default=True, help="Comma-separated seeds; their author samples are "
              "pooled (each author once).")
@click.option("--resamples", default=2000, show_default=True, type=click.IntRange(100), help="Bootstrap resamples.")
@click.option("--model", "model_id", default=None)
@click.option("--rerank-model", default=None, help="Add the two-tier row: this model re-ranks the headline's top "
              "(rank/rerank.py; only those papers are embedded with it).")
@click.option("--rerank-top", default=50, show_default=True, type=click.IntRange(1))
@click.option("--rerank-weight", default=1.0, show_default=True, type=click.FloatRange(0))
@json_option
def eval_authors(data: Path, windows_spec: str | None, dev: bool, n_authors: int, seeds: str, resamples: int,
                 model_id: str | None, rerank_model: str | None, rerank_top: int, rerank_weight: float,
                 as_json: bool) -> None:
    """Author continuity: do an author's next papers reach the top 10 of a feed built from their earlier ones?

    \b
    In each window (a week), profiles are each sampled author's 10 latest papers before it;
    candidates are all papers in it; relevant are the author's papers in it. Rankers see title
    and abstract (paperfeed's also categories), never author names, except the rows marked
    "(leaks)", which use the profile's co-authors: there relevance is authorship itself.
    Prints recall@10 per window, mean and spread over windows, and a paired bootstrap 95 %
    interval of each ranker minus arxiv-sanity (authors resampled within each window).

    \b
    The first run embeds about 4,000 abstracts per window (cached under
    $PAPERFEED_HOME/eval-cache); a rerun takes 1-2 minutes per window on a busy machine.

    \b
    Examples:
      paperfeed eval authors --data ../shared/data
      paperfeed eval authors --dev --seeds 13,14
      paperfeed eval authors --windows 2026-06-24..2026-06-30 --json
      paperfeed eval authors --dev --authors 50 --rerank-model mpnet-base-int8 --rerank-top 30
    """
    from paperfeed.cli.progress import progress
    from paperfeed.eval import windows as W
    from paperfeed.eval.corpus import load_arxiv

    seed_list = _seeds(seeds)
    wins = W.parse_windows(windows_spec) if windows_spec else list(W.DEV_WINDOWS if dev else W.HELD_OUT_WINDOWS)
    W.check_disjoint(wins, () if dev or windows_spec else W.DEV_WINDOWS)
    with progress(f"reading the arXiv records in {data}", None, quiet=as_json):
        docs = load_arxiv(data)
    cache = _cache("arxiv", model_id)
    _warm(cache, W.texts(W.tasks(docs, wins, n_authors, seed_list)), as_json)
    say = None if as_json else (lambda m: err_console.print(m))
    factory = W.standard_rankers
    if rerank_model:
        from paperfeed.embed.registry import get_embedder
        from paperfeed.eval.rerank import with_second_tier
        from paperfeed.rank.rerank import Rerank

        strong = _cache("arxiv", rerank_model)
        cfg = Rerank(get_embedder(rerank_model).model_id, rerank_top, rerank_weight)
        factory = with_second_tier(factory, W.HEADLINE, strong.get, cfg, warm=lambda t: _warm(strong, t, as_json))
    res = W.run(docs, cache.get, wins, n_authors, seed_list, rankers=factory, resamples=resamples, progress=say)
    res["kind"] = "development" if dev else "held-out"
    if as_json:
        print_json(res)
        return
    _windows_table(res)


@eval_.command(name="feedback")
@data_option
@click.option("--windows", "windows_spec", default=None, metavar="START..END[,...]",
              help="Windows to simulate (default: the held-out windows of eval authors).")
@click.option("--authors", "n_authors", default=150, show_default=True, type=click.IntRange(1))
@click.option("--seeds", default="13", show_default=True, help="Comma-separated seeds (author samples pooled).")
@click.option("--model", "model_id", default=None)
@json_option
def eval_feedback(data: Path, windows_spec: str | None, n_authors: int, seeds: str, model_id: str | None,
                  as_json: bool) -> None:
    """Feedback day by day: each announcement day a simulated author sees the top 10 new papers, likes
    their own and dislikes the rest; the rankers learn from it for the next day.

    \b
    Prints, by day, the recall of that day's relevant papers among the 10 shown, for paperfeed
    and for arxiv-sanity's SVM retrained on the same feedback, each also without feedback.
    Same authors, profiles and embedding cache as eval authors.
    """
    from paperfeed.eval import feedback
    from paperfeed.eval import windows as W
    from paperfeed.eval.corpus import load_arxiv

    seed_list = _seeds(seeds)
    wins = W.parse_windows(windows_spec) if windows_spec else list(W.HELD_OUT_WINDOWS)
    W.check_disjoint(wins)
    docs = load_arxiv(data)
    cache = _cache("arxiv", model_id)
    _warm(cache, W.texts(W.tasks(docs, wins, n_authors, seed_list)), as_json)
    say = None if as_json else (lambda m: err_console.print(m))
    res = feedback.run(docs, cache.get, wins, n_authors, seed_list, progress=say)
    if as_json:
        print_json(res)
        return
    by_day = res["by_day"]
    names = list(by_day)
    console.print(f"recall of each day's relevant papers among the {res['shown']} shown, by announcement day, "
                  f"over {len(res['windows'])} windows")
    console.print(f"{'day':>3s} {'authors':>7s} " + " ".join(f"{n:>30s}" for n in names))
    for k in range(len(by_day[names[0]])):
        row = [by_day[n][k] for n in names]
        console.print(f"{k + 1:3d} {row[0]['authors']:7d} " + " ".join(f"{r['recall']:30.3f}" if r["recall"] is not None
                                                                else f"{'-':>30s}" for r in row))


def _seeds(spec: str) -> list[int]:
    try:
        out = [int(x) for x in spec.split(",") if x.strip()]
    except ValueError:
        out = []
    if not out:
        raise click.BadParameter(f"{spec!r}: expected comma-separated integers", param_hint="--seeds")
    return out


@eval_.command(name="expertise")
@click.option("--data", "data", required=True, type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Directory with papers.jsonl, reviewers.jsonl and judgments.jsonl (see below).")
@click.option("--model", "model_id", default=None)
@json_option
def eval_expertise(data: Path, model_id: str | None, as_json: bool) -> None:
    """Reviewer expertise (Stelmakh et al. 2023): order each reviewer's judged papers by expertise.

    \b
    Loss = weighted share of wrongly ordered pairs (weight = difference in expertise; a tied
    prediction costs half): 0 is perfect, 0.5 chance. Also accuracy on easy pairs (one grade >= 4,
    the other <= 2) and hard pairs (both >= 4).

    \b
    Layout of DIR (JSON Lines, each may be gzipped as NAME.jsonl.gz):
      papers.jsonl     {"id": "p1", "title": "...", "abstract": "...", "categories": ["cs.LG"]}
      reviewers.jsonl  {"reviewer": "r1", "papers": ["p1", "p2"]}    the reviewer's own papers
      judgments.jsonl  {"reviewer": "r1", "paper": "p9", "expertise": 4}   integer 1-5
    A small synthetic set: python bench/make_expertise_set.py --out DIR
    """
    from paperfeed.eval import expertise

    res = expertise.run(data, _cache(f"expertise-{data.resolve().name}", model_id).get)
    if as_json:
        print_json(res)
        return
    console.print(f"{res['reviewers']} reviewers, {res['judgments']} judgments, {res['papers']} papers; "
                  "loss: lower is better")
    console.print(f"{'ranker':24s} {'loss':>7s} {'easy acc':>9s} {'hard acc':>9s}")
    for name, r in res["results"].items():
        console.print(f"{name:24s} {r['loss']:7.3f} {r['easy_accuracy']:9.3f} {r['hard_accuracy']:9.3f}")


def _windows_table(res: dict) -> None:
    wins = res["windows"]
    names = list(res["summary"])
    console.print(f"{res['kind']} windows, {res['metric']} ({res['authors_per_window']} authors per window "
                  f"and seed, seeds {','.join(map(str, res['seeds']))})")
    for w in wins:
        console.print(f"  {w['window'][0]}..{w['window'][1]}: {w['authors']} authors, {w['candidates']} candidates, "
                      f"{w['relevant']} relevant")
    head = " ".join(f"{w['window'][0][5:]:>7s}" for w in wins)
    console.print(f"{'ranker':38s} {head} {'mean':>6s} {'sd':>6s}  vs arxiv-sanity: gain [95% CI], diff [95% CI]")
    for name in names:
        s = res["summary"][name]
        cells = " ".join(f"{w['results'][name][res['metric']]:7.3f}" for w in wins)
        line = f"{name:38s} {cells} {s['mean']:6.3f} {s['sd']:6.3f}"
        if "vs_baseline" in s:
            b = s["vs_baseline"]
            line += (f"  {b['gain'] * 100:+.0f}% [{b['gain_lo'] * 100:+.0f}%, {b['gain_hi'] * 100:+.0f}%], "
                     f"{b['diff']:+.3f} [{b['diff_lo']:+.3f}, {b['diff_hi']:+.3f}]")
        console.print(line)


@eval_.command(name="csfcube")
@data_option
@click.option("--facet-queries", is_flag=True, help="Query with the facet's sentences instead of the whole abstract.")
@click.option("--model", "model_id", default=None)
@click.option("--store", "store_url", default=None, metavar="PATH|URL",
              help="Keyword scores from this new, empty store (SQLite FTS5 or postgresql:// tsvector) "
                   "instead of an in-memory FTS5 table.")
@click.option("--rerank-model", default=None,
              help="Add the second-tier rows: this model's cosine alone (semantic-2) and the hybrid with its "
                   "cosine in place of the first model's (hybrid-2, as `similar` does with similar.rerank_model set).")
@json_option
def eval_csfcube(data: Path, facet_queries: bool, model_id: str | None, store_url: str | None,
                 rerank_model: str | None, as_json: bool) -> None:
    """CSFCube: rank each query's pool by keyword, semantic, RRF and hybrid similar-paper ranking; NDCG%20 per
    facet and on the official folds' test halves, and MAP."""
    from paperfeed.eval import csfcube

    second = _cached_embedder("csfcube", rerank_model) if rerank_model else None
    res = csfcube.run(data, _cached_embedder("csfcube", model_id), facet_queries=facet_queries, store_url=store_url,
                      second=second)
    if as_json:
        print_json(res)
        return
    groups = ("all", "background", "method", "result", "fold1_test", "fold2_test")
    console.print("NDCG%20 per group; MAP over all queries")
    console.print(f"{'mode':10s} " + " ".join(f"{g:>11s}" for g in groups) + f" {'map':>7s}")
    for mode, by_group in res.items():
        console.print(f"{mode:10s} " + " ".join(f"{by_group[g]['ndcg%20']:11.3f}" if g in by_group else f"{'-':>11s}"
                                                for g in groups) + f" {by_group['all']['map']:7.3f}")
    for mode, by_group in res.items():
        if b := by_group["all"].get("vs_first_tier"):
            console.print(f"{mode} minus {b['against']}, NDCG%20 per query (paired bootstrap): {b['diff']:+.3f} "
                          f"[{b['diff_lo']:+.3f}, {b['diff_hi']:+.3f}], better on {b['wins']} of "
                          f"{by_group['all']['queries']} queries, worse on {b['losses']}")


def _table(results: dict[str, dict[str, float]]) -> None:
    metrics = list(next(iter(results.values())))
    console.print(f"{'ranker':32s} " + " ".join(f"{m:>10s}" for m in metrics))
    for name, row in results.items():
        console.print(f"{name:32s} " + " ".join(f"{row[m]:10.3f}" for m in metrics))


COMMANDS = [eval_]
