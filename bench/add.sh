#!/usr/bin/env bash
# bench/add: end-to-end add (decode + anchor + draw + encode) at 720p, next to stock ffmpeg in the
# same run: `-vf null`, and ffmpeg's overlay of the same picture at a fixed place (what add does
# without following anything). A body anchor on a moving real photo of a person (messi5.jpg
# panned and zoomed), a scene pin on a panning photo, and a scene pin on a street with people
# (vtest.avi: the people detector's masks cover it), and snow and rain over that street. Frames per second of the whole command,
# median of RUNS (default 3), then peak memory at 10 s and 60 s (MEMORY=0 skips it). Not a test: it prints.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
frames=300
person=$(person_clip)
street=$(street_clip)
pan="$work/pan-720p-10s.mp4"
[ -f "$pan" ] || ffmpeg -v error -y -loop 1 -framerate 30 -i "$data/home.jpg" \
  -vf "scale=3200:-2,crop=1280:720:x='40+n*4':y=1200,format=yuv420p" -t 10 -c:v libx264 -preset medium -crf 20 "$pan"
glasses="$work/glasses.png"
[ -f "$glasses" ] || ffmpeg -v error -y -f lavfi -i "color=black@0:s=200x80,format=rgba" -vf \
  "geq=r='20':g='20':b='40':a='if(lt(hypot(X-50\,Y-40)\,36)+lt(hypot(X-150\,Y-40)\,36)\,230\,if(between(X\,80\,120)*between(Y\,28\,36)\,255\,0))'" \
  -frames:v 1 "$glasses"

echo "bench/add: $(nproc) cores, 720p 30 fps 10 s, H.264 veryfast out, median of $runs"
echo "a person moving (messi5.jpg panned and zoomed):"
run "ffmpeg -vf null" ffmpeg -nostdin -y -nostats -i "$person" -vf null $x264 "$work/n.mp4"; null=$last
run "ffmpeg overlay (the picture at a fixed place)" ffmpeg -nostdin -y -nostats -i "$person" -i "$glasses" -filter_complex "overlay=500:200" $x264 "$work/o.mp4"; overlay=$last
run "omni add anchor=eyes (face mesh)" "$omni" -y -nostats -i "$person" -vf "add=image=$glasses:anchor=eyes" $x264 "$work/a.mp4"
printf '  %-52s %.2f / %.2f\n' "ratio add anchor=eyes / null, / overlay" "$(echo "$last / $null" | bc -l)" "$(echo "$last / $overlay" | bc -l)"
run "omni add anchor=shoulders (pose)" "$omni" -y -nostats -i "$person" -vf "add=image=$glasses:anchor=shoulders" $x264 "$work/a.mp4"
echo "a panning photo (4 px a frame):"
run "ffmpeg -vf null" ffmpeg -nostdin -y -nostats -i "$pan" -vf null $x264 "$work/n.mp4"; null=$last
run "omni add x:y pinned, occlude=0" "$omni" -y -nostats -i "$pan" -vf "add=image=$glasses:x=640:y=400:occlude=0" $x264 "$work/a.mp4"
printf '  %-52s %.2f\n' "ratio add pinned / null" "$(echo "$last / $null" | bc -l)"
echo "a street with people (vtest.avi scaled):"
run "ffmpeg -vf null" ffmpeg -nostdin -y -nostats -i "$street" -vf null $x264 "$work/n.mp4"; null=$last
run "omni add x:y pinned, people cover it" "$omni" -y -nostats -i "$street" -vf "add=image=$glasses:x=760:y=450" $x264 "$work/a.mp4"
printf '  %-52s %.2f\n' "ratio add pinned+occlude / null" "$(echo "$last / $null" | bc -l)"
run "omni add=snow (far layers behind people)" "$omni" -y -nostats -i "$street" -vf "add=snow" $x264 "$work/a.mp4"
printf '  %-52s %.2f\n' "ratio add=snow / null" "$(echo "$last / $null" | bc -l)"
run "omni add=snow:front=3 (no people masks)" "$omni" -y -nostats -i "$street" -vf "add=snow:front=3" $x264 "$work/a.mp4"
run "omni add=rain:front=3" "$omni" -y -nostats -i "$street" -vf "add=rain:front=3" $x264 "$work/a.mp4"
if [ "${MEMORY:-1}" != 0 ]; then
  echo "peak memory (it must not grow with the length):"
  clipfile="$work/flame.webm"  # a looping clip with alpha, as add=video= takes it
  [ -f "$clipfile" ] || ffmpeg -v error -y -f lavfi -i "testsrc2=s=160x120:r=30:d=1,format=yuva420p,geq=lum='lum(X,Y)':cb='cb(X,Y)':cr='cr(X,Y)':a='255*lt(hypot(X-80,Y-60),50)'" \
    -c:v libvpx-vp9 -pix_fmt yuva420p "$clipfile"
  memory_flat "omni add anchor=eyes" "$person" "add=image=$glasses:anchor=eyes"
  memory_flat "omni add=video= (a 1 s clip with alpha, looped) pinned" "$pan" "add=video=$clipfile:x=640:y=400:occlude=0"
  memory_flat "omni add=snow (people in front)" "$street" "add=snow"
fi
