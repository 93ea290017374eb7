#!/usr/bin/env bash
# The portal's speed benchmark: see bench/run.py (--help) and bench/RESULTS.md.
# --freshness: the end-to-end freshness row instead (bench/freshness.py --help).
# --load: the load row, 50 people for 5 minutes on the production stack (bench/load.py --help).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || scripts/bootstrap.sh
if [ "${1:-}" = "--freshness" ]; then shift; exec .venv/bin/python bench/freshness.py "$@"; fi
if [ "${1:-}" = "--load" ]; then shift; exec .venv/bin/python bench/load.py "$@"; fi
exec .venv/bin/python bench/run.py "$@"
