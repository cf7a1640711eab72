#!/usr/bin/env bash
# The same stock-filter transcode through omni and through ffmpeg, to a lossless codec, must
# decode to identical frames (-f framemd5), on real footage and on a generated clip.
source "$(dirname "$0")/lib.sh"

check() {  # check LABEL INPUT GRAPH [extra args]
  local label=$1 in=$2 graph=$3; shift 3
  ffmpeg -v error -y -i "$in" "$@" -vf "$graph" -an -c:v ffv1 ref.mkv
  "$OMNI" -y -nostats -i "$in" "$@" -vf "$graph" -an -c:v ffv1 ours.mkv
  ffmpeg -v error -i ref.mkv -f framemd5 - | grep -v '^#' > ref.md5
  ffmpeg -v error -i ours.mkv -f framemd5 - | grep -v '^#' > ours.md5
  [ -s ref.md5 ] || die "$label: ffmpeg produced no frames"
  diff -q ref.md5 ours.md5 >/dev/null || { diff ref.md5 ours.md5 | head -5; die "$label: frames differ from ffmpeg's"; }
  ok "$label: $(wc -l < ours.md5) frames identical to ffmpeg"
}

check "vtest scale+eq" "$DATA/vtest.avi" "scale=320:-2,eq=contrast=1.3:saturation=1.4,hflip" -t 4
check "vtest crop+select+setpts" "$DATA/vtest.avi" "crop=iw/2:ih/2:iw/4:ih/4,select='not(mod(n\\,3))',setpts=N/(10*TB)" -t 5
make_clip clip.mp4 3
check "testsrc2 escapes" clip.mp4 "drawbox=x=10:y=10:w=100:h=50:color=red@0.5:t=fill,format=yuv444p"
check "seek+duration" clip.mp4 "scale=160:120" -ss 1 -t 1.2
