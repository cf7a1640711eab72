#!/usr/bin/env bash
# Installs the Debian packages omni needs, and only the missing ones (apt-get runs only then).
set -euo pipefail
pkgs=(
  cmake g++ make pkg-config ffmpeg
  libavformat-dev libavcodec-dev libavfilter-dev libavutil-dev libswscale-dev libswresample-dev
  libopenblas0-pthread       # LibTorch on the reference BLAS is ~4x slower
  libopencv-dev libtorch-dev libfmt-dev doctest-dev nlohmann-json3-dev libtomlplusplus-dev
  libonnx-dev libprotobuf-dev
  clang libclang-rt-14-dev   # libFuzzer targets
  opencv-doc                 # real footage for the demo and tests
  fonts-dejavu-core          # add=text's default font
  fonts-wqy-microhei         # add=text's default font for Chinese, Japanese and Korean
  ccache                     # a rebuild of the same sources (CI after a session) compiles only what changed
  parallel                   # GNU parallel: omni batch's peer in bench/batch.sh
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# Tools the build and tests call as commands; the machine may have them from elsewhere.
command -v npm >/dev/null 2>&1 || missing+=(npm)          # models fetch (npm pack), the peer runtime
command -v python3 >/dev/null 2>&1 || missing+=(python3)  # test assertions over JSON and masks
command -v bc >/dev/null 2>&1 || missing+=(bc)            # bench ratios
[ ${#missing[@]} -eq 0 ] && exit 0
echo "bootstrap: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
