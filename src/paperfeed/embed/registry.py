"""Model ids known to paperfeed, and a per-process cache of loaded embedders."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from paperfeed.embed import onnx_minilm
from paperfeed.embed.base import Embedder, models_cache_dir
from paperfeed.embed.hashing import HashingEmbedder
from paperfeed.errors import PaperfeedError

DEFAULT_MODEL = "minilm-l6-int8"
HASHING_MODEL = "test-hashing-64"


@dataclass(frozen=True)
class _Entry:
    """A registered model id."""

    model_id: str
    dim: int
    description: str
    package: str | None  # the pip package it needs beyond paperfeed's own dependencies


_MODELS: dict[str, _Entry] = {
    **{v.model_id: _Entry(v.model_id, onnx_minilm.DIM, v.description, onnx_minilm.WEIGHTS_PACKAGE)
       for v in onnx_minilm.VARIANTS.values()},
    HASHING_MODEL: _Entry(HASHING_MODEL, 64, "feature hashing of words and bigrams; for tests only", None),
}

_loaded: dict[tuple[str, str], Embedder] = {}
_lock = threading.Lock()


def model_ids() -> list[str]:
    """Every valid model id, the default first."""
    return list(_MODELS)


def available_models() -> list[dict]:
    """One dict per model: id, dim, description, default, installed, package."""
    weights = onnx_minilm.weights_installed()
    return [
        {"id": e.model_id, "dim": e.dim, "description": e.description, "default": e.model_id == DEFAULT_MODEL,
         "installed": weights if e.package else True, "package": e.package}
        for e in _MODELS.values()
    ]


def _create(model_id: str, cache_dir: Path) -> Embedder:
    """Instantiate the embedder for a known model id."""
    if model_id == HASHING_MODEL:
        return HashingEmbedder(dim=64)
    return onnx_minilm.OnnxMiniLMEmbedder(model_id, cache_dir=cache_dir)


def get_embedder(model_id: str | None = None, cache_dir: str | Path | None = None) -> Embedder:
    """The embedder for ``model_id`` (None: the default), loaded once per process and cache dir."""
    model_id = model_id or DEFAULT_MODEL
    if model_id not in _MODELS:
        raise PaperfeedError(f"unknown embedding model {model_id!r}; valid ids: {', '.join(_MODELS)}")
    folder = Path(cache_dir).expanduser() if cache_dir is not None else models_cache_dir()
    key = (model_id, str(folder.resolve()))
    with _lock:
        if key not in _loaded:
            _loaded[key] = _create(model_id, folder)
        return _loaded[key]


def clear_cache() -> None:
    """Forget loaded embedders (tests use this to force a fresh load)."""
    with _lock:
        _loaded.clear()
