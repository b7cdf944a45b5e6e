"""Author continuity over several disjoint windows, with a paired bootstrap against arxiv-sanity.

One window of 150 authors is too noisy to tell a real gain from luck (the issue-4 figures moved by
+3 % on one window and +16 % on another), so every decision is taken on the development windows and
reported on the held-out windows, which never overlap them or one another.

Cost, bounded by design: a window is one week (about 1,200-3,300 candidate papers in this corpus)
and 150 sampled authors with 10 profile papers each, so a window needs at most about 4,800
abstracts embedded. Vectors are cached by text under $PAPERFEED_HOME/eval-cache, so only the first
run embeds (about 20k abstracts for the six default windows: 30 minutes on 2 cores shared with
other jobs, at 10-35 abstracts/s); a rerun of the four held-out windows took 6.5 minutes at load
11, most of it the TF-IDF fits and the arxiv-sanity SVM fitted once per author.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import numpy as np

from paperfeed.errors import PaperfeedError
from paperfeed.eval import authors
from paperfeed.eval.corpus import Doc
from paperfeed.eval.metrics import paired_bootstrap
from paperfeed.rank import recommend

Window = tuple[str, str]

DEV_WINDOWS: tuple[Window, ...] = (("2026-04-08", "2026-04-14"), ("2026-05-24", "2026-05-30"))
"""Every choice of weights is made on these."""
HELD_OUT_WINDOWS: tuple[Window, ...] = (
    ("2026-03-08", "2026-03-14"), ("2026-06-08", "2026-06-14"),
    ("2026-06-24", "2026-06-30"), ("2026-08-08", "2026-08-14"),
)
"""Reported, never tuned on. 2026-08-08..14 comes from one source only (cs.AI/CL/IR listings)."""

BASELINE = "arxiv-sanity (tfidf+svm)"
HEADLINE = "paperfeed (default)"
FEED_ORDER = "paperfeed, feed order (MMR)"
"""The headline's scores in the order the feed shows them (MMR over the top); the headline is the pure ranking."""
COAUTHOR_WEIGHT = recommend.DEFAULT.w_coauthor
"""Weight of the co-author indicator, in the z-units of recommend.score (the product's value)."""


def parse_windows(spec: str) -> list[Window]:
    """'2026-06-24..2026-06-30,2026-08-08..2026-08-14' -> windows; errors name the bad part."""
    out = []
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        start, sep, end = part.partition("..")
        try:
            a, b = date.fromisoformat(start), date.fromisoformat(end)
        except ValueError:
            raise PaperfeedError(f"window {part!r}: expected START..END as YYYY-MM-DD..YYYY-MM-DD") from None
        if not sep or a > b:
            raise PaperfeedError(f"window {part!r}: expected START..END with START <= END")
        out.append((a.isoformat(), b.isoformat()))
    if not out:
        raise PaperfeedError("no window given")
    return out


def check_disjoint(windows: Sequence[Window], other: Sequence[Window] = ()) -> None:
    """Raise when two windows overlap (within ``windows`` or between it and ``other``)."""
    named = [(w, "held-out") for w in windows] + [(w, "development") for w in other]
    for i, (a, ka) in enumerate(named):
        for b, kb in named[i + 1:]:
            if a[0] <= b[1] and b[0] <= a[1]:
                raise PaperfeedError(f"windows {a[0]}..{a[1]} ({ka}) and {b[0]}..{b[1]} ({kb}) overlap")


def tasks(docs: list[Doc], windows: Sequence[Window], n_authors: int, seeds: Sequence[int]) -> list[authors.Task]:
    """One task per window (authors sampled with every seed, each once)."""
    return [authors.build_task(docs, a, b, n_authors, list(seeds)) for a, b in windows]


def texts(ts: Sequence[authors.Task]) -> list[str]:
    """Every text the tasks will embed (for warming the cache with a progress bar)."""
    return [d.text for t in ts for d in [*t.candidates, *(p for prof in t.profiles for p in prof)]]


def coauthor_ranker(f: authors.Features, base: authors.Ranker, weight: float = COAUTHOR_WEIGHT,
                    withhold_own: bool = False) -> authors.Ranker:
    """Base score + weight x [candidate shares an author with the profile's papers, owner excluded].

    In this protocol the signal leaks: relevance *is* authorship, and an author's next paper is
    often written with the same co-authors. It is reported as its own row, never as the headline:
    an upper bound. ``withhold_own`` gives no boost to the author's own papers, so the signal can
    only displace relevant papers: a lower bound.
    """
    cand_authors = [{authors.author_identity(a) for a in d.authors} for d in f.task.candidates]

    def rank(i: int) -> np.ndarray:
        owner = f.task.authors[i]
        co = {authors.author_identity(a) for d in f.task.profiles[i] for a in d.authors} - {owner}
        hit = np.array([bool(co & ca) and not (withhold_own and owner in ca) for ca in cand_authors],
                       dtype=np.float32)
        return base(i) + weight * hit

    return rank


RankerFactory = Callable[[authors.Features, list[Doc]], dict[str, authors.Ranker]]


def standard_rankers(f: authors.Features, docs: list[Doc],
                     params: recommend.Params = recommend.DEFAULT) -> dict[str, authors.Ranker]:
    """The rows `paperfeed eval authors` prints: baselines, the product's ranker, and its leaky variants."""
    f.lexical = authors.wide_lexical(docs, f.task)
    f.cand_lex = f.lexical.transform([d.text for d in f.task.candidates])
    f.prof_lex = f.lexical.transform([d.text for p in f.task.profiles for d in p])
    rankers = authors.baseline_rankers(f)
    rankers[HEADLINE] = authors.paperfeed_ranker(f, params)
    rankers[FEED_ORDER] = authors.feed_order_ranker(f, rankers[HEADLINE], params)
    rankers["paperfeed + co-authors (leaks)"] = coauthor_ranker(f, rankers[HEADLINE])
    rankers["paperfeed + co-authors, own withheld"] = coauthor_ranker(f, rankers[HEADLINE], withhold_own=True)
    rankers["paperfeed + followed authors (leaks)"] = authors.followed_authors_ranker(f, rankers[HEADLINE])
    return rankers


def run(docs: list[Doc], embed: Callable[[list[str]], np.ndarray], windows: Sequence[Window],
        n_authors: int = 150, seeds: Sequence[int] = (13,), rankers: RankerFactory = standard_rankers,
        baseline: str = BASELINE, metric: str = "recall@10", resamples: int = 2000,
        progress: Callable[[str], None] | None = None) -> dict:
    """Every ranker on every window; per-window means, mean and spread over windows, and for each ranker
    a paired bootstrap (authors resampled within each window) of its difference to ``baseline``."""
    per: dict[str, list[np.ndarray]] = {}
    rows = []
    for task in tasks(docs, windows, n_authors, seeds):
        if progress:
            progress(f"window {task.window[0]}..{task.window[1]}: {len(task.authors)} authors, "
                     f"{len(task.candidates)} candidates")
        if not task.authors:
            raise PaperfeedError(f"window {task.window[0]}..{task.window[1]}: no eligible author in the data")
        f = authors.Features(task, embed)
        scores = {name: authors.per_author(task, r) for name, r in rankers(f, docs).items()}
        rows.append({"window": list(task.window), "authors": len(task.authors), "candidates": len(task.candidates),
                     "relevant": sum(len(r) for r in task.relevant),
                     "results": {n: {m: float(v.mean()) for m, v in s.items()} for n, s in scores.items()}})
        for name, s in scores.items():
            per.setdefault(name, []).append(s[metric])
    summary: dict[str, dict[str, Any]] = {}
    for name, vals in per.items():
        means = np.array([v.mean() for v in vals])
        summary[name] = {"mean": float(means.mean()), "sd": float(means.std(ddof=1)) if len(means) > 1 else 0.0,
                         "min": float(means.min()), "max": float(means.max())}
        if name != baseline and baseline in per:
            summary[name]["vs_baseline"] = paired_bootstrap(vals, per[baseline], resamples=resamples)
    return {"metric": metric, "baseline": baseline, "seeds": list(seeds), "authors_per_window": n_authors,
            "windows": rows, "summary": summary}
