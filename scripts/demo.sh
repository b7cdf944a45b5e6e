#!/usr/bin/env bash
# Set up, then run the main job on the shipped sample: ingest papers, build a profile, print a ranked feed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1
export PAPERFEED_HOME="${PAPERFEED_HOME:-$PWD/.demo}"
pf=.venv/bin/paperfeed
echo "== ingest the sample (2,500 real arXiv CS papers, June 2026) and embed them"
$pf ingest samples/arxiv-cs-sample-2026-06.jsonl.gz
echo "== library"
$pf stats
echo "== newest papers"
$pf list --limit 5
echo "== profile 'demo' from a BibTeX export of one researcher's papers"
$pf profile create demo --from samples/demo/my-papers.bib --interests "cooperative AI agents; LLM safety; causality"
echo "== feed for 'demo'"
$pf feed demo --limit 10
