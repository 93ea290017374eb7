#!/usr/bin/env bash
# Debian packages the test suite runs for real: PostgreSQL, Redis, Chromium,
# gettext (to compile the French catalogue), zbar-tools (zbarimg reads the
# authenticator QR code in tests/integration/test_qr_browser.py), LibreOffice
# Calc (judges the SPANC export) and a Java runtime (the Nu HTML Checker).
set -euo pipefail
PACKAGES="postgresql redis-server chromium gettext zbar-tools libreoffice-calc-nogui default-jre-headless"
missing=""
for package in $PACKAGES; do
    dpkg -s "$package" >/dev/null 2>&1 || missing="$missing $package"
done
# npm runs `npm ci` (axe-core for tests/integration/test_a11y.py): Debian's
# npm only when no Node.js/npm is installed (e.g. from NodeSource) already.
command -v npm >/dev/null 2>&1 || missing="$missing npm"
if [ -n "$missing" ]; then
    if [ "$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi
    echo "Installing Debian packages:$missing"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi
