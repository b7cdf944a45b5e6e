"""Benchmark: one daily run for N profiles over a ~170k-paper library with 1,000 new papers.

    PAPERFEED_MODEL=test-hashing-64 .venv/bin/python bench/bench_daily.py [--work DIR] [--profiles 10]
        [--new 1000] [--real-model]

Setup (cached in --work/base, not timed as part of the run): ingest the four arXiv corpus files of
shared/data except the 1,000 newest-dated papers and embed everything with the model in
PAPERFEED_MODEL (the deterministic hashing model: the real one needs ~45 min for 170k papers). The run
copies that library, serves the 1,000 held-out papers from a local arXiv look-alike (tests/support/fakes.py)
and sends digests to an aiosmtpd sink in a separate process. Printed: where the time goes, fetch excluded.
``--real-model`` also times the bundled MiniLM model on the 1,000 new papers alone.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import os
import random
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
FILES = ["arxiv-cs-daily-dwdengwei.jsonl.gz", "arxiv-cs-daily-advancedcs.jsonl.gz",
         "arxiv-cs-daily-csqiandong.jsonl.gz", "arxiv-hot-2020-2021-tatsuyashirakawa.jsonl.gz"]
INTERESTS = ["efficient long-context inference; KV cache", "speech recognition and audio language models",
             "reinforcement learning from human feedback", "graph neural networks for molecules",
             "retrieval-augmented generation", "diffusion models for video", "robot manipulation policies",
             "multilingual machine translation", "interpretability of transformers", "federated learning privacy"]


def load_fakes():
    spec = importlib.util.spec_from_file_location("paperfeed_bench_fakes", ROOT / "tests" / "support" / "fakes.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


class Timer:
    """Named wall-clock totals."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str):
        t = time.perf_counter()
        try:
            yield
        finally:
            self.totals[name] = self.totals.get(name, 0.0) + time.perf_counter() - t

    def wrap(self, obj, method: str, name: str | None = None) -> None:
        """Time every call of obj.method under ``name``."""
        inner = getattr(obj, method)

        def timed(*a, **k):
            with self(name or method):
                return inner(*a, **k)

        setattr(obj, method, timed)


def split_corpus(work: Path, n_new: int) -> tuple[Path, list[dict]]:
    """base.jsonl (everything but the n_new newest-dated papers) and the held-out records."""
    records = []
    for name in FILES:
        with gzip.open(DATA / name, "rt", encoding="utf-8") as f:
            records += [json.loads(line) for line in f]
    dated = sorted((r for r in records if r.get("date")), key=lambda r: (r["date"], r["id"]))
    new = dated[-n_new:]
    held = {r["id"] for r in new}
    base = work / "base.jsonl"
    with base.open("w", encoding="utf-8") as f:
        for r in records:
            if r["id"] not in held:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return base, new


def build_base(work: Path, n_new: int, profiles: int) -> list[dict]:
    """The cached base library (ingested and embedded); returns the held-out records."""
    from paperfeed.config import load_settings
    from paperfeed.library import Library

    base_dir = work / "base"
    new_file = work / "new.json"
    if (base_dir / "library.db").exists() and new_file.exists():
        return json.loads(new_file.read_text())
    shutil.rmtree(base_dir, ignore_errors=True)
    base_dir.mkdir(parents=True)
    t = time.perf_counter()
    base_file, new = split_corpus(work, n_new)
    lib = Library(load_settings(base_dir / "library.db"))
    lib.ingest([str(base_file)], fmt="jsonl")
    print(f"setup: ingested {lib.store.count()} papers in {time.perf_counter() - t:.0f}s", flush=True)
    t = time.perf_counter()
    n = lib.embed_pending(batch=256)
    lib.lexical_index()
    print(f"setup: embedded {n} papers ({lib.settings.model_id}) + lexical index in "
          f"{time.perf_counter() - t:.0f}s", flush=True)
    rng = random.Random(7)
    ids = lib.store.filter_ids(since="2025-06-01").tolist()
    for i in range(profiles):
        keys = [p.key for p in lib.store.papers_by_ids(rng.sample(ids, 6))]
        lib.create_profile(f"user{i:02d}", keys=keys, interests=INTERESTS[i % len(INTERESTS)])
    lib.close()
    new_file.write_text(json.dumps(new))
    return new


def smtp_sink(port: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c",
                             "aiosmtpd.handlers.Sink"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    return proc


def write_config(home: Path, oai_url: str, smtp_port: int, profiles: int) -> None:
    emails = "".join(f'[profiles.user{i:02d}]\nemail = "user{i:02d}@example.org"\n\n' for i in range(profiles))
    (home / "config.toml").write_text(
        f'[fetch]\ncategories = ["cs"]\noai_url = "{oai_url}"\ndelay = 0.0\n\n[digest]\nlimit = 20\n\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\ntls = "none"\nfrom = "feed@example.org"\n\n{emails}')


def run_daily(work: Path, new: list[dict], profiles: int) -> None:
    from paperfeed.config import load_settings
    from paperfeed.library import Library

    run_dir = work / "run"
    shutil.rmtree(run_dir, ignore_errors=True)
    shutil.copytree(work / "base", run_dir)
    fakes = load_fakes()
    for r in new:
        r["categories"] = r["categories"] or ["cs.AI"]
    since = min(r["date"] for r in new)
    port = fakes.free_port()
    sink = smtp_sink(port)
    try:
        with fakes.FakeArxiv(records=new, oai_page=500) as arxiv:
            write_config(run_dir, arxiv.oai_url, port, profiles)
            os.environ["PAPERFEED_HOME"] = str(run_dir)
            lib = Library(load_settings(run_dir / "library.db"))
            timer = Timer()
            for m in ("embed_pending", "_update_index", "lexical_index", "vector_index", "feed", "_message"):
                timer.wrap(lib, m)
            timer.wrap(lib.embedder(), "embed_batch")
            t = time.perf_counter()
            report = lib.delivery.daily(since=since)
            total = time.perf_counter() - t
    finally:
        sink.terminate()
    print_report(report, timer, total, lib)


def print_report(report, timer: Timer, total: float, lib) -> None:
    print(report.summary())
    s = report.seconds
    fetch = s["fetch"]
    digests = report.digests
    rank = sum(d.seconds.get("rank", 0) for d in digests)
    build = sum(d.seconds.get("build", 0) for d in digests)
    send = sum(d.seconds.get("send", 0) for d in digests)
    lex, vec = timer.totals.get("lexical_index", 0), timer.totals.get("vector_index", 0)
    print(f"\nlibrary: {lib.store.count()} papers; model {lib.settings.model_id}; {len(digests)} profiles")
    print(f"{'fetch + write 1000 (excluded)':40s} {fetch:7.2f}s")
    print(f"{'total without fetch':40s} {total - fetch:7.2f}s")
    emb = timer.totals.get("embed_batch", 0)
    print(f"{'  embed new papers + index update':40s} {s['embed']:7.2f}s")
    print(f"{'    model (embed_batch, all calls)':40s} {emb:7.2f}s")
    print(f"{'    vector index add + save':40s} {timer.totals.get('_update_index', 0):7.2f}s")
    print(f"{'  digests (all profiles)':40s} {s['digests']:7.2f}s")
    print(f"{'    rank (feed), incl. the below':40s} {rank:7.2f}s  ({rank / max(len(digests), 1):.2f}s/profile)")
    print(f"{'      lexical index refresh':40s} {lex:7.2f}s")
    print(f"{'      vector index load/check':40s} {vec:7.2f}s")
    print(f"{'    build messages (Jinja2 + email)':40s} {build:7.2f}s")
    print(f"{'    log + SMTP send':40s} {send:7.2f}s")
    other = s["digests"] - rank - build - send
    print(f"{'    other (config, unconfirmed check)':40s} {other:7.2f}s")


def time_real_model(new: list[dict]) -> None:
    from paperfeed.embed.base import paper_text
    from paperfeed.embed.registry import DEFAULT_MODEL, get_embedder

    t = time.perf_counter()
    emb = get_embedder(DEFAULT_MODEL)
    emb.embed_batch(["warm up"])
    load = time.perf_counter() - t
    texts = [paper_text(r["title"], r["abstract"]) for r in new]
    t = time.perf_counter()
    for i in range(0, len(texts), 64):
        emb.embed_batch(texts[i : i + 64])
    print(f"real model {DEFAULT_MODEL}: load {load:.1f}s, embed {len(texts)} new papers "
          f"{time.perf_counter() - t:.1f}s")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--work", type=Path, default=Path("/tmp/paperfeed-bench-daily"))
    ap.add_argument("--profiles", type=int, default=10)
    ap.add_argument("--new", type=int, default=1000)
    ap.add_argument("--real-model", action="store_true", help="Also time the real model on the new papers.")
    args = ap.parse_args()
    os.environ.setdefault("PAPERFEED_MODEL", "test-hashing-64")
    args.work.mkdir(parents=True, exist_ok=True)
    held_out = build_base(args.work, args.new, args.profiles)
    run_daily(args.work, held_out, args.profiles)
    if args.real_model:
        time_real_model(held_out)
