#!/usr/bin/env bash
# bench/matte: end-to-end matte (decode + segment + refine + composite + encode) against stock
# ffmpeg `-vf null` on the same clip, in the same run, at 720p and 1080p; person (segmenter, and
# RVM when installed: by default the network on every other frame at 30 fps, and on every frame),
# a named object (vtest's parked van and car: keep=car), and salient.
# Also the peer for keying: ffmpeg's chromakey (which needs a green screen) on the same clip.
# Frames per second of the whole command; median of RUNS (default 3). Not a test: it prints.
set -euo pipefail
omni=${1:-build/omni}
runs=${RUNS:-3}
work=${BENCH_DIR:-build/bench}
mkdir -p "$work"
src=/usr/share/doc/opencv-doc/examples/data/vtest.avi
for size in 1280x720 1920x1080; do
  clip="$work/vtest-${size#*x}p-10s.mp4"
  [ -f "$clip" ] || ffmpeg -v error -y -i "$src" -t 10 -vf "scale=${size/x/:},fps=30" -c:v libx264 -preset medium -crf 20 -pix_fmt yuv420p "$clip"
done

source "$(dirname "$0")/lib.sh"  # median, timeit, x264 (this file's run() takes the clip and its frames)

run() {  # run LABEL CLIP FRAMES CMD...: prints fps (median) and returns the median seconds in $last
  local label=$1 clip=$2 frames=$3 t=(); shift 3
  for _ in $(seq "$runs"); do t+=("$(timeit "$@")"); done
  last=$(printf '%s\n' "${t[@]}" | median)
  printf '  %-40s %7.2fs  %6.1f fps\n' "$label" "$last" "$(echo "$frames / $last" | bc -l)"
}

echo "bench/matte: $(nproc) cores, vtest.avi scaled, 30 fps, H.264 veryfast out, median of $runs"
for p in 720 1080; do
  clip="$work/vtest-${p}p-10s.mp4"
  frames=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$clip")
  echo "${p}p, $frames frames:"
  run "ffmpeg -vf null" "$clip" "$frames" ffmpeg -nostdin -y -nostats -i "$clip" -vf null $x264 "$work/f.mp4"; null=$last
  run "ffmpeg chromakey (needs a green screen)" "$clip" "$frames" ffmpeg -nostdin -y -nostats -i "$clip" -vf "chromakey=0x00B140:0.1" -c:v ffv1 "$work/ck.mkv"
  run "omni matte (person, green)" "$clip" "$frames" "$omni" -y -nostats -i "$clip" -vf matte $x264 "$work/m.mp4"
  printf '  %-40s %.2f\n' "ratio matte / null (wall time)" "$(echo "$last / $null" | bc -l)"
  run "omni matte=out=mask (no compositing)" "$clip" "$frames" "$omni" -y -nostats -i "$clip" -vf matte=out=mask $x264 "$work/m.mp4"
  run "omni matte=refine=0:smooth=0" "$clip" "$frames" "$omni" -y -nostats -i "$clip" -vf matte=refine=0:smooth=0 $x264 "$work/m.mp4"
  run "omni matte=bg=transparent (ProRes 4444)" "$clip" "$frames" "$omni" -y -nostats -i "$clip" -vf matte=bg=transparent -c:v prores_ks -profile:v 4444 -an "$work/m.mov"
  if "$omni" models path rvm >/dev/null 2>&1; then
    run "omni matte=model=rvm (video matting)" "$clip" "$frames" "$omni" -y -nostats -i "$clip" -vf matte=model=rvm $x264 "$work/m.mp4"
    # (at 30 fps the default runs the network on every third frame; this clip repeats each of
    # vtest's 10 fps pictures three times, which changes what the frames between look like, not
    # what they cost)
    run "omni matte=model=rvm:every=2" "$clip" "$frames" "$omni" -y -nostats -i "$clip" -vf matte=model=rvm:every=2 $x264 "$work/m.mp4"
    run "omni matte=model=rvm:every=1" "$clip" "$frames" "$omni" -y -nostats -i "$clip" -vf matte=model=rvm:every=1 $x264 "$work/m.mp4"
  fi
  run "omni matte=keep=car (detector + GrabCut)" "$clip" "$frames" "$omni" -y -nostats -i "$clip" -vf "matte=keep=car" $x264 "$work/m.mp4"
  if "$omni" models path isnet >/dev/null 2>&1; then
    # 3 s: ISNet runs on key frames (every 30 frames, at cuts, when the carried mask degrades).
    runs_saved=$runs; runs=1
    run "omni matte=keep=salient (3 s)" "$clip" 90 "$omni" -y -nostats -t 3 -i "$clip" -vf matte=keep=salient $x264 "$work/s.mp4"
    runs=$runs_saved
  fi
done
echo "where a 720p person matte's time goes: OMNI_PROFILE=1 $omni models run selfie IMAGE (model), perf record $omni ... (filter)"
