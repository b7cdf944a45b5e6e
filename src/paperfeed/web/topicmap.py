"""The topic map: paper embeddings laid out in 2-D on the server, cached on disk.

PCA to 50 dimensions, a k-nearest-neighbour graph (cosine), then a neighbour-preserving layout in
the manner of UMAP (attraction along graph edges, repulsion from random points), vectorised with
numpy: 20k points take seconds where t-SNE takes minutes on a small machine. The result is cached
in the index directory, keyed by the vector state, the points and the parameters.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np

LAYOUT_VERSION = 1
PCA_DIMS = 50
NEIGHBOURS = 15
NEGATIVES = 5
PROBES = 6  # k-means clusters searched per point in the approximate kNN
NEG_SAMPLES = 10  # random points per point and epoch, weighted up to NEGATIVES per edge
_A, _B = 1.577, 0.895  # UMAP's curve for min_dist 0.1


@dataclass(frozen=True)
class MapRequest:
    """Which papers to place: the last ``days`` (counted back from the newest paper), a category, at most ``limit``."""

    days: int | None = None
    category: str | None = None
    limit: int = 5000
    seed: int = 0


def pca(x: np.ndarray, dims: int = PCA_DIMS) -> np.ndarray:
    """Project rows onto their top principal components (at most ``dims``)."""
    x = x - x.mean(axis=0, keepdims=True)
    dims = min(dims, x.shape[1], max(1, x.shape[0] - 1))
    _, _, vt = np.linalg.svd(x[: min(len(x), 20000)], full_matrices=False)
    return (x @ vt[:dims].T).astype(np.float32)


def knn(x: np.ndarray, k: int, exact_below: int = 8000) -> np.ndarray:
    """Indices of each row's ``k`` nearest rows by cosine similarity (itself excluded).

    Exact for small inputs; above ``exact_below`` rows, searched within the few k-means clusters
    nearest to each point's own (recall about 0.95, several times faster).
    """
    k = min(k, len(x) - 1)
    unit = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-9)
    if len(x) <= exact_below:
        return _knn_among(unit, np.arange(len(x)), np.arange(len(x)), k)
    clusters = max(8, len(x) // 400)
    labels, centres = _kmeans(unit, clusters)
    members = [np.flatnonzero(labels == c) for c in range(clusters)]
    near = np.argsort(-(centres @ centres.T), axis=1)[:, :PROBES]
    out = np.empty((len(x), k), np.int64)
    for c, rows in enumerate(members):
        if len(rows):
            cands = np.sort(np.concatenate([members[j] for j in near[c]]))
            out[rows] = _knn_among(unit, rows, cands, k)
    return out


def _kmeans(unit: np.ndarray, clusters: int, rounds: int = 6, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Spherical k-means fitted on a sample: (label per row, unit centres)."""
    rng = np.random.default_rng(seed)
    sample = unit[rng.choice(len(unit), min(len(unit), clusters * 100), replace=False)]
    centres = sample[rng.choice(len(sample), clusters, replace=False)]
    for _ in range(rounds):
        lab = np.argmax(sample @ centres.T, axis=1)
        sums = np.zeros_like(centres)
        np.add.at(sums, lab, sample)
        empty = np.bincount(lab, minlength=clusters) == 0
        sums[empty] = sample[rng.choice(len(sample), int(empty.sum()))]
        centres = sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-9)
    return np.argmax(unit @ centres.T, axis=1), centres


def _knn_among(unit: np.ndarray, rows: np.ndarray, cands: np.ndarray, k: int, block: int = 2048) -> np.ndarray:
    """For each of ``rows``, its ``k`` most similar ``cands`` (sorted ids; not itself), best first."""
    out = np.empty((len(rows), k), np.int64)
    for start in range(0, len(rows), block):
        chunk = rows[start : start + block]
        sims = unit[chunk] @ unit[cands].T
        pos = np.minimum(np.searchsorted(cands, chunk), len(cands) - 1)
        own = cands[pos] == chunk
        sims[np.flatnonzero(own), pos[own]] = -np.inf
        kk = min(k, len(cands) - 1)
        part = np.argpartition(-sims, kk - 1, axis=1)[:, :kk]
        order = np.argsort(-np.take_along_axis(sims, part, axis=1), axis=1)
        best = cands[np.take_along_axis(part, order, axis=1)]
        if kk < k:  # a tiny candidate set: repeat the last neighbour
            best = np.concatenate([best, np.repeat(best[:, -1:], k - kk, axis=1)], axis=1)
        out[start : start + block] = best
    return out


def layout(x: np.ndarray, epochs: int | None = None, seed: int = 0) -> np.ndarray:
    """2-D coordinates in [0, 1] for the rows of ``x`` (n, d) that keep neighbours together."""
    n = len(x)
    if n < 3:
        return np.full((n, 2), 0.5, np.float32)
    rng = np.random.default_rng(seed)
    reduced = pca(x)
    nbrs = knn(reduced, NEIGHBOURS)
    heads = np.repeat(np.arange(n), nbrs.shape[1])
    tails = nbrs.reshape(-1)
    y = reduced[:, :2].astype(np.float32)
    y = 10.0 * (y - y.mean(axis=0)) / (np.abs(y).max() + 1e-9) + rng.normal(0, 1e-3, (n, 2)).astype(np.float32)
    epochs = epochs or (250 if n <= 5_000 else 120 if n <= 25_000 else 80)
    degree = (np.bincount(heads, minlength=n) + np.bincount(tails, minlength=n)).astype(np.float32)[:, None]
    negatives = NEGATIVES * nbrs.shape[1]
    for epoch in range(epochs):
        lr = 4.0 * (1.0 - epoch / epochs)
        grad = _attraction(y, heads, tails) + _repulsion(y, rng, NEG_SAMPLES, negatives / NEG_SAMPLES)
        y += lr * grad / degree
    return _normalise(y)


def _scatter(n: int, index: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Sum rows of ``g`` (m, 2) into ``n`` slots (np.bincount: far faster than np.add.at)."""
    return np.stack([np.bincount(index, g[:, 0], n), np.bincount(index, g[:, 1], n)], axis=1).astype(np.float32)


def _attraction(y: np.ndarray, heads: np.ndarray, tails: np.ndarray) -> np.ndarray:
    """Pull both ends of every neighbour edge together."""
    diff = y[heads] - y[tails]
    d2 = np.einsum("ij,ij->i", diff, diff)[:, None] + 1e-12
    coeff = -2.0 * _A * _B * d2 ** (_B - 1.0) / (1.0 + _A * d2**_B)
    g = np.clip(coeff * diff, -4.0, 4.0)
    return _scatter(len(y), heads, g) - _scatter(len(y), tails, g)


def _repulsion(y: np.ndarray, rng: np.random.Generator, samples: int, weight: float) -> np.ndarray:
    """Push every point away from a few random points (weighted as UMAP's negatives per edge)."""
    n = len(y)
    src = np.repeat(np.arange(n), samples)
    dst = rng.integers(0, n, len(src))
    diff = y[src] - y[dst]
    d2 = np.einsum("ij,ij->i", diff, diff)[:, None]
    coeff = 2.0 * _B / ((0.001 + d2) * (1.0 + _A * d2**_B))
    g = np.clip(coeff * diff, -4.0, 4.0) * weight
    g[src == dst] = 0.0
    return _scatter(n, src, g)


def _normalise(y: np.ndarray) -> np.ndarray:
    """Scale to [0, 1] on both axes, ignoring the most extreme 0.5% of points."""
    lo = np.percentile(y, 0.25, axis=0)
    hi = np.percentile(y, 99.75, axis=0)
    return np.clip((y - lo) / np.maximum(hi - lo, 1e-9), 0.0, 1.0).astype(np.float32)


class TopicMaps:
    """Computes and caches topic maps for one Library."""

    def __init__(self, library, cache_dir: Path) -> None:
        self.lib = library
        self.cache_dir = cache_dir
        self._lock = threading.Lock()

    def points(self, req: MapRequest,
               extra_ids: set[int] | frozenset[int] = frozenset()) -> tuple[np.ndarray, np.ndarray]:
        """(paper ids, coordinates) of the map; ``extra_ids`` (a profile's papers) are always included."""
        emb = self.lib.embedder()
        state = self.lib.vector_state(emb.model_id)
        ids = self._select(req, extra_ids, self.lib.paper_ids(self._since(req.days), None, req.category))
        key = self._cache_key(emb.model_id, state, req, ids)
        path = self.cache_dir / f"{key}.npz"
        with self._lock:
            cached = _load(path)
            if cached is not None:
                return cached
            vecs = self.lib.vectors(ids.tolist(), emb.model_id)
            ids = np.array([i for i in ids.tolist() if i in vecs], dtype=np.int64)
            mat = np.stack([vecs[i] for i in ids.tolist()]) if len(ids) else np.zeros((0, emb.dim), np.float32)
            coords = layout(mat, seed=req.seed)
            _save(path, ids, coords)
            return ids, coords

    def _since(self, days: int | None) -> str | None:
        if not days:
            return None
        newest = self.lib.recent(limit=1)
        anchor = date.fromisoformat(newest[0].date[:10]) if newest and newest[0].date and len(newest[0].date) >= 10 \
            else date.today()
        return (anchor - timedelta(days=days - 1)).isoformat()

    def _select(self, req: MapRequest, extra: set[int] | frozenset[int], candidates: np.ndarray) -> np.ndarray:
        """A deterministic sample of at most ``limit`` candidates plus the extra ids."""
        if len(candidates) > req.limit:
            rng = np.random.default_rng(req.seed)
            candidates = rng.choice(candidates, req.limit, replace=False)
        return np.unique(np.concatenate([candidates.astype(np.int64), np.fromiter(extra, np.int64, len(extra))]))

    @staticmethod
    def _cache_key(model_id: str, state: str, req: MapRequest, ids: np.ndarray) -> str:
        h = hashlib.sha256(f"{LAYOUT_VERSION}|{model_id}|{state}|{req.seed}".encode())
        h.update(np.ascontiguousarray(ids, dtype=np.int64).tobytes())
        return h.hexdigest()[:32]


def _load(path: Path) -> tuple[np.ndarray, np.ndarray] | None:
    try:
        with np.load(path) as data:
            return data["ids"], data["coords"]
    except (OSError, KeyError, ValueError):
        return None


def _save(path: Path, ids: np.ndarray, coords: np.ndarray) -> None:
    """Write atomically (a temp file renamed into place); keep only the newest 20 maps."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, ids=ids, coords=coords)
    tmp.replace(path)
    old = sorted(path.parent.glob("*.npz"), key=lambda p: p.stat().st_mtime)[:-20]
    for p in old:
        p.unlink(missing_ok=True)


_TERM = re.compile(r"[A-Za-z][A-Za-z0-9-]{2,}")
_DULL = frozenset({"paper", "propose", "proposed", "method", "methods", "approach", "results", "show", "study",
                   "new", "novel", "task", "tasks", "model", "models", "learning", "data", "can", "also", "which",
                   "these", "such", "than", "more", "both", "not", "but", "while", "been", "over", "two", "use",
                   "used", "work", "existing", "however", "through", "between", "across", "without", "each"})


def cluster_labels(coords: np.ndarray, texts: list[str], clusters: int | None = None, terms: int = 3,
                   seed: int = 0) -> list[dict]:
    """Groups of nearby points on the map, each named by its most distinctive words.

    k-means on the 2-D layout (what the eye sees as a cluster); a word's weight in a cluster is its
    share of the cluster's documents times the log of how much more often it occurs there than on the
    whole map (its term of the KL divergence), so words common everywhere ("language") score near 0.

    Returns [{"x", "y", "size", "label", "terms"}] (centre in map coordinates), biggest first.
    """
    n = len(coords)
    if n < 10:
        return []
    k = clusters or int(min(12, max(3, round(np.sqrt(n) / 2))))
    labels, centres = _kmeans2d(coords, k, seed)
    from paperfeed.rank.query import STOPWORDS

    docs = [{w.lower() for w in _TERM.findall(t)} - STOPWORDS - _DULL for t in texts]
    df = Counter(w for d in docs for w in d)
    out = []
    for c in range(k):
        members = np.flatnonzero(labels == c)
        if len(members) < max(3, n // 200):
            continue
        local = Counter(w for j in members.tolist() for w in docs[j])
        share = len(members) / n
        score = {w: (m / len(members)) * np.log(m / (df[w] * share)) for w, m in local.items()
                 if m >= 2 and m > df[w] * share}
        top = [w for w, _ in sorted(score.items(), key=lambda kv: (-kv[1], kv[0]))[:terms]]
        if top:
            out.append({"x": round(float(centres[c, 0]), 4), "y": round(float(centres[c, 1]), 4),
                        "size": int(len(members)), "label": " · ".join(top), "terms": top})
    return sorted(out, key=lambda d: -d["size"])


def _kmeans2d(x: np.ndarray, k: int, seed: int, rounds: int = 25) -> tuple[np.ndarray, np.ndarray]:
    """Plain k-means (k-means++ start) on 2-D points: (label per point, centres)."""
    rng = np.random.default_rng(seed)
    centres = [x[rng.integers(len(x))]]
    for _ in range(1, k):
        d2 = np.min(((x[:, None, :] - np.array(centres)[None]) ** 2).sum(-1), axis=1)
        centres.append(x[rng.choice(len(x), p=d2 / d2.sum())] if d2.sum() > 0 else x[rng.integers(len(x))])
    c = np.array(centres, dtype=np.float64)
    for _ in range(rounds):
        lab = np.argmin(((x[:, None, :] - c[None]) ** 2).sum(-1), axis=1)
        new = np.array([x[lab == j].mean(axis=0) if np.any(lab == j) else c[j] for j in range(k)])
        if np.allclose(new, c):
            break
        c = new
    return lab, c
