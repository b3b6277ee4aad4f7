#!/usr/bin/env bash
# Installs @tensorflow/tfjs-core, -layers and -backend-cpu from npm, pinned by
# package-lock.json (13 packages, ~80 MB, pure JS), once, into a cache folder named after the
# lock file's hash, and prints that folder's node_modules path. Later runs start at once and
# work offline. Used by check-head.sh and scripts/test.sh (which installs before any test
# starts). PACNET_TFJS_CACHE overrides the folder, PACNET_TFJS_PACKAGE a folder holding
# another package.json and package-lock.json (tests use both).
#
# Safe when several runs start at once: each installs into a private temp folder and renames
# it into place; the first rename wins and the others drop their copy.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
PKG="${PACNET_TFJS_PACKAGE:-$HERE}"
command -v npm >/dev/null || { echo "pacnet: needs npm (scripts/deps.sh --test installs it)" >&2; exit 2; }
KEY="$(sha256sum "$PKG/package-lock.json" | cut -c1-16)"
CACHE="${PACNET_TFJS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pacnet/tfjs-$KEY}"
if [ ! -f "$CACHE/.installed" ]; then
  tmp="$CACHE.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  trap 'rm -rf "$tmp"' EXIT
  cp "$PKG/package.json" "$PKG/package-lock.json" "$tmp/"
  (cd "$tmp" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) >&2
  touch "$tmp/.installed"
  # Another run may have finished first: keep its copy (the trap removes ours).
  mv -T "$tmp" "$CACHE" 2>/dev/null || true
fi
echo "$CACHE/node_modules"
