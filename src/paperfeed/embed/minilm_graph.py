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
from onnx import TensorProto, helper, numpy_helper

OPSET = 17  # LayerNormalization is a standard op from 17 on
IR_VERSION = 8
MASK_FILL = -10000.0  # added to attention scores of padding positions, as in BERT


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


class _Graph:
    """Accumulates nodes and initializers with generated, unique names."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: dict[str, onnx.TensorProto] = {}
        self._count = 0

    def const(self, name: str, value: np.ndarray) -> str:
        """Add an initializer (once per name) and return its name."""
        if name not in self.initializers:
            self.initializers[name] = numpy_helper.from_array(np.ascontiguousarray(value), name)
        return name

    def op(self, op_type: str, inputs: list[str], name: str | None = None, **attrs: Any) -> str:
        """Add a single-output node and return its output name."""
        self._count += 1
        node_name = name or f"{op_type}_{self._count}"
        output = f"{node_name}_out"
        self.nodes.append(helper.make_node(op_type, inputs, [output], name=node_name, **attrs))
        return output

    def linear(self, x: str, weight: np.ndarray, bias: np.ndarray, name: str) -> str:
        """``x @ weight.T + bias`` with a PyTorch-layout (out, in) weight."""
        w = self.const(f"{name}.weight", weight.T.astype(np.float32))
        b = self.const(f"{name}.bias", bias.astype(np.float32))
        return self.op("Add", [self.op("MatMul", [x, w], name=f"{name}.matmul"), b], name=f"{name}.add")

    def layer_norm(self, x: str, weights: Mapping[str, np.ndarray], name: str, eps: float) -> str:
        """LayerNormalization over the last axis."""
        scale = self.const(f"{name}.weight", weights[f"{name}.weight"])
        bias = self.const(f"{name}.bias", weights[f"{name}.bias"])
        return self.op("LayerNormalization", [x, scale, bias], name=name, axis=-1, epsilon=eps)


def _embeddings(g: _Graph, w: Mapping[str, np.ndarray], cfg: BertConfig) -> str:
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


def _mask_bias(g: _Graph) -> tuple[str, str]:
    """Float mask (batch, seq) and additive attention bias (batch, 1, 1, seq)."""
    mask = g.op("Cast", ["attention_mask"], name="mask_float", to=TensorProto.FLOAT)
    inverted = g.op("Sub", [g.const("one_f", np.array(1.0, np.float32)), mask])
    bias = g.op("Mul", [inverted, g.const("mask_fill", np.array(MASK_FILL, np.float32))])
    return mask, g.op("Unsqueeze", [bias, g.const("axes12", np.array([1, 2], np.int64))], name="mask_bias")


def _heads(g: _Graph, x: str, cfg: BertConfig, perm: list[int]) -> str:
    """Split (batch, seq, hidden) into heads and transpose with ``perm``."""
    shape = g.const("heads_shape", np.array([0, 0, cfg.heads, cfg.hidden // cfg.heads], np.int64))
    return g.op("Transpose", [g.op("Reshape", [x, shape])], perm=perm)


def _attention(g: _Graph, x: str, bias: str, w: Mapping[str, np.ndarray], cfg: BertConfig, p: str) -> str:
    """Multi-head self-attention; the 1/sqrt(head_dim) scale is folded into the query weights."""
    scale = 1.0 / math.sqrt(cfg.hidden // cfg.heads)
    q = g.linear(x, w[f"{p}.self.query.weight"] * scale, w[f"{p}.self.query.bias"] * scale, f"{p}.self.query")
    k = g.linear(x, w[f"{p}.self.key.weight"], w[f"{p}.self.key.bias"], f"{p}.self.key")
    v = g.linear(x, w[f"{p}.self.value.weight"], w[f"{p}.self.value.bias"], f"{p}.self.value")
    scores = g.op("MatMul", [_heads(g, q, cfg, [0, 2, 1, 3]), _heads(g, k, cfg, [0, 2, 3, 1])])
    probs = g.op("Softmax", [g.op("Add", [scores, bias])], axis=-1)
    context = g.op("Transpose", [g.op("MatMul", [probs, _heads(g, v, cfg, [0, 2, 1, 3])])], perm=[0, 2, 1, 3])
    merged = g.op("Reshape", [context, g.const("merge_shape", np.array([0, 0, cfg.hidden], np.int64))])
    out = g.linear(merged, w[f"{p}.output.dense.weight"], w[f"{p}.output.dense.bias"], f"{p}.output.dense")
    return g.layer_norm(g.op("Add", [out, x]), w, f"{p}.output.LayerNorm", cfg.eps)


def _gelu(g: _Graph, x: str) -> str:
    """Exact GELU, ``0.5 * x * (1 + erf(x / sqrt(2)))``, in the form ORT fuses."""
    erf = g.op("Erf", [g.op("Div", [x, g.const("sqrt2", np.array(math.sqrt(2.0), np.float32))])])
    plus_one = g.op("Add", [erf, g.const("one_f", np.array(1.0, np.float32))])
    return g.op("Mul", [g.op("Mul", [x, plus_one]), g.const("half", np.array(0.5, np.float32))])


def _feed_forward(g: _Graph, x: str, w: Mapping[str, np.ndarray], cfg: BertConfig, p: str) -> str:
    """Intermediate dense + GELU + output dense, residual, LayerNorm."""
    hidden = _gelu(g, g.linear(x, w[f"{p}.intermediate.dense.weight"], w[f"{p}.intermediate.dense.bias"],
                               f"{p}.intermediate.dense"))
    out = g.linear(hidden, w[f"{p}.output.dense.weight"], w[f"{p}.output.dense.bias"], f"{p}.output.dense")
    return g.layer_norm(g.op("Add", [out, x]), w, f"{p}.output.LayerNorm", cfg.eps)


def _pool_and_normalise(g: _Graph, x: str, mask: str) -> str:
    """Mean over unmasked tokens, then divide by the L2 norm."""
    mask3 = g.op("Unsqueeze", [mask, g.const("axis2", np.array([2], np.int64))])
    axis1 = g.const("axis1", np.array([1], np.int64))
    summed = g.op("ReduceSum", [g.op("Mul", [x, mask3]), axis1], keepdims=0)
    count = g.op("Max", [g.op("ReduceSum", [mask3, axis1], keepdims=0), g.const("tiny", np.array(1e-9, np.float32))])
    mean = g.op("Div", [summed, count])
    norm = g.op("ReduceL2", [mean], axes=[-1], keepdims=1)  # axes is an attribute until opset 18
    norm = g.op("Max", [norm, g.const("eps_norm", np.array(1e-12, np.float32))])
    return g.op("Div", [mean, norm], name="embedding")


def build_model(weights: Mapping[str, np.ndarray], config: Mapping[str, Any], doc: str = "") -> onnx.ModelProto:
    """Return a float32 ONNX model computing normalised mean-pooled sentence embeddings."""
    cfg = BertConfig.from_json(config)
    w = {name.removeprefix("bert."): np.asarray(value, dtype=np.float32) for name, value in weights.items()
         if value.dtype != np.int64}
    g = _Graph()
    x = _embeddings(g, w, cfg)
    mask, bias = _mask_bias(g)
    for i in range(cfg.layers):
        x = _attention(g, x, bias, w, cfg, f"encoder.layer.{i}.attention")
        x = _feed_forward(g, x, w, cfg, f"encoder.layer.{i}")
    pooled = _pool_and_normalise(g, x, mask)
    inputs = [helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "sequence"])
              for n in ("input_ids", "attention_mask")]
    output = helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", cfg.hidden])
    g.nodes.append(helper.make_node("Identity", [pooled], ["embedding"], name="embedding_output"))
    graph = helper.make_graph(g.nodes, "sentence_encoder", inputs, [output], list(g.initializers.values()))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="paperfeed", doc_string=doc)
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model)
    return model
