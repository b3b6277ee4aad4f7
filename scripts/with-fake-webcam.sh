#!/usr/bin/env bash
# Runs a command with a fake V4L2 webcam present, for tests and for trying pacnet without a
# camera. No kernel module, no root, nothing left behind: tests/fake_v4l2.c is compiled (once,
# into the cargo target dir) and preloaded into CMD, where it answers the camera's system calls
# for /dev/video0 and adds that node to CMD's view of /dev. Read that file for the details.
#
# Usage: scripts/with-fake-webcam.sh [options] CMD [ARGS...]
#   --format yuyv|mjpeg|yuyv,mjpeg   formats offered, in this order       (default yuyv,mjpeg)
#   --size WxH[,WxH...]              frame sizes offered                  (default 640x480,1280x720,320x240)
#   --fps N[,N...]                   frame rates offered                  (default 30,15)
#   --fault F                        misbehave; repeat for several:       busy[:K] busy-stream[:K]
#                                    denied[:K] unplug:N[:K] stall:N:MS wrong-size corrupt:N[:C] unsupported
#   --frames DIR                     serve DIR's .jpg files as the MJPEG frames instead of the pattern
#   --name TEXT                      the camera's name                    (default "pacnet fake camera")
#   --index N                        the node is /dev/videoN              (default 0)
#   --metadata-node                  also show /dev/video(N+1), a metadata-only node like real UVC cameras
# Examples:
#   scripts/with-fake-webcam.sh target/release/pacnet cameras
#   scripts/with-fake-webcam.sh --fault unplug:30 target/release/pacnet record --camera 0 --class up --frames 20 --data D
#   scripts/with-fake-webcam.sh --format mjpeg xvfb-run target/release/pacnet --camera 0
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
usage() { sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }

faults=()
while [ $# -gt 0 ]; do
  case "$1" in
    --format) export FAKE_V4L2_FORMATS="${2:?--format needs a value}"; shift 2 ;;
    --size) export FAKE_V4L2_SIZES="${2:?--size needs a value}"; shift 2 ;;
    --fps) export FAKE_V4L2_FPS="${2:?--fps needs a value}"; shift 2 ;;
    --fault) faults+=("${2:?--fault needs a value}"); shift 2 ;;
    --frames) export FAKE_V4L2_FRAMES="$(cd "${2:?--frames needs a folder}" && pwd)"; shift 2 ;;
    --name) export FAKE_V4L2_NAME="${2:?--name needs a value}"; shift 2 ;;
    --index) export FAKE_V4L2_INDEX="${2:?--index needs a value}"; shift 2 ;;
    --metadata-node) export FAKE_V4L2_META=1; shift ;;
    -h|--help) usage ;;
    --) shift; break ;;
    -*) echo "with-fake-webcam: unknown option $1" >&2; usage ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || usage
if [ "${#faults[@]}" -gt 0 ]; then
  FAKE_V4L2_FAULTS="$(IFS=,; echo "${faults[*]}")"
  export FAKE_V4L2_FAULTS
fi

src="$root/tests/fake_v4l2.c"
target="${CARGO_TARGET_DIR:-$root/target}"
case "$target" in /*) ;; *) target="$root/$target" ;; esac
lib="$target/fake-v4l2/libfake_v4l2.so"
if [ ! -s "$lib" ] || [ "$src" -nt "$lib" ]; then
  command -v cc >/dev/null || { echo "with-fake-webcam: needs a C compiler (scripts/deps.sh installs build-essential)" >&2; exit 2; }
  mkdir -p "$(dirname "$lib")"
  # Built under a private name and renamed, so concurrent runs never load a half-written library.
  cc -shared -fPIC -O2 -Wall -o "$lib.$$" "$src" -ldl -lpthread
  mv -f "$lib.$$" "$lib"
fi
export LD_PRELOAD="$lib${LD_PRELOAD:+:$LD_PRELOAD}"
exec "$@"
