#!/usr/bin/env bash
# Install what the tests need and run them: the one test command of README.md (.ci/run runs it
# in a fresh virtual environment). Debian's chromium (for the HTML report's browser test) is
# installed with apt-get when missing; that needs root, or sudo.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
    sudo=""
    if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends chromium
fi
python -m pip install --quiet -e ".[test]"
python -m pytest "$@"
