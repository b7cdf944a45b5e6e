"""Text embeddings for papers: a small protocol, ONNX models (MiniLM; MPNet once installed), a test embedder.

Everything runs offline on CPU with onnxruntime; model files are exported once into the
paperfeed models cache (``$PAPERFEED_MODELS_DIR`` or ``~/.cache/paperfeed/models``). Model ids
come from the ``register_models`` hook of each module in ``registry.MODEL_MODULES``.
"""

try:
    # onnxruntime must be loaded before usearch: importing it after usearch's compiled module
    # segfaults (usearch 2.26 / onnxruntime 1.32, static initialisers in libstdc++ locale code).
    # paperfeed.library imports this package before paperfeed.index, so loading it here keeps
    # that order; modules that import usearch directly should import onnxruntime first too.
    import onnxruntime  # noqa: F401
except ImportError:  # the hashing test embedder works without it
    pass

from paperfeed.embed.base import MAX_TOKENS, Embedder, models_cache_dir, paper_text
from paperfeed.embed.hashing import HashingEmbedder
from paperfeed.embed.registry import DEFAULT_MODEL, available_models, get_embedder, model_ids

__all__ = [
    "DEFAULT_MODEL",
    "MAX_TOKENS",
    "Embedder",
    "HashingEmbedder",
    "available_models",
    "get_embedder",
    "model_ids",
    "models_cache_dir",
    "paper_text",
]
