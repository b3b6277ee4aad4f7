#!/usr/bin/env bash
# Runs the whole test suite (release build: the MobileNet golden tests need optimised kernels,
# and the app's run command builds the same artifacts). Needs ../shared/models beside the checkout;
# the TF.js export check runs on Node.js (deps.sh --test installs it when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --test
export PATH="$HOME/.cargo/bin:$PATH"
cargo test --release --locked --all-targets "$@"
