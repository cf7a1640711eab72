#!/usr/bin/env bash
# bench/replace: end-to-end replace (decode + masks + change + encode) at 720p, next to stock
# ffmpeg in the same run: `-vf null`, ffmpeg's overlay of a still picture as the nearest stock job
# to a background swap (it needs the matte already made), and its hue filter over the whole
# picture (replace=color without a target, unlike it, turns only the pixels near one colour).
# A real photo of a person (messi5.jpg panned and zoomed) and a street (vtest.avi). Then a sky
# (home.jpg panned): replace=sky beside the naive method in stock ffmpeg (colorkey the blue,
# overlay the new sky: no tracking, no edges), and the grades beside ffmpeg's eq +
# colortemperature. Frames per second of the whole command, median of RUNS (default 3). Not a
# test: it prints. Last, replace=object on the ball beside ffmpeg overlaying the same picture, and
# peak memory at 10 s and 60 s (MEMORY=0 skips it).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
frames=300
person=$(person_clip)
street=$(street_clip)

echo "bench/replace: $(nproc) cores, 720p 30 fps 10 s, H.264 veryfast out, median of $runs"
for clip in "$person" "$street"; do
  echo "$(basename "$clip"):"
  run "ffmpeg -vf null" ffmpeg -nostdin -y -nostats -i "$clip" -vf null $x264 "$work/n.mp4"; null=$last
  run "ffmpeg hue=h=120 (whole picture)" ffmpeg -nostdin -y -nostats -i "$clip" -vf hue=h=120 $x264 "$work/h.mp4"
  run "omni replace=color:from=red:to=blue (everywhere)" "$omni" -y -nostats -i "$clip" -vf "replace=color:from=red:to=blue" $x264 "$work/r.mp4"
  printf '  %-52s %.2f\n' "ratio replace=color / null" "$(echo "$last / $null" | bc -l)"
  run "omni replace=color:target=person" "$omni" -y -nostats -i "$clip" -vf "replace=color:from=red:to=blue:target=person" $x264 "$work/r.mp4"
  run "ffmpeg overlay of a still (no matte)" ffmpeg -nostdin -y -nostats -i "$clip" -i "$data/home.jpg" -filter_complex "[1]scale=320:-2[b];[0][b]overlay" $x264 "$work/o.mp4"
  run "omni replace=background:with=home.jpg" "$omni" -y -nostats -i "$clip" -vf "replace=background:with=$data/home.jpg" $x264 "$work/r.mp4"
  printf '  %-52s %.2f\n' "ratio replace=background / null" "$(echo "$last / $null" | bc -l)"
done
sky=$(sky_clip)
echo "$(basename "$sky"):"
run "ffmpeg -vf null" ffmpeg -nostdin -y -nostats -i "$sky" -vf null $x264 "$work/n.mp4"; null=$last
run "ffmpeg colorkey blue + overlay (naive sky)" ffmpeg -nostdin -y -nostats -i "$sky" -loop 1 -i "$data/starry_night.jpg" -filter_complex \
  "[1]scale=1280:720[s];[0]colorkey=0x3a6ec8:0.25:0.1[k];[s][k]overlay=shortest=1" $x264 "$work/k.mp4"
run "omni replace=sky:with=starry_night.jpg" "$omni" -y -nostats -i "$sky" -vf "replace=sky:with=$data/starry_night.jpg" $x264 "$work/r.mp4"
printf '  %-52s %.2f\n' "ratio replace=sky / null" "$(echo "$last / $null" | bc -l)"
run "ffmpeg eq + colortemperature (a night grade)" ffmpeg -nostdin -y -nostats -i "$sky" -vf "eq=brightness=-0.25:gamma=0.8:saturation=0.55,colortemperature=temperature=10000" $x264 "$work/e.mp4"
run "omni replace=time=night" "$omni" -y -nostats -i "$sky" -vf "replace=time=night" $x264 "$work/r.mp4"
printf '  %-52s %.2f\n' "ratio replace=time=night / null" "$(echo "$last / $null" | bc -l)"
run "omni replace=season=autumn (the person clip)" "$omni" -y -nostats -i "$person" -vf "replace=season=autumn" $x264 "$work/r.mp4"
run "omni replace=season=winter (the person clip)" "$omni" -y -nostats -i "$person" -vf "replace=season=winter" $x264 "$work/r.mp4"
# replace=object on the ball (messi5 at 2x on a grass-coloured margin, so the ball stays in the
# picture as the camera pans), beside ffmpeg overlaying the same picture at a fixed place (no
# detection, no fill: the cheapest stock job that draws it).
ball="$work/ball-720p-10s.mp4"
[ -f "$ball" ] || ffmpeg -v error -y -loop 1 -framerate 30 -i "$data/messi5.jpg" -vf \
  "scale=1100:686,pad=1400:860:150:40:color=0x3a7d2a,crop=1280:720:x='60+60*sin(t)':y='70+50*sin(0.7*t)',format=yuv420p" \
  -t 10 -c:v libx264 -preset medium -crf 20 "$ball"
disc="$work/disc.png"
[ -f "$disc" ] || ffmpeg -v error -y -f lavfi -i "color=c=red:s=64x64,format=rgba,geq=r=255:g=0:b=0:a='if(lt(hypot(X-31.5\,Y-31.5)\,30)\,255\,0)'" -frames:v 1 "$disc"
echo "$(basename "$ball"):"
run "ffmpeg -vf null" ffmpeg -nostdin -y -nostats -i "$ball" -vf null $x264 "$work/n.mp4"; null=$last
run "ffmpeg overlay of the picture at a fixed place" ffmpeg -nostdin -y -nostats -i "$ball" -i "$disc" -filter_complex "[0][1]overlay=785:565" $x264 "$work/o.mp4"
run "omni replace=object:target=sports ball" "$omni" -y -nostats -i "$ball" -vf "replace=object:target=sports ball:with=$disc" $x264 "$work/r.mp4"
printf '  %-52s %.2f\n' "ratio replace=object (class) / null" "$(echo "$last / $null" | bc -l)"
run "omni replace=object, a box (followed)" "$omni" -y -nostats -i "$ball" -vf "replace=object:x=765:y=544:w=104:h=104:with=$disc" $x264 "$work/r.mp4"
printf '  %-52s %.2f\n' "ratio replace=object (box) / null" "$(echo "$last / $null" | bc -l)"
if [ "${MEMORY:-1}" != 0 ]; then
  echo "peak memory (it must not grow with the length):"
  memory_flat "omni replace=background:with=a video (looped)" "$person" "replace=background:with=$street"
  memory_flat "omni replace=sky:with=starry_night.jpg" "$sky" "replace=sky:with=$data/starry_night.jpg"
  memory_flat "omni replace=object:target=sports ball" "$ball" "replace=object:target=sports ball:with=$disc"
fi
