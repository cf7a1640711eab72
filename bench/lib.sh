# Shared by the bench scripts: the settings (omni binary, RUNS, work folder), the 720p test clips,
# timing (median of RUNS), the H.264 settings every end-to-end run uses, `run LABEL CMD...`
# for a fixed-length clip of $frames frames, and peak memory (`peak`, `memory_flat`). Sourced
# after `set -euo pipefail`.
omni=${1:-build/omni}
runs=${RUNS:-3}
work=${BENCH_DIR:-build/bench}
mkdir -p "$work"
data=/usr/share/doc/opencv-doc/examples/data
# 10 s at 720p 30 fps, made once: the street (vtest.avi scaled) and a person (messi5.jpg panned and zoomed).
street_clip() {
  local f="$work/vtest-720p-10s.mp4"
  [ -f "$f" ] || ffmpeg -v error -y -i "$data/vtest.avi" -t 10 -vf "scale=1280:720,fps=30" -c:v libx264 -preset medium -crf 20 -pix_fmt yuv420p "$f"
  echo "$f"
}
person_clip() {
  local f="$work/messi-720p-10s.mp4"
  [ -f "$f" ] || ffmpeg -v error -y -loop 1 -framerate 30 -i "$data/messi5.jpg" \
    -vf "scale=1644:1026,crop=1280:720:x='180+150*sin(t)':y='150+80*sin(t*0.7)',format=yuv420p" -t 10 -c:v libx264 -preset medium -crf 20 "$f"
  echo "$f"
}
median() { sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
timeit() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
x264="-c:v libx264 -preset veryfast -an"
# run LABEL CMD...: prints seconds and fps (median of $runs); the median seconds are left in $last.
run() {
  local label=$1 t=(); shift
  for _ in $(seq "$runs"); do t+=("$(timeit "$@")"); done
  last=$(printf '%s\n' "${t[@]}" | median)
  printf '  %-52s %7.2fs  %6.1f fps\n' "$label" "$last" "$(echo "$frames / $last" | bc -l)"
}
# A sky: home.jpg (a palace under a blue sky with clouds and birds) panned at 720p.
sky_clip() {
  local f="$work/home-720p-10s.mp4"
  [ -f "$f" ] || ffmpeg -v error -y -loop 1 -framerate 30 -i "$data/home.jpg" \
    -vf "scale=1600:1200,crop=1280:720:x='160+150*sin(t*0.6)':y='120+60*sin(t*0.4)',format=yuv420p" -t 10 -c:v libx264 -preset medium -crf 20 "$f"
  echo "$f"
}
# peak CMD...: the command's peak resident memory in KiB (GNU time).
peak() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }
# memory_flat LABEL CLIP FILTERS: omni's peak memory on CLIP (10 s) and on 60 s of it looped: a
# filter that keeps anything per frame grows with the length; the two should match.
# looped CLIP: 60 s of CLIP, looped (made once); prints its name.
looped() {
  local long="${1%.mp4}-60s.mp4"
  [ -f "$long" ] || ffmpeg -v error -y -stream_loop -1 -i "$1" -t 60 -c copy "$long"
  echo "$long"
}
memory_flat() {
  local long a b
  long=$(looped "$2")
  a=$(peak "$omni" -y -nostats -i "$2" -vf "$3" $x264 "$work/m.mp4")
  b=$(peak "$omni" -y -nostats -i "$long" -vf "$3" $x264 "$work/m.mp4")
  printf '  %-52s %5d MiB at 10 s, %5d MiB at 60 s\n' "$1" "$((a / 1024))" "$((b / 1024))"
}
