#!/usr/bin/env bash
# Create .venv-oldest: Python 3.11 with the oldest supported pair, Django 5.2
# LTS and Wagtail 7.4 LTS, and every other dependency at the release series
# of its lower bound in setup.cfg (scripts/oldest_constraints.py). Used by
# `make test-oldest`. Safe to run again: it reinstalls only when setup.cfg
# changed.
set -euo pipefail
cd "$(dirname "$0")/.."

pick_python311() {
    for candidate in /root/.pyenv/versions/3.11*/bin/python3.11 python3.11 /usr/bin/python3.11 /usr/bin/python3 python3; do
        if command -v "$candidate" >/dev/null 2>&1 \
            && "$candidate" -c 'import sys, venv; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
            echo "$candidate"; return
        fi
    done
    echo "No Python 3.11 found (the oldest supported Python)" >&2; exit 1
}

if [ ! -x .venv-oldest/bin/python ]; then
    PYTHON="$(pick_python311)"
    echo "Creating .venv-oldest with $($PYTHON --version)"
    "$PYTHON" -m venv .venv-oldest
fi
STAMP=.venv-oldest/.installed-$(cat setup.cfg scripts/oldest_constraints.py | sha1sum | cut -c1-12)
if [ ! -f "$STAMP" ]; then
    .venv-oldest/bin/python scripts/oldest_constraints.py > .venv-oldest/constraints.txt
    echo "Installing the package with its oldest declared dependencies into .venv-oldest (log: .venv-oldest/install.log):"
    tr '\n' ' ' < .venv-oldest/constraints.txt; echo
    if ! { .venv-oldest/bin/python -m pip install -q --disable-pip-version-check -U pip \
           && .venv-oldest/bin/python -m pip install -q --disable-pip-version-check \
                -c .venv-oldest/constraints.txt -e ".[test]"; } >.venv-oldest/install.log 2>&1; then
        tail -n 60 .venv-oldest/install.log >&2
        echo "pip install failed; full log in .venv-oldest/install.log" >&2
        exit 1
    fi
    rm -f .venv-oldest/.installed-*
    touch "$STAMP"
fi
.venv-oldest/bin/python -c 'import sys, django, wagtail; print(f"oldest pair: Python {sys.version.split()[0]}, Django {django.__version__}, Wagtail {wagtail.__version__}")'
