"""Learning from feedback day by day: a simulated user over the days of an author-continuity window.

Each announcement day of the window, every sampled author is shown the top 10 of that day's new
papers. The simulated user likes the shown papers that are theirs (the held-out truth) and
dislikes the rest; the next day's ranking uses everything liked and disliked so far.

- paperfeed: liked papers become profile rows, disliked ones negatives (recommend.score's
  penalty and its per-profile logistic model against 300 background papers of the window);
- arxiv-sanity: its SVM retrained each day on profile + liked papers against the window's papers
  (its recipe has no dislikes: every untagged paper is a negative already).

Reported: recall of each day's relevant papers among the 10 shown, by day index (1 = first
announcement day of the window), over the authors who have a paper that day; and the same
without feedback, so the change is visible. Day 1 is the same with and without feedback.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy import sparse
from sklearn.svm import LinearSVC

from paperfeed.eval import authors
from paperfeed.eval.corpus import Doc
from paperfeed.eval.windows import Window, tasks
from paperfeed.rank import recommend

SHOWN = 10
BACKGROUND = 300


def day_groups(task: authors.Task) -> list[np.ndarray]:
    """Candidate positions of each announcement day, in date order."""
    dates = sorted({d.date for d in task.candidates if d.date is not None})  # (candidates are all dated)
    return [np.array([i for i, d in enumerate(task.candidates) if d.date == day]) for day in dates]


class Simulation:
    """One window: state per author (liked, disliked) and a day-by-day loop for each ranker."""

    def __init__(self, f: authors.Features, docs: list[Doc], params: recommend.Params = recommend.DEFAULT) -> None:
        self.f = f
        lex = authors.wide_lexical(docs, f.task)
        f.cand_lex = lex.transform([d.text for d in f.task.candidates])
        f.prof_lex = lex.transform([d.text for p in f.task.profiles for d in p])
        self.params = recommend.Params(**{**params.__dict__, "w_recency": 0.0})
        self.days = day_groups(f.task)
        rng = np.random.default_rng(0)
        n = len(f.task.candidates)
        self.background = f.cand_dense[rng.choice(n, min(BACKGROUND, n), replace=False)]

    def paperfeed(self, i: int, day: np.ndarray, liked: list[int], disliked: list[int]) -> np.ndarray:
        f = self.f
        sig = f.signals(i)
        if liked:
            sig.dense = np.vstack([sig.dense, f.cand_dense[liked]])
            sig.lex = sparse.vstack([sig.lex, f.cand_lex[liked]]).tocsr()
            sig.row_dates = [*(sig.row_dates or []), *(f.task.candidates[j].date for j in liked)]
        if disliked:
            sig.neg_dense = f.cand_dense[disliked]
        cats = [f.cand_cats[j] for j in day]
        return recommend.score(sig, f.cand_dense[day], f.cand_lex[day], cats, None, self.background,
                               self.params).score

    def sanity(self, i: int, day: np.ndarray, liked: list[int], disliked: list[int]) -> np.ndarray:
        f = self.f
        r = f.rows(i)
        pos = sparse.vstack([f.sanity_prof[r], f.sanity_cand[liked]]) if liked else f.sanity_prof[r]
        x = sparse.vstack([pos, f.sanity_cand]).tocsr()
        y = np.r_[np.ones(pos.shape[0]), np.zeros(f.sanity_cand.shape[0])]
        if liked:  # a liked paper is also in the window: it must not count as a negative as well
            y[pos.shape[0] + np.array(liked)] = 1
        clf = LinearSVC(class_weight="balanced", max_iter=10000, tol=1e-6, C=0.01).fit(x, y)
        return clf.decision_function(f.sanity_cand[day])

    def run(self, rank: Callable[[int, np.ndarray, list[int], list[int]], np.ndarray],
            learn: bool) -> list[list[float]]:
        """Per day index, the recall of each author with a relevant paper that day."""
        out: list[list[float]] = [[] for _ in self.days]
        for i, rel in enumerate(self.f.task.relevant):
            liked: list[int] = []
            disliked: list[int] = []
            for k, day in enumerate(self.days):
                if not len(day):
                    continue
                s = rank(i, day, liked, disliked)
                shown = day[np.argsort(-s, kind="stable")[:SHOWN]]
                today = rel & set(day.tolist())
                if today:
                    out[k].append(len(today & set(shown.tolist())) / len(today))
                if learn:
                    liked += [int(j) for j in shown if j in rel]
                    disliked += [int(j) for j in shown if j not in rel]
        return out


def run(docs: list[Doc], embed: Callable[[list[str]], np.ndarray], windows: Sequence[Window],
        n_authors: int = 150, seeds: Sequence[int] = (13,), progress: Callable[[str], None] | None = None) -> dict:
    """Recall of the shown papers by day index, with and without feedback, for both rankers."""
    rows: dict[str, list] = {"paperfeed, no feedback": [], "paperfeed, feedback": [], "arxiv-sanity, no feedback": [],
            "arxiv-sanity, retrained daily": []}
    per_window = []
    for task in tasks(docs, windows, n_authors, seeds):
        if progress:
            progress(f"window {task.window[0]}..{task.window[1]}: {len(task.authors)} authors")
        sim = Simulation(authors.Features(task, embed), docs)
        got = {"paperfeed, no feedback": sim.run(sim.paperfeed, False),
               "paperfeed, feedback": sim.run(sim.paperfeed, True),
               "arxiv-sanity, no feedback": sim.run(sim.sanity, False),
               "arxiv-sanity, retrained daily": sim.run(sim.sanity, True)}
        per_window.append({"window": list(task.window), "days": [str(task.candidates[d[0]].date) for d in sim.days
                                                                 if len(d)]})
        for name, by_day in got.items():
            rows[name].append(by_day)
    n_days = max(len(w["days"]) for w in per_window) if per_window else 0
    table: dict[str, list] = {}
    for name, wins in rows.items():
        table[name] = []
        for k in range(n_days):
            vals = [v for w in wins if k < len(w) for v in w[k]]
            table[name].append({"day": k + 1, "authors": len(vals), "recall": float(np.mean(vals)) if vals else None})
    return {"windows": per_window, "shown": SHOWN, "by_day": table}
