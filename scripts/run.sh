#!/usr/bin/env bash
# Builds pacnet (release) and starts the desktop app; extra arguments go to `pacnet`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --app
export PATH="$HOME/.cargo/bin:$PATH"
exec cargo run --release --locked --bin pacnet -- "$@"
