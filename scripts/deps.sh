#!/usr/bin/env bash
# Installs what pacnet needs to build and run on Debian/Ubuntu, only what is missing.
# Safe to run again and again: it checks every package first and only then calls apt-get,
# with sudo only when not root. Usage: scripts/deps.sh [--app | --test]  (--app adds the
# runtime libraries the window needs; --test adds what the tests run beside pacnet: Xvfb, for
# the test that sends real X11 key presses into a window, desktop-file-validate (the launcher's
# test), strace (the signal tests), and unless they are on the PATH already, Node.js and npm (the TF.js export check) and
# Python 3 with venv (the ONNX Runtime check); building needs only the base set).
set -euo pipefail

# libasound2-dev: the sound output (cpal's ALSA backend) links against alsa-lib.
base=(build-essential pkg-config libclang-dev libasound2-dev curl ca-certificates)
app=(libxkbcommon-x11-0 libgl1-mesa-dri libegl1 libx11-6 libxcursor1 libxrandr2 libxi6)

# strace: the signal tests hold a write at its fsync (tests/hostile/issue31.rs).
# pulseaudio, pulseaudio-utils (parec, pactl), libasound2-plugins (ALSA's pulse device): the
# test that records the game's real sound output from a private null sink (tests/sound_device.rs).
test=(xvfb desktop-file-utils strace pulseaudio pulseaudio-utils libasound2-plugins)

want=("${base[@]}")
[ "${1:-}" = "--app" ] && want+=("${app[@]}")
if [ "${1:-}" = "--test" ]; then
  want+=("${test[@]}")
  { command -v node && command -v npm; } >/dev/null 2>&1 || want+=(nodejs npm)
  python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || want+=(python3 python3-venv)
fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "pacnet: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The Rust toolchain (rustup's standard installer) when cargo is not there yet.
if ! command -v cargo >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/cargo" ]; then
  echo "pacnet: installing the Rust toolchain with rustup" >&2
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal >&2
fi
