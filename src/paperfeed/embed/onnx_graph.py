"""Pieces shared by the ONNX graph builders of the sentence encoders (MiniLM, MPNet).

A builder accumulates nodes in a :class:`Graph`; every encoder ends with the same mean pooling
over the attention mask and L2 normalisation, as sentence-transformers does.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17  # LayerNormalization is a standard op from 17 on
IR_VERSION = 8
MASK_FILL = -10000.0  # added to attention scores of padding positions, as in BERT


class Graph:
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


def mask_bias(g: Graph) -> tuple[str, str]:
    """Float mask (batch, seq) and additive attention bias (batch, 1, 1, seq)."""
    mask = g.op("Cast", ["attention_mask"], name="mask_float", to=TensorProto.FLOAT)
    inverted = g.op("Sub", [g.const("one_f", np.array(1.0, np.float32)), mask])
    bias = g.op("Mul", [inverted, g.const("mask_fill", np.array(MASK_FILL, np.float32))])
    return mask, g.op("Unsqueeze", [bias, g.const("axes12", np.array([1, 2], np.int64))], name="mask_bias")


def split_heads(g: Graph, x: str, heads: int, hidden: int, perm: list[int]) -> str:
    """Split (batch, seq, hidden) into heads and transpose with ``perm``."""
    shape = g.const("heads_shape", np.array([0, 0, heads, hidden // heads], np.int64))
    return g.op("Transpose", [g.op("Reshape", [x, shape])], perm=perm)


def merge_heads(g: Graph, context: str, hidden: int) -> str:
    """(batch, heads, seq, head_dim) back to (batch, seq, hidden)."""
    context = g.op("Transpose", [context], perm=[0, 2, 1, 3])
    return g.op("Reshape", [context, g.const("merge_shape", np.array([0, 0, hidden], np.int64))])


def gelu(g: Graph, x: str) -> str:
    """Exact GELU, ``0.5 * x * (1 + erf(x / sqrt(2)))``, in the form ORT fuses."""
    erf = g.op("Erf", [g.op("Div", [x, g.const("sqrt2", np.array(math.sqrt(2.0), np.float32))])])
    plus_one = g.op("Add", [erf, g.const("one_f", np.array(1.0, np.float32))])
    return g.op("Mul", [g.op("Mul", [x, plus_one]), g.const("half", np.array(0.5, np.float32))])


def pool_and_normalise(g: Graph, x: str, mask: str) -> str:
    """Mean over unmasked tokens, then divide by the L2 norm."""
    mask3 = g.op("Unsqueeze", [mask, g.const("axis2", np.array([2], np.int64))])
    axis1 = g.const("axis1", np.array([1], np.int64))
    summed = g.op("ReduceSum", [g.op("Mul", [x, mask3]), axis1], keepdims=0)
    count = g.op("Max", [g.op("ReduceSum", [mask3, axis1], keepdims=0), g.const("tiny", np.array(1e-9, np.float32))])
    mean = g.op("Div", [summed, count])
    norm = g.op("ReduceL2", [mean], axes=[-1], keepdims=1)  # axes is an attribute until opset 18
    norm = g.op("Max", [norm, g.const("eps_norm", np.array(1e-12, np.float32))])
    return g.op("Div", [mean, norm], name="embedding")


def finish_model(g: Graph, pooled: str, hidden: int, doc: str = "",
                 extra_outputs: tuple[str, ...] = ()) -> onnx.ModelProto:
    """Wrap the nodes in a checked model with inputs input_ids/attention_mask and output ``embedding``.

    ``extra_outputs`` names inner (batch, sequence, channels) float tensors to expose too: for calibration.
    """
    inputs = [helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "sequence"])
              for n in ("input_ids", "attention_mask")]
    outputs = [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", hidden])]
    outputs += [helper.make_tensor_value_info(name, TensorProto.FLOAT, ["batch", "sequence", "channels"])
                for name in extra_outputs]
    g.nodes.append(helper.make_node("Identity", [pooled], ["embedding"], name="embedding_output"))
    graph = helper.make_graph(g.nodes, "sentence_encoder", inputs, outputs, list(g.initializers.values()))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="paperfeed", doc_string=doc)
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model)
    return model
