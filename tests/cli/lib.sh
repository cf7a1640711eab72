# Shared helpers for the CLI tests. Each test script sources this, works in its own temp folder
# and exits non-zero with a message on the first failed assertion.
set -euo pipefail
: "${OMNI:?OMNI must point at the omni-test binary}"
: "${OMNI_SRC:?}"
name=$(basename "$0" .sh)
T="${OMNI_TMP:-/tmp/omni-tests}/$name"
rm -rf "$T"
mkdir -p "$T"
cd "$T"
DATA=/usr/share/doc/opencv-doc/examples/data

die() { echo "FAIL [$name]: $*" >&2; exit 1; }
ok() { echo "ok - $*"; }

# expect_fail PATTERN CMD...: the command must exit non-zero and print one line matching PATTERN.
expect_fail() {
  local pattern=$1; shift
  set +e
  "$@" >"$T/out.txt" 2>"$T/err.txt" </dev/null
  local rc=$?
  set -e
  [ $rc -ne 0 ] || die "expected failure, got exit 0: $*"
  grep -qE -- "$pattern" "$T/err.txt" || die "stderr of '$*' lacks /$pattern/: $(cat "$T/err.txt")"
  local lines
  lines=$(grep -c . "$T/err.txt" || true)
  [ "$lines" -eq 1 ] || die "expected one line of error, got $lines: $(cat "$T/err.txt")"
  echo "$rc"
}

# frames of a file, as decoded by stock ffmpeg
count_frames() { ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$1"; }
probe() { ffprobe -v error -select_streams "$1" -show_entries "$2" -of csv=p=0 "$3"; }

# A 4 s 320x240 test clip with a sine tone, made by ffmpeg's lavfi sources.
make_clip() {
  ffmpeg -v error -y -f lavfi -i "testsrc2=size=${3:-320x240}:rate=${4:-25}:duration=${2:-4}" \
    -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=${2:-4}" \
    -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac -b:a 96k -shortest "$1"
}
