#!/usr/bin/env bash
# Install what the tests need and run them: the one test command of README.md (.ci/run runs it
# in a fresh virtual environment). Debian's chromium (for the HTML report's browser test) and
# xvfb (a virtual X display for the live window's test) are installed with apt-get when
# missing; that needs root, or sudo.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
if ! command -v chromium >/dev/null 2>&1; then missing+=(chromium); fi
if ! command -v Xvfb >/dev/null 2>&1; then missing+=(xvfb); fi
if [ "${#missing[@]}" -gt 0 ]; then
    sudo=""
    if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends \
        "${missing[@]}"
fi
python -m pip install --quiet -e ".[test]"
python -m pytest "$@"
