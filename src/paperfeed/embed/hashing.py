"""A tiny deterministic embedder for unit tests: hashed words and word bigrams."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence

import numpy as np

from paperfeed.embed.base import ModelInfo, l2_normalise

_WORD = re.compile(r"\w+")


def _features(text: str) -> list[str]:
    """Lowercase word tokens plus adjacent word bigrams; a sentinel for empty text."""
    words = _WORD.findall(text.lower())
    if not words:
        return ["\x00empty"]
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


def _bucket(feature: str, dim: int) -> tuple[int, float]:
    """Hash a feature to (index, sign) with blake2b, stable across processes."""
    digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
    value = int.from_bytes(digest, "little")
    return (value >> 1) % dim, 1.0 if value & 1 else -1.0


class HashingEmbedder:
    """Signed feature hashing into ``dim`` buckets; fast and needs no model files."""

    def __init__(self, dim: int = 64) -> None:
        if dim < 1:
            raise ValueError("dim must be positive")
        self.dim = dim
        self.model_id = f"test-hashing-{dim}"

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        """Return unit-length float32 rows, one per text."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for feature in _features(text):
                index, sign = _bucket(feature, self.dim)
                out[row, index] += sign
        zero = ~out.any(axis=1)
        out[zero, 0] = 1.0  # features cancelled out exactly: still return a unit vector
        return l2_normalise(out)

    def __repr__(self) -> str:
        return f"HashingEmbedder(dim={self.dim})"


def register_models(register: Callable[[ModelInfo], None]) -> None:
    """Register the 64-dimensional hashing embedder used by the tests."""
    register(ModelInfo("test-hashing-64", 64, "feature hashing of words and bigrams; for tests only",
                       lambda cache_dir: HashingEmbedder(dim=64)))
