"""Ranker variants tried against the author-continuity protocol (`paperfeed eval authors`).

    .venv/bin/python bench/bench_author_variants.py [--data ../shared/data] [--sentences]

For the development window (2026-05-24..30) and the held-out window (2026-06-24..30), prints
recall@10 / nDCG@10 of paperfeed's default ranker and of variants that were measured and not
adopted:
- char 3-5-gram TF-IDF max-sim, alone and added to the default ranker;
- dense vectors centred, WCCN-normalised (within-author covariance, as in speaker verification)
  or LDA-projected, with the projections learnt from 1,500 other authors' papers dated
  2026-01-01..05-23 (before both windows);
- a learning-to-rank logistic regression over 13 standardised per-candidate features, trained on
  the development window and applied to the held-out one;
- rare shared terms (corpus df <= 100) added to the default; pseudo-relevance feedback from the
  default's top candidate; per-profile weights chosen by leave-one-out over the profile's papers;
- (--sentences) sentence-level max-sim between candidate and profile sentences;
- three ceilings that peek at the window's answers: the learning-to-rank model fitted on the window
  itself, the linear mix of the 13 features tuned for recall@10 on the window itself, and, per
  author, the best of the 13 features for that author.
Embeddings are cached under $PAPERFEED_HOME/eval-cache like `paperfeed eval` caches them. The first run
embeds about 13k abstracts (and 50k sentences with --sentences): 5-15 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import random
from collections import defaultdict
from pathlib import Path

import numpy as np
from scipy.linalg import eigh
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from paperfeed.config import load_settings
from paperfeed.embed.registry import get_embedder
from paperfeed.eval import authors as A
from paperfeed.eval.corpus import EmbeddingCache, load_arxiv
from paperfeed.rank import recommend as R
from paperfeed.rank import sentences

WINDOWS = (("2026-05-24", "2026-05-30"), ("2026-06-24", "2026-06-30"))
Z = R.standardise


def projections(docs: list, embed) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Corpus mean and the centring / WCCN / LDA maps, learnt from other authors' earlier papers."""
    by: dict[str, list] = defaultdict(list)
    for d in docs:
        if d.date and "2026-01-01" <= d.date <= "2026-05-23":
            for a in d.authors:
                by[A.author_identity(a)].append(d)
    eligible = sorted(a for a, ps in by.items() if 3 <= len(ps) <= 30)
    groups = [by[a][:8] for a in random.Random(0).sample(eligible, 1500)]
    x = embed([d.text for g in groups for d in g]).astype(np.float64)
    mu = x.mean(0)
    sw, sb, at = np.zeros((x.shape[1],) * 2), np.zeros((x.shape[1],) * 2), 0
    for g in groups:
        xg = x[at : at + len(g)]
        at += len(g)
        m = xg.mean(0)
        sw += (xg - m).T @ (xg - m)
        sb += len(g) * np.outer(m - mu, m - mu)
    dim = x.shape[1]
    w, u = np.linalg.eigh(sw / len(x) + 0.01 * np.eye(dim))
    wccn = u @ np.diag(w**-0.5) @ u.T
    lw, lu = eigh(sb, sw + np.trace(sw) / dim * np.eye(dim))
    lda = lu[:, np.argsort(-lw)[:200]]
    return mu, {"centred": np.eye(dim), "wccn": wccn, "lda-200": lda}


def features(docs: list, window: tuple[str, str], embed) -> A.Features:
    task = A.build_task(docs, *window)
    f = A.Features(task, embed)
    lex = A.wide_lexical(docs, task)
    f.cand_lex = lex.transform([d.text for d in task.candidates])
    f.prof_lex = lex.transform([d.text for p in task.profiles for d in p])
    return f


def char_views(f: A.Features):
    texts_c = [d.text for d in f.task.candidates]
    texts_p = [d.text for p in f.task.profiles for d in p]
    cv = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=2, max_df=0.5,
                         dtype=np.float32).fit(texts_c + texts_p)
    return cv.transform(texts_c), cv.transform(texts_p)


def _second(s: np.ndarray) -> np.ndarray:
    """Second-best similarity per candidate (the best if there is only one profile row)."""
    return np.sort(s, 1)[:, -2] if s.shape[1] > 1 else s.max(1)


def ltr_matrix(f: A.Features, cc, cp) -> list[np.ndarray]:
    """Per author: candidates x 13 standardised features."""
    base = A.baseline_rankers(f)
    pf = A.paperfeed_ranker(f)
    out = []
    for i in range(len(f.task.profiles)):
        r = f.rows(i)
        ds = f.cand_dense @ f.prof_dense[r].T
        ls = (f.cand_lex @ f.prof_lex[r].T).toarray()
        cs = (cc @ cp[r].T).toarray()
        cols = [ds.max(1), ds.mean(1), R.soft_max_sim(ds, 0.1)[0], ls.max(1), ls.mean(1),
                R.soft_max_sim(ls, 0.05)[0], cs.max(1), cs.mean(1),
                R.category_affinity(f.prof_cats[i], f.cand_cats), base["arxiv-sanity (tfidf+svm)"](i), pf(i),
                _second(ds), _second(ls)]
        out.append(np.column_stack([Z(np.asarray(c, float)) for c in cols]))
    return out


def relevant_ranks(f: A.Features, rank) -> str:
    """Where the default ranker puts the relevant papers: median rank and shares in the top 10/50/200."""
    pos = []
    for i, rel in enumerate(f.task.relevant):
        order = np.argsort(-rank(i), kind="stable")
        where = np.empty(len(order), int)
        where[order] = np.arange(len(order))
        pos += [int(where[j]) + 1 for j in rel]
    p = np.array(pos)
    return (f"relevant papers under the default: median rank {int(np.median(p))}, in top 10/50/200 "
            f"{(p <= 10).mean():.2f}/{(p <= 50).mean():.2f}/{(p <= 200).mean():.2f}")


def _recall10(feats: list[np.ndarray], relevant: list[set[int]], w: np.ndarray) -> float:
    hits = 0.0
    for x, rel in zip(feats, relevant, strict=True):
        top = np.argpartition(-(x @ w), 10)[:10]
        hits += len(rel.intersection(top.tolist())) / len(rel)
    return hits / len(feats)


def best_mix(feats: list[np.ndarray], relevant: list[set[int]], tries: int = 400, seed: int = 0) -> np.ndarray:
    """Non-negative feature weights maximising recall@10 on these very answers (random search, then
    coordinate steps): how far any linear fusion of the features could go."""
    rng = np.random.default_rng(seed)
    d = feats[0].shape[1]
    cands = [np.eye(d)[j] for j in range(d)] + [rng.exponential(size=d) * (rng.random(d) < 0.5) for _ in range(tries)]
    best = max(cands, key=lambda w: _recall10(feats, relevant, w) if w.any() else -1)
    score = _recall10(feats, relevant, best)
    for _ in range(3):
        for j in range(d):
            for step in (0.25, 0.5, 1.0, 2.0):
                for sign in (1, -1):
                    w = best.copy()
                    w[j] = max(0.0, w[j] + sign * step)
                    if w.any() and (r := _recall10(feats, relevant, w)) > score:
                        best, score = w, r
    return best


def ceilings(f: A.Features, feats: list[np.ndarray], labels: list[np.ndarray]) -> dict[str, dict[str, float]]:
    """Upper bounds for rankers built on these 13 features, measured with the window's own answers.

    - in-sample LTR: the logistic regression fitted on this very window;
    - the non-negative linear mix of the features tuned for recall@10 on this very window;
    - per-author oracle: for each author, whichever single feature ranks that author's papers best.
    """
    fit = LogisticRegression(C=1.0, class_weight="balanced", max_iter=3000).fit(np.vstack(feats),
                                                                                  np.concatenate(labels))
    w = fit.coef_[0]
    out = A.evaluate(f.task, {"ceiling: LTR fitted on this window": lambda i: feats[i] @ w})
    w = best_mix(feats, f.task.relevant)
    out.update(A.evaluate(f.task, {"ceiling: mix tuned for recall@10 here": lambda i: feats[i] @ w}))
    best = []
    for x, rel in zip(feats, f.task.relevant, strict=True):
        tops = np.argsort(-x, axis=0, kind="stable")[:10]
        best.append(max(len(set(tops[:, j].tolist()) & rel) / len(rel) for j in range(x.shape[1])))
    out["ceiling: best single feature per author"] = {"recall@10": float(np.mean(best)), "ndcg@10": float("nan")}
    return out


def rare_terms_ranker(f: A.Features, docs: list, base, max_df: int = 100, weight: float = 0.3):
    """Default + weight x log(1 + summed IDF of candidate terms that are rare (corpus df <= max_df) and
    appear in the profile): names of systems and data sets an author reuses."""
    from sklearn.feature_extraction.text import CountVectorizer

    lo = f.task.window[0]
    texts = [d.text for d in docs if d.date and d.date < lo][::3] + [d.text for d in f.task.candidates]
    cv = CountVectorizer(binary=True, token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z0-9\-]{2,}\b", dtype=np.float32)
    df = np.asarray(cv.fit_transform(texts).sum(0)).ravel()
    idf = np.log(len(texts) / df).astype(np.float32)
    xc = cv.transform([d.text for d in f.task.candidates])
    xp = cv.transform([d.text for p in f.task.profiles for d in p])

    def rank(i: int) -> np.ndarray:
        in_profile = np.asarray(xp[f.rows(i)].sum(0)).ravel() > 0
        w = np.where(in_profile & (df <= max_df), idf, 0.0).astype(np.float32)
        return Z(base(i)) + weight * Z(np.log1p(xc @ w))
    return rank


def prf_ranker(f: A.Features, base, k: int = 1, weight: float = 0.3):
    """Pseudo-relevance feedback: the top k candidates of the default join the profile (dense and TF-IDF)."""
    def rank(i: int) -> np.ndarray:
        s = base(i)
        top = np.argsort(-s)[:k]
        ds = (f.cand_dense @ f.cand_dense[top].T).max(1)
        ls = (f.cand_lex @ f.cand_lex[top].T).toarray().max(1)
        return Z(s) + weight * (Z(ds) + Z(ls)) / 2
    return rank


LOO_GRID = [(wd, wl, wc) for wd in (0.0, 0.5, 1.0, 2.0) for wl in (0.0, 0.5, 1.0, 2.0) for wc in (0.0, 0.3, 0.6)
            if wd or wl]


def loo_ranker(f: A.Features):
    """Per-profile (dense, TF-IDF, category) weights: the grid point that ranks each held-out profile
    paper best among the candidates when the others form the profile (no answers used)."""
    from collections import Counter

    from scipy import sparse as sp

    def views(cd, cl, ccats, pd, pl, pcats):
        cat = R.category_affinity(Counter(x for cs in pcats for x in cs[:1]), ccats)
        return (Z(R.soft_max_sim(cd @ pd.T, 0.1)[0]), Z(R.soft_max_sim((cl @ pl.T).toarray(), 0.05)[0]), Z(cat))

    def weights(i: int) -> tuple[float, float, float]:
        r = f.rows(i)
        pd, pl, pcats = f.prof_dense[r], f.prof_lex[r], [d.categories for d in f.task.profiles[i]]
        if len(pcats) < 3:
            return (1.0, 1.0, 0.3)
        score = np.zeros(len(LOO_GRID))
        for j in range(len(pcats)):
            keep = [k for k in range(len(pcats)) if k != j]
            v = views(np.vstack([f.cand_dense, pd[j : j + 1]]), sp.vstack([f.cand_lex, pl[j]]).tocsr(),
                      [*f.cand_cats, pcats[j]], pd[keep], pl[keep], [pcats[k] for k in keep])
            for g, (wd, wl, wc) in enumerate(LOO_GRID):
                s = wd * v[0] + wl * v[1] + wc * v[2]
                score[g] += 1.0 / (1 + (s > s[-1]).sum())
        return LOO_GRID[int(np.argmax(score))]

    def rank(i: int) -> np.ndarray:
        r = f.rows(i)
        v = views(f.cand_dense, f.cand_lex, f.cand_cats, f.prof_dense[r], f.prof_lex[r],
                  [d.categories for d in f.task.profiles[i]])
        wd, wl, wc = weights(i)
        return wd * v[0] + wl * v[1] + wc * v[2]
    return rank


def sentence_ranker(f: A.Features, embed_sentences):
    def mats(ds):
        return sentences.embed_split([(d.title, d.abstract) for d in ds], embed_sentences, f.cand_dense.shape[1])
    cm = mats(f.task.candidates)
    owner = np.concatenate([np.full(len(m), j) for j, m in enumerate(cm)])
    cs, counts = np.vstack(cm), np.bincount(owner, minlength=len(cm))
    pm = [np.vstack(mats(p)) for p in f.task.profiles]

    def rank(i: int) -> np.ndarray:
        return np.bincount(owner, (cs @ pm[i].T).max(1), minlength=len(cm)) / np.maximum(counts, 1)
    return rank


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--sentences", action="store_true")
    args = ap.parse_args()
    emb = get_embedder(None)
    home = load_settings().home / "eval-cache"
    embed = EmbeddingCache(home / f"arxiv-{emb.model_id}.npz", emb.embed_batch, emb.dim).get
    embed_sentences = EmbeddingCache(home / f"arxiv-sentences-{emb.model_id}.npz", emb.embed_batch, emb.dim).get
    docs = load_arxiv(args.data)
    mu, maps = projections(docs, embed)
    ltr_train = None
    for window in WINDOWS:
        f = features(docs, window, embed)
        cc, cp = char_views(f)
        pf = A.paperfeed_ranker(f)

        def char_max(i: int, cc=cc, cp=cp, f=f) -> np.ndarray:
            return R.soft_max_sim((cc @ cp[f.rows(i)].T).toarray(), 0.05)[0]
        rankers = {"arxiv-sanity": A.baseline_rankers(f)["arxiv-sanity (tfidf+svm)"], "paperfeed default": pf,
                   "char n-gram max-sim": char_max,
                   "default + 0.5 char n-gram": lambda i, pf=pf, cm=char_max: Z(pf(i)) + 0.5 * Z(cm(i)),
                   "default + 0.3 rare shared terms": rare_terms_ranker(f, docs, pf),
                   "pseudo-relevance feedback (top 1)": prf_ranker(f, pf),
                   "per-profile weights by leave-one-out": loo_ranker(f)}
        if args.sentences:
            rankers["sentence max-sim"] = sentence_ranker(f, embed_sentences)
        rows = A.evaluate(f.task, rankers)
        feats = ltr_matrix(f, cc, cp)
        labels = [np.isin(np.arange(len(f.task.candidates)), list(rel)).astype(float) for rel in f.task.relevant]
        if ltr_train is None:
            ltr_train = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000).fit(
                np.vstack(feats), np.concatenate(labels))
        else:
            w = ltr_train.coef_[0]
            rows.update(A.evaluate(f.task, {"learning to rank (trained on dev)": lambda i, w=w, x=feats: x[i] @ w}))
        rows.update(ceilings(f, feats, labels))
        c0, p0 = f.cand_dense, f.prof_dense
        for name, m in maps.items():
            def tr(x: np.ndarray, m=m) -> np.ndarray:
                y = (x - mu) @ m
                return (y / np.linalg.norm(y, axis=1, keepdims=True)).astype(np.float32)
            f.cand_dense, f.prof_dense = tr(c0), tr(p0)
            b = A.baseline_rankers(f)
            got = A.evaluate(f.task, {f"dense max-sim, {name}": b["dense max-sim"],
                                      f"dense centroid, {name}": b["dense centroid"],
                                      f"paperfeed default, dense {name}": A.paperfeed_ranker(f)})
            rows.update(got)
        f.cand_dense, f.prof_dense = c0, p0
        print(f"window {window[0]}..{window[1]}: {len(f.task.candidates)} candidates; {relevant_ranks(f, pf)}")
        for name, m in rows.items():
            nd = "  -  " if np.isnan(m["ndcg@10"]) else f"{m['ndcg@10']:.3f}"
            print(f"  {name:40s} recall@10 {m['recall@10']:.3f}  nDCG@10 {nd}")


if __name__ == "__main__":
    main()
