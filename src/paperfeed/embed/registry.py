"""Model ids known to paperfeed, registered by the model modules, and a per-process cache of embedders.

Each module in MODEL_MODULES has ``register_models(register)`` and calls ``register(ModelInfo(...))``
once per model id it provides (the plugin hook of simonw/llm, without the plugin loader). The
modules are imported on first use; registering an id twice is an error.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterable
from pathlib import Path

from paperfeed.embed.base import Embedder, ModelInfo, models_cache_dir
from paperfeed.errors import PaperfeedError

DEFAULT_MODEL = "minilm-l6-int8"
HASHING_MODEL = "test-hashing-64"
MODEL_MODULES = ("paperfeed.embed.onnx_minilm", "paperfeed.embed.onnx_mpnet", "paperfeed.embed.hashing")


class DuplicateModelError(PaperfeedError):
    """Two registrations used the same model id."""


class ModelRegistry:
    """Model ids in registration order."""

    def __init__(self) -> None:
        self.models: dict[str, ModelInfo] = {}

    def register(self, info: ModelInfo) -> None:
        """Add one model id; a second registration of the same id raises DuplicateModelError."""
        if info.model_id in self.models:
            raise DuplicateModelError(f"embedding model id {info.model_id!r} is registered twice")
        self.models[info.model_id] = info

    @classmethod
    def from_modules(cls, modules: Iterable[str]) -> ModelRegistry:
        """Import each module and let its ``register_models`` hook register its ids."""
        registry = cls()
        for name in modules:
            importlib.import_module(name).register_models(registry.register)
        return registry


_registry: ModelRegistry | None = None
_loaded: dict[tuple[str, str], Embedder] = {}
_lock = threading.Lock()


def _models() -> dict[str, ModelInfo]:
    """The registered models, collected from MODEL_MODULES once per process."""
    global _registry
    with _lock:
        if _registry is None:
            _registry = ModelRegistry.from_modules(MODEL_MODULES)
        return _registry.models


def model_ids() -> list[str]:
    """Every valid model id, the default first."""
    return list(_models())


def available_models() -> list[dict]:
    """One dict per model: id, dim, description, default, installed, install (how, or None)."""
    return [
        {"id": m.model_id, "dim": m.dim, "description": m.description, "default": m.model_id == DEFAULT_MODEL,
         "installed": bool(m.installed()), "install": m.install}
        for m in _models().values()
    ]


def get_embedder(model_id: str | None = None, cache_dir: str | Path | None = None) -> Embedder:
    """The embedder for ``model_id`` (None: the default), loaded once per process and cache dir."""
    model_id = model_id or DEFAULT_MODEL
    models = _models()
    if model_id not in models:
        raise PaperfeedError(f"unknown embedding model {model_id!r}; valid ids: {', '.join(models)}")
    folder = Path(cache_dir).expanduser() if cache_dir is not None else models_cache_dir()
    key = (model_id, str(folder.resolve()))
    with _lock:
        if key not in _loaded:
            _loaded[key] = models[model_id].create(folder)
        return _loaded[key]


def clear_cache() -> None:
    """Forget loaded embedders (tests use this to force a fresh load)."""
    with _lock:
        _loaded.clear()
