"""Benchmark: wall time of a fresh `paperfeed` process for --version, --help, list, show, search and feed.

    nice -n 10 .venv/bin/python bench/bench_startup.py [--runs 10] [--papers 500] [--model ID] [--json OUT]

Setup (not timed): a library in a temporary PAPERFEED_HOME from the first --papers records of
samples/arxiv-cs-sample-2026-06.jsonl.gz, embedded with --model (default: the bundled model, as a
user has it), and a profile of 3 of its papers.
Each command then runs --runs times as its own process (the console script next to this Python); the
figures are the median and maximum wall time and the median CPU time (user + system, which a machine
shared with other jobs does not inflate). Target: --version and --help under 0.3 s.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "arxiv-cs-sample-2026-06.jsonl.gz"


def paperfeed(*args: str, env: dict) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("paperfeed")
    return subprocess.run([str(exe), *args], env=env, capture_output=True, text=True, check=False)


def _cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def timed(args: list[str], env: dict, runs: int) -> dict:
    """Wall and CPU seconds (user + system) of each run; CPU time is what a busy machine does not inflate."""
    times, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), _cpu()
        r = paperfeed(*args, env=env)
        times.append(time.perf_counter() - t0)
        cpu.append(_cpu() - c0)
        if r.returncode != 0:
            raise SystemExit(f"paperfeed {' '.join(args)} failed: {r.stderr.strip()}")
    return {"median_s": round(statistics.median(times), 3), "max_s": round(max(times), 3),
            "cpu_median_s": round(statistics.median(cpu), 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--papers", type=int, default=500, help="records of the sample to ingest (at most 2,500)")
    ap.add_argument("--model", default=None, help="embedding model (default: the bundled one)")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "PAPERFEED_HOME": home, "HF_HUB_OFFLINE": "1"}
        env.pop("PAPERFEED_DB", None)
        if args.model:
            env["PAPERFEED_MODEL"] = args.model
        t0 = time.perf_counter()
        sample = Path(home) / "sample.jsonl"
        with gzip.open(SAMPLE, "rt", encoding="utf-8") as f:
            sample.write_text("".join(itertools.islice(f, args.papers)), encoding="utf-8")
        if paperfeed("ingest", str(sample), env=env).returncode:
            raise SystemExit("ingest failed")
        papers = json.loads(paperfeed("list", "--json", "--limit", "3", env=env).stdout)
        keys = [p["key"] for p in papers]
        paperfeed("profile", "create", "bench", "--keys", " ".join(keys), env=env)
        print(f"setup: {time.perf_counter() - t0:.1f} s ({args.papers} papers of {SAMPLE.name}, "
              f"model {args.model or 'default'})")
        commands = {
            "--version": ["--version"], "--help": ["--help"], "list": ["list", "--limit", "20"],
            "show": ["show", keys[0]], "search keyword": ["search", "attention", "--mode", "keyword"],
            "search hybrid": ["search", "attention for long context"], "feed": ["feed", "bench", "--all"],
        }
        out = {}
        for name, cmd in commands.items():
            out[name] = timed(cmd, env, args.runs)
            print(f"{name:16s} wall median {out[name]['median_s']:.3f} s  max {out[name]['max_s']:.3f} s   "
                  f"cpu median {out[name]['cpu_median_s']:.3f} s")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
