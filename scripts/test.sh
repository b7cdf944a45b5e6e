#!/usr/bin/env bash
# Set up (venv, Python deps, Chromium for browser tests), then run the linter and every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Chromium for the browser tests (apt)"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "warning: chromium not found and cannot be installed; browser tests will be skipped" >&2
  fi
fi
export HF_HUB_OFFLINE=1
.venv/bin/ruff check src tests bench
.venv/bin/mypy  # src/, configured in pyproject.toml: the store protocols and their callers agree
.venv/bin/python -m pytest -q "$@"
