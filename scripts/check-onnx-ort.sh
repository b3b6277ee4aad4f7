#!/usr/bin/env bash
# Checks pacnet's ONNX export with ONNX Runtime, case by case, and keeps what it checked:
# runs the export tests (tests/export.rs) with PACNET_EXPORT_CHECK_DIR, so every exported
# model.onnx stays beside the normalised inputs and the probabilities pacnet computed, then
# runs each model in ONNX Runtime (scripts/onnx/check-ort.sh: a venv with onnxruntime and
# numpy from PyPI, made once) and prints one line per case.
#
# Cases: a project trained with `pacnet train` on MobileNet v1 0.25 (the 7 golden photos), and
# random-weight MobileNet V2, V3 small (PyTorch and tf_ padding), V3 large (two cuts) and a V1
# depthwise cut. Exit 1 when any probability differs by more than 1e-4 (or TOL).
# Usage: [KEEP=DIR] [TOL=1e-4] scripts/check-onnx-ort.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
OUT="${KEEP:-$(mktemp -d)}"
[ -n "${KEEP:-}" ] || trap 'rm -rf "$OUT"' EXIT
mkdir -p "$OUT"
PACNET_EXPORT_CHECK_DIR="$OUT" cargo test --release --locked --test tests -q -- \
  export::v1_project_exports export::random_weight_backbones >&2
cases=("$OUT/v1")
for d in "$OUT"/random/*/; do cases+=("${d%/}"); done
scripts/onnx/check-ort.sh --tol "${TOL:-1e-4}" "${cases[@]}"
