#!/usr/bin/env bash
# -filter_complex: labelled stream inputs, several inputs, omni filters inside, -map [label],
# unlabelled outputs, and the same frames as ffmpeg for a stock graph.
source "$(dirname "$0")/lib.sh"
make_clip a.mp4 2
ffmpeg -v error -y -f lavfi -i "color=c=red:s=80x60:d=2" -c:v libx264 -pix_fmt yuv420p b.mp4
g="[1:v]scale=40:30[s];[0:v][s]overlay=x=10:y=10,split[o1][o2];[o2]hflip[flipped];[o1][flipped]hstack[v]"
ffmpeg -v error -y -i a.mp4 -i b.mp4 -filter_complex "$g" -map "[v]" -map 0:a -c:v ffv1 -c:a copy ref.mkv
"$OMNI" -y -nostats -i a.mp4 -i b.mp4 -filter_complex "$g" -map "[v]" -map 0:a -c:v ffv1 -c:a copy ours.mkv
fm() { ffmpeg -v error -i "$1" -f framemd5 - | grep -v '^#'; }
[ "$(fm ref.mkv)" = "$(fm ours.mkv)" ] || die "complex graph differs from ffmpeg's"
ok "two inputs, overlay/split/hstack, -map [v] -map 0:a: identical to ffmpeg ($(fm ours.mkv | wc -l) packets)"
"$OMNI" -y -nostats -i a.mp4 -filter_complex "[0:v]testdelay=n=3,scale=160:120,testalpha,testdelay=1[out]" -map "[out]" -c:v ffv1 omni.mkv
[ "$(probe v:0 stream=width,pix_fmt omni.mkv)" = "160,yuva420p" ] || die "omni filters in a complex graph"
[ "$(count_frames omni.mkv)" = 50 ] || die "frames lost in a complex graph"
"$OMNI" -y -nostats -i a.mp4 -filter_complex "hflip" unl.mp4
[ -n "$(probe a stream=codec_name unl.mp4)" ] || die "unlabelled complex output: audio not auto-selected"
ok "omni filters inside -filter_complex; unlabelled output plus automatic audio"
# An omni filter on one branch of a split that joins again (a before/after comparison): the
# segment around it is cut in two, else it would wait for its own output before starting.
g="[0:v]split[a][b];[b]testdelay=n=2[p];[a][p]hstack,split[c][d];[d]testdelay[q];[c][q]vstack[v]"
"$OMNI" -y -nostats -i a.mp4 -filter_complex "$g" -map "[v]" -map 0:a -c:v ffv1 -c:a copy loop.mkv
ffmpeg -v error -y -i a.mp4 -filter_complex "[0:v]split[a][b];[a][b]hstack,split[c][d];[c][d]vstack[v]" -map "[v]" -map 0:a -c:v ffv1 -c:a copy loop_ref.mkv
[ "$(fm loop.mkv)" = "$(fm loop_ref.mkv)" ] || die "split -> omni filter -> hstack differs from ffmpeg's split -> hstack"
ok "split, an omni filter on one branch, hstack, twice: identical to ffmpeg without the omni filters"
expect_fail "output \[x\] goes nowhere; add -map \[x\]" "$OMNI" -y -i a.mp4 -filter_complex "[0:v]null[x]" o.mp4 >/dev/null
expect_fail "\[5:v\] names input #5" "$OMNI" -y -i a.mp4 -filter_complex "[5:v]null" o.mp4 >/dev/null
ok "complex graph errors"
