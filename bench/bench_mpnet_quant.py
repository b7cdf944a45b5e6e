"""How MPNet's int8 export was chosen: outlier channels from calibration, then cosine to fp32.

    python bench/bench_mpnet_quant.py [--calibrate 32] [--eval 48] [--threshold 4] [--float-ffn 6,7,8,9,10]

Needs `paperfeed models install mpnet`. Calibration runs the fp32 graph with its residual-stream
tensors as extra outputs over papers [100, 100+calibrate) of the corpus and prints, per tensor, the
median and largest per-channel |activation|; the channels above --threshold anywhere are the
outlier set (onnx_mpnet.OUTLIER_CHANNELS was made this way). Then the int8 model is built with
that set split off and the FFN output MatMuls of --float-ffn layers in float32, and compared with
fp32 on the first --eval papers (held out from calibration): cosine, top-10 neighbour overlap,
file size and papers/s.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

DATA = Path("/work/shared/data/arxiv-cs-daily-dwdengwei.jsonl.gz")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from paperfeed.embed import mpnet_graph, onnx_mpnet  # noqa: E402
from paperfeed.embed.base import paper_text  # noqa: E402
from paperfeed.embed.onnx_encoder import chunks, load_tokenizer, pad, quantize, session  # noqa: E402


def read_texts(path: Path, n: int) -> list[str]:
    """Title + abstract of the first ``n`` records."""
    texts: list[str] = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            texts.append(paper_text(record.get("title") or "", record.get("abstract") or ""))
            if len(texts) >= n:
                break
    return texts


def _batches(tokenizer, texts: list[str]):  # noqa: ANN001, ANN202
    """(indices, input_ids, attention_mask) per length-sorted batch of 16."""
    ids = [e.ids for e in tokenizer.encode_batch(texts)]
    for chunk in chunks([len(i) for i in ids], 16):
        yield (chunk, *pad([ids[i] for i in chunk], onnx_mpnet.PAD_ID))


def embed(sess, tokenizer, texts: list[str]) -> np.ndarray:  # noqa: ANN001
    """Embeddings in input order."""
    out = np.zeros((len(texts), onnx_mpnet.DIM), np.float32)
    for chunk, input_ids, mask in _batches(tokenizer, texts):
        out[chunk] = sess.run(["embedding"], {"input_ids": input_ids, "attention_mask": mask})[0]
    return out


def largest_activations(sess, tokenizer, texts: list[str], names: list[str]) -> np.ndarray:  # noqa: ANN001
    """Per tensor in ``names`` and channel, the largest |value| over all real tokens."""
    largest = np.zeros((len(names), onnx_mpnet.DIM))
    for _, input_ids, mask in _batches(tokenizer, texts):
        for row, out in enumerate(sess.run(names, {"input_ids": input_ids, "attention_mask": mask})):
            largest[row] = np.maximum(largest[row], np.abs(out[mask.astype(bool)]).max(0))
    return largest


def main() -> None:
    """Calibrate, build, compare."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--calibrate", type=int, default=32)
    parser.add_argument("--eval", type=int, default=48)
    parser.add_argument("--threshold", type=float, default=4.0)
    parser.add_argument("--float-ffn", default="6,7,8,9,10")
    args = parser.parse_args()
    from onnx import save_model
    from safetensors.numpy import load_file

    folder = onnx_mpnet.weights_dir()
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    weights = load_file(folder / "model.safetensors")
    tokenizer = load_tokenizer(folder)
    texts = read_texts(args.data, 100 + args.calibrate)
    held_out, calibration = texts[: args.eval], texts[100:]
    names = mpnet_graph.residual_names(int(config["num_hidden_layers"]))
    with tempfile.TemporaryDirectory(prefix="bench-mpnet-") as tmp:
        fp32_path = Path(tmp) / "fp32.onnx"
        save_model(mpnet_graph.build_model(weights, config, calibration=True), fp32_path)
        fp32 = session(fp32_path, None)
        largest = largest_activations(fp32, tokenizer, calibration, names)
        for name, row in zip(names, largest, strict=True):
            print(f"{name:45s} median {np.median(row):5.2f}  largest {np.sort(row)[::-1][:4].round(1)}")
        outliers = np.unique(np.nonzero(largest > args.threshold)[1])
        print(f"{len(outliers)} outlier channels above {args.threshold}: {outliers.tolist()}")
        reference = embed(fp32, tokenizer, held_out)
        del fp32
        layers = [int(x) for x in args.float_ffn.split(",") if x]
        graph = mpnet_graph.build_model(weights, config, outlier_channels=outliers if len(outliers) else None)
        float_nodes = [n.name for n in graph.graph.node if n.name.endswith(".outliers.matmul")]
        float_nodes += [f"encoder.layer.{i}.output.dense.matmul" for i in layers]
        int8_path = Path(tmp) / "int8.onnx"
        quantize(graph, int8_path, float_nodes)
        start = time.perf_counter()
        int8 = embed(session(int8_path, None), tokenizer, held_out)
        rate = len(held_out) / (time.perf_counter() - start)
        cos = np.sum(int8 * reference, axis=1)
        a, b = reference @ reference.T, int8 @ int8.T
        np.fill_diagonal(a, -np.inf)
        np.fill_diagonal(b, -np.inf)
        overlap = np.mean([len(set(x) & set(y)) / 10 for x, y in
                           zip(np.argsort(-a)[:, :10], np.argsort(-b)[:, :10], strict=True)])
        print(f"int8 (float FFN output in layers {layers}): cosine to fp32 mean {cos.mean():.4f} min {cos.min():.4f}; "
              f"top-10 overlap {overlap:.3f}; {int8_path.stat().st_size / 1e6:.0f} MB; {rate:.2f} papers/s")


if __name__ == "__main__":
    main()
