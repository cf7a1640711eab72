#!/usr/bin/env bash
# Bad input gets one clear line and a non-zero exit, and nothing is written.
source "$(dirname "$0")/lib.sh"
make_clip in.mp4 1
expect_fail "unknown option '-crff' \(did you mean '-crf'\?\)" "$OMNI" -i in.mp4 -crff 20 out.mp4 >/dev/null
expect_fail "no filter named 'scal' \(did you mean 'scale'\?\)" "$OMNI" -i in.mp4 -vf scal=2:2 out.mp4 >/dev/null
expect_fail "scale: unknown option 'wdth' \(did you mean 'width'\?\)" "$OMNI" -i in.mp4 -vf scale=wdth=2 out.mp4 >/dev/null
expect_fail "testdelay: n=100 is out of range \[0, 64\]" "$OMNI" -i in.mp4 -vf testdelay=n=100 out.mp4 >/dev/null
expect_fail "testdelay: n=x is not a valid int" "$OMNI" -i in.mp4 -vf testdelay=n=x out.mp4 >/dev/null
expect_fail "'\[' without a matching '\]'" "$OMNI" -i in.mp4 -vf "[a scale=2:2" out.mp4 >/dev/null
expect_fail "input 'missing.mp4': no such file" "$OMNI" -i missing.mp4 out.mp4 >/dev/null
head -c 20000 /dev/urandom > corrupt.mp4
expect_fail "input 'corrupt.mp4': not a media file omni can read, or it is corrupt" "$OMNI" -i corrupt.mp4 out.mp4 >/dev/null
# Noise whose first bytes pass the lrc lyrics probe (1 random file in about 300 does): a weak guess
# with no picture or sound is still a corrupt input, not an output with no stream selected.
{ printf '[1:2]'; head -c 20000 /dev/urandom; } > corrupt.mp4
expect_fail "input 'corrupt.mp4': not a media file omni can read, or it is corrupt \\(the best guess, lrc, is weak" \
  "$OMNI" -i corrupt.mp4 out.mp4 >/dev/null
ffmpeg -v error -y -f lavfi -i sine=duration=1 -c:a aac audio.m4a
expect_fail "has no video stream for -vf; drop -vf to convert its audio" "$OMNI" -i audio.m4a -vf null out.mp4 >/dev/null
expect_fail "-ss 10 is at or past its end \(1.00 s\); choose an earlier start" "$OMNI" -ss 10 -i audio.m4a out.m4a >/dev/null
expect_fail "-preset veryfst: libx264 has no such preset \(did you mean 'veryfast'\?\)" "$OMNI" -i in.mp4 -preset veryfst out.mp4 >/dev/null
expect_fail "the video has an alpha channel but gif in gif cannot store it" "$OMNI" -i in.mp4 -vf format=yuva420p out.gif >/dev/null
expect_fail "mp4 needs a seekable output to write its index; .* -movflags frag_keyframe\+empty_moov" "$OMNI" -i in.mp4 -f mp4 - >/dev/null
ffmpeg -v error -y -i in.mp4 -c copy moov_last.mp4
set +e; cat moov_last.mp4 | "$OMNI" -y -i - out.mp4 >/dev/null 2>err.txt; rc=$?; set -e
[ $rc -eq 1 ] && [ "$(grep -c . err.txt)" -eq 1 ] && grep -q "^omni: input 'pipe:0': this mp4 keeps its index (moov) at the end" err.txt ||
  die "a non-faststart mp4 on stdin: exit $rc, $(cat err.txt)"
rm -f moov_last.mp4
expect_fail "the mp4 container cannot hold ffv1" "$OMNI" -i in.mp4 -c:v ffv1 out.mp4 >/dev/null
expect_fail "-pix_fmt yuva420p: the libx264 encoder cannot take it" "$OMNI" -i in.mp4 -pix_fmt yuva420p out.mp4 >/dev/null
expect_fail "width not divisible by 2 \(271x481\); yuv420p needs even sides: -pix_fmt yuv444p keeps 271x481" "$OMNI" -i in.mp4 -vf scale=271:481 out.mp4 >/dev/null
expect_fail "no video encoder named 'libx246' \(did you mean 'libx264'\?\)" "$OMNI" -i in.mp4 -c:v libx246 out.mp4 >/dev/null
expect_fail "cannot tell the container" "$OMNI" -i in.mp4 out.unknownext >/dev/null
expect_fail "-loglevel loud: unknown level" "$OMNI" -loglevel loud -i in.mp4 out.mp4 >/dev/null
expect_fail "no output file given" "$OMNI" -i in.mp4 >/dev/null
expect_fail "-ss abc: not a time" "$OMNI" -ss abc -i in.mp4 out.mp4 >/dev/null
expect_fail "-map 0:s: matches no stream" "$OMNI" -i in.mp4 -map 0:s out.mp4 >/dev/null
expect_fail "the folder 'nodir' does not exist" "$OMNI" -i in.mp4 nodir/out.mp4 >/dev/null
[ ! -e out.mp4 ] || die "a failed run left out.mp4"
[ -z "$(ls -A . | grep -v -E '^(in.mp4|corrupt.mp4|audio.m4a|out.txt|err.txt)$' || true)" ] || die "stray files: $(ls -A)"
ok "every bad input: one line, exit 1, no file written"
