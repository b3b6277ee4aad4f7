"""Runs models exported by `pacnet export --format onnx` in ONNX Runtime and compares their
probabilities with the ones pacnet computed for the same inputs.

usage: python check_ort.py [--tol 1e-4] CASE_DIR...
  CASE_DIR: check.json ({n, classes, input_shape, inputs, expected}), the normalised inputs
            (float32 LE, N x 3 x S x S), pacnet's probabilities (float32 LE, N x classes) and
            onnx/model.onnx, as tests/export.rs writes them.
Prints one line per case and `ort worst_max_abs_diff=<x>`; exits 1 when a case differs by more
than the tolerance or its metadata does not name its classes.
"""
import argparse
import json
import pathlib
import sys

import numpy as np
import onnxruntime as ort


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("cases", nargs="+", type=pathlib.Path)
    args = ap.parse_args()
    worst_all, failed = 0.0, False
    for case in args.cases:
        check = json.loads((case / "check.json").read_text())
        n, k = check["n"], len(check["classes"])
        x = np.fromfile(case / check["inputs"], dtype="<f4").reshape([n] + check["input_shape"])
        expected = np.fromfile(case / check["expected"], dtype="<f4").reshape(n, k)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        sess = ort.InferenceSession(str(case / "onnx" / "model.onnx"), opts, providers=["CPUExecutionProvider"])
        meta = sess.get_modelmeta().custom_metadata_map
        if json.loads(meta.get("classes", "null")) != check["classes"]:
            print(f"{case.name}: metadata classes {meta.get('classes')} != {check['classes']}")
            failed = True
        # One image per run, as a webcam app feeds it; the batch axis is symbolic too.
        got = np.concatenate([sess.run(["probs"], {"input": x[i : i + 1]})[0] for i in range(n)])
        worst = float(np.abs(got - expected).max())
        worst_all = max(worst_all, worst)
        ok = worst <= args.tol
        failed |= not ok
        print(f"{case.name:<44} images {n}  max |dp| {worst:.2e}  {'ok' if ok else 'FAIL'}  (cut {meta.get('cut')})")
    print(f"ort {ort.__version__} worst_max_abs_diff={worst_all:.3e} tolerance={args.tol:g}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
