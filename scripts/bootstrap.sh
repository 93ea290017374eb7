#!/usr/bin/env bash
# Create .venv with the newest Python >= 3.11 found and install the package
# with its test extras, every dependency at the newest release setup.cfg's
# bounds allow and the index serves (nothing pinned here: a Wagtail 8.1 on
# the index is picked up under `wagtail>=7.4,<9`). Safe to run again: it
# reinstalls (and upgrades) only when setup.cfg changed; delete
# .venv/.installed-* to upgrade anyway. Used by `make demo` and `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."

pick_python() {
    for candidate in python3.14 python3.13 python3.12 \
        /root/.pyenv/versions/3.14*/bin/python3.14 /root/.pyenv/versions/3.13*/bin/python3.13 \
        /root/.pyenv/versions/3.12*/bin/python3.12 \
        /usr/bin/python3.14 /usr/bin/python3.13 /usr/bin/python3.12 python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$candidate"; return
        fi
    done
    echo "No Python >= 3.11 found" >&2; exit 1
}

if [ ! -x .venv/bin/python ]; then
    PYTHON="$(pick_python)"
    echo "Creating .venv with $($PYTHON --version)"
    "$PYTHON" -m venv .venv
fi
STAMP=.venv/.installed-$(sha1sum setup.cfg | cut -c1-12)
if [ ! -f "$STAMP" ]; then
    # pip and setuptools are chatty (index and packaging warnings): keep
    # their output in a log and show it only when the install fails.
    echo "Installing the package and its test extras into .venv (log: .venv/install.log)"
    if ! { .venv/bin/python -m pip install -q --disable-pip-version-check -U pip \
           && .venv/bin/python -m pip install -q --disable-pip-version-check -U --upgrade-strategy eager \
                -e ".[test]"; } >.venv/install.log 2>&1; then
        tail -n 60 .venv/install.log >&2
        echo "pip install failed; full log in .venv/install.log" >&2
        exit 1
    fi
    rm -f .venv/.installed-*
    touch "$STAMP"
    .venv/bin/python -c 'import sys, django, wagtail; print(f"newest pair: Python {sys.version.split()[0]}, Django {django.__version__}, Wagtail {wagtail.__version__}")'
fi
