#!/usr/bin/env bash
# Runs scripts/tfjs/check_head.js (a TF.js head exported by pacnet against pacnet's own
# probabilities) with @tensorflow/tfjs-core, -layers and -backend-cpu from npm, pinned by
# package-lock.json. The packages (13, ~80 MB, pure JS) are installed once into a cache folder
# named after the lock file's hash, so later runs start at once and work offline.
# Usage: scripts/tfjs/check-head.sh EXPORT_DIR CHECK_DIR [TOLERANCE]
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
for tool in node npm; do
  command -v "$tool" >/dev/null || { echo "check-head: needs $tool (scripts/deps.sh --test installs it)" >&2; exit 2; }
done
KEY="$(sha256sum "$HERE/package-lock.json" | cut -c1-16)"
CACHE="${PACNET_TFJS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pacnet/tfjs-$KEY}"
if [ ! -f "$CACHE/.installed" ]; then
  tmp="$CACHE.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  cp "$HERE/package.json" "$HERE/package-lock.json" "$tmp/"
  (cd "$tmp" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) >&2
  touch "$tmp/.installed"
  # Another run may have finished first: keep its copy.
  mv -T "$tmp" "$CACHE" 2>/dev/null || rm -rf "$tmp"
fi
NODE_PATH="$CACHE/node_modules" exec node "$HERE/check_head.js" "$@"
