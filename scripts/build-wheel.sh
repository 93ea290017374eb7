#!/usr/bin/env bash
# Build the package's wheel into OUTDIR (default: dist/) without writing
# anything else into the source tree: the files git knows are copied to a
# temporary folder, the French catalogue is compiled there (the .mo files are
# not in git), and `pip wheel` builds there. Fails if setuptools warns.
#   scripts/build-wheel.sh [OUTDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
OUT="$(mkdir -p "${1:-dist}" && cd "${1:-dist}" && pwd)"
# The project's venv when there is one (make install), else the python3 on
# the PATH; PYTHON=/path/to/python picks another. Building needs only pip.
if [ -z "${PYTHON:-}" ]; then
    if [ -x "$ROOT/.venv/bin/python" ]; then PYTHON="$ROOT/.venv/bin/python"; else PYTHON="$(command -v python3 || true)"; fi
fi
if [ -z "$PYTHON" ] || ! "$PYTHON" -m pip --version >/dev/null 2>&1; then
    echo "No Python with pip to build with: run 'make install' first, or set PYTHON=/path/to/python (3.11 or newer, with pip)" >&2; exit 1
fi
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir "$WORK/src"
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' file; do
    [ -e "$file" ] && cp --parents -- "$file" "$WORK/src/"
done
if command -v msgfmt >/dev/null; then
    for po in "$WORK"/src/aquatiris_portal/locale/*/LC_MESSAGES/*.po; do
        [ -e "$po" ] && msgfmt --check-format -o "${po%.po}.mo" "$po"
    done
else
    echo "msgfmt not found (Debian package gettext): the wheel would ship no French catalogue" >&2; exit 1
fi
cd "$WORK/src"
if ! "$PYTHON" -m pip wheel --no-deps --disable-pip-version-check -v -w "$OUT" . >"$WORK/build.log" 2>&1; then
    cat "$WORK/build.log" >&2; exit 1
fi
# setuptools' own warnings (not pip's notes about this machine's index
# configuration, nor "byte-compiling is disabled", which pip asks for).
if grep -E "Warning|warning:|!!" "$WORK/build.log" | grep -vE "byte-compiling is disabled|Location '.*' is ignored" >"$WORK/warnings.txt"; then
    echo "The build printed warnings:" >&2; cat "$WORK/warnings.txt" >&2; exit 1
fi
ls "$OUT"/aquatiris_portal-*.whl
