"""Sentence encoders run by onnxruntime: the export cache and the embedder shared by every ONNX model.

A model module (``onnx_minilm``, ``onnx_mpnet``) describes each of its variants with an
:class:`OnnxModel`: where the weights are, how the graph is built (``module.export``), the
tokenizer's padding id. This module builds the ONNX file once per weights and export version in
a child process, writes it atomically with a manifest (size, SHA-256) into the models cache, and
embeds texts: WordPiece tokens, length-sorted batches, and a graph that ends in mean pooling and
L2 normalisation. Nothing is downloaded and torch is never imported.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from paperfeed.embed.base import MAX_TEXT_CHARS, MAX_TOKENS, models_cache_dir
from paperfeed.errors import PaperfeedError

if TYPE_CHECKING:
    import onnx
    import onnxruntime
    import tokenizers

STALE_TEMP_SECONDS = 3600


@dataclass(frozen=True)
class OnnxModel:
    """One exported form of a sentence encoder.

    ``module`` names the model module whose ``export(model_id, target)`` builds the file (run in a
    child process) and whose ``weights_dir()`` returns the folder with model.safetensors,
    config.json and tokenizer.json, or raises a one-line PaperfeedError saying how to install it.
    """

    model_id: str
    dim: int
    quantized: bool
    description: str
    module: str
    export_version: int
    pad_id: int = 0
    max_tokens: int = MAX_TOKENS
    float_nodes: tuple[str, ...] = field(default=())
    """MatMul nodes kept in float32 when quantizing."""

    def weights_dir(self) -> Path:
        """The weights folder, from the model module."""
        return importlib.import_module(self.module).weights_dir()


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@lru_cache(maxsize=8)
def _fingerprint_cached(path: str, size: int, mtime_ns: int) -> str:
    """Fingerprint keyed by the file's identity so repeat calls skip the hashing."""
    return sha256_file(Path(path))[:16]


def weights_fingerprint(folder: Path) -> str:
    """Short hash of the safetensors weights; part of the cache file name."""
    path = folder / "model.safetensors"
    stat = path.stat()
    return _fingerprint_cached(str(path), stat.st_size, stat.st_mtime_ns)


def cache_path(model: OnnxModel, folder: Path, cache_dir: Path) -> Path:
    """Cache file for a model built from the weights in ``folder``."""
    return cache_dir / f"{model.model_id}-{weights_fingerprint(folder)}-v{model.export_version}.onnx"


def _manifest_path(model_path: Path) -> Path:
    """Sidecar JSON that records the size and hash of a finished export."""
    return model_path.with_name(model_path.name + ".json")


def cache_is_valid(model_path: Path) -> bool:
    """True when the model file exists and matches its manifest (size and SHA-256)."""
    try:
        manifest = json.loads(_manifest_path(model_path).read_text(encoding="utf-8"))
        if model_path.stat().st_size != manifest["size"]:
            return False
        return sha256_file(model_path) == manifest["sha256"]
    except (OSError, ValueError, KeyError, TypeError):
        return False


def atomic_write(target: Path, write: Callable[[Path], object]) -> None:
    """Call ``write(tmp_path)`` on a temp file next to ``target``, then rename it into place."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
    os.close(fd)
    try:
        write(Path(tmp))
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp creates 0600
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _remove_stale(cache_dir: Path, model: OnnxModel, keep: Path) -> None:
    """Delete older exports of this model and temp files left by killed exports."""
    now = time.time()
    for path in cache_dir.iterdir():
        with contextlib.suppress(OSError):  # another process may be cleaning up too
            stale_export = path.name.startswith(f"{model.model_id}-") and not path.name.startswith(keep.name)
            stale_temp = path.name.startswith(".tmp-") and now - path.stat().st_mtime > STALE_TEMP_SECONDS
            if stale_export or stale_temp:
                path.unlink()


def quantize(model: onnx.ModelProto, out: Path, float_nodes: Sequence[str] = ()) -> None:
    """Dynamic int8 quantization of the MatMul weights (per channel); ``float_nodes`` stay float32."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)  # the quantizer logs advice about pre-processing on the root logger
    try:
        quantize_dynamic(model, out, op_types_to_quantize=["MatMul"], per_channel=True,
                         reduce_range=False, weight_type=QuantType.QInt8, nodes_to_exclude=list(float_nodes))
    finally:
        logging.disable(previous)


def write_export(model: OnnxModel, graph: onnx.ModelProto, folder: Path, target: Path) -> None:
    """Write ``graph`` (quantized if the model says so) atomically to ``target``, then its manifest."""
    from onnx import save_model

    if model.quantized:
        atomic_write(target, lambda tmp: quantize(graph, tmp, model.float_nodes))
    else:
        atomic_write(target, lambda tmp: save_model(graph, tmp))
    manifest = {"model_id": model.model_id, "size": target.stat().st_size, "sha256": sha256_file(target),
                "weights": weights_fingerprint(folder), "export_version": model.export_version}
    atomic_write(_manifest_path(target), lambda tmp: tmp.write_text(json.dumps(manifest), encoding="utf-8"))


def ensure_model(model: OnnxModel, cache_dir: Path | None = None, rebuild: bool = False) -> Path:
    """Path of a valid cached export of ``model``, building it first when needed."""
    folder = model.weights_dir()
    cache_dir = Path(cache_dir) if cache_dir is not None else models_cache_dir()
    cache_dir.mkdir(parents=True, exist_ok=True)
    target = cache_path(model, folder, cache_dir)
    if rebuild or not cache_is_valid(target):
        _export_isolated(model, target)
        _remove_stale(cache_dir, model, keep=target)
    return target


def _export_isolated(model: OnnxModel, target: Path, tries: int = 3) -> None:
    """Run the export in a child process, so a crash in native code (seen once, under heavy
    load, inside onnxruntime's quantizer) costs a retry instead of the caller's process."""
    cmd = [sys.executable, "-m", "paperfeed.embed.onnx_encoder", model.module, model.model_id, str(target)]
    for _ in range(tries):
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode == 0 and cache_is_valid(target):
            return
    last = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[-1]
    raise PaperfeedError(f"could not export the embedding model {model.model_id}: {last}")


def session(path: Path, threads: int | None) -> onnxruntime.InferenceSession:
    """An onnxruntime CPU session using all cores for each operator."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or os.cpu_count() or 1
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    # no busy-waiting between operators: measured ~12% faster and ~15% less CPU on a busy 2-core machine
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def load_tokenizer(folder: Path, max_tokens: int = MAX_TOKENS) -> tokenizers.Tokenizer:
    """The model's bundled WordPiece tokenizer, truncating at ``max_tokens`` and not padding."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=max_tokens)
    return tokenizer


def pad(rows: Sequence[Sequence[int]], pad_id: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Right-pad token id lists to the longest; return (input_ids, attention_mask) int64."""
    width = max(len(r) for r in rows)
    ids = np.full((len(rows), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=np.int64)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = row
        mask[i, : len(row)] = 1
    return ids, mask


def chunks(lengths: Sequence[int], batch_size: int) -> list[np.ndarray]:
    """Indices sorted by length, cut into batches of at most ``batch_size``.

    A batch is also cut where lengths grow past twice its shortest (plus 8), so short texts are
    not padded to the length of long ones: less wasted compute, and int8 activation scales that
    depend less on what else is in the batch.
    """
    order = np.argsort(np.asarray(lengths), kind="stable")
    found: list[np.ndarray] = []
    start = 0
    for end in range(1, len(order) + 1):
        full = end - start == batch_size
        gap = end < len(order) and lengths[order[end]] > 2 * lengths[order[start]] + 8
        if end == len(order) or full or gap:
            found.append(order[start:end])
            start = end
    return found


class OnnxEncoder:
    """A sentence encoder on onnxruntime: unit-length float32 vectors of ``model.dim``."""

    def __init__(self, model: OnnxModel, cache_dir: str | Path | None = None,
                 batch_size: int = 32, threads: int | None = None) -> None:
        self.model = model
        self.model_id = model.model_id
        self.dim = model.dim
        self.batch_size = max(1, batch_size)
        self.model_path = ensure_model(model, Path(cache_dir) if cache_dir is not None else None)
        try:
            self._session = session(self.model_path, threads)
        except Exception:  # a file that matches its manifest but will not load: rebuild once
            self.model_path = ensure_model(model, self.model_path.parent, rebuild=True)
            self._session = session(self.model_path, threads)
        self._tokenizer = load_tokenizer(model.weights_dir(), model.max_tokens)

    def tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids per text, with the model's start/end tokens, truncated to ``max_tokens``."""
        return [enc.ids for enc in self._tokenizer.encode_batch([t[:MAX_TEXT_CHARS] for t in texts])]

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts in length-sorted sub-batches of ``batch_size``; rows keep input order."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        ids = self.tokenize(texts)
        for chunk in chunks([len(row) for row in ids], self.batch_size):
            input_ids, mask = pad([ids[i] for i in chunk], self.model.pad_id)
            out[chunk] = self._session.run(["embedding"], {"input_ids": input_ids, "attention_mask": mask})[0]
        return out

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.model_id!r}, batch_size={self.batch_size})"


if __name__ == "__main__":  # the child process of _export_isolated: MODULE MODEL_ID TARGET
    importlib.import_module(sys.argv[1]).export(sys.argv[2], Path(sys.argv[3]))
