#!/usr/bin/env bash
# bench/motion-transfer: end to end at 720p (decode + pose + the puppet bent and drawn + encode),
# on a green background and in place (the performer removed by the people detector and the fill),
# next to stock ffmpeg -vf null on the same clip in the same run. A near person (messi5.jpg panned
# and zoomed: BlazePose) and a street (vtest.avi's small walkers: MoveNet's multi-pose); the
# character is Messi cut out by omni's matte. Then the puppet's own cost per frame (deform and
# draw: the issue's goal is under 5 ms), from -loglevel verbose. Not a test: it prints.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
frames=300
person=$(person_clip)
street=$(street_clip)
char="$work/messi-character.png"
[ -f "$char" ] || "$omni" -y -v error -i "$data/messi5.jpg" -vf matte=bg=transparent -frames:v 1 "$char"
mt="motion-transfer=character=$char"

echo "bench/motion-transfer: $(nproc) cores, 720p 30 fps 10 s, H.264 veryfast out, median of $runs"
for clip in person street; do
  in=${!clip}
  echo "$clip:"
  run "ffmpeg -vf null" ffmpeg -nostdin -y -nostats -i "$in" -vf null $x264 "$work/n.mp4"; limit=$last
  run "omni $mt:bg=green" "$omni" -y -nostats -i "$in" -vf "$mt:bg=green" $x264 "$work/g.mp4"; green=$last
  run "omni $mt (in place)" "$omni" -y -nostats -i "$in" -vf "$mt" $x264 "$work/p.mp4"; place=$last
  printf '  %-52s %.2f (goal: %.0f fps >= 20)\n' "speed, bg=green / ffmpeg" "$(echo "$limit / $green" | bc -l)" "$(echo "$frames / $green" | bc -l)"
  printf '  %-52s %.2f (goal: %.0f fps >= 12)\n' "speed, in place / ffmpeg" "$(echo "$limit / $place" | bc -l)" "$(echo "$frames / $place" | bc -l)"
  "$omni" -y -nostats -loglevel verbose -i "$in" -vf "$mt:bg=green" -f null - 2>&1 | grep -E 'motion-transfer: the (puppet|performer)' | sed 's/^/  /'
done
