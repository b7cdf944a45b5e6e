"""The real MiniLM model through onnxruntime: correctness, quality and the export cache.

These tests export the model into a temporary cache once per session (a few seconds).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
from scipy.special import erf

from paperfeed.embed import Embedder, get_embedder, paper_text
from paperfeed.embed import onnx_encoder as enc
from paperfeed.embed import onnx_minilm as om
from paperfeed.embed.registry import clear_cache

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not om.weights_installed(), reason=f"{om.WEIGHTS_PACKAGE} is not installed"),
]

HERE = Path(__file__).parent
SENTENCES = [
    "deep learning for image classification",
    "convolutional networks recognise objects in photos",
    "a recipe for tomato soup",
    "Graph neural networks predict molecular properties from atom and bond features.",
]


def _abstracts() -> list[str]:
    """Sixteen real arXiv title+abstract texts stored next to this file."""
    with (HERE / "abstracts.jsonl").open(encoding="utf-8") as f:
        return [paper_text(r["title"], r["abstract"]) for r in map(json.loads, f)]


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="module")
def int8(cache_dir: Path) -> om.OnnxMiniLMEmbedder:
    return om.OnnxMiniLMEmbedder("minilm-l6-int8", cache_dir=cache_dir)


@pytest.fixture(scope="module")
def fp32(cache_dir: Path) -> om.OnnxMiniLMEmbedder:
    return om.OnnxMiniLMEmbedder("minilm-l6-fp32", cache_dir=cache_dir)


def _cos_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


# --- a pure-numpy BERT forward pass of the same weights, as an independent reference ---


@lru_cache(maxsize=1)
def _reference_weights() -> dict[str, np.ndarray]:
    from safetensors.numpy import load_file

    return {k: v.astype(np.float64) for k, v in load_file(om.weights_dir() / "model.safetensors").items()}


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


def _reference_embedding(ids: list[int]) -> np.ndarray:
    """Embed one token sequence (no padding) in float64 numpy: BERT, mean pooling, L2 norm."""
    w = _reference_weights()
    heads, n = 12, len(ids)
    x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:n]
         + w["embeddings.token_type_embeddings.weight"][0])
    x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
    for i in range(6):
        p = f"encoder.layer.{i}."

        def dense(h: np.ndarray, name: str, p: str = p) -> np.ndarray:
            return h @ w[p + name + ".weight"].T + w[p + name + ".bias"]

        q, k, v = (dense(x, f"attention.self.{m}").reshape(n, heads, -1).transpose(1, 0, 2)
                   for m in ("query", "key", "value"))
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(q.shape[-1])
        probs = np.exp(scores - scores.max(-1, keepdims=True))
        probs /= probs.sum(-1, keepdims=True)
        context = (probs @ v).transpose(1, 0, 2).reshape(n, -1)
        x = _layer_norm(dense(context, "attention.output.dense") + x,
                        w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"])
        hidden = dense(x, "intermediate.dense")
        hidden = 0.5 * hidden * (1.0 + erf(hidden / math.sqrt(2.0)))
        x = _layer_norm(dense(hidden, "output.dense") + x,
                        w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
    pooled = x.mean(0)
    return pooled / np.linalg.norm(pooled)


# --- tests ---


def test_output_shape_dtype_and_unit_rows(int8: om.OnnxMiniLMEmbedder) -> None:
    assert isinstance(int8, Embedder)
    assert (int8.model_id, int8.dim) == ("minilm-l6-int8", 384)
    vectors = int8.embed_batch(SENTENCES + [""])
    assert vectors.shape == (5, 384)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert int8.embed_batch([]).shape == (0, 384)


def test_fp32_graph_matches_numpy_reference(fp32: om.OnnxMiniLMEmbedder) -> None:
    longest = max(_abstracts(), key=len)
    texts = SENTENCES[:2] + [longest]
    ids = fp32.tokenize(texts)
    assert len(ids[-1]) == 256  # truncated at MAX_TOKENS
    reference = np.stack([_reference_embedding(row) for row in ids])
    # batched with padding, so the attention mask and masked pooling are exercised too
    assert _cos_rows(fp32.embed_batch(texts), reference).min() > 0.9999


def test_int8_close_to_fp32_on_real_abstracts(int8: om.OnnxMiniLMEmbedder, fp32: om.OnnxMiniLMEmbedder) -> None:
    texts = _abstracts()
    cos = _cos_rows(int8.embed_batch(texts), fp32.embed_batch(texts))
    assert cos.mean() > 0.98
    assert cos.min() > 0.95


@pytest.mark.parametrize("model", ["int8", "fp32"])
def test_semantic_sanity(model: str, request: pytest.FixtureRequest) -> None:
    embedder = request.getfixturevalue(model)
    query, related, unrelated = embedder.embed_batch(SENTENCES[:3])
    assert query @ related > query @ unrelated + 0.2


def test_order_is_restored_and_stable_across_batches(int8: om.OnnxMiniLMEmbedder) -> None:
    texts = _abstracts()[:6] + SENTENCES  # mixed lengths, so sorting reorders them
    together = int8.embed_batch(texts)
    alone = np.vstack([int8.embed_batch([t]) for t in texts])
    reversed_ = int8.embed_batch(texts[::-1])[::-1]
    # int8 activations are quantized per tensor, so vectors vary slightly with batch composition;
    # a very short text varies most (about 0.985 seen for a 7-token sentence, 0.996+ for abstracts)
    assert _cos_rows(together, alone)[:6].min() > 0.99
    assert _cos_rows(together, alone).min() > 0.97
    assert _cos_rows(together, reversed_).min() > 0.99  # same batches, other order
    assert np.allclose(together, int8.embed_batch(texts), atol=1e-6)  # same batch: same result


def test_chunks_sort_by_length_and_split_long_gaps() -> None:
    lengths = [300, 5, 6, 40, 7, 250, 260]
    chunks = enc.chunks(lengths, batch_size=2)
    assert [c.tolist() for c in chunks] == [[1, 2], [4], [3], [5, 6], [0]]
    assert [c.tolist() for c in enc.chunks([10] * 5, batch_size=32)] == [[0, 1, 2, 3, 4]]
    assert enc.chunks([], batch_size=4) == []


def test_small_batch_size_gives_same_vectors(fp32: om.OnnxMiniLMEmbedder, cache_dir: Path) -> None:
    small = om.OnnxMiniLMEmbedder("minilm-l6-fp32", cache_dir=cache_dir, batch_size=3)
    texts = _abstracts()[:5] + SENTENCES
    assert _cos_rows(small.embed_batch(texts), fp32.embed_batch(texts)).min() > 0.9999


def test_cache_is_reused(int8: om.OnnxMiniLMEmbedder, cache_dir: Path) -> None:
    path = int8.model_path
    assert path.parent == cache_dir and path.is_file()
    assert enc.weights_fingerprint(om.weights_dir()) in path.name
    before = path.stat().st_mtime_ns
    again = om.OnnxMiniLMEmbedder("minilm-l6-int8", cache_dir=cache_dir)
    assert again.model_path == path
    assert path.stat().st_mtime_ns == before
    assert not list(cache_dir.glob(".tmp-*"))


def test_registry_default_is_cached(int8: om.OnnxMiniLMEmbedder, cache_dir: Path) -> None:
    clear_cache()
    first = get_embedder(cache_dir=cache_dir)
    assert first.model_id == "minilm-l6-int8"
    assert get_embedder("minilm-l6-int8", cache_dir=cache_dir) is first
    clear_cache()


def test_corrupt_cache_is_rebuilt(int8: om.OnnxMiniLMEmbedder, tmp_path: Path) -> None:
    good = int8.model_path
    path = tmp_path / good.name
    shutil.copy(good, path)
    shutil.copy(good.with_name(good.name + ".json"), tmp_path)
    stale = tmp_path / "minilm-l6-int8-0123456789abcdef-v0.onnx"
    stale.write_bytes(b"old export")
    with path.open("r+b") as f:
        f.truncate(path.stat().st_size // 2)
    assert not enc.cache_is_valid(path)

    rebuilt = om.OnnxMiniLMEmbedder("minilm-l6-int8", cache_dir=tmp_path)
    assert rebuilt.model_path == path
    assert enc.cache_is_valid(path)
    assert path.stat().st_size == good.stat().st_size
    assert not stale.exists()
    assert _cos_rows(rebuilt.embed_batch(SENTENCES), int8.embed_batch(SENTENCES)).min() > 0.9999


def test_missing_manifest_means_rebuild(fp32: om.OnnxMiniLMEmbedder, tmp_path: Path) -> None:
    shutil.copy(fp32.model_path, tmp_path / fp32.model_path.name)  # e.g. killed before the manifest was written
    assert not enc.cache_is_valid(tmp_path / fp32.model_path.name)
    enc.ensure_model(om.VARIANTS["minilm-l6-fp32"], tmp_path)
    assert enc.cache_is_valid(tmp_path / fp32.model_path.name)


def test_runs_offline_without_torch(int8: om.OnnxMiniLMEmbedder, cache_dir: Path) -> None:
    code = (
        "import sys\n"
        "from paperfeed.embed import get_embedder\n"
        f"v = get_embedder('minilm-l6-int8', cache_dir={str(cache_dir)!r}).embed_batch(['hello world'])\n"
        "assert v.shape == (1, 384)\n"
        "bad = [m for m in ('torch', 'transformers', 'sentence_transformers', 'huggingface_hub') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(Path(om.__file__).parents[2])}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert int8.model_path.stat().st_size > 0
