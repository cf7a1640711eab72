#!/usr/bin/env bash
# bench/chunk: one 2-minute 720p clip (the street, looped) edited as one omni run and as 4 chunks
# processed 2 at a time (omni chunk, GNU parallel -j 2 over jobs.txt, omni join), in the same run.
# The clip's keyframes are x264's defaults (at most 250 frames apart, more at shot cuts), as a file
# from ffmpeg comes. Prints each stage's time, the frames decoded twice (the overlap and the lead-in
# back to a keyframe) and the overhead of chunking against one run. Not a test: it prints.
# One run each by default (RUNS=3 for medians): one pass of both is about 5 minutes here.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
runs=${RUNS:-1}
command -v parallel >/dev/null || { echo "bench/chunk: GNU parallel is not installed (make bench installs it)" >&2; exit 1; }
long="$work/street-720p-2min.mp4"
[ -f "$long" ] || ffmpeg -v error -y -stream_loop 1 -i "$data/vtest.avi" -f lavfi -i "sine=f=440:r=48000" -t 120 -map 0:v -map 1:a \
  -vf "scale=1280:720,fps=25" -c:v libx264 -preset veryfast -crf 20 -pix_fmt yuv420p -c:a aac "$long"
frames=3000
vf=${VF:-matte=bg=green}
jobs="$work/chunks"
abs_omni=$(readlink -f "$omni")
echo "bench/chunk: $(nproc) cores, 2 min at 720p 25 fps ($frames frames), -vf $vf, H.264 veryfast out, $runs run(s)"

run "one omni run" "$omni" -y -nostats -v error -i "$long" -vf "$vf" -c:v libx264 -preset veryfast "$work/chunk-one.mp4"
one=$last
chunk_s=() proc_s=() join_s=()
for _ in $(seq "$runs"); do
  chunk_s+=("$(timeit "$omni" chunk -y -v error -i "$long" -vf "$vf" -c:v libx264 -preset veryfast --chunks 4 -o "$jobs")")
  proc_s+=("$(cd "$jobs" && export OMNI="$abs_omni -nostats -v error -threads 1" && timeit parallel -j 2 --halt now,fail=1 <jobs.txt)")
  join_s+=("$(timeit "$omni" join -y "$jobs" "$work/chunk-joined.mp4")")
done
c=$(printf '%s\n' "${chunk_s[@]}" | median) p=$(printf '%s\n' "${proc_s[@]}" | median) j=$(printf '%s\n' "${join_s[@]}" | median)
decoded=$(python3 -c "import json; m = json.load(open('$jobs/manifest.json')); print(sum(c['to'] - c['from'] for c in m['chunks']))")
overlap=$(python3 -c "import json; print(json.load(open('$jobs/manifest.json'))['overlap'])")
total=$(echo "$c + $p + $j" | bc -l)
printf '  %-52s %7.2fs\n' "omni chunk (index, shot cuts, copy 4 chunks)" "$c"
printf '  %-52s %7.2fs  %6.1f fps of the video\n' "4 jobs, GNU parallel -j 2 (-threads 1 each)" "$p" "$(echo "$frames / $p" | bc -l)"
printf '  %-52s %7.2fs\n' "omni join (4 pieces + the audio)" "$j"
printf '  %-52s %7.2fs  %6.1f fps\n' "chunk + jobs + join" "$total" "$(echo "$frames / $total" | bc -l)"
printf '  %-52s %d of %d (%.1f %%), overlap %s frames\n' "frames decoded by the jobs" "$decoded" "$frames" \
  "$(echo "100 * $decoded / $frames" | bc -l)" "$overlap"
printf '  %-52s %.2f (below 1: chunked is faster on this one machine)\n' "chunk+jobs+join / one run" "$(echo "$total / $one" | bc -l)"
printf '  %-52s %.1f %% of one run\n' "split and join alone (chunk + join)" "$(echo "100 * ($c + $j) / $one" | bc -l)"
[ "$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$work/chunk-joined.mp4")" = "$frames" ] ||
  { echo "bench/chunk: the joined file does not hold $frames frames" >&2; exit 1; }
