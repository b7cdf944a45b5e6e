"""Build an ONNX graph of the MPNet sentence encoder (all-mpnet-base-v2) from safetensors weights.

Same inputs and output as ``minilm_graph``: ``input_ids``/``attention_mask`` in, mean-pooled,
L2-normalised ``embedding`` out. MPNet differs from BERT in three ways that matter here: no
token-type embeddings; positions count from ``pad_id + 1`` (RoBERTa style); and every layer adds
a relative-position bias to its attention scores, one value per head and distance bucket, shared
by all layers (``relative_attention_bias``).

For int8, activation outliers matter: a few channels of the residual stream reach values far
above the rest, so one dynamic scale per tensor leaves the other channels a handful of levels.
With ``outlier_channels`` each MatMul that reads the residual stream is split in two (as in
LLM.int8()): the ordinary channels go through a MatMul the quantizer turns into int8, the
outlier channels through a small float32 MatMul named ``*.outliers.matmul``, and the two add up.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import onnx

from paperfeed.embed import onnx_graph as og
from paperfeed.embed.onnx_graph import Graph

MAX_DISTANCE = 128  # of the relative-position buckets, as in transformers' MPNet


@dataclass(frozen=True)
class MPNetConfig:
    """The hyper-parameters the graph needs, read from ``config.json``."""

    hidden: int
    heads: int
    layers: int
    eps: float
    buckets: int
    max_positions: int
    pad_id: int

    @classmethod
    def from_json(cls, config: Mapping[str, Any]) -> MPNetConfig:
        """Read a Hugging Face MPNet ``config.json`` mapping."""
        if config.get("hidden_act", "gelu") != "gelu":
            raise ValueError(f"unsupported activation {config['hidden_act']!r}")
        return cls(
            hidden=int(config["hidden_size"]),
            heads=int(config["num_attention_heads"]),
            layers=int(config["num_hidden_layers"]),
            eps=float(config.get("layer_norm_eps", 1e-5)),
            buckets=int(config.get("relative_attention_num_buckets", 32)),
            max_positions=int(config["max_position_embeddings"]),
            pad_id=int(config.get("pad_token_id", 1)),
        )

    @property
    def max_tokens(self) -> int:
        """Longest input the position table covers."""
        return self.max_positions - self.pad_id - 1


def relative_buckets(length: int, buckets: int = 32, max_distance: int = MAX_DISTANCE) -> np.ndarray:
    """Bucket of each (query, key) distance, (length, length) int64, as MPNet's relative_position_bucket."""
    context = np.arange(length)[:, None]
    memory = np.arange(length)[None, :]
    n = -(memory - context)
    half = buckets // 2
    out = (n < 0).astype(np.int64) * half
    n = np.abs(n)
    max_exact = half // 2
    # float32 throughout, as torch computes it: float64 would round a few boundary distances up
    ratio = np.maximum(n, 1).astype(np.float32) / np.float32(max_exact)
    scaled = np.log(ratio) / np.float32(math.log(max_distance / max_exact)) * np.float32(half - max_exact)
    large = max_exact + scaled.astype(np.int64)
    large = np.minimum(large, half - 1)
    return out + np.where(n < max_exact, n, large)


def _embeddings(g: Graph, w: Mapping[str, np.ndarray], cfg: MPNetConfig) -> str:
    """Word + position embeddings (positions pad_id+1, pad_id+2, ...), then LayerNorm."""
    words = g.op("Gather", [g.const("word_embeddings", w["embeddings.word_embeddings.weight"]), "input_ids"],
                 name="embeddings.word")
    seq_len = g.op("Slice", [g.op("Shape", ["input_ids"]), g.const("one", np.array([1], np.int64)),
                             g.const("two", np.array([2], np.int64))], name="seq_len")
    start = cfg.pad_id + 1
    end = g.op("Add", [seq_len, g.const("position_start", np.array([start], np.int64))])
    # padded positions get ordinary rows too: they are masked out of attention and pooling
    positions = g.op(
        "Slice",
        [g.const("position_embeddings", w["embeddings.position_embeddings.weight"]),
         g.const("position_start", np.array([start], np.int64)), end, g.const("axis0", np.array([0], np.int64))],
        name="embeddings.position",
    )
    return g.layer_norm(g.op("Add", [words, positions]), w, "embeddings.LayerNorm", cfg.eps)


def _position_bias(g: Graph, w: Mapping[str, np.ndarray], cfg: MPNetConfig, seq_len: str) -> str:
    """Relative-position attention bias (1, heads, seq, seq), computed once for all layers."""
    table = relative_buckets(cfg.max_tokens, cfg.buckets).astype(np.int64)
    zeros = g.const("zeros2", np.array([0, 0], np.int64))
    both = g.op("Concat", [seq_len, seq_len], axis=0)
    axes = g.const("axes01", np.array([0, 1], np.int64))
    buckets = g.op("Slice", [g.const("relative_buckets", table), zeros, both, axes])
    values = g.op("Gather", [g.const("relative_attention_bias", w["encoder.relative_attention_bias.weight"]), buckets])
    per_head = g.op("Transpose", [values], perm=[2, 0, 1])  # (seq, seq, heads) -> (heads, seq, seq)
    return g.op("Unsqueeze", [per_head, g.const("axis0", np.array([0], np.int64))], name="position_bias")


def _linear(g: Graph, x: str, weight: np.ndarray, bias: np.ndarray, name: str,
            outliers: np.ndarray | None) -> str:
    """A dense layer; with ``outliers``, those input channels go through a separate float32 MatMul."""
    if outliers is None or len(outliers) == 0:
        return g.linear(x, weight, bias, name)
    keep = np.setdiff1d(np.arange(weight.shape[1]), outliers)
    inliers_x = g.op("Gather", [x, g.const("inlier_channels", keep.astype(np.int64))], name=f"{name}.inliers", axis=-1)
    outliers_x = g.op("Gather", [x, g.const("outlier_channels", outliers.astype(np.int64))],
                      name=f"{name}.outliers", axis=-1)
    main = g.op("MatMul", [inliers_x, g.const(f"{name}.weight", weight[:, keep].T.astype(np.float32))],
                name=f"{name}.matmul")
    side = g.op("MatMul", [outliers_x, g.const(f"{name}.outlier_weight", weight[:, outliers].T.astype(np.float32))],
                name=f"{name}.outliers.matmul")
    summed = g.op("Add", [main, side], name=f"{name}.sum")
    return g.op("Add", [summed, g.const(f"{name}.bias", bias.astype(np.float32))], name=f"{name}.add")


def _attention(g: Graph, x: str, bias: str, w: Mapping[str, np.ndarray], cfg: MPNetConfig, p: str,
               outliers: np.ndarray | None) -> str:
    """Self-attention with the shared position bias; 1/sqrt(head_dim) folded into the query weights."""
    scale = 1.0 / math.sqrt(cfg.hidden // cfg.heads)
    q = _linear(g, x, w[f"{p}.attn.q.weight"] * scale, w[f"{p}.attn.q.bias"] * scale, f"{p}.attn.q", outliers)
    k = _linear(g, x, w[f"{p}.attn.k.weight"], w[f"{p}.attn.k.bias"], f"{p}.attn.k", outliers)
    v = _linear(g, x, w[f"{p}.attn.v.weight"], w[f"{p}.attn.v.bias"], f"{p}.attn.v", outliers)
    scores = g.op("MatMul", [og.split_heads(g, q, cfg.heads, cfg.hidden, [0, 2, 1, 3]),
                             og.split_heads(g, k, cfg.heads, cfg.hidden, [0, 2, 3, 1])])
    probs = g.op("Softmax", [g.op("Add", [scores, bias])], axis=-1)
    merged = og.merge_heads(g, g.op("MatMul", [probs, og.split_heads(g, v, cfg.heads, cfg.hidden, [0, 2, 1, 3])]),
                         cfg.hidden)
    out = g.linear(merged, w[f"{p}.attn.o.weight"], w[f"{p}.attn.o.bias"], f"{p}.attn.o")
    return g.layer_norm(g.op("Add", [out, x]), w, f"{p}.LayerNorm", cfg.eps)


def _feed_forward(g: Graph, x: str, w: Mapping[str, np.ndarray], cfg: MPNetConfig, p: str,
                  outliers: np.ndarray | None) -> str:
    """Intermediate dense + GELU + output dense, residual, LayerNorm."""
    hidden = og.gelu(g, _linear(g, x, w[f"{p}.intermediate.dense.weight"], w[f"{p}.intermediate.dense.bias"],
                             f"{p}.intermediate.dense", outliers))
    out = g.linear(hidden, w[f"{p}.output.dense.weight"], w[f"{p}.output.dense.bias"], f"{p}.output.dense")
    return g.layer_norm(g.op("Add", [out, x]), w, f"{p}.output.LayerNorm", cfg.eps)


def residual_names(layers: int) -> list[str]:
    """Names of the residual-stream tensors each layer's MatMuls read (for calibration)."""
    names = ["embeddings.LayerNorm_out"]
    for i in range(layers):
        names += [f"encoder.layer.{i}.attention.LayerNorm_out", f"encoder.layer.{i}.output.LayerNorm_out"]
    return names[:-1]  # the last layer's output feeds only the pooling


def build_model(weights: Mapping[str, np.ndarray], config: Mapping[str, Any], doc: str = "",
                outlier_channels: Sequence[int] | None = None, calibration: bool = False) -> onnx.ModelProto:
    """Return a float32 ONNX model computing normalised mean-pooled MPNet sentence embeddings.

    Args:
        weights: the safetensors tensors of all-mpnet-base-v2 (names as in transformers' MPNetModel).
        config: its ``config.json``.
        doc: stored as the model's doc string.
        outlier_channels: residual-stream channels split off into float32 MatMuls (see module doc).
        calibration: also output the residual-stream tensors named by ``residual_names``.
    """
    cfg = MPNetConfig.from_json(config)
    w = {name.removeprefix("mpnet."): np.asarray(value, dtype=np.float32) for name, value in weights.items()
         if value.dtype != np.int64}
    outliers = np.unique(np.asarray(outlier_channels, dtype=np.int64)) if outlier_channels is not None else None
    g = Graph()
    x = _embeddings(g, w, cfg)
    mask, pad_bias = og.mask_bias(g)
    bias = g.op("Add", [_position_bias(g, w, cfg, "seq_len_out"), pad_bias], name="attention_bias")
    for i in range(cfg.layers):
        x = _attention(g, x, bias, w, cfg, f"encoder.layer.{i}.attention", outliers)
        x = _feed_forward(g, x, w, cfg, f"encoder.layer.{i}", outliers)
    pooled = og.pool_and_normalise(g, x, mask)
    extra = tuple(residual_names(cfg.layers)) if calibration else ()
    return og.finish_model(g, pooled, cfg.hidden, doc=doc, extra_outputs=extra)
