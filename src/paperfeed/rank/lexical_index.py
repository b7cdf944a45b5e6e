"""TF-IDF rows for every paper in the library, persisted beside the vector index.

The vectorizer is fitted once on (a sample of) the library; rows of new or changed papers
are added incrementally with that vocabulary. When the library has grown to more than
twice the size the vocabulary was fitted on, everything is refitted.
"""

from __future__ import annotations

import logging
import os
import pickle
import tempfile
from pathlib import Path

import numpy as np
from scipy import sparse

from paperfeed.embed.base import paper_text
from paperfeed.rank.lexical import Lexical
from paperfeed.store.base import PaperStore

log = logging.getLogger(__name__)
FIT_SAMPLE = 60_000
FORMAT = 1


class LexicalIndex:
    """Sparse TF-IDF rows keyed by paper id, with the text hash each row was computed from."""

    def __init__(self, lexical: Lexical, ids: np.ndarray, hashes: np.ndarray, rows: sparse.csr_matrix,
                 fitted_on: int) -> None:
        self.lexical, self.ids, self.hashes, self.rows, self.fitted_on = lexical, ids, hashes, rows, fitted_on
        self._pos = {int(i): n for n, i in enumerate(ids)}

    def rows_for(self, ids: np.ndarray | list[int]) -> sparse.csr_matrix:
        """Rows of the given ids (an id without a row gets an empty row)."""
        pos = [self._pos.get(int(i), -1) for i in ids]
        if all(p >= 0 for p in pos):
            return self.rows[pos]
        out = sparse.lil_matrix((len(pos), self.rows.shape[1]), dtype=np.float32)
        for n, p in enumerate(pos):
            if p >= 0:
                out[n] = self.rows[p]
        return out.tocsr()

    def transform(self, texts: list[str]) -> sparse.csr_matrix:
        """TF-IDF rows for texts that are not in the library (interests, pasted abstracts)."""
        return self.lexical.transform(texts)


def _state_of(store: PaperStore) -> list[tuple[int, str]]:
    return store.text_hashes()


def _texts(store: PaperStore, ids: list[int]) -> list[str]:
    papers = store.papers_map(ids)
    return [paper_text(papers[i].title, papers[i].abstract) if i in papers else "" for i in ids]


def build(store: PaperStore) -> LexicalIndex:
    """Fit on a sample of the library and compute every paper's row."""
    state = _state_of(store)
    ids = np.array([i for i, _ in state], dtype=np.int64)
    hashes = np.array([h for _, h in state], dtype=object)
    rng = np.random.default_rng(0)
    sample = ids if len(ids) <= FIT_SAMPLE else np.sort(rng.choice(ids, FIT_SAMPLE, replace=False))
    lexical = Lexical.fit(_texts(store, sample.tolist()) if len(ids) else ["empty library"])
    rows = _transform_chunked(lexical, store, ids.tolist())
    return LexicalIndex(lexical, ids, hashes, rows, fitted_on=len(ids))


def _transform_chunked(lexical: Lexical, store: PaperStore, ids: list[int], chunk: int = 5000) -> sparse.csr_matrix:
    parts = [lexical.transform(_texts(store, ids[i : i + chunk])) for i in range(0, len(ids), chunk)]
    if not parts:
        return sparse.csr_matrix((0, len(lexical.vectorizer.vocabulary_)), dtype=np.float32)
    return sparse.vstack(parts).tocsr()


def refresh(store: PaperStore, index: LexicalIndex) -> LexicalIndex:
    """Bring rows up to date with the library: new/changed papers transformed, deleted dropped."""
    state = _state_of(store)
    if len(state) > 2 * max(index.fitted_on, 1):
        return build(store)
    current = dict(state)
    known = dict(zip(index.ids.tolist(), index.hashes.tolist(), strict=True))
    keep = [n for n, i in enumerate(index.ids.tolist()) if current.get(i) == known[i]]
    todo = [i for i, h in state if known.get(i) != h]
    if not todo and len(keep) == len(index.ids):
        return index
    new_rows = _transform_chunked(index.lexical, store, todo)
    ids = np.concatenate([index.ids[keep], np.array(todo, dtype=np.int64)])
    hashes = np.concatenate([index.hashes[keep], np.array([current[i] for i in todo], dtype=object)])
    rows = sparse.vstack([index.rows[keep], new_rows]).tocsr()
    return LexicalIndex(index.lexical, ids, hashes, rows, index.fitted_on)


def save(index: LexicalIndex, directory: Path, state: str) -> None:
    """Write atomically (temp file + rename)."""
    directory.mkdir(parents=True, exist_ok=True)
    payload = {"format": FORMAT, "state": state, "index": index}
    fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            pickle.dump(payload, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, directory / "lexical.pkl")
    except BaseException:  # a full disk, say: leave no half-written temporary behind
        Path(tmp).unlink(missing_ok=True)
        raise


def load(directory: Path) -> tuple[LexicalIndex, str] | None:
    """The saved index and its state token; None when missing or unreadable."""
    path = directory / "lexical.pkl"
    if not path.exists():
        return None
    try:
        with path.open("rb") as f:
            payload = pickle.load(f)  # noqa: S301 - our own file in the user's data directory
        if payload.get("format") != FORMAT:
            return None
        return payload["index"], payload["state"]
    except Exception as e:  # noqa: BLE001 - any unreadable file means "rebuild"
        log.warning("lexical index %s unreadable (%s); rebuilding", path, e)
        return None


def load_or_build(store: PaperStore, directory: Path) -> LexicalIndex:
    """Current lexical index: loaded, refreshed incrementally, or built."""
    state = store.change_token()
    got = load(directory)
    if got is not None and got[1] == state:
        return got[0]
    index = refresh(store, got[0]) if got is not None else build(store)
    save(index, directory, state)
    return index
