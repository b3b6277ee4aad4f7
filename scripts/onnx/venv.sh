#!/usr/bin/env bash
# Prints the path of a Python with onnxruntime and numpy from PyPI (pinned by
# requirements.txt), making the venv (~180 MB) once, in a cache folder named after the pins'
# hash, so later runs start at once and work offline. Used by check-ort.sh,
# scripts/bench-vs-ort.sh and scripts/test.sh (which makes it before any test starts).
# PACNET_ORT_VENV overrides the folder, PACNET_ORT_REQUIREMENTS the pins (tests use both).
#
# Safe when several runs start at once on an empty cache: the first takes a lock and builds,
# the others wait for it and then use its venv. Why a lock and not a private temp folder plus
# rename (as scripts/tfjs/install.sh does): a venv's scripts and pyvenv.cfg name the folder
# they were made in, so a renamed venv points at a path that no longer exists.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
command -v python3 >/dev/null || { echo "pacnet: needs python3 (scripts/deps.sh --test installs it)" >&2; exit 2; }
command -v flock >/dev/null || { echo "pacnet: needs flock (util-linux)" >&2; exit 2; }
REQ="${PACNET_ORT_REQUIREMENTS:-$HERE/requirements.txt}"
KEY="$(sha256sum "$REQ" | cut -c1-16)"
VENV="${PACNET_ORT_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/pacnet/ort-$KEY}"
if [ ! -f "$VENV/.installed" ]; then
  mkdir -p "$(dirname "$VENV")"
  exec 9>"$VENV.lock"
  flock 9
  # Checked again under the lock: another run may have finished while this one waited.
  if [ ! -f "$VENV/.installed" ]; then
    # A half-made venv (a run killed midway) is made again.
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$REQ" >&2
    touch "$VENV/.installed"
  fi
  exec 9>&-
fi
echo "$VENV/bin/python"
