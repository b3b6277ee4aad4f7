#!/usr/bin/env bash
# Runs scripts/onnx/check_ort.py (pacnet's ONNX exports in ONNX Runtime, against pacnet's own
# probabilities) in a Python venv with onnxruntime and numpy from PyPI, pinned by
# requirements.txt. The venv (~180 MB) is made once, in a cache folder named after the pins'
# hash, so later runs start at once and work offline.
# Usage: scripts/onnx/check-ort.sh [--tol X] CASE_DIR...
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
command -v python3 >/dev/null || { echo "check-ort: needs python3 (scripts/deps.sh --test installs it)" >&2; exit 2; }
KEY="$(sha256sum "$HERE/requirements.txt" | cut -c1-16)"
VENV="${PACNET_ORT_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/pacnet/ort-$KEY}"
if [ ! -f "$VENV/.installed" ]; then
  # Made in place (a venv's scripts name their folder); a half-made one is made again.
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$HERE/requirements.txt" >&2
  touch "$VENV/.installed"
fi
exec "$VENV/bin/python" "$HERE/check_ort.py" "$@"
