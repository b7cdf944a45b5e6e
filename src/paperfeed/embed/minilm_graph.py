"""Build an ONNX graph of a BERT sentence encoder (MiniLM) from safetensors weights.

The graph takes ``input_ids`` and ``attention_mask`` (int64, shape (batch, seq)) and
returns ``embedding`` (float32, shape (batch, hidden)): the BERT encoder output,
mean-pooled over the attention mask and L2-normalised, as sentence-transformers does
for all-MiniLM-L6-v2. Token type ids are all zero, so that row is a constant.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import onnx

from paperfeed.embed import onnx_graph as og
from paperfeed.embed.onnx_graph import Graph


@dataclass(frozen=True)
class BertConfig:
    """The few hyper-parameters the graph needs, read from ``config.json``."""

    hidden: int
    heads: int
    layers: int
    eps: float

    @classmethod
    def from_json(cls, config: Mapping[str, Any]) -> BertConfig:
        """Read a Hugging Face BERT ``config.json`` mapping."""
        if config.get("hidden_act", "gelu") != "gelu":
            raise ValueError(f"unsupported activation {config['hidden_act']!r}")
        return cls(
            hidden=int(config["hidden_size"]),
            heads=int(config["num_attention_heads"]),
            layers=int(config["num_hidden_layers"]),
            eps=float(config.get("layer_norm_eps", 1e-12)),
        )


def _embeddings(g: Graph, w: Mapping[str, np.ndarray], cfg: BertConfig) -> str:
    """Word + position + token-type(0) embeddings, then LayerNorm."""
    words = g.op("Gather", [g.const("word_embeddings", w["embeddings.word_embeddings.weight"]), "input_ids"],
                 name="embeddings.word")
    shape = g.op("Shape", ["input_ids"])
    seq_len = g.op("Slice", [shape, g.const("one", np.array([1], np.int64)), g.const("two", np.array([2], np.int64))])
    positions = g.op(
        "Slice",
        [g.const("position_embeddings", w["embeddings.position_embeddings.weight"]),
         g.const("zero", np.array([0], np.int64)), seq_len, g.const("axis0", np.array([0], np.int64))],
        name="embeddings.position",
    )
    token_type = g.const("token_type_zero", w["embeddings.token_type_embeddings.weight"][0])
    summed = g.op("Add", [g.op("Add", [words, positions]), token_type])
    return g.layer_norm(summed, w, "embeddings.LayerNorm", cfg.eps)


def _attention(g: Graph, x: str, bias: str, w: Mapping[str, np.ndarray], cfg: BertConfig, p: str) -> str:
    """Multi-head self-attention; the 1/sqrt(head_dim) scale is folded into the query weights."""
    scale = 1.0 / math.sqrt(cfg.hidden // cfg.heads)
    q = g.linear(x, w[f"{p}.self.query.weight"] * scale, w[f"{p}.self.query.bias"] * scale, f"{p}.self.query")
    k = g.linear(x, w[f"{p}.self.key.weight"], w[f"{p}.self.key.bias"], f"{p}.self.key")
    v = g.linear(x, w[f"{p}.self.value.weight"], w[f"{p}.self.value.bias"], f"{p}.self.value")
    scores = g.op("MatMul", [og.split_heads(g, q, cfg.heads, cfg.hidden, [0, 2, 1, 3]),
                             og.split_heads(g, k, cfg.heads, cfg.hidden, [0, 2, 3, 1])])
    probs = g.op("Softmax", [g.op("Add", [scores, bias])], axis=-1)
    merged = og.merge_heads(g, g.op("MatMul", [probs, og.split_heads(g, v, cfg.heads, cfg.hidden, [0, 2, 1, 3])]),
                         cfg.hidden)
    out = g.linear(merged, w[f"{p}.output.dense.weight"], w[f"{p}.output.dense.bias"], f"{p}.output.dense")
    return g.layer_norm(g.op("Add", [out, x]), w, f"{p}.output.LayerNorm", cfg.eps)


def _feed_forward(g: Graph, x: str, w: Mapping[str, np.ndarray], cfg: BertConfig, p: str) -> str:
    """Intermediate dense + GELU + output dense, residual, LayerNorm."""
    hidden = og.gelu(g, g.linear(x, w[f"{p}.intermediate.dense.weight"], w[f"{p}.intermediate.dense.bias"],
                              f"{p}.intermediate.dense"))
    out = g.linear(hidden, w[f"{p}.output.dense.weight"], w[f"{p}.output.dense.bias"], f"{p}.output.dense")
    return g.layer_norm(g.op("Add", [out, x]), w, f"{p}.output.LayerNorm", cfg.eps)


def build_model(weights: Mapping[str, np.ndarray], config: Mapping[str, Any], doc: str = "") -> onnx.ModelProto:
    """Return a float32 ONNX model computing normalised mean-pooled sentence embeddings."""
    cfg = BertConfig.from_json(config)
    w = {name.removeprefix("bert."): np.asarray(value, dtype=np.float32) for name, value in weights.items()
         if value.dtype != np.int64}
    g = Graph()
    x = _embeddings(g, w, cfg)
    mask, bias = og.mask_bias(g)
    for i in range(cfg.layers):
        x = _attention(g, x, bias, w, cfg, f"encoder.layer.{i}.attention")
        x = _feed_forward(g, x, w, cfg, f"encoder.layer.{i}")
    pooled = og.pool_and_normalise(g, x, mask)
    return og.finish_model(g, pooled, cfg.hidden, doc=doc)
