"""The optional MPNet model (all-mpnet-base-v2) through onnxruntime: graph correctness and int8 quality.

The model tests need the weights (``paperfeed models install mpnet``) and are skipped without them;
they export both variants into a temporary cache once per module (a minute or two on two cores).
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
from scipy.special import erf

from paperfeed.embed import Embedder, get_embedder, paper_text
from paperfeed.embed import onnx_mpnet as mp
from paperfeed.embed.mpnet_graph import relative_buckets
from paperfeed.embed.registry import clear_cache

HERE = Path(__file__).parent
SENTENCES = [
    "deep learning for image classification",
    "convolutional networks recognise objects in photos",
    "a recipe for tomato soup",
    "Graph neural networks predict molecular properties from atom and bond features.",
]
needs_weights = pytest.mark.skipif(not mp.weights_installed(),
                                   reason=f"the MPNet weights are not installed ({mp.INSTALL_COMMAND})")


def _abstracts() -> list[str]:
    with (HERE / "abstracts.jsonl").open(encoding="utf-8") as f:
        return [paper_text(r["title"], r["abstract"]) for r in map(json.loads, f)]


def _cos_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def test_relative_buckets_match_transformers() -> None:
    # values printed by transformers' MPNetEncoder.relative_position_bucket (torch) for a 512-token input
    table = relative_buckets(512)
    assert table[0, :20].tolist() == [0, 17, 18, 19, 20, 21, 22, 23, 24, 24, 24, 24, 25, 25, 25, 25, 26, 26, 26, 26]
    assert (table[20, 0], table[16, 0], table[0, 16], table[200, 0], table[0, 200]) == (10, 10, 26, 15, 31)
    assert table.shape == (512, 512) and table.min() == 0 and table.max() == 31


# --- a float64 numpy forward pass of the same weights, as an independent reference ---


@lru_cache(maxsize=1)
def _weights() -> dict[str, np.ndarray]:
    from safetensors.numpy import load_file

    return {k: v.astype(np.float64) for k, v in load_file(mp.weights_dir() / "model.safetensors").items()}


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


def _reference_embedding(ids: list[int]) -> np.ndarray:
    """MPNet on one unpadded sequence: positions from 2, relative-position bias, mean pooling, L2 norm."""
    w, n, heads = _weights(), len(ids), 12
    x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][2:n + 2]
    x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
    bias = w["encoder.relative_attention_bias.weight"][relative_buckets(n)].transpose(2, 0, 1)
    for i in range(12):
        p = f"encoder.layer.{i}."

        def dense(h: np.ndarray, name: str, p: str = p) -> np.ndarray:
            return h @ w[p + name + ".weight"].T + w[p + name + ".bias"]

        q, k, v = (dense(x, f"attention.attn.{m}").reshape(n, heads, -1).transpose(1, 0, 2) for m in "qkv")
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(q.shape[-1]) + bias
        probs = np.exp(scores - scores.max(-1, keepdims=True))
        probs /= probs.sum(-1, keepdims=True)
        context = (probs @ v).transpose(1, 0, 2).reshape(n, -1)
        x = _layer_norm(dense(context, "attention.attn.o") + x,
                        w[p + "attention.LayerNorm.weight"], w[p + "attention.LayerNorm.bias"])
        hidden = dense(x, "intermediate.dense")
        hidden = 0.5 * hidden * (1.0 + erf(hidden / math.sqrt(2.0)))
        x = _layer_norm(dense(hidden, "output.dense") + x,
                        w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
    pooled = x.mean(0)
    return pooled / np.linalg.norm(pooled)


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mpnet-models")


@pytest.fixture(scope="module")
def fp32(cache_dir: Path) -> mp.OnnxMPNetEmbedder:
    return mp.OnnxMPNetEmbedder("mpnet-base-fp32", cache_dir=cache_dir)


@pytest.fixture(scope="module")
def int8(cache_dir: Path) -> mp.OnnxMPNetEmbedder:
    return mp.OnnxMPNetEmbedder("mpnet-base-int8", cache_dir=cache_dir)


@pytest.mark.slow
@needs_weights
def test_fp32_graph_matches_numpy_reference(fp32: mp.OnnxMPNetEmbedder) -> None:
    longest = max(_abstracts(), key=len)
    texts = SENTENCES[:2] + [longest]
    ids = fp32.tokenize(texts)
    assert ids[0][0] == 0 and ids[0][-1] == 2  # <s> ... </s>
    assert len(ids[-1]) == mp.VARIANTS["mpnet-base-fp32"].max_tokens  # truncated
    reference = np.stack([_reference_embedding(row) for row in ids])
    # batched with padding (id 1), so the mask, the positions and masked pooling are exercised too
    assert _cos_rows(fp32.embed_batch(texts), reference).min() > 0.99999


@pytest.mark.slow
@needs_weights
def test_shape_dtype_unit_rows_and_registry(fp32: mp.OnnxMPNetEmbedder, cache_dir: Path) -> None:
    assert isinstance(fp32, Embedder)
    assert (fp32.model_id, fp32.dim) == ("mpnet-base-fp32", 768)
    vectors = fp32.embed_batch(SENTENCES + [""])
    assert vectors.shape == (5, 768) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert fp32.embed_batch([]).shape == (0, 768)
    clear_cache()
    loaded = get_embedder("mpnet-base-fp32", cache_dir=cache_dir)
    assert loaded.model_path == fp32.model_path  # the cached export is reused, not rebuilt
    clear_cache()


@pytest.mark.slow
@needs_weights
def test_int8_close_to_fp32_on_real_abstracts(int8: mp.OnnxMPNetEmbedder, fp32: mp.OnnxMPNetEmbedder) -> None:
    texts = _abstracts()
    cos = _cos_rows(int8.embed_batch(texts), fp32.embed_batch(texts))
    assert cos.mean() > 0.99
    assert cos.min() > 0.98
    assert int8.model_path.stat().st_size < 0.6 * fp32.model_path.stat().st_size


@pytest.mark.slow
@needs_weights
@pytest.mark.parametrize("model", ["int8", "fp32"])
def test_semantic_sanity(model: str, request: pytest.FixtureRequest) -> None:
    query, related, unrelated = request.getfixturevalue(model).embed_batch(SENTENCES[:3])
    assert query @ related > query @ unrelated + 0.2

