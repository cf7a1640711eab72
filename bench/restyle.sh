#!/usr/bin/env bash
# bench/restyle: end-to-end restyle (decode + look + stabilisation + encode) at 720p, each look
# with and without temporal stabilisation, next to stock ffmpeg `-vf null` on the same clip in
# the same run; and pixel art against ffmpeg's best chain (block means, palettegen/paletteuse,
# neighbour upscale), per-frame palette and whole-clip palette. Frames per second of the whole
# command, median of RUNS (default 3), and peak memory of one run. Not a test: it prints.
set -euo pipefail
omni=${1:-build/omni}
runs=${RUNS:-3}
work=${BENCH_DIR:-build/bench}
mkdir -p "$work"
src=/usr/share/doc/opencv-doc/examples/data/vtest.avi
clip="$work/vtest-720p-10s.mp4"
[ -f "$clip" ] || ffmpeg -v error -y -i "$src" -t 10 -vf "scale=1280:720,fps=30" -c:v libx264 -preset medium -crf 20 -pix_fmt yuv420p "$clip"
frames=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$clip")

source "$(dirname "$0")/lib.sh"  # median, timeit, x264 (this file's run() takes the clip and its frames)
run() {  # run LABEL CMD...: prints fps (median); the median seconds are left in $last
  local label=$1 t=(); shift
  for _ in $(seq "$runs"); do t+=("$(timeit "$@")"); done
  last=$(printf '%s\n' "${t[@]}" | median)
  printf '  %-48s %7.2fs  %6.1f fps' "$label" "$last" "$(echo "$frames / $last" | bc -l)"
  [ -z "$null" ] && echo || printf '  %5.2fx null time\n' "$(echo "$last / $null" | bc -l)"
}

echo "bench/restyle: $(nproc) cores, vtest.avi scaled to 720p, 30 fps, $frames frames, H.264 veryfast out, median of $runs"
null=
run "ffmpeg -vf null" ffmpeg -nostdin -y -nostats -i "$clip" -vf null $x264 "$work/n.mp4"; null=$last
for s in pixel cartoon sketch oil watercolor; do
  run "omni restyle=$s" "$omni" -y -nostats -i "$clip" -vf "restyle=$s" $x264 "$work/r.mp4"
  run "omni restyle=$s:temporal=0 (frame by frame)" "$omni" -y -nostats -i "$clip" -vf "restyle=$s:temporal=0" $x264 "$work/r.mp4"
done
run "omni restyle=ref=HappyFish.jpg" "$omni" -y -nostats -i "$clip" -vf "restyle=ref=${src%/*}/HappyFish.jpg" $x264 "$work/r.mp4"
chain="scale=iw/8:ih/8:flags=area,split[a][b];[a]palettegen=max_colors=16%s[p];[b][p]paletteuse=dither=none%s,scale=iw*8:ih*8:flags=neighbor"
# shellcheck disable=SC2059
run "ffmpeg pixel chain, palette per frame" ffmpeg -nostdin -y -nostats -i "$clip" -filter_complex "$(printf "$chain" ":stats_mode=single" ":new=1")" $x264 "$work/f.mp4"
# shellcheck disable=SC2059
run "ffmpeg pixel chain, one palette (2 passes)" ffmpeg -nostdin -y -nostats -i "$clip" -filter_complex "$(printf "$chain" "" "")" $x264 "$work/f.mp4"
echo "peak memory (KiB): omni restyle=cartoon $(peak "$omni" -y -nostats -i "$clip" -vf restyle=cartoon $x264 "$work/r.mp4");" \
  "ffmpeg one-palette chain $(peak ffmpeg -nostdin -y -nostats -i "$clip" -filter_complex "$(printf "$chain" "" "")" $x264 "$work/f.mp4")" \
  "(it holds the clip until the palette exists)"
echo "stability (warping error) and the looks' signatures: tests/cli/test_restyle.sh prints them"
