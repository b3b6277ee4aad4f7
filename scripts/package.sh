#!/usr/bin/env bash
# Builds the Debian package target/debian/pacnet_<version>-1_<arch>.deb (or under
# $CARGO_TARGET_DIR) with cargo-deb: the release binary (the built-in model compiled in), the
# launcher, the icons, the man pages and the bash, zsh and fish completions, as configured in
# Cargo.toml's [package.metadata.deb]. Installs what is missing first (deps.sh, and cargo-deb
# from crates.io: a few minutes once). Install the result with: sudo apt install ./pacnet_*.deb
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
export PATH="$HOME/.cargo/bin:$PATH"
command -v cargo-deb >/dev/null 2>&1 || cargo install cargo-deb --locked

target="${CARGO_TARGET_DIR:-target}"
# The commit and build date that `pacnet --version` prints (build.rs); the commit date keeps the
# build reproducible and dpkg's timestamps stable.
SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}"
export SOURCE_DATE_EPOCH
cargo build --release --locked --bin pacnet

pkg="$target/release/pkg"
rm -rf "$pkg"
"$target/release/pacnet" generate man "$pkg/man" >/dev/null
gzip -9n "$pkg"/man/*.1
"$target/release/pacnet" generate completions "$pkg/completions" >/dev/null

cargo deb --no-build --locked --strip "$@"
ls -l "$target"/debian/pacnet_*.deb
