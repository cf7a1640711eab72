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
ls -A | grep -q '^\.killed\.mp4\.omni-.*\.part$' || die "expected the killed run's temporary file (SIGKILL cannot be caught)"
"$OMNI" -y -nostats -i in.mp4 -frames:v 5 killed.mp4
! ls -A | grep -q '^\.killed\.mp4\.omni-.*\.part$' || die "the next run to the same output did not remove the killed run's temporary file"
ok "SIGKILL: nothing under the final name; the next run to that name removes the dead run's temporary file"

# A crash (SIGSEGV, SIGABRT) removes the temporary file as it dies, and reports the signal.
for sig in SEGV ABRT; do
  "$OMNI" -nostats -i long.mp4 -vf null -preset veryslow crashed.mp4 2>/dev/null &
  pid=$!
  for _ in $(seq 50); do ls -A | grep -q '^\.crashed\.mp4\.omni-.*\.part$' && break; sleep 0.1; done
  ls -A | grep -q '^\.crashed\.mp4\.omni-.*\.part$' || die "no temporary file while running"
  kill -$sig $pid
  set +e; wait $pid; rc=$?; set -e
  [ $rc -ge 128 ] || die "SIG$sig: expected death by signal, got exit $rc"
  ! ls -A | grep -q '\.part$' || die "SIG$sig left the temporary file: $(ls -A | grep part)"
  [ ! -e crashed.mp4 ] || die "SIG$sig left a file under the final name"
done
ok "SIGSEGV/SIGABRT: exit by the signal, no temporary file, nothing under the final name"

# One image file: a second frame is refused in one line before anything is left under the name;
# -frames:v 1 and -update 1 write it.
rc=$(expect_fail "one image file cannot hold more than one frame; use a pattern such as one_%03d.png" "$OMNI" -y -i in.mp4 -vf null one.png)
[ ! -e one.png ] && ! ls -A | grep -q '\.part$' || die "a failed single-image run left a file: $(ls -A | grep one)"
"$OMNI" -y -nostats -i in.mp4 -frames:v 1 one.png
"$OMNI" -y -nostats -i in.mp4 -update 1 last.png
[ "$(probe v:0 stream=codec_name one.png)" = png ] && [ "$(probe v:0 stream=codec_name last.png)" = png ] || die "single images not written"
ffmpeg -v error -y -i in.mp4 -update 1 last_ref.png
cmp -s last.png last_ref.png || die "-update 1 did not keep the last frame as ffmpeg does"
ok "one image: a clip refused (exit $rc), -frames:v 1 and -update 1 (the last frame, as ffmpeg) written"

# -f null: the whole graph runs and nothing is written (ffmpeg users time and check jobs this way;
# the null muxer writes no file, like an image muxer, and was once refused as "one image").
out=$("$OMNI" -y -i in.mp4 -vf "scale=64:48" -f null - 2>&1) || die "-f null - failed: $out"
"$OMNI" -y -nostats -i in.mp4 -f null /dev/null || die "-f null /dev/null failed"
[ -c /dev/null ] || die "-f null replaced /dev/null"
n=$("$OMNI" -y -i in.mp4 -progress pipe:1 -nostats -f null - | sed -n 's/^frame=//p' | tail -1)
[ "$n" = "$(count_frames in.mp4)" ] || die "-f null -: $n frames through the graph, the input has $(count_frames in.mp4)"
ok "-f null - runs every frame ($n) and writes nothing"

# A read-only output is not replaced by someone who could not have written it (as ffmpeg's
# "Permission denied"); root may, as with ffmpeg.
cp out.mp4 readonly.mp4 && chmod 444 readonly.mp4
before=$(md5sum < readonly.mp4)
as_user=()
[ "$(id -u)" -eq 0 ] && as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
chmod 777 . 
"${as_user[@]}" bash -c "$(declare -f expect_fail die); T=/tmp/omni-ro-\$\$; mkdir -p \$T; expect_fail \"output 'readonly.mp4': permission denied\" '$OMNI' -y -i in.mp4 -vf hflip readonly.mp4" >/dev/null \
  || die "a read-only output was not refused"
chmod 755 .
[ "$(md5sum < readonly.mp4)" = "$before" ] || die "the read-only output was changed"
ok "read-only output refused for a user who cannot write it"

# A truncated file: the frames that are there come out (warnings, exit 0), as in ffmpeg; -xerror stops.
ffmpeg -v error -y -f lavfi -i "testsrc2=size=320x240:rate=25:duration=3" -c:v libx264 -preset ultrafast -movflags +faststart whole.mp4
head -c $(( $(stat -c %s whole.mp4) / 2 )) whole.mp4 > half.mp4
"$OMNI" -y -nostats -i half.mp4 -c:v ffv1 half_ours.mkv 2>half.err
ffmpeg -nostdin -v error -y -i half.mp4 -c:v ffv1 half_ref.mkv 2>/dev/null || true
n=$(count_frames half_ours.mkv) m=$(count_frames half_ref.mkv)
[ "$n" -gt 0 ] && [ "$n" = "$m" ] || die "truncated input: omni wrote $n frames, ffmpeg $m"
grep -q "error while decoding\|read error" half.err || die "truncated input: no warning: $(cat half.err)"
expect_fail "\(-xerror\)" "$OMNI" -y -v error -xerror -i half.mp4 -c:v ffv1 half_x.mkv >/dev/null
ok "truncated input: $n frames like ffmpeg, with a warning; -xerror stops"
