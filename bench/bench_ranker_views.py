"""Per-view ablation of the product's ranker on the development windows of `paperfeed eval authors`.

    .venv/bin/python bench/bench_ranker_views.py [--data ../shared/data] [--held-out] [--seeds 13]
                                                 [--authors 150] [--windows START..END,...] [--only SUBSTR]
                                                 [--group views|lexical-svm|other-views|hubness|finalists|geometry]

--group views (the default): every row is recommend.score with the discriminative dense view on
(the reference) and one view removed, one view alone, or one setting of the discriminative dense view (the linear SVM on
embeddings: C, number of negatives, weight) changed; plus the reference in the feed's MMR order.
Each row prints recall@10 per window, the mean, a paired bootstrap 95 % interval against the
reference (variant minus reference) and the gain over arxiv-sanity with its interval
(authors resampled within each window). Choices are made on the development windows; --held-out
runs the same rows on the held-out windows to confirm one.

--group lexical-svm: the shipped default (the reference) with the discriminative lexical view
(arxiv-sanity's linear SVM on the product's TF-IDF rows) at several weights and C values.
--group other-views: the shipped default with views that are not Params: title-only TF-IDF soft
maxima, arxiv-sanity's own decision values, the lexical soft max on arxiv-sanity's TF-IDF, and the
lexical SVM on rare terms only.

--group geometry: the shipped default with its dense view on vectors mapped by a geometry learned from
the authors of the papers before each window (WCCN, or a contrastive linear map),
every paper of the window's sampled authors left out of the fit.

Embeddings come from the same cache as `paperfeed eval authors` ($PAPERFEED_HOME/eval-cache).
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy import sparse

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


Build = Callable[[A.Features, list, A.Ranker, A.Ranker], A.Ranker]
"""A row that is not a Params: (features, docs, the default ranker, arxiv-sanity's) -> ranker."""


def _plus(extra: Callable[[int], np.ndarray], base: A.Ranker, w: float) -> A.Ranker:
    """base + w x the standardised extra view (computed once per author)."""
    cache: dict[int, np.ndarray] = {}

    def rank(i: int) -> np.ndarray:
        if i not in cache:
            cache[i] = R.standardise(extra(i))
        return base(i) + w * cache[i]

    return rank


@functools.lru_cache(maxsize=1)
def _title_rows(f: A.Features) -> tuple:
    """Titles of the candidates and of the profile papers as rows of the product's (wide) TF-IDF, which
    W.standard_rankers fitted into ``f.lexical`` (once per window)."""
    return (f.lexical.transform([d.title for d in f.task.candidates]),
            f.lexical.transform([d.title for p in f.task.profiles for d in p]))


def title_title(w: float) -> Build:
    def build(f, docs, base, sanity):
        ct, pt = _title_rows(f)
        return _plus(lambda i: R.soft_max_sim((ct @ pt[f.rows(i)].T).toarray(), R.DEFAULT.lex_temp)[0], base, w)
    return build


def title_text(w: float) -> Build:
    def build(f, docs, base, sanity):
        ct, _ = _title_rows(f)
        return _plus(lambda i: R.soft_max_sim((ct @ f.prof_lex[f.rows(i)].T).toarray(), R.DEFAULT.lex_temp)[0],
                     base, w)
    return build


def sanity_score(w: float) -> Build:
    """The default plus arxiv-sanity's own decision values (its vectorizer, fitted on the window)."""
    return lambda f, docs, base, sanity: _plus(sanity, base, w)


def lexical_view_on_sanity_tfidf(f, docs, base, sanity) -> A.Ranker:
    """The default with its lexical soft max computed on arxiv-sanity's TF-IDF (max_df 0.1, 20k terms)."""
    p = R.Params(**{**R.DEFAULT.__dict__, "w_recency": 0.0})

    def rank(i: int) -> np.ndarray:
        sig = f.signals(i)
        sig.lex = f.sanity_prof[f.rows(i)]
        return R.score(sig, f.cand_dense, f.sanity_cand, f.cand_cats, None, params=p).score

    return rank


@functools.lru_cache(maxsize=2)
def _rare_term_rows(f: A.Features, docs_before: int, max_df: float) -> tuple:
    """The candidates' and profiles' rows of the wide TF-IDF (``f.lexical``) keeping only terms in at most
    ``max_df`` of the documents it was fitted on (``docs_before`` earlier papers, at most 20,000, and the
    window), re-normalised; once per window and max_df."""
    from sklearn.preprocessing import normalize

    n = min(20_000, docs_before) + len(f.task.candidates)
    share = ((1 + n) / np.exp(f.lexical.vectorizer.idf_ - 1) - 1) / n  # smooth idf = ln((1+n)/(1+df)) + 1
    keep = sparse.diags((share <= max_df).astype(np.float32))
    return (normalize(f.cand_lex @ keep).astype(np.float32).tocsr(),
            normalize(f.prof_lex @ keep).astype(np.float32).tocsr())


def lexical_svm_rare_terms(max_df: float, c: float, w: float) -> Build:
    """The default plus the lexical SVM on the product's TF-IDF keeping only terms in at most ``max_df`` of
    the documents the TF-IDF was fitted on (rows re-normalised): arxiv-sanity's max_df on the wide vocabulary."""
    def build(f, docs, base, sanity):
        before = sum(1 for d in docs if d.date and d.date < f.task.window[0])
        cl, pl = _rare_term_rows(f, before, max_df)

        def svm(i: int) -> np.ndarray:
            sig = R.ProfileSignals(dense=f.prof_dense[f.rows(i)], lex=pl[f.rows(i)], labels=[])
            return R.discriminative_lexical(sig, cl, c=c)

        return _plus(svm, base, w)
    return build


def other_view_variants() -> dict[str, R.Params | Build]:
    """``--group other-views``: views added to the shipped default (the reference) that need more than Params."""
    rows: dict[str, R.Params | Build] = {LEX_REFERENCE: R.Params(**R.DEFAULT.__dict__)}
    for w in (0.3, 0.6):
        rows[f"+ title-title TF-IDF soft max {w}"] = title_title(w)
        rows[f"+ candidate title vs profile text {w}"] = title_text(w)
    for w in (0.5, 1.0):
        rows[f"+ arxiv-sanity's own score {w}"] = sanity_score(w)
    rows["lexical soft max on arxiv-sanity's TF-IDF"] = lexical_view_on_sanity_tfidf
    for max_df in (0.1, 0.03):
        for c in (0.01, 0.1):
            for w in (0.5, 1.0):
                rows[f"+ lexical SVM, terms df <= {max_df}, C {c}, {w}"] = lexical_svm_rare_terms(max_df, c, w)
    return rows


def _hub(sims: np.ndarray, k: int, exclude_self: bool) -> np.ndarray:
    """Mean of each row's k largest similarities (its own, when ``exclude_self``, left out): how close a
    candidate sits to its neighbourhood (the r term of CSLS, Conneau et al. 2018)."""
    if exclude_self:
        np.fill_diagonal(sims, -np.inf)
    k = min(k, sims.shape[1] - (1 if exclude_self else 0))
    return np.partition(sims, -k, axis=1)[:, -k:].mean(axis=1).astype(np.float32)


@functools.lru_cache(maxsize=1)
def _candidate_hubs(f: A.Features, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Each candidate's mean similarity to its k nearest other candidates, dense and lexical (once per window)."""
    dense = _hub(f.cand_dense @ f.cand_dense.T, k, True)
    lex = _hub((f.cand_lex @ f.cand_lex.T).toarray(), k, True)
    return dense, lex


def hubness(alpha_dense: float, alpha_lex: float, rows_too: bool = False, k: int = 10) -> Build:
    """The default with hub-corrected views: each candidate's soft max minus alpha x its mean similarity to its
    k nearest candidates (CSLS's r_T); ``rows_too`` also lowers each profile row by alpha x its mean
    similarity to its k nearest candidates (CSLS's r_S) inside the soft max."""
    p = R.DEFAULT

    def build(f, docs, base, sanity):
        hd, hl = _candidate_hubs(f, k)

        def rank(i: int) -> np.ndarray:
            sig = f.signals(i)
            d = f.cand_dense @ sig.dense.T
            lx = (f.cand_lex @ sig.lex.T).toarray()
            if rows_too:
                d = d - alpha_dense * _hub(d.T, k, False)[None, :]
                lx = lx - alpha_lex * _hub(lx.T, k, False)[None, :]
            dense = R.soft_max_sim(d, p.dense_temp)[0] - alpha_dense * hd
            lex = R.soft_max_sim(lx, p.lex_temp)[0] - alpha_lex * hl
            return _fused(p, dense, lex, sig, f)

        return rank
    return build


def _fused(p: R.Params, dense: np.ndarray, lex: np.ndarray, sig: R.ProfileSignals, f: A.Features) -> np.ndarray:
    """The default's fusion (recommend.score without the optional views) of given dense and lexical views."""
    total = p.w_dense * R.standardise(dense) + p.w_lex * R.standardise(lex)
    return total + p.w_cat * R.standardise(R.category_affinity(sig.categories, f.cand_cats))


def hubness_variants() -> dict[str, R.Params | Build]:
    """``--group hubness``: the shipped default with hub-corrected dense and lexical views (CSLS)."""
    rows: dict[str, R.Params | Build] = {LEX_REFERENCE: R.Params(**R.DEFAULT.__dict__),
                                         "hub correction 0, 0 (must equal the default)": hubness(0.0, 0.0)}
    for a in (0.25, 0.5, 1.0):
        rows[f"hub correction dense {a}"] = hubness(a, 0.0)
        rows[f"hub correction lexical {a}"] = hubness(0.0, a)
        rows[f"hub correction both {a}"] = hubness(a, a)
    rows["hub correction both 0.5, profile rows too"] = hubness(0.5, 0.5, rows_too=True)
    return rows


def finalist_variants() -> dict[str, R.Params | Build]:
    """``--group finalists``: the views that gained on some windows before (dense SVM, lexical SVM, both,
    arxiv-sanity's own score), for one run with many more authors per window than the 150 they were chosen on."""
    base = R.DEFAULT.__dict__
    both = R.Params(**{**base, "w_disc_lex": 1.0, "disc_lex_c": 0.1, "w_disc_dense": 0.5})
    return {
        LEX_REFERENCE: R.Params(**base),
        "+ dense SVM 0.5": R.Params(**{**base, "w_disc_dense": 0.5}),
        "+ lexical SVM 1.0, C 0.1": R.Params(**{**base, "w_disc_lex": 1.0, "disc_lex_c": 0.1}),
        "+ lexical SVM 1.0, C 0.1, + dense SVM 0.5": both,
        "+ arxiv-sanity's own score 0.5": sanity_score(0.5),
        "+ lexical SVM 1.0, C 0.1, + dense SVM 1.0": R.Params(
            **{**base, "w_disc_lex": 1.0, "disc_lex_c": 0.1, "w_disc_dense": 1.0}),
        "+ lexical SVM 2.0, C 0.1, + dense SVM 1.0": R.Params(
            **{**base, "w_disc_lex": 2.0, "disc_lex_c": 0.1, "w_disc_dense": 1.0}),
        "+ lexical SVM 1.0, C 0.1, + dense SVM 0.5, + arxiv-sanity's own score 0.5": _sanity_on(both, 0.5),
    }


def _sanity_on(params: R.Params, w: float) -> Build:
    """``params``' ranker plus arxiv-sanity's own decision values x w."""
    return lambda f, docs, base, sanity: _plus(sanity, A.paperfeed_ranker(f, params), w)


_CACHE: list[EmbeddingCache] = []
_DOCS: list[list] = []
"""Set by main: the embedding cache and the corpus (the geometry rows fit on the papers before each window)."""


def wccn_map(x: np.ndarray, groups: list[list[int]], reg: float = 0.1, min_dof: int = 2000) -> np.ndarray | None:
    """Within-author covariance normalisation (Hatch, Kajarekar and Stolcke, 2006): (S_w + reg x its mean
    eigenvalue x I)^(-1/2), S_w the covariance of the rows around their author group's mean; None with
    fewer than ``min_dof`` degrees of freedom (rows minus groups). Measured, not adopted (docs/figures.md)."""
    d = x.shape[1]
    scatter, dof = np.zeros((d, d)), 0
    for g in groups:
        rows = x[np.asarray(g)].astype(np.float64)
        centred = rows - rows.mean(axis=0)
        scatter += centred.T @ centred
        dof += len(g) - 1
    if dof < max(min_dof, 1):
        return None
    cov = scatter / dof
    cov += reg * np.trace(cov) / d * np.eye(d)
    vals, vecs = np.linalg.eigh(cov)
    return ((vecs / np.sqrt(vals)) @ vecs.T).astype(np.float32)


def apply_map(matrix: np.ndarray | None, x: np.ndarray) -> np.ndarray:
    """Rows mapped by ``matrix`` and scaled to unit length (``x`` itself without a matrix)."""
    if matrix is None or len(x) == 0:
        return x
    z = x @ matrix.T
    return (z / np.maximum(np.linalg.norm(z, axis=1, keepdims=True), 1e-9)).astype(np.float32)


def author_groups(author_lists: list[list[str]]) -> list[list[int]]:
    """Row indices per person, people with at least two rows only."""
    by: dict[str, list[int]] = {}
    for j, names in enumerate(author_lists):
        for name in dict.fromkeys(n for n in names if n):
            by.setdefault(name, []).append(j)
    return [g for g in by.values() if len(g) >= 2]


def contrastive_map(x: np.ndarray, groups: list[list[int]], tau: float = 0.05, epochs: int = 3, batch: int = 512,
                    lr: float = 1e-3, seed: int = 0) -> np.ndarray:
    """A linear map trained with a symmetric InfoNCE loss on same-author pairs (in-batch negatives), from
    the identity, by Adam (the learned alternative to WCCN; measured, not adopted)."""
    rng = np.random.default_rng(seed)
    d = x.shape[1]
    w = np.eye(d)
    m, v, t = np.zeros_like(w), np.zeros_like(w), 0
    for _ in range(epochs):
        pairs = []
        for g in groups:
            g = list(g)
            rng.shuffle(g)
            pairs += [(g[k], g[k + 1]) for k in range(0, len(g) - 1, 2)]
        pairs = np.array(pairs)
        rng.shuffle(pairs)
        for s0 in range(0, len(pairs) - batch + 1, batch):
            p = pairs[s0:s0 + batch]
            xa, xp = x[p[:, 0]].astype(np.float64), x[p[:, 1]].astype(np.float64)
            za, zp = xa @ w.T, xp @ w.T
            na, nb = np.linalg.norm(za, axis=1, keepdims=True), np.linalg.norm(zp, axis=1, keepdims=True)
            ua, ub = za / na, zp / nb
            sims = ua @ ub.T / tau
            pr = np.exp(sims - sims.max(1, keepdims=True))
            pr /= pr.sum(1, keepdims=True)
            pc = np.exp(sims - sims.max(0, keepdims=True))
            pc /= pc.sum(0, keepdims=True)
            eye = np.eye(len(p))
            ds = ((pr - eye) + (pc - eye)) / (2 * len(p))
            dua, dub = ds @ ub / tau, ds.T @ ua / tau
            dza = (dua - ua * (ua * dua).sum(1, keepdims=True)) / na
            dzb = (dub - ub * (ub * dub).sum(1, keepdims=True)) / nb
            g = dza.T @ xa + dzb.T @ xp
            t += 1
            m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
            w -= lr * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
    return w.astype(np.float32)


@functools.lru_cache(maxsize=4)
def _geometry_map(f: A.Features, kind: str, opts: tuple) -> np.ndarray | None:
    """The map fitted on the cached vectors of the papers dated before the window, leaving out every paper
    by one of the window's sampled authors (so nothing of theirs is learned); ``sample`` papers at most."""
    opts_d = dict(opts)
    sample = opts_d.pop("sample", None)
    exclude = set(f.task.authors)
    rows, lists = [], []
    for d in _DOCS[0]:
        if not d.date or d.date >= f.task.window[0]:
            continue
        v = _CACHE[0].vecs.get(EmbeddingCache._key(d.text))
        ids = [A.author_identity(a) for a in d.authors]
        if v is not None and not exclude & set(ids):
            rows.append(v)
            lists.append(ids)
    if sample and len(rows) > sample:
        pick = np.sort(np.random.default_rng(0).choice(len(rows), sample, replace=False))
        rows, lists = [rows[i] for i in pick], [lists[i] for i in pick]
    x = np.stack(rows).astype(np.float32)
    groups = author_groups(lists)
    t = time.perf_counter()
    mat = wccn_map(x, groups, **opts_d) if kind == "wccn" else contrastive_map(x, groups, **opts_d)
    print(f"    {kind} {opts}: {len(x)} papers, {len(groups)} authors with >= 2, fitted in "
          f"{time.perf_counter() - t:.1f} s", file=sys.stderr, flush=True)
    return mat


def geometry(kind: str, mode: str = "replace", w: float = 1.0, params: dict | None = None, **opts) -> Build:
    """The default ranker on vectors mapped by a geometry learned from earlier authors: ``replace`` (the
    dense view on mapped vectors), ``add`` (the default + w x the mapped dense soft max) or ``alone``
    (mapped dense max-sim only); ``params`` changes the ranker's Params too."""
    p = R.Params(**{**R.DEFAULT.__dict__, "w_recency": 0.0, **(params or {})})

    def build(f, docs, base, sanity):
        mat = _geometry_map(f, kind, tuple(sorted(opts.items())))
        cd, pd = apply_map(mat, f.cand_dense), apply_map(mat, f.prof_dense)
        if mode == "alone":
            return lambda i: (cd @ pd[f.rows(i)].T).max(axis=1)
        if mode == "add":
            return _plus(lambda i: R.soft_max_sim(cd @ pd[f.rows(i)].T, p.dense_temp)[0], base, w)

        def rank(i: int) -> np.ndarray:
            sig = f.signals(i)
            sig.dense = pd[f.rows(i)]
            return R.score(sig, cd, f.cand_lex, f.cand_cats, None, params=p).score
        return rank
    return build


def geometry_variants() -> dict[str, R.Params | Build]:
    """``--group geometry``: the shipped default with its dense view on vectors mapped by a geometry learned
    from the authors of the earlier papers (WCCN or a contrastive linear map)."""
    lex = {"w_disc_lex": 1.0, "disc_lex_c": 0.1}
    rows: dict[str, R.Params | Build] = {
        LEX_REFERENCE: R.Params(**R.DEFAULT.__dict__),
        "dense max-sim, model's vectors": lambda f, docs, base, sanity: (
            lambda i: (f.cand_dense @ f.prof_dense[f.rows(i)].T).max(axis=1)),
    }
    for reg in (0.1, 0.5):
        rows[f"wccn reg {reg} alone"] = geometry("wccn", "alone", reg=reg)
    for reg in (0.03, 0.1, 0.2, 0.5):
        rows[f"wccn reg {reg} replace"] = geometry("wccn", "replace", reg=reg)
    for n in (5000, 10000):
        rows[f"wccn reg 0.1 replace, {n // 1000}k papers"] = geometry("wccn", "replace", reg=0.1, sample=n)
    rows["wccn reg 0.1 replace + lexical SVM 1.0 C 0.1"] = geometry("wccn", "replace", params=lex, reg=0.1)
    rows["wccn reg 0.1 replace + lexical SVM + dense SVM 0.5"] = geometry(
        "wccn", "replace", params={**lex, "w_disc_dense": 0.5}, reg=0.1)
    rows["wccn reg 0.1 replace, w_dense 1.5"] = geometry("wccn", "replace", params={"w_dense": 1.5}, reg=0.1)
    rows["wccn reg 0.1 replace, w_cat 0"] = geometry("wccn", "replace", params={"w_cat": 0.0}, reg=0.1)
    for ep in (2, 5):
        rows[f"contrastive map {ep} epochs alone"] = geometry("contrastive", "alone", epochs=ep)
        rows[f"contrastive map {ep} epochs replace"] = geometry("contrastive", "replace", epochs=ep)
        rows[f"contrastive map {ep} epochs add 0.5"] = geometry("contrastive", "add", 0.5, epochs=ep)
    return rows


@functools.lru_cache(maxsize=1)
def _earlier_by_author(f: A.Features) -> dict[str, list[tuple]]:
    """Every paper dated before the window with its authors' identities, by author identity, newest
    first (once per window)."""
    by: dict[str, list[tuple]] = {}
    for d in sorted((d for d in _DOCS[0] if d.date and d.date < f.task.window[0]), key=lambda d: (d.date, d.id),
                    reverse=True):
        ids = frozenset(A.author_identity(a) for a in d.authors)
        for a in ids:
            by.setdefault(a, []).append((d, ids))
    return by


@functools.lru_cache(maxsize=4096)
def collaborator_rows(f: A.Features, i: int, per_person: int, cap: int) -> tuple:
    """The earlier papers of the people author i wrote their profile papers with (the author not among
    their authors): up to ``per_person`` newest of each, ``cap`` newest in all. Only their texts are used,
    never a candidate's author names, so nothing of the answer leaks."""
    owner = f.task.authors[i]
    co = {A.author_identity(a) for d in f.task.profiles[i] for a in d.authors} - {owner}
    by = _earlier_by_author(f)
    seen: dict[str, object] = {}
    for c in sorted(co):
        taken = 0
        for d, ids in by.get(c, ()):
            if taken == per_person:
                break
            if owner not in ids:
                seen.setdefault(d.id or d.title, d)
                taken += 1
    return tuple(sorted(seen.values(), key=lambda d: (d.date, d.id), reverse=True)[:cap])


def collaborators(w: float, per_person: int = 5, cap: int = 50, joined_log_w: float | None = None) -> Build:
    """The default plus w x a lexical soft max of the candidates against the collaborators' earlier papers
    (``collaborator_rows``); with ``joined_log_w`` those rows join the profile's own rows in the default's
    lexical soft max instead, each weighed exp(joined_log_w)."""
    p = R.Params(**{**R.DEFAULT.__dict__, "w_recency": 0.0})

    def build(f, docs, base, sanity):
        def rows(i: int):
            got = collaborator_rows(f, i, per_person, cap)
            return f.lexical.transform([d.text for d in got]) if got else None

        if joined_log_w is None:
            def view(i: int) -> np.ndarray:
                r = rows(i)
                if r is None:
                    return np.zeros(f.cand_lex.shape[0], np.float32)
                return R.soft_max_sim((f.cand_lex @ r.T).toarray(), p.lex_temp)[0]
            return _plus(view, base, w)

        def rank(i: int) -> np.ndarray:
            sig = f.signals(i)
            r = rows(i)
            own = (f.cand_lex @ sig.lex.T).toarray()
            d = R.soft_max_sim(f.cand_dense @ sig.dense.T, p.dense_temp)[0]
            if r is None:
                lex = R.soft_max_sim(own, p.lex_temp)[0]
            else:
                sims = np.hstack([own, (f.cand_lex @ r.T).toarray()])
                log_w = np.r_[np.zeros(own.shape[1]), np.full(r.shape[0], joined_log_w)].astype(np.float32)
                lex = R.soft_max_sim(sims, p.lex_temp, log_w)[0]
            return _fused(p, d, lex, sig, f)
        return rank
    return build


def collaborator_variants() -> dict[str, R.Params | Build]:
    """``--group collaborators``: the shipped default with the collaborators' earlier papers as a text view."""
    rows: dict[str, R.Params | Build] = {LEX_REFERENCE: R.Params(**R.DEFAULT.__dict__),
                                         "collaborators joined, log weight -100 (must equal the default)":
                                             collaborators(0.0, joined_log_w=-100.0)}
    for w in (0.25, 0.5, 1.0):
        rows[f"+ collaborators' papers, lexical soft max {w}"] = collaborators(w)
    rows["+ collaborators' papers 0.5, 2 per person, 20 in all"] = collaborators(0.5, 2, 20)
    rows["+ collaborators' papers 0.5, 10 per person, 100 in all"] = collaborators(0.5, 10, 100)
    for lw in (-1.0, -2.0, -4.0):
        rows[f"collaborators joined to the profile rows, log weight {lw}"] = collaborators(0.0, joined_log_w=lw)
    return rows


GROUPS = {"geometry": (LEX_REFERENCE, geometry_variants),
          "collaborators": (LEX_REFERENCE, collaborator_variants),
          "views": (REFERENCE, variants), "lexical-svm": (LEX_REFERENCE, lexical_svm_variants),
          "other-views": (LEX_REFERENCE, other_view_variants),
          "hubness": (LEX_REFERENCE, hubness_variants),
          "finalists": (LEX_REFERENCE, finalist_variants)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--held-out", action="store_true")
    ap.add_argument("--seeds", default="13")
    ap.add_argument("--authors", type=int, default=150)
    ap.add_argument("--windows", default=None, help="START..END[,...] instead of the default set")
    ap.add_argument("--only", action="append", default=[],
                    help="Rows whose name contains this, or the row of exactly this name (repeatable)")
    ap.add_argument("--group", choices=sorted(GROUPS), default="views",
                    help="views: the per-view ablation (reference: dense SVM on); lexical-svm: the shipped "
                         "default with the lexical SVM view added; other-views: title views, arxiv-sanity's "
                         "score, rare-term SVM added to the default; geometry: the dense view on vectors "
                         "mapped by WCCN (or a contrastive map) learned from the earlier papers' authors")
    a = ap.parse_args()
    reference, make_rows = GROUPS[a.group]
    wins = W.parse_windows(a.windows) if a.windows else W.HELD_OUT_WINDOWS if a.held_out else W.DEV_WINDOWS
    seeds = [int(s) for s in a.seeds.split(",")]
    every = make_rows()
    exact = set(a.only) & set(every)  # a whole row name selects that row only, not the longer names it begins
    rows = {n: p for n, p in every.items()
            if n == reference or not a.only or n in exact or any(s in n for s in set(a.only) - exact)}
    docs = load_arxiv(a.data)
    emb = get_embedder(None)
    cache = EmbeddingCache(load_settings().home / "eval-cache" / f"arxiv-{emb.model_id}.npz", emb.embed_batch, emb.dim)
    _CACHE[:], _DOCS[:] = [cache], [docs]
    per: dict[str, list[np.ndarray]] = {}
    names: list[str] = []
    for task in W.tasks(docs, wins, a.authors, seeds):
        print(f"window {task.window[0]}..{task.window[1]}: {len(task.authors)} authors, "
              f"{len(task.candidates)} candidates", file=sys.stderr, flush=True)
        f = A.Features(task, cache.get)
        std = W.standard_rankers(f, docs)  # fits the product's wide TF-IDF into f
        rankers = {W.BASELINE: std[W.BASELINE]}
        default = A.paperfeed_ranker(f, R.DEFAULT)
        for name, params in rows.items():
            if not isinstance(params, R.Params):
                rankers[name] = params(f, docs, default, std[W.BASELINE])
                continue
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
