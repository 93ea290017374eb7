#!/usr/bin/env bash
# The portal's speed benchmark: see bench/run.py (--help) and bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || scripts/bootstrap.sh
exec .venv/bin/python bench/run.py "$@"
