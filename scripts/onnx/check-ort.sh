#!/usr/bin/env bash
# Runs scripts/onnx/check_ort.py (pacnet's ONNX exports in ONNX Runtime, against pacnet's own
# probabilities) in a Python venv with onnxruntime and numpy from PyPI, pinned by
# requirements.txt (venv.sh makes the venv once and caches it).
# Usage: scripts/onnx/check-ort.sh [--tol X] CASE_DIR...
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
PY="$("$HERE/venv.sh")"
exec "$PY" "$HERE/check_ort.py" "$@"
