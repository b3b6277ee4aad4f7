#!/usr/bin/env bash
# Runs scripts/tfjs/check_head.js (a TF.js head exported by pacnet against pacnet's own
# probabilities) with @tensorflow/tfjs-core, -layers and -backend-cpu from npm, pinned by
# package-lock.json and installed once by install.sh.
# Usage: scripts/tfjs/check-head.sh EXPORT_DIR CHECK_DIR [TOLERANCE]
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
for tool in node npm; do
  command -v "$tool" >/dev/null || { echo "check-head: needs $tool (scripts/deps.sh --test installs it)" >&2; exit 2; }
done
MODULES="$("$HERE/install.sh")"
NODE_PATH="$MODULES" exec node "$HERE/check_head.js" "$@"
