#!/usr/bin/env bash
# bench/remove: end-to-end remove (decode + mask + fill + encode) at 720p, next to stock ffmpeg
# in the same run: a still camera (vtest.avi's people, remove=people) and a pan (a logo over a
# panning photo, remove=x:y:w:h) against ffmpeg's removelogo and delogo on the same box; then
# peak memory of remove=people on 1080p clips of 20 s and 2 minutes (it must not grow with the
# length: the window holds 2*window+1 frames). Frames per second of the whole command, median of
# RUNS (default 3). Not a test: it prints.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
frames=300
still=$(street_clip)
pan="$work/pan-logo-720p-10s.mp4"
[ -f "$pan" ] || ffmpeg -v error -y -loop 1 -framerate 30 -i "$data/home.jpg" -i "$data/opencv-logo.png" -filter_complex \
  "[0]scale=3200:-2,crop=1280:720:x='40+n*4':y=1200[bg];[1]scale=160:160[lg];[bg][lg]overlay=x=1060:y=40,format=yuv420p" \
  -t 10 -c:v libx264 -preset medium -crf 20 "$pan"
box="$work/box-720p.png"
[ -f "$box" ] || ffmpeg -v error -y -f lavfi -i "color=black:s=1280x720,drawbox=x=1054:y=34:w=172:h=172:color=white:t=fill,format=gray" -frames:v 1 "$box"

echo "bench/remove: $(nproc) cores, 720p 30 fps 10 s, H.264 veryfast out, median of $runs"
echo "still camera (vtest.avi scaled):"
run "ffmpeg -vf null" ffmpeg -nostdin -y -nostats -i "$still" -vf null $x264 "$work/n.mp4"; null=$last
run "omni remove=people (detector)" "$omni" -y -nostats -i "$still" -vf remove=people $x264 "$work/r.mp4"
run "omni remove=people:find=segmenter" "$omni" -y -nostats -i "$still" -vf remove=people:find=segmenter $x264 "$work/r.mp4"
printf '  %-52s %.2f\n' "ratio remove / null (wall time)" "$(echo "$last / $null" | bc -l)"
echo "pan with a logo (box 172x172):"
run "ffmpeg -vf null" ffmpeg -nostdin -y -nostats -i "$pan" -vf null $x264 "$work/n.mp4"
run "ffmpeg removelogo (same box)" ffmpeg -nostdin -y -nostats -i "$pan" -vf "removelogo=f=$box" $x264 "$work/f.mp4"; rl=$last
run "ffmpeg delogo (same box)" ffmpeg -nostdin -y -nostats -i "$pan" -vf "delogo=x=1054:y=34:w=172:h=172" $x264 "$work/f.mp4"
run "omni remove=x=1054:y=34:w=172:h=172" "$omni" -y -nostats -i "$pan" -vf "remove=x=1054:y=34:w=172:h=172" $x264 "$work/r.mp4"
printf '  %-52s %.2f\n' "ratio omni / removelogo (wall time)" "$(echo "$last / $rl" | bc -l)"
echo "  (fill quality against ground truth, omni vs removelogo/delogo: tests/cli/test_remove.sh prints PSNR and SSIM)"

echo "peak memory, remove=people at 1080p (window=12):"
for secs in 20 120; do
  clip="$work/vtest-1080p-${secs}s.mp4"
  [ -f "$clip" ] || ffmpeg -v error -y -stream_loop 2 -i "$data/vtest.avi" -t "$secs" -vf "scale=1920:1080,fps=30" -c:v libx264 -preset ultrafast -crf 23 "$clip"
  s=$(date +%s.%N)
  kb=$(/usr/bin/time -f %M "$omni" -y -nostats -i "$clip" -vf remove=people $x264 "$work/r.mp4" 2>&1 >/dev/null | tail -1)
  e=$(date +%s.%N)
  printf '  %4s s (%d frames): peak %d MiB, %.1f fps\n' "$secs" "$((secs * 30))" "$((kb / 1024))" "$(echo "$secs * 30 / ($e - $s)" | bc -l)"
done
