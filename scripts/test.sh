#!/usr/bin/env bash
# Runs the whole test suite: formatting, every clippy lint as an error, then every test
# (release build: the MobileNet golden tests need optimised kernels, and the app's run
# command builds the same artifacts). Needs ../shared/models beside the checkout; the export
# checks run on Node.js and Python (deps.sh --test installs them when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --test
export PATH="$HOME/.cargo/bin:$PATH"

cargo fmt --check

# Clippy rides along with the test build instead of a separate `cargo clippy` (which would
# compile every dependency a second time, in check mode: ~6 minutes cold on 2 cores).
# RUSTC_WORKSPACE_WRAPPER is how cargo-clippy itself runs clippy-driver, on pacnet's own
# crates only; CLIPPY_ARGS is how it passes `-- -D warnings`. Same lints, same targets
# (--all-targets), and every warning fails the build.
export RUSTC_WORKSPACE_WRAPPER="$(command -v clippy-driver)"
export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
cargo test --release --locked --all-targets "$@"
