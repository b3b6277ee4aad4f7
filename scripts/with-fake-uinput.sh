#!/usr/bin/env bash
# Runs a command with a fake /dev/uinput present, for tests and for trying `pacnet steer --keys`
# without the kernel module. No root, nothing left behind: tests/fake_uinput.c is compiled (once,
# into the cargo target dir) and preloaded into CMD, where it answers the virtual keyboard's
# system calls and logs every input event written. Read that file for the details.
#
# Usage: scripts/with-fake-uinput.sh [options] CMD [ARGS...]
#   --log FILE     append one line per call and event to FILE
#   --fault F      missing | denied | unplug:N
# Example:
#   scripts/with-fake-uinput.sh --log /tmp/keys.log target/release/pacnet steer --keys --backend uinput --project P --camera DIR
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
usage() { sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --log) export FAKE_UINPUT_LOG="${2:?--log needs a file}"; shift 2 ;;
    --fault) export FAKE_UINPUT_FAULT="${2:?--fault needs a value}"; shift 2 ;;
    -h|--help) usage ;;
    --) shift; break ;;
    -*) echo "with-fake-uinput: unknown option $1" >&2; usage ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || usage

src="$root/tests/fake_uinput.c"
target="${CARGO_TARGET_DIR:-$root/target}"
case "$target" in /*) ;; *) target="$root/$target" ;; esac
# Named by the source's hash, not checked by date: a target dir copied from another checkout
# (cp -a keeps dates) would otherwise preload a library built from other source.
lib="$target/fake-uinput/libfake_uinput-$(sha256sum "$src" | cut -c1-16).so"
if [ ! -s "$lib" ]; then
  command -v cc >/dev/null || { echo "with-fake-uinput: needs a C compiler (scripts/deps.sh installs build-essential)" >&2; exit 2; }
  mkdir -p "$(dirname "$lib")"
  # Built under a private name and renamed, so concurrent runs never load a half-written library.
  cc -shared -fPIC -O2 -Wall -o "$lib.$$" "$src" -ldl
  mv -f "$lib.$$" "$lib"
fi
export LD_PRELOAD="$lib${LD_PRELOAD:+:$LD_PRELOAD}"
exec "$@"
