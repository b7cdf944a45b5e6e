"""Commands start fast: --version and --help import no heavy module, and a read command imports none
of those it does not use (issue 12: `paperfeed --version` took 1.3-2.6 s). Times are measured by
bench/bench_startup.py, not here."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

HEAVY = ("numpy", "onnxruntime", "usearch", "scipy", "sklearn", "httpx", "jinja2", "lxml", "fastapi",
         "tokenizers", "paperfeed.library", "rapidfuzz", "rich.progress", "rich.markup", "paperfeed.onboard",
         "paperfeed.normalize")
"""Not imported by --version or --help (rapidfuzz, rich.progress, rich.markup, onboard and normalize cost
15-40 ms each)."""
PROBE = f"""
import json, sys
sys.argv = ["paperfeed", *json.loads(sys.argv[1])]
from paperfeed.cli import main
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(m for m in sys.modules if m in {HEAVY!r})), file=sys.stderr)
"""


def loaded_after(*args: str, env: dict | None = None) -> set[str]:
    r = subprocess.run([sys.executable, "-c", PROBE, json.dumps(list(args))], capture_output=True, text=True,
                       env=env, timeout=120)
    return set(json.loads(r.stderr.strip().splitlines()[-1]))


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["search", "--help"], ["feed", "--help"]])
def test_version_and_help_import_nothing_heavy(args: list[str]) -> None:
    assert loaded_after(*args) == set()


def test_list_does_not_load_the_model_the_index_or_the_web_stack(tmp_path) -> None:
    env = {**os.environ, "PAPERFEED_HOME": str(tmp_path)}
    got = loaded_after("--db", str(tmp_path / "lib.db"), "list", env=env)
    assert "paperfeed.library" in got  # it does open the library
    assert not got & {"onnxruntime", "usearch", "httpx", "jinja2", "lxml", "fastapi", "sklearn", "tokenizers"}
