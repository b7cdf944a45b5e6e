"""Loading the evaluation corpora from ../shared/data, and caching their embeddings by text."""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import orjson

from paperfeed.errors import PaperfeedError

ARXIV_FILES = (
    "arxiv-cs-daily-dwdengwei.jsonl.gz",
    "arxiv-cs-daily-advancedcs.jsonl.gz",
    "arxiv-cs-daily-csqiandong.jsonl.gz",
)


@dataclass(frozen=True)
class Doc:
    """One evaluation paper."""

    id: str
    title: str
    abstract: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]
    date: str | None

    @property
    def text(self) -> str:
        """Title and abstract, as the rankers see them (no author names)."""
        from paperfeed.embed.base import paper_text

        return paper_text(self.title, self.abstract)


def read_jsonl_gz(path: Path) -> Iterator[dict]:
    """Objects of a gzipped JSON Lines file."""
    with gzip.open(path, "rb") as f:
        for line in f:
            if line.strip():
                yield orjson.loads(line)


def require(data_dir: Path, name: str) -> Path:
    """Path of a data file, or a clear error naming it."""
    p = Path(data_dir) / name
    if not p.exists():
        raise PaperfeedError(f"{p}: evaluation data not found (pass --data pointing at shared/data)")
    return p


def load_arxiv(data_dir: Path, files: Sequence[str] = ARXIV_FILES) -> list[Doc]:
    """Every arXiv record of the daily-listing files."""
    docs = []
    for name in files:
        for o in read_jsonl_gz(require(data_dir, name)):
            docs.append(Doc(
                id=o.get("id") or "", title=o.get("title") or "", abstract=o.get("abstract") or "",
                authors=tuple(o.get("authors") or ()), categories=tuple(o.get("categories") or ()),
                date=o.get("date"),
            ))
    return docs


class EmbeddingCache:
    """Vectors of texts for one model, cached on disk by text hash (for repeated eval runs)."""

    def __init__(self, path: Path, embed: Callable[[list[str]], np.ndarray], dim: int) -> None:
        self.path, self.embed, self.dim = path, embed, dim
        self.vecs: dict[bytes, np.ndarray] = {}
        if path.exists():
            try:
                data = np.load(path)
                self.vecs = dict(zip((bytes(k) for k in data["keys"]), data["vecs"], strict=True))
            except (OSError, ValueError, KeyError):
                self.vecs = {}

    @staticmethod
    def _key(text: str) -> bytes:
        return hashlib.blake2b(text.encode(), digest_size=16).digest()

    def missing(self, texts: Sequence[str]) -> int:
        """How many distinct texts are not cached yet."""
        return len({k for k in map(self._key, texts) if k not in self.vecs})

    def get(self, texts: Sequence[str], batch: int = 64,
            progress: Callable[[int], None] | None = None, save_every: int = 2000) -> np.ndarray:
        """Vectors for texts, embedding the ones not cached yet (saved every ``save_every``, so an
        interrupted run keeps most of its work)."""
        keys = [self._key(t) for t in texts]
        todo = list(dict.fromkeys(k for k in keys if k not in self.vecs))
        text_of = dict(zip(keys, texts, strict=True))
        unsaved = 0
        for i in range(0, len(todo), batch):
            chunk = todo[i : i + batch]
            for k, v in zip(chunk, self.embed([text_of[k] for k in chunk]), strict=True):
                self.vecs[k] = v
            unsaved += len(chunk)
            if unsaved >= save_every:
                self._save()
                unsaved = 0
            if progress:
                progress(len(chunk))
        if unsaved:
            self._save()
        if not keys:
            return np.zeros((0, self.dim), np.float32)
        return np.stack([self.vecs[k] for k in keys]).astype(np.float32)

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = np.array([np.frombuffer(k, dtype=np.uint8) for k in self.vecs])
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez(tmp, keys=keys, vecs=np.stack(list(self.vecs.values())))
        tmp.replace(self.path)
