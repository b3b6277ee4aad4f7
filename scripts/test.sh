#!/usr/bin/env bash
# Runs the whole test suite: formatting, every clippy lint as an error, then every test
# (release build: the MobileNet golden tests need optimised kernels, and the app's run
# command builds the same artifacts). Needs ../shared/models beside the checkout; the export
# checks run on Node.js and Python (deps.sh --test installs them when missing).
#
# Usage: scripts/test.sh [--cold] [CARGO TEST ARGS...]
#   --cold   as on a brand-new machine: every cache pacnet's tests fill (XDG_CACHE_HOME, so
#            ~/.cache/pacnet's ONNX Runtime venv and TF.js packages, pip's cache, npm's cache,
#            the Hugging Face cache) points at an empty temp folder, removed afterwards. The
#            cargo target folder and registry stay (build time is not what this proves).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = --cold ]; then
  shift
  cold="$(mktemp -d)"
  trap 'rm -rf "$cold"' EXIT
  export XDG_CACHE_HOME="$cold" npm_config_cache="$cold/npm" HF_HOME="$cold/huggingface"
  echo "test.sh: cold run, every cache in $cold" >&2
fi
scripts/deps.sh --test
export PATH="$HOME/.cargo/bin:$PATH"

# Everything outside cargo that tests need is made here, once, before any test starts:
# tests run in parallel, and two of them making the same thing at once on a fresh machine
# is how a newcomer's first run used to fail (issue 26). Each is a no-op when already made.
echo "test.sh: preparing ONNX Runtime's venv, the TF.js packages and the fake webcam and uinput (once per machine)" >&2
scripts/onnx/venv.sh >/dev/null
scripts/tfjs/install.sh >/dev/null
scripts/with-fake-webcam.sh true
scripts/with-fake-uinput.sh true

cargo fmt --check

# Clippy rides along with the test build instead of a separate `cargo clippy` (which would
# compile every dependency a second time, in check mode: ~6 minutes cold on 2 cores).
# RUSTC_WORKSPACE_WRAPPER is how cargo-clippy itself runs clippy-driver, on pacnet's own
# crates only; CLIPPY_ARGS is how it passes `-- -D warnings`. Same lints, same targets
# (--all-targets), and every warning fails the build.
export RUSTC_WORKSPACE_WRAPPER="$(command -v clippy-driver)"
export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
# Among the tests: `pacnet bench-play` at tiny settings (tests/playbench.rs parses its table
# and checks the last line against the default controller's row).
cargo test --release --locked --all-targets "$@"
