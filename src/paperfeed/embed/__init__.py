"""Text embeddings for papers: a small protocol, an ONNX MiniLM model and a test embedder.

Everything runs offline on CPU with onnxruntime; model files are exported once into the
paperfeed models cache (``$PAPERFEED_HOME/models`` or ``~/.cache/paperfeed/models``).
"""

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
