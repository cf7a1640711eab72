#!/usr/bin/env bash
# -y/-n, output == input (also through another path or a hard link), temporary name + rename,
# and SIGINT finalising a playable file with exit status 255.
source "$(dirname "$0")/lib.sh"
make_clip in.mp4 2
"$OMNI" -nostats -i in.mp4 -vf null out.mp4
before=$(md5sum < out.mp4)
rc=$(expect_fail "output 'out.mp4' already exists; not overwriting \(-n\)" "$OMNI" -n -i in.mp4 -vf hflip out.mp4)
[ "$(md5sum < out.mp4)" = "$before" ] || die "-n changed the existing output"
expect_fail "already exists; add -y to overwrite" "$OMNI" -i in.mp4 -vf hflip out.mp4 >/dev/null
"$OMNI" -y -nostats -i in.mp4 -vf hflip out.mp4
[ "$(md5sum < out.mp4)" != "$before" ] || die "-y did not overwrite"
ok "-n refuses (exit $rc), no -y without a TTY refuses, -y overwrites"

mkdir -p sub
expect_fail "is the same file as input #0" "$OMNI" -y -i in.mp4 -vf null in.mp4 >/dev/null
expect_fail "is the same file as input #0" "$OMNI" -y -i in.mp4 -vf null sub/../in.mp4 >/dev/null
ln in.mp4 hardlink.mp4
expect_fail "is the same file as input #0" "$OMNI" -y -i in.mp4 -vf null hardlink.mp4 >/dev/null
ln -s "$T/in.mp4" sub/link.mp4
expect_fail "is the same file as input #1" "$OMNI" -y -i out.mp4 -i in.mp4 -vf null sub/link.mp4 >/dev/null
cmp -s in.mp4 hardlink.mp4 || die "input was modified"
ok "output that is an input is refused (same path, ../ path, hard link, symlink)"

# A long run interrupted: SIGINT -> exit 255 and a playable, complete-looking file; while it
# runs, the final name does not exist (the work goes to a temporary name).
ffmpeg -v error -y -f lavfi -i "testsrc2=size=640x480:rate=25:duration=120" -c:v libx264 -preset ultrafast long.mp4
"$OMNI" -nostats -i long.mp4 -vf "scale=640:480,eq=contrast=1.1" -preset veryslow cut.mp4 &
pid=$!
sleep 3
[ ! -e cut.mp4 ] || die "the final name exists while the run is in progress"
ls -A | grep -q '^\.cut\.mp4\.omni-.*\.part$' || die "no temporary file while running: $(ls -A)"
kill -INT $pid
set +e; wait $pid; rc=$?; set -e
[ $rc -eq 255 ] || die "SIGINT: expected exit 255, got $rc"
n=$(count_frames cut.mp4)
[ "$n" -gt 0 ] || die "interrupted output is not playable"
ffmpeg -v error -i cut.mp4 -f null - 2>dec.txt
[ ! -s dec.txt ] || die "interrupted output decodes with errors: $(head -3 dec.txt)"
! ls -A | grep -q '\.part$' || die "temporary file left after SIGINT"
ok "SIGINT: exit 255, $n frames playable without decode errors, no temporary file left"

"$OMNI" -nostats -i long.mp4 -vf null -preset veryslow killed.mp4 &
pid=$!
sleep 2
kill -KILL $pid
wait $pid 2>/dev/null || true
[ ! -e killed.mp4 ] || die "SIGKILL left a partial file under the final name"
ok "SIGKILL: nothing under the final name"
