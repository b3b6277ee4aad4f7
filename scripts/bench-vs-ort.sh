#!/usr/bin/env bash
# Side-by-side latency of pacnet's backbone and ONNX Runtime on the same MobileNets, same
# machine, same run, 1 and 2 threads; prints the ratio pacnet / ORT. Both use the anchors'
# timing loop (10 warm-up calls, then >= 100 calls and >= MIN_TIME seconds, at most 3000).
#
# Needs ../shared/bench (the anchors' ONNX graphs in bench/onnx and their ORT runner); ONNX
# Runtime and numpy come from PyPI into a cached venv (scripts/onnx/venv.sh, ~180 MB, once).
# Usage: [ROUNDS=5] [PACNET=bin] [BASELINE=bin] scripts/bench-vs-ort.sh [MIN_TIME_SECONDS]
#   MIN_TIME default 10 (2 is plenty with rounds). PACNET: a built pacnet binary to time instead
#   of building one. BASELINE: an older pacnet binary, timed in the same rounds (rows "-base").
# The binary comes from the test build (`cargo test --no-run`), so the script reuses the
# artifacts of the usual test run instead of rebuilding candle with the binary's feature set.
set -euo pipefail
cd "$(dirname "$0")/.."
MIN_TIME="${1:-10}"
BENCH="$(cd ../shared/bench && pwd)"
ONNX="${ANCHORS_ONNX:-$BENCH/onnx}"
PY="$(scripts/onnx/venv.sh)"
for f in mnv1_025 mobilenetv3_large_100; do
  [ -s "$ONNX/$f.onnx" ] || { echo "pacnet: $ONNX/$f.onnx is missing (the anchors' ONNX graphs)" >&2; exit 2; }
done
if [ -z "${PACNET:-}" ]; then
  cargo test --release --locked --all-targets --no-run -q 2>/dev/null
  PACNET="${CARGO_TARGET_DIR:-target}/release/pacnet"
fi
BASELINE="${BASELINE:-}"
V1="$(cd ../shared/models/tf_mobilenetv1_025 && pwd)"
grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: /CPU: /' || true
"$PACNET" bench --model "$V1" --cut conv_pw_13_relu --iters 1 --min-time 0 | head -1

median() { grep -oE 'median +[0-9.]+' | head -1 | awk '{print $2}'; }
# Median of the numbers on stdin.
med() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

# This machine's speed drifts by tens of per cent within minutes (shared host), so the two
# runtimes are interleaved in ROUNDS short rounds and the median of the per-round ratios is
# reported beside the median times.
ROUNDS="${ROUNDS:-5}"
printf '%-36s %3s %10s %10s %8s   %s\n' model threads "pacnet ms" "ORT ms" ratio "per-round ratios"
for T in 1 2; do
  : > /tmp/pacnet-vs-ort-$T.txt
  for r in $(seq "$ROUNDS"); do
    ort=$(ANCHORS_MIN_TIME="$MIN_TIME" "$PY" "$BENCH/py/bench_ort.py" --threads "$T" --dir "$ONNX" \
          --out "/tmp/pacnet-ort-$T.json" --models mnv1_025,mobilenetv3_large_100 2>/dev/null)
    ort_v1=$(echo "$ort" | grep mnv1_025 | median)
    ort_v3=$(echo "$ort" | grep mobilenetv3_large_100 | median)
    for bin in "$PACNET" $BASELINE; do
      tag=""; [ "$bin" = "$PACNET" ] || tag="-base"
      p_v1=$("$bin" bench --model "$V1" --cut conv_pw_13_relu --threads "$T" --min-time "$MIN_TIME" | grep '^backbone' | median)
      # ORT's anchor is timm's forward_features: the full 960×7×7 map, so the same cut here.
      p_v3=$("$bin" bench --arch mobilenetv3_large_100 --cut blocks.6.0 --threads "$T" --min-time "$MIN_TIME" | grep '^backbone' | median)
      p_v3d=$("$bin" bench --arch mobilenetv3_large_100 --threads "$T" --min-time "$MIN_TIME" | grep '^backbone' | median)
      echo "v1_025@conv_pw_13_relu$tag $p_v1 $ort_v1" >> /tmp/pacnet-vs-ort-$T.txt
      echo "v3_large@blocks.6.0$tag $p_v3 $ort_v3" >> /tmp/pacnet-vs-ort-$T.txt
      echo "v3_large@blocks.5.2(default)$tag $p_v3d $ort_v3" >> /tmp/pacnet-vs-ort-$T.txt
    done
  done
  models=(v1_025@conv_pw_13_relu v3_large@blocks.6.0 "v3_large@blocks.5.2(default)")
  [ -z "$BASELINE" ] || models+=(v1_025@conv_pw_13_relu-base v3_large@blocks.6.0-base "v3_large@blocks.5.2(default)-base")
  for m in "${models[@]}"; do
    rows=$(grep -F "$m " /tmp/pacnet-vs-ort-$T.txt)
    p=$(echo "$rows" | awk '{print $2}' | med)
    o=$(echo "$rows" | awk '{print $3}' | med)
    ratios=$(echo "$rows" | awk '{printf "%.2f\n", $2/$3}')
    printf '%-36s %3s %10.3f %10.3f %7.2f×   %s\n' "$m" "$T" "$p" "$o" "$(echo "$ratios" | med)" "$(echo "$ratios" | tr '\n' ' ')"
  done
done
