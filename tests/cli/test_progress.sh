#!/usr/bin/env bash
# Progress for people (stats line) and for scripts (-progress key=value), -frames:v, -ss/-t/-to.
source "$(dirname "$0")/lib.sh"
make_clip in.mp4 4
"$OMNI" -y -nostats -progress pipe:1 -i in.mp4 -vf null out.mp4 > progress.txt 2> err.txt
[ ! -s err.txt ] || die "-nostats still printed: $(cat err.txt)"
tail -n 1 progress.txt | grep -qx 'progress=end' || die "-progress does not end with progress=end"
for k in frame fps bitrate total_size out_time_us out_time speed; do grep -q "^$k=" progress.txt || die "-progress lacks $k="; done
[ "$(grep '^frame=' progress.txt | tail -n 1)" = "frame=100" ] || die "final frame count: $(grep '^frame=' progress.txt | tail -n 1)"
# Every block's three spellings of the time agree, and q is a quantiser, not garbage.
awk -F= '$1 == "out_time_us" {us = $2} $1 == "out_time_ms" {ms = $2}
         $1 == "out_time" {split($2, t, ":"); s = t[1] * 3600 + t[2] * 60 + t[3]; if (us != ms || (s * 1e6 - us) ^ 2 > 1) bad = 1}
         $1 ~ /_q$/ && ($2 < -1 || $2 > 100) {bad = 1} END {exit bad}' progress.txt ||
  die "-progress: out_time, out_time_us, out_time_ms or q disagree: $(grep -E '^(out_time|stream_0_0_q)' progress.txt | tail -4)"
final_us=$(grep '^out_time_us=' progress.txt | tail -n 1 | cut -d= -f2)
[ "$final_us" -ge 3900000 ] && [ "$final_us" -le 4100000 ] || die "final out_time_us=$final_us for a 4 s clip"
ok "-progress pipe:1: key=value blocks, final frame=100, progress=end, times agree, q in range"
"$OMNI" -y -progress prog.txt -nostats -i in.mp4 -vf null out2.mp4
grep -qx 'progress=end' prog.txt || die "-progress FILE"
"$OMNI" -y -stats -i in.mp4 -vf null out3.mp4 2> stats.txt
grep -q 'frame=  100 fps=' stats.txt || die "-stats line missing: $(cat stats.txt)"
grep -q 'speed=' stats.txt || die "no speed= in stats"
grep -qE 'q=(-1\.0|[0-9]{1,2}\.[0-9]) ' stats.txt || die "q= is not a quantiser: $(grep -o 'q=[^ ]*' stats.txt | tail -1)"
ok "-progress FILE and -stats line (frame= fps= ... speed=)"

"$OMNI" -y -nostats -i in.mp4 -vf null -frames:v 17 f17.mp4
[ "$(count_frames f17.mp4)" = 17 ] || die "-frames:v 17 gave $(count_frames f17.mp4)"
"$OMNI" -y -nostats -ss 1 -i in.mp4 -t 2 -vf null ss.mp4
[ "$(count_frames ss.mp4)" = 50 ] || die "-ss 1 -t 2 gave $(count_frames ss.mp4) frames"
"$OMNI" -y -nostats -ss 1 -to 3.5 -i in.mp4 -vf null to.mp4
[ "$(count_frames to.mp4)" = 63 ] || die "-ss 1 -to 3.5 (input) gave $(count_frames to.mp4) frames"
first=$(ffprobe -v error -select_streams v:0 -show_entries frame=pts_time -read_intervals '%+#1' -of csv=p=0 ss.mp4)
awk -v t="$first" 'BEGIN{exit !(t < 0.05)}' || die "output after -ss does not start at 0 ($first)"
ok "-frames:v, -ss/-t and -ss/-to select the right frames; output starts at 0"
"$OMNI" -y -nostats -i in.mp4 -r 10 -s 160x120 -vf null r10.mp4
[ "$(probe v:0 stream=width,height,r_frame_rate r10.mp4)" = "160,120,10/1" ] || die "-r/-s: $(probe v:0 stream=width,height,r_frame_rate r10.mp4)"
# ffmpeg's constant-rate sync makes 42 of them (the audio starts the clock; the last frame is
# held): the count must be ffmpeg's, not a number worked out here.
ffmpeg -v error -y -i in.mp4 -r 10 -s 160x120 -vf null r10_ref.mp4
[ "$(count_frames r10.mp4)" = "$(count_frames r10_ref.mp4)" ] || die "-r 10 over 4 s gave $(count_frames r10.mp4), ffmpeg $(count_frames r10_ref.mp4)"
ok "-r 10 -s 160x120: $(count_frames r10.mp4) frames at 160x120, as ffmpeg"

# "-" is standard output / standard input, as in ffmpeg; no file named "-" appears.
"$OMNI" -nostats -i in.mp4 -vf hflip -frames:v 5 -an -f framemd5 - > stdout.md5
[ "$(grep -vc '^#' stdout.md5)" = 5 ] || die "-f framemd5 - did not write 5 frames to stdout"
ffmpeg -v error -y -i in.mp4 -c copy in.mkv  # mp4 keeps its index at the end: not streamable
[ "$(cat in.mkv | "$OMNI" -nostats -i - -vf null -an -f matroska - | ffprobe -v error -show_entries stream=codec_name -of csv=p=0 -)" = "h264" ] || die "pipe in/out"
[ ! -e ./- ] || die "a file named '-' was written"
ok "'-' reads stdin and writes stdout"
