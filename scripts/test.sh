#!/usr/bin/env bash
# Runs the whole test suite (release build: the MobileNet golden tests need optimised kernels,
# and the app's run command builds the same artifacts). Needs ../shared/models beside the checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
export PATH="$HOME/.cargo/bin:$PATH"
cargo test --release --locked --all-targets "$@"
