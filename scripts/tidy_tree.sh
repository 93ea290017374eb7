#!/usr/bin/env bash
# The automatic fixes and the formatting `make lint` checks, over the whole
# tree (`make format`): ruff's safe fixes and ruff format. Idempotent: a
# second run changes nothing. What ruff cannot fix by itself is left for
# `make lint` to report. Templates are linted, not reformatted (pyproject.toml).
# At the end of a round: after scripts/relayout_tests.py (the imports it rewrites get sorted here).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

# Fixes first (imports sorted, pyupgrade...), then the formatter, then the
# fixes again: formatting may join lines a fix then sees (and the reverse).
"$BIN/ruff" check --fix --exit-zero --silent .
"$BIN/ruff" format --quiet .
"$BIN/ruff" check --fix --exit-zero --silent .
"$BIN/ruff" format --check --quiet .
echo "tidy_tree: done; now run make lint (what is left needs a hand)."
