#!/usr/bin/env bash
# bench/remove: end-to-end remove (decode + mask + fill + encode) at 720p, next to stock ffmpeg
# in the same run: a still camera (vtest.avi's people, remove=people) and a pan (a logo over a
# panning photo, remove=x:y:w:h) against ffmpeg's removelogo and delogo on the same box; a
# subject the camera follows (the scene memory against the window alone, and pass=2); then
# peak memory of remove=people on 1080p clips of 20 s and 2 minutes (it must not grow with the
# length: the window holds 2*window+1 frames), and of a box on a 1080p pan of 20 s and 2 minutes
# with pass=1 and pass=2 (the scene memories are bounded; pass=2 keeps 80 bytes a frame). Frames
# per second of the whole command, median of RUNS (default 3). Not a test: it prints.
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

# The subject the camera follows: a disc that pans with the camera (home.jpg at 3 px a frame, the
# disc 1 px a frame on screen), given as a mask video: the scene memory against the window alone.
follow="$work/follow-720p-10s.mkv"; follow_mask="$work/follow-mask-720p-10s.mkv"
disc="scale=240:240,format=rgba,geq=r='r(X,Y)':g='g(X,Y)':b='b(X,Y)':a='255*clip((1-hypot((X-120)/116,(Y-120)/116))*30,0,1)'"
[ -f "$follow_mask" ] || ffmpeg -v error -y -loop 1 -framerate 30 -i "$data/home.jpg" -loop 1 -framerate 30 -i "$data/baboon.jpg" -filter_complex \
  "[0]scale=3200:-2,crop=1280:720:x='40+n*3':y=1200[bg];[1]$disc,split[fg][fg2];[bg][fg]overlay=x='500+n':y=260,format=yuv420p[clip];
   [fg2]lutrgb=r=255:g=255:b=255[wm];color=black:s=1280x720:r=30[k];[k][wm]overlay=x='500+n':y=260,format=gray[m]" \
  -map "[clip]" -frames:v $frames -c:v libx264 -preset medium -crf 20 "${follow%.mkv}.mp4" -map "[m]" -frames:v $frames -c:v ffv1 "$follow_mask"
echo "followed subject (a 240 px disc panning with the camera, mask given):"
run "ffmpeg -vf null" ffmpeg -nostdin -y -nostats -i "${follow%.mkv}.mp4" -vf null $x264 "$work/n.mp4"; null=$last
run "omni remove=mask=...:memory=0 (window alone)" "$omni" -y -nostats -i "${follow%.mkv}.mp4" -vf "remove=mask=$follow_mask:memory=0" $x264 "$work/r.mp4"; w=$last
run "omni remove=mask=... (scene memory)" "$omni" -y -nostats -i "${follow%.mkv}.mp4" -vf "remove=mask=$follow_mask" $x264 "$work/r.mp4"; m=$last
run "omni remove=mask=...:pass=2" "$omni" -y -nostats -i "${follow%.mkv}.mp4" -vf "remove=mask=$follow_mask:pass=2" $x264 "$work/r.mp4"
printf '  %-52s %.2f\n' "ratio memory / window alone (wall time)" "$(echo "$m / $w" | bc -l)"
printf '  %-52s %.2f\n' "ratio pass=2 / one pass (wall time)" "$(echo "$last / $m" | bc -l)"
echo "  (fill quality against ground truth, memory vs window alone: tests/cli/test_remove.sh)"

echo "peak memory, remove=people at 1080p (window=12):"
for secs in 20 120; do
  clip="$work/vtest-1080p-${secs}s.mp4"
  [ -f "$clip" ] || ffmpeg -v error -y -stream_loop 2 -i "$data/vtest.avi" -t "$secs" -vf "scale=1920:1080,fps=30" -c:v libx264 -preset ultrafast -crf 23 "$clip"
  s=$(date +%s.%N)
  kb=$(/usr/bin/time -f %M "$omni" -y -nostats -i "$clip" -vf remove=people $x264 "$work/r.mp4" 2>&1 >/dev/null | tail -1)
  e=$(date +%s.%N)
  printf '  %4s s (%d frames): peak %d MiB, %.1f fps\n' "$secs" "$((secs * 30))" "$((kb / 1024))" "$(echo "$secs * 30 / ($e - $s)" | bc -l)"
done

echo "peak memory, a box on a 1080p pan (the scene memory; pass=2's first pass):"
for secs in 20 120; do
  clip="$work/pan-1080p-${secs}s.mp4"
  [ -f "$clip" ] || ffmpeg -v error -y -loop 1 -framerate 30 -i "$data/home.jpg" -vf "scale=4800:-2,crop=1920:1080:x='1400+1300*sin(t/6)':y=800" \
    -t "$secs" -c:v libx264 -preset ultrafast -crf 23 "$clip"
  for p in 1 2; do
    s=$(date +%s.%N)
    kb=$(/usr/bin/time -f %M "$omni" -y -nostats -i "$clip" -vf "remove=x=800:y=300:w=240:h=360:pass=$p" $x264 "$work/r.mp4" 2>&1 >/dev/null | tail -1)
    e=$(date +%s.%N)
    printf '  %4s s (%d frames), pass=%d: peak %d MiB, %.1f fps\n' "$secs" "$((secs * 30))" "$p" "$((kb / 1024))" "$(echo "$secs * 30 / ($e - $s)" | bc -l)"
  done
done
