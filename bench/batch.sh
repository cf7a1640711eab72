#!/usr/bin/env bash
# bench/batch: omni batch -j 2 over 8 short 720p clips (2 s each of the street clip, matte=bg=green
# to H.264), next to a shell loop of omni calls and GNU parallel -j 2 running the same omni
# commands, in the same run. omni batch splits the cores between its jobs (-threads); the loop runs
# one file at a time on every core; GNU parallel runs two, each thinking it has every core. Not a
# test: it prints.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
command -v parallel >/dev/null || { echo "bench/batch: GNU parallel is not installed (make bench installs it)" >&2; exit 1; }
street=$(street_clip)
clips="$work/batch-clips"
mkdir -p "$clips"
for i in 1 2 3 4 5 6 7 8; do
  [ -f "$clips/c$i.mp4" ] || ffmpeg -v error -y -ss "$(echo "($i - 1) * 1" | bc)" -i "$street" -t 2 -c:v libx264 -preset medium -crf 20 -an "$clips/c$i.mp4"
done
frames=480
vf="matte=bg=green"
out="$work/batch-out"
mkdir -p "$out"
echo "bench/batch: $(nproc) cores, 8 clips of 2 s at 720p 30 fps, -vf $vf, H.264 veryfast out, median of $runs"
run "shell loop of omni" bash -c "for f in $clips/c*.mp4; do b=\$(basename \$f .mp4); $omni -y -nostats -v error -i \$f -vf $vf $x264 $out/loop_\$b.mp4 || exit 1; done"
loop=$last
run "GNU parallel -j 2 omni" parallel -j 2 "$omni" -y -nostats -v error -i {} -vf "$vf" $x264 "$out/par_{/.}.mp4" ::: "$clips"/c*.mp4
par=$last
run "omni batch -j 2" "$omni" batch -i "$clips/c*.mp4" -y -v error -vf "$vf" $x264 -o "$out/batch_{stem}.mp4" -j 2
batch=$last
printf '  %-52s %.2f (above 1: batch is faster)\n' "shell loop / omni batch -j 2" "$(echo "$loop / $batch" | bc -l)"
printf '  %-52s %.2f (above 1: batch is faster)\n' "GNU parallel -j 2 / omni batch -j 2" "$(echo "$par / $batch" | bc -l)"
