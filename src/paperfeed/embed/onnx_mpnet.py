"""all-mpnet-base-v2 sentence embeddings with onnxruntime: the opt-in stronger model (768-d).

Its weights are not a Python package paperfeed can depend on: ``paperfeed models install mpnet``
(see ``mpnet_install``) puts them in ``<venv>/share/paperfeed/all-mpnet-base-v2`` (or
``$PAPERFEED_MPNET_DIR``). Until then the model ids are listed as not installed and choosing one
is a one-line error naming that command. On first use the ONNX graph is built from the
safetensors file (see ``mpnet_graph``) and cached like MiniLM's; torch is never imported.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

from paperfeed.embed.base import MAX_TOKENS, ModelInfo
from paperfeed.embed.onnx_encoder import OnnxEncoder, OnnxModel, weights_fingerprint, write_export
from paperfeed.errors import PaperfeedError

EXPORT_VERSION = 1
"""Bump when the graph builder or quantization settings change: old cache files are then ignored."""
DIM = 768
PAD_ID = 1
INSTALL_COMMAND = "paperfeed models install mpnet"
INSTALL_STAMP = "paperfeed-install.json"
"""Written last by the installer: the folder is complete when it is there."""
REQUIRED_FILES = ("model.safetensors", "config.json", "tokenizer.json")

OUTLIER_CHANNELS: tuple[int, ...] = (1, 34, 166, 237, 330, 382, 435, 442, 456, 461, 555, 568, 630, 681, 684, 712, 756)
"""Residual-stream channels kept in float32 in the int8 model (see mpnet_graph).

The channels whose largest |activation| at any MatMul input exceeds 4 (the median channel's is
about 1-1.7; the largest reach 65) over 32 arXiv abstracts (``bench/bench_mpnet_quant.py``).
The weights are pinned by hash, so the list is too. Measured on 48 other abstracts, with
FLOAT_MATMULS: cosine to fp32 mean 0.9968 (min 0.9950), top-10 neighbour overlap 0.969;
without the split (FLOAT_MATMULS only) cosine 0.06; with the split but no FLOAT_MATMULS 0.88.
"""
FLOAT_FFN_LAYERS = range(6, 11)
"""Layers whose FFN output MatMul stays float32 in the int8 model: their GELU outputs have outliers too."""
FLOAT_MATMULS = tuple(f"encoder.layer.{i}.output.dense.matmul" for i in FLOAT_FFN_LAYERS)


def weights_home() -> Path:
    """Where the installer puts the weights: ``$PAPERFEED_MPNET_DIR``, else under the environment's prefix."""
    own = os.environ.get("PAPERFEED_MPNET_DIR")
    if own:
        return Path(own).expanduser()
    return Path(sys.prefix) / "share" / "paperfeed" / "all-mpnet-base-v2"


def weights_installed() -> bool:
    """Whether a finished install of the weights is present (nothing is read but file names)."""
    folder = weights_home()
    return (folder / INSTALL_STAMP).is_file() and all((folder / n).is_file() for n in REQUIRED_FILES)


def weights_dir() -> Path:
    """The installed weights folder, or a one-line error naming the install command."""
    if not weights_installed():
        raise PaperfeedError(f"the MPNet model (all-mpnet-base-v2) is not installed; run: {INSTALL_COMMAND}")
    return weights_home()


def _float_nodes(layers: int = 12) -> tuple[str, ...]:
    """MatMuls the quantizer leaves in float32: the outlier halves of the split ones, and FLOAT_MATMULS."""
    split = [f"encoder.layer.{i}.attention.attn.{m}.outliers.matmul" for i in range(layers) for m in "qkv"]
    split += [f"encoder.layer.{i}.intermediate.dense.outliers.matmul" for i in range(layers)]
    return (*split, *FLOAT_MATMULS) if OUTLIER_CHANNELS else FLOAT_MATMULS


VARIANTS: dict[str, OnnxModel] = {
    "mpnet-base-int8": OnnxModel(
        "mpnet-base-int8", DIM, True,
        "all-mpnet-base-v2, ONNX, int8 with outlier channels in float32; stronger, about 5x slower than MiniLM",
        module=__name__, export_version=EXPORT_VERSION, pad_id=PAD_ID, max_tokens=MAX_TOKENS,
        float_nodes=_float_nodes(),
    ),
    "mpnet-base-fp32": OnnxModel(
        "mpnet-base-fp32", DIM, False,
        "all-mpnet-base-v2, ONNX, float32; reference quality of the stronger model",
        module=__name__, export_version=EXPORT_VERSION, pad_id=PAD_ID, max_tokens=MAX_TOKENS,
    ),
}


def export(model_id: str, target: Path) -> None:
    """Build the graph from the installed safetensors (outliers split off for int8), write ``target``."""
    from safetensors.numpy import load_file  # export-only dependencies are imported lazily

    from paperfeed.embed.mpnet_graph import build_model

    model = VARIANTS[model_id]
    folder = weights_dir()
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    doc = f"all-mpnet-base-v2, weights {weights_fingerprint(folder)}, export v{EXPORT_VERSION}"
    outliers = OUTLIER_CHANNELS if model.quantized else None
    graph = build_model(load_file(folder / "model.safetensors"), config, doc=doc, outlier_channels=outliers)
    write_export(model, graph, folder, target)


class OnnxMPNetEmbedder(OnnxEncoder):
    """all-mpnet-base-v2 on onnxruntime; 768-d, unit-length vectors."""

    def __init__(self, model_id: str = "mpnet-base-int8", cache_dir: str | Path | None = None,
                 batch_size: int = 32, threads: int | None = None) -> None:
        if model_id not in VARIANTS:
            raise PaperfeedError(f"unknown MPNet variant {model_id!r}; valid: {', '.join(VARIANTS)}")
        super().__init__(VARIANTS[model_id], cache_dir=cache_dir, batch_size=batch_size, threads=threads)


def _creator(model_id: str) -> Callable[[Path], OnnxMPNetEmbedder]:
    return lambda cache_dir: OnnxMPNetEmbedder(model_id, cache_dir=cache_dir)


def register_models(register: Callable[[ModelInfo], None]) -> None:
    """Register both MPNet variants; they load only once ``paperfeed models install mpnet`` has run."""
    for variant in VARIANTS.values():
        register(ModelInfo(variant.model_id, DIM, variant.description, _creator(variant.model_id),
                           installed=weights_installed, install=INSTALL_COMMAND))
