#!/usr/bin/env bash
# Prints the path of a Python with onnxruntime and numpy from PyPI (pinned by
# requirements.txt), making the venv (~180 MB) once, in a cache folder named after the pins'
# hash, so later runs start at once and work offline. Used by check-ort.sh and
# scripts/bench-vs-ort.sh.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
command -v python3 >/dev/null || { echo "pacnet: needs python3 (scripts/deps.sh --test installs it)" >&2; exit 2; }
KEY="$(sha256sum "$HERE/requirements.txt" | cut -c1-16)"
VENV="${PACNET_ORT_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/pacnet/ort-$KEY}"
if [ ! -f "$VENV/.installed" ]; then
  # Made in place (a venv's scripts name their folder); a half-made one is made again.
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$HERE/requirements.txt" >&2
  touch "$VENV/.installed"
fi
echo "$VENV/bin/python"
