#!/usr/bin/env bash
# Checks pacnet's ONNX export with ONNX Runtime: runs the export tests (tests/export.rs) with
# PACNET_EXPORT_CHECK_DIR so they keep every exported model.onnx beside the inputs and the
# probabilities pacnet computed, then runs each model in ONNX Runtime and compares.
#
# Cases: a project trained with `pacnet train` on MobileNet v1 0.25 (the 7 golden photos), and
# random-weight MobileNet V2 / V3 small / V3 large / tf_ V3 small and a V1 depthwise cut.
# Installs onnxruntime and numpy from PyPI into a venv on first use (the versions
# ../shared/bench pins; ~60 MB). Exit 1 when any probability differs by more than 1e-4.
# Usage: scripts/check-onnx-ort.sh
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${ORT_VENV:-$HOME/.cache/pacnet/ort-venv}"
PY="$VENV/bin/python"
if [ ! -x "$PY" ] || ! "$PY" -c "import onnxruntime, numpy" 2>/dev/null; then
  python3 -m venv "$VENV"
  "$PY" -m pip install -q --disable-pip-version-check onnxruntime==1.32.0 numpy==2.4.6
fi
export PATH="$HOME/.cargo/bin:$PATH"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
PACNET_EXPORT_CHECK_DIR="$OUT" cargo test --release --locked --test tests -q -- \
  export::v1_project_exports export::random_weight_backbones >&2

"$PY" - "$OUT" <<'EOF'
import json, pathlib, sys
import numpy as np
import onnxruntime as ort

tol, worst_all, failed = 1e-4, 0.0, False
print(f"onnxruntime {ort.__version__}")
for case in sorted(p for p in pathlib.Path(sys.argv[1]).iterdir() if (p / "check.json").exists()):
    check = json.loads((case / "check.json").read_text())
    n, k = check["n"], len(check["classes"])
    x = np.fromfile(case / check["inputs"], dtype="<f4").reshape([n] + check["input_shape"])
    expected = np.fromfile(case / check["expected"], dtype="<f4").reshape(n, k)
    sess = ort.InferenceSession(str(case / "onnx" / "model.onnx"), providers=["CPUExecutionProvider"])
    meta = sess.get_modelmeta().custom_metadata_map
    assert json.loads(meta["classes"]) == check["classes"], (case.name, meta["classes"])
    got = np.concatenate([sess.run(["probs"], {"input": x[i : i + 1]})[0] for i in range(n)])
    worst = float(np.abs(got - expected).max())
    worst_all = max(worst_all, worst)
    ok = worst <= tol
    failed |= not ok
    print(f"{case.name:<42} images {n}  max |dp| {worst:.2e}  {'ok' if ok else 'FAIL'}  (cut {meta['cut']}, crop {meta['crop']})")
print(f"worst over all cases: {worst_all:.2e} (tolerance {tol:g})")
sys.exit(1 if failed else 0)
EOF
