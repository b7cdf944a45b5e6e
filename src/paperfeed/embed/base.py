"""The embedder interface shared by every model, and text preparation."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

MAX_TOKENS = 256
"""Texts are truncated to this many word-piece tokens (including [CLS] and [SEP])."""
MAX_TEXT_CHARS = 8_000
"""Texts are cut to this many characters before tokenizing (the tokenizer reads a whole text before it
truncates; 256 tokens never take more than this unless the text is mostly spaces)."""


@runtime_checkable
class Embedder(Protocol):
    """Maps texts to L2-normalised float32 vectors of a fixed dimension."""

    model_id: str
    dim: int

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        """Return a float32 array of shape (len(texts), dim) with unit-length rows."""
        ...


def paper_text(title: str, abstract: str) -> str:
    """The text embedded for a paper: ``title. abstract``, whitespace collapsed, at most about MAX_TEXT_CHARS."""
    title = " ".join(title[: 2 * MAX_TEXT_CHARS].split())[:MAX_TEXT_CHARS]
    abstract = " ".join(abstract[: 2 * MAX_TEXT_CHARS].split())[:MAX_TEXT_CHARS]
    if not title or not abstract:
        return title or abstract
    if title[-1] in ".?!":
        return f"{title} {abstract}"
    return f"{title}. {abstract}"


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    """Scale each row to unit length; all-zero rows stay zero."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32, copy=False)


def models_cache_dir() -> Path:
    """Where exported models live: ``$PAPERFEED_MODELS_DIR``, else the XDG cache.

    The export is derived from the installed weights, not library data, so every library
    (and every test's temporary library) shares one cache.
    """
    own = os.environ.get("PAPERFEED_MODELS_DIR")
    if own:
        return Path(own).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg and os.path.isabs(os.path.expanduser(xdg)) else Path.home() / ".cache"
    return base / "paperfeed" / "models"


def _always_installed() -> bool:
    return True


@dataclass(frozen=True)
class ModelInfo:
    """A model id as a model module registers it (see ``registry``).

    ``create(cache_dir)`` loads the embedder; ``installed()`` says whether its weights are present
    without loading anything; ``install`` says how to get them (a pip package or a command).
    """

    model_id: str
    dim: int
    description: str
    create: Callable[[Path], Embedder]
    installed: Callable[[], bool] = _always_installed
    install: str | None = None
