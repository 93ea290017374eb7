#!/usr/bin/env bash
# The automatic fixes and the formatting `make lint` checks, over the whole
# tree (`make format`): ruff's safe fixes, ruff format, djLint's reformat of
# the Django templates. Idempotent: a second run changes nothing. What ruff
# cannot fix by itself is left for `make lint` to report.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
# The same template folders as the Makefile's lint target.
TEMPLATES=(aquatiris_portal/templates example_site/templates)

# Fixes first (imports sorted, pyupgrade...), then the formatter, then the
# fixes again: formatting may join lines a fix then sees (and the reverse).
"$BIN/ruff" check --fix --exit-zero --silent .
"$BIN/ruff" format --quiet .
"$BIN/ruff" check --fix --exit-zero --silent .
# djlint exits 1 when it changed a file: that is its success here.
"$BIN/djlint" "${TEMPLATES[@]}" --reformat --quiet >/dev/null || true
# A template djlint could not leave stable fails here, not later in CI.
"$BIN/djlint" "${TEMPLATES[@]}" --check --quiet
"$BIN/ruff" format --check --quiet .
echo "tidy_tree: done; now run make lint (what is left needs a hand)."
