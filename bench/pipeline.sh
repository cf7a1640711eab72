#!/usr/bin/env bash
# bench/pipeline: omni's pipeline against stock ffmpeg on the same job, in the same run.
#   1. `-vf null` 720p 10 s H.264 transcode (decode + encode + mux): omni / ffmpeg wall time
#   2. the same with an omni filter boundary (buffersink -> omni filter -> buffersrc)
#   3. a boundary that converts (rgb24 round trip through libavfilter at the boundary),
#      against ffmpeg doing the same conversion
#   4. decode + filter only (-f null), where pipeline overhead is least hidden by the encoder
# Median of N runs (default 3), alternating omni and ffmpeg. Not a test: it prints ratios.
set -euo pipefail
omni=${1:-build/omni}
omni_test=${OMNI_TEST:-$(dirname "$omni")/tests/omni-test}
runs=${RUNS:-3}
work=${BENCH_DIR:-build/bench}
mkdir -p "$work"
clip="$work/vtest-720p-10s.mp4"
src=/usr/share/doc/opencv-doc/examples/data/vtest.avi
if [ ! -f "$clip" ]; then
  ffmpeg -v error -y -i "$src" -t 10 -vf "scale=1280:720,fps=30" -c:v libx264 -preset medium -crf 20 -pix_fmt yuv420p "$clip"
fi

median() { sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
timeit() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc -l; }

compare() {  # compare LABEL "omni args" "ffmpeg args"
  local label=$1 oargs=$2 fargs=$3 bin=${4:-$omni} o=() f=()
  for _ in $(seq "$runs"); do
    # shellcheck disable=SC2086
    f+=("$(timeit ffmpeg -nostdin -y -nostats -i "$clip" $fargs)")
    # shellcheck disable=SC2086
    o+=("$(timeit "$bin" -y -nostats -i "$clip" $oargs)")
  done
  local om fm
  om=$(printf '%s\n' "${o[@]}" | median)
  fm=$(printf '%s\n' "${f[@]}" | median)
  printf '%-44s omni %6.2fs  ffmpeg %6.2fs  ratio %.3f\n' "$label" "$om" "$fm" "$(echo "$om / $fm" | bc -l)"
}

echo "bench/pipeline: $(nproc) cores, clip $(ffprobe -v error -select_streams v:0 -show_entries stream=width,height,nb_frames -of csv=p=0 "$clip") (w,h,frames), median of $runs"
x264="-c:v libx264 -preset veryfast -an"
compare "null, H.264 veryfast transcode" "-vf null $x264 $work/o.mp4" "-vf null $x264 $work/f.mp4"
compare "omni boundary (testdelay=n=0), H.264" "-vf testdelay=n=0 $x264 $work/o.mp4" "-vf null $x264 $work/f.mp4" "$omni_test"
compare "rgb24 boundary round trip, H.264" "-vf format=rgb24,testdelay=n=0 $x264 $work/o.mp4" "-vf format=rgb24,format=yuv420p $x264 $work/f.mp4" "$omni_test"
compare "null, decode + filter only (-f null)" "-vf null -f null -" "-vf null -f null -"
compare "omni boundary, decode only (-f null)" "-vf testdelay=n=0 -f null -" "-vf null -f null -" "$omni_test"
compare "rgb24 boundary, decode only (-f null)" "-vf format=rgb24,testdelay=n=0 -f null -" "-vf format=rgb24 -f null -" "$omni_test"
