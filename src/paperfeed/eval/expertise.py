"""Reviewer expertise (the protocol of Stelmakh, Wieting, Neubig and Shah, 2023).

A reviewer's own papers are the profile; the reviewer graded their expertise (1-5) on papers
they read. A ranker scores each judged paper against the profile, and the loss is the share of
wrongly ordered pairs, each pair weighted by the reviewers' difference in expertise (a tie in the
prediction costs half). 0 is perfect, 0.5 is chance.

Data layout (``--data DIR``; each file JSON Lines, optionally gzipped as ``NAME.jsonl.gz``):

- ``papers.jsonl``:     {"id": "p1", "title": "...", "abstract": "...", "categories": ["cs.LG"]}
                        (every paper: the reviewers' own and the judged ones; categories optional)
- ``reviewers.jsonl``:  {"reviewer": "r1", "papers": ["p1", "p2", ...]}   (the reviewer's own papers)
- ``judgments.jsonl``:  {"reviewer": "r1", "paper": "p9", "expertise": 4}  (integer 1-5)
"""

from __future__ import annotations

import gzip
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import numpy as np
import orjson

from paperfeed.errors import PaperfeedError
from paperfeed.eval.corpus import Doc

FILES = ("papers", "reviewers", "judgments")


@dataclass
class ExpertiseSet:
    """Papers by id, each reviewer's own papers, and the graded (reviewer, paper) pairs."""

    papers: dict[str, Doc]
    reviewers: dict[str, list[str]]
    judgments: dict[str, dict[str, int]]


def _path(data: Path, name: str) -> Path:
    for p in (data / f"{name}.jsonl", data / f"{name}.jsonl.gz"):
        if p.is_file():
            return p
    raise PaperfeedError(f"{data / (name + '.jsonl')}: not found (eval expertise needs {', '.join(FILES)})")


def _lines(path: Path) -> Iterator[tuple[int, dict]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                obj = orjson.loads(line)
            except orjson.JSONDecodeError as e:
                raise PaperfeedError(f"{path}:{n}: not valid JSON ({e})") from None
            if not isinstance(obj, dict):
                raise PaperfeedError(f"{path}:{n}: expected a JSON object")
            yield n, obj


def _field(path: Path, n: int, obj: dict, key: str, kind: type | tuple[type, ...]):
    v = obj.get(key)
    if not isinstance(v, kind) or isinstance(v, bool) or (isinstance(v, str) and not v.strip()):
        raise PaperfeedError(f"{path}:{n}: field {key!r} missing or not a {getattr(kind, '__name__', 'value')}")
    return v


def load(data: Path) -> ExpertiseSet:
    """Read and check the three files; any problem is one error naming file and line."""
    data = Path(data)
    papers: dict[str, Doc] = {}
    pp = _path(data, "papers")
    for n, o in _lines(pp):
        pid = str(_field(pp, n, o, "id", (str, int)))
        title = _field(pp, n, o, "title", str)
        cats = o.get("categories") or []
        papers[pid] = Doc(pid, title, o.get("abstract") or "", tuple(o.get("authors") or ()), tuple(cats), None)
    reviewers: dict[str, list[str]] = {}
    rp = _path(data, "reviewers")
    for n, o in _lines(rp):
        rid = str(_field(rp, n, o, "reviewer", (str, int)))
        own = [str(x) for x in _field(rp, n, o, "papers", list)]
        unknown = [x for x in own if x not in papers]
        if unknown or not own:
            raise PaperfeedError(f"{rp}:{n}: reviewer {rid!r} " + (f"names unknown paper {unknown[0]!r}" if unknown
                                                                   else "has no papers"))
        reviewers[rid] = own
    judgments: dict[str, dict[str, int]] = defaultdict(dict)
    jp = _path(data, "judgments")
    for n, o in _lines(jp):
        rid, pid = str(_field(jp, n, o, "reviewer", (str, int))), str(_field(jp, n, o, "paper", (str, int)))
        grade = _field(jp, n, o, "expertise", int)
        if rid not in reviewers:
            raise PaperfeedError(f"{jp}:{n}: unknown reviewer {rid!r}")
        if pid not in papers:
            raise PaperfeedError(f"{jp}:{n}: unknown paper {pid!r}")
        if not 1 <= grade <= 5:
            raise PaperfeedError(f"{jp}:{n}: expertise must be an integer from 1 to 5, got {grade}")
        judgments[rid][pid] = grade
    if not judgments:
        raise PaperfeedError(f"{jp}: no judgments")
    return ExpertiseSet(papers, reviewers, dict(judgments))


def pair_loss(pred: dict[str, float], grades: dict[str, int]) -> tuple[float, float]:
    """(weighted mistakes, weight of all pairs) for one reviewer: weight = |grade difference|."""
    loss = total = 0.0
    for a, b in combinations(sorted(grades), 2):
        true = grades[a] - grades[b]
        if not true:
            continue
        p = pred[a] - pred[b]
        total += abs(true)
        loss += abs(true) if p * true < 0 else abs(true) / 2 if p == 0 else 0.0
    return loss, total


def loss(preds: dict[str, dict[str, float]], ds: ExpertiseSet) -> dict[str, float]:
    """Weighted share of wrongly ordered pairs over all reviewers, and per-pair accuracy on easy and
    hard pairs (easy: one grade >= 4 and the other <= 2; hard: both >= 4), as in the paper."""
    lsum = tsum = 0.0
    easy, hard = [], []
    for rid, grades in ds.judgments.items():
        a, b = pair_loss(preds[rid], grades)
        lsum, tsum = lsum + a, tsum + b
        for x, y in combinations(sorted(grades), 2):
            gx, gy = grades[x], grades[y]
            if gx == gy:
                continue
            right = (preds[rid][x] - preds[rid][y]) * (gx - gy) > 0
            if min(gx, gy) >= 4:
                hard.append(right)
            elif max(gx, gy) >= 4 and min(gx, gy) <= 2:
                easy.append(right)
    return {"loss": lsum / tsum if tsum else 0.0,
            "easy_accuracy": float(np.mean(easy)) if easy else float("nan"),
            "hard_accuracy": float(np.mean(hard)) if hard else float("nan"),
            "pairs": int(sum(1 for g in ds.judgments.values() for a, b in combinations(g, 2) if g[a] != g[b]))}


Scorer = Callable[[str], dict[str, float]]


def scorers(ds: ExpertiseSet, embed: Callable[[list[str]], np.ndarray]) -> dict[str, Scorer]:
    """TF-IDF (arxiv-sanity's settings) max and centroid, dense max-sim, and paperfeed's ranker."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from paperfeed.rank import recommend
    from paperfeed.rank.lexical import Lexical

    ids = sorted(ds.papers)
    pos = {p: i for i, p in enumerate(ids)}
    texts = [ds.papers[p].text for p in ids]
    tfidf = TfidfVectorizer(strip_accents="unicode", stop_words="english", ngram_range=(1, 2), sublinear_tf=True,
                            token_pattern=r"(?u)\b[a-zA-Z_][a-zA-Z0-9_]+\b",
                            min_df=1 if len(ids) < 200 else 2).fit(texts)
    x = tfidf.transform(texts)
    dense = embed(texts)
    lex = Lexical.fit(texts)
    lx = lex.transform(texts)
    judged = sorted({p for g in ds.judgments.values() for p in g})
    jrows = [pos[p] for p in judged]

    def rows(rid: str) -> list[int]:
        return [pos[p] for p in ds.reviewers[rid]]

    def as_dict(v: np.ndarray) -> dict[str, float]:
        return dict(zip(judged, (float(s) for s in v), strict=True))

    def tfidf_max(rid: str) -> dict[str, float]:
        return as_dict((x[jrows] @ x[rows(rid)].T).toarray().max(axis=1))

    def tfidf_centroid(rid: str) -> dict[str, float]:
        c = np.asarray(x[rows(rid)].mean(axis=0)).ravel()
        return as_dict(np.asarray(x[jrows] @ c).ravel())

    def dense_max(rid: str) -> dict[str, float]:
        return as_dict((dense[jrows] @ dense[rows(rid)].T).max(axis=1))

    def paperfeed(rid: str) -> dict[str, float]:
        r = rows(rid)
        cats = Counter(c for i in r for c in ds.papers[ids[i]].categories[:1])
        sig = recommend.ProfileSignals(dense=dense[r], lex=lx[r], labels=[ids[i] for i in r], categories=cats)
        cand_cats = [ds.papers[p].categories for p in judged]
        return as_dict(recommend.score(sig, dense[jrows], lx[jrows], cand_cats, None).score)

    return {"tfidf max": tfidf_max, "tfidf centroid": tfidf_centroid, "dense max-sim": dense_max,
            "paperfeed (default)": paperfeed}


def run(data: Path, embed: Callable[[list[str]], np.ndarray]) -> dict:
    """Every scorer's loss on the set in ``data``."""
    ds = load(data)
    out = {}
    for name, score in scorers(ds, embed).items():
        out[name] = loss({rid: score(rid) for rid in ds.judgments}, ds)
    return {"reviewers": len(ds.judgments), "judgments": sum(len(g) for g in ds.judgments.values()),
            "papers": len(ds.papers), "results": out}


def make_sample(docs: list[Doc], out: Path, reviewers: int = 40, seed: int = 0) -> dict[str, int]:
    """A small synthetic set in the layout above, from the arXiv corpus (for testing the harness).

    A reviewer is an author with >= 6 dated papers: the earliest ones are the profile; judged are
    one later own paper (grade 5), up to two papers by a co-author without the reviewer (4), two
    papers sharing the reviewer's main category (2) and two from other categories (1). The grades
    come from authorship and categories, never from the text a ranker reads.
    """
    from paperfeed.eval.authors import author_identity

    by: dict[str, list[Doc]] = defaultdict(list)
    for d in docs:
        if d.date and d.id:
            for a in d.authors:
                by[author_identity(a)].append(d)
    rng = random.Random(seed)
    names = sorted(a for a, ps in by.items() if 6 <= len(ps) <= 40)
    by_cat: dict[str, list[Doc]] = defaultdict(list)
    for d in docs:
        if d.date and d.id and d.categories:
            by_cat[d.categories[0]].append(d)
    papers: dict[str, Doc] = {}
    rev_rows: list[dict] = []
    judg_rows: list[dict] = []
    for name in rng.sample(names, min(len(names), reviewers * 3)):
        if len(rev_rows) == reviewers:
            break
        own = sorted(by[name], key=lambda d: (d.date, d.id))
        profile, later = own[:-1][-8:], own[-1]
        mine = {d.id for d in own}
        coauthors = {author_identity(a) for d in profile for a in d.authors} - {name}
        co_papers = sorted({d.id: d for c in coauthors for d in by[c] if d.id not in mine}.values(), key=lambda d: d.id)
        main = Counter(d.categories[0] for d in profile if d.categories).most_common(1)
        if len(co_papers) < 1 or not main:
            continue
        cat = main[0][0]
        same = [d for d in rng.sample(by_cat[cat], min(50, len(by_cat[cat]))) if d.id not in mine][:2]
        other_cats = sorted(c for c in by_cat if c != cat and len(by_cat[c]) > 20)
        other = [rng.choice(by_cat[rng.choice(other_cats)]) for _ in range(2)]
        graded = [(later, 5)] + [(d, 4) for d in rng.sample(co_papers, min(2, len(co_papers)))] + \
                 [(d, 2) for d in same] + [(d, 1) for d in other if d.id not in mine]
        rid = f"r{len(rev_rows) + 1}"
        rev_rows.append({"reviewer": rid, "papers": [d.id for d in profile]})
        for d, g in graded:
            judg_rows.append({"reviewer": rid, "paper": d.id, "expertise": g})
        for d in [*profile, *(d for d, _ in graded)]:
            papers[d.id] = d
    out.mkdir(parents=True, exist_ok=True)
    paper_rows = [{"id": d.id, "title": d.title, "abstract": d.abstract, "categories": list(d.categories)}
                  for d in papers.values()]
    rows: dict[str, list[dict]] = {"papers": paper_rows, "reviewers": rev_rows, "judgments": judg_rows}
    for name, items in rows.items():
        (out / f"{name}.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in items))
    return {name: len(items) for name, items in rows.items()}
