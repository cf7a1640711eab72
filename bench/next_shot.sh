#!/usr/bin/env bash
# bench/next-shot: end-to-end next-shot (decode + people and faces + the L1 path + Lanczos zoom +
# encode) at 720p, same size out, next to the limit in the same run: stock ffmpeg cropping a fixed
# box and scaling it up with Lanczos (crop+scale: no analysis, no path). A person (messi5.jpg panned
# and zoomed) and a street (vtest.avi's walkers); then the vertical reframe against a fixed crop;
# then the close-up on 60 s of the person; then peak memory at 10 s and 60 s (the look-ahead window holds 2.5 s of frames: it must not
# grow with the length). Frames per second of the whole command, median of RUNS (default 3).
# Not a test: it prints.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
frames=300
person=$(person_clip)
street=$(street_clip)

echo "bench/next-shot: $(nproc) cores, 720p 30 fps 10 s, H.264 veryfast out, median of $runs"
for clip in person street; do
  in=${!clip}
  echo "$clip:"
  run "ffmpeg crop=480:270 + scale=1280:720 lanczos" ffmpeg -nostdin -y -nostats -i "$in" \
    -vf "crop=480:270:400:100,scale=1280:720:flags=lanczos" $x264 "$work/c.mp4"; limit=$last
  run "omni next-shot=closeup" "$omni" -y -nostats -i "$in" -vf next-shot=closeup $x264 "$work/s.mp4"
  printf '  %-52s %.2f (goal >= 0.6)\n' "speed, next-shot / crop+scale" "$(echo "$limit / $last" | bc -l)"
done
# The same on 60 s of the person clip (looped): about a second of each run is loading LibTorch and
# the detectors, which a 10 s clip feels most.
long=$(looped "$person")
echo "person, 60 s:"
frames=1800
run "ffmpeg crop=480:270 + scale=1280:720 lanczos" ffmpeg -nostdin -y -nostats -i "$long" \
  -vf "crop=480:270:400:100,scale=1280:720:flags=lanczos" $x264 "$work/c.mp4"; limit=$last
run "omni next-shot=closeup" "$omni" -y -nostats -i "$long" -vf next-shot=closeup $x264 "$work/s.mp4"
printf '  %-52s %.2f (goal >= 0.6)\n' "speed, next-shot / crop+scale" "$(echo "$limit / $last" | bc -l)"
frames=300
echo "vertical reframe (person):"
run "ffmpeg crop=406:720 (fixed)" ffmpeg -nostdin -y -nostats -i "$person" -vf "crop=406:720:437:0" $x264 "$work/c.mp4"; limit=$last
run "omni next-shot=aspect=9/16" "$omni" -y -nostats -i "$person" -vf next-shot=aspect=9/16 $x264 "$work/s.mp4"
printf '  %-52s %.2f\n' "speed, next-shot / crop" "$(echo "$limit / $last" | bc -l)"
echo "peak memory:"
memory_flat "next-shot=closeup (person)" "$person" next-shot=closeup
