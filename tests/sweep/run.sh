#!/usr/bin/env bash
# The frame-size sweep: every registered omni filter (the list comes from `omni -filters`, so a
# new filter joins by itself) over awkward frame sizes and pixel formats, on an omni built with
# AddressSanitizer and UBSan (make sanitize). A run passes when it exits 0 with every frame at the
# input's size, or, for frames too small for a method, with one clear "omni:" line naming the
# minimum size. A sanitizer report, a signal or any other failure fails the sweep. Cases run side
# by side (OMNI_SWEEP_JOBS, default the cores); the slowest are listed at the end.
#   usage: tests/sweep/run.sh OMNI fast|long
set -uo pipefail
omni=$(realpath "$1")
set_name=${2:-fast}
T="${OMNI_TMP:-/tmp/omni-tests}/sweep-$set_name"
rm -rf "$T"; mkdir -p "$T"; cd "$T"
export ASAN_OPTIONS=detect_leaks=0:exitcode=86
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=87

filters=$("$omni" -filters | awk '$1 == "O.." && $2 ~ /^[a-z]/ {print $2}')
[ -n "$filters" ] || { echo "FAIL [sweep]: omni -filters lists no omni filter"; exit 1; }

# A filter that needs options to run at all (add needs a picture) runs with these as its "defaults".
ffmpeg -v error -y -f lavfi -i "color=red@0.7:s=31x17,format=rgba" -frames:v 1 "$T/sticker.png"
ffmpeg -v error -y -f lavfi -i "color=white:s=9x7" -frames:v 1 "$T/plain.png"
ffmpeg -v error -y -f lavfi -i "testsrc2=s=23x15:r=10:d=0.3,format=yuva420p" -c:v libvpx-vp9 -pix_fmt yuva420p "$T/clip.webm"
# A character with its rig (no pose model on the picture): a standing figure in the sticker's box.
cat >"$T/sticker.json" <<'JSON'
{"joints": {"nose": [15.5, 1.2], "left_shoulder": [21.1, 3.2], "right_shoulder": [9.9, 3.2], "left_elbow": [24.2, 5.8],
 "right_elbow": [6.8, 5.8], "left_wrist": [26.4, 8.2], "right_wrist": [4.6, 8.2], "left_hip": [18.6, 8.8], "right_hip": [12.4, 8.8],
 "left_knee": [19.2, 12.6], "right_knee": [11.8, 12.6], "left_ankle": [19.5, 16.3], "right_ankle": [11.5, 16.3]}}
JSON
mt="motion-transfer=character=$T/sticker.png:rig=$T/sticker.json"
declare -A needs=(
  [add]="add=image=$T/sticker.png:x=1:y=1:occlude=0"
  [motion-transfer]="$mt"
  [replace]="replace=color"
)
# Settings beyond the defaults that take other code paths (a filter not named here runs at its
# defaults only).
declare -A variants=(
  [add]="add=image=$T/sticker.png:anchor=eyes:rotate=30 add=image=$T/plain.png:key=black:x=0:y=0:size=200:track=0 add=snow add=text=Aé第:x=1:y=1:scale=0.05 add=video=$T/clip.webm:x=0:y=0"
  [next-shot]="next-shot=closeup next-shot=cut:shots=wide|closeup:every=0.1 next-shot=medium:pad=1 next-shot=wide:target=salient next-shot=continue:duration=0.3,trim=end_frame=3"
  [motion-transfer]="$mt:bg=transparent $mt:keep=1:show=1 motion-transfer=character=$T/sticker.png|$T/sticker.png:rig=$T/sticker.json|$T/sticker.json:squash=1"
  [matte]="matte=bg=transparent matte=bg=blur matte=model=pose matte=keep=salient matte=model=rvm matte=keep=dog"
  [remove]="remove=salient remove=x=1:y=1:w=1:h=1:track=1 remove=x=0:y=0:w=2:h=2:method=inpaint remove=people:find=segmenter remove=car"
  [replace]="replace=background:with=blur:wrap=1 replace=color:x=0:y=0:w=1:h=1:from=yellow:to=cyan replace=color:target=person replace=sky:with=$T/plain.png replace=season=winter replace=time=night replace=object:x=0:y=0:w=2:h=2:with=$T/sticker.png"
  [restyle]="restyle=cartoon restyle=sketch restyle=oil restyle=watercolor restyle=gameboy:temporal=0"
)

if [ "$set_name" = long ]; then
  sizes="1080x1920 1920x1080 3840x2160"
  formats="yuv420p yuv420p10le"
  variant_sizes="1080x1920"
else
  # odd, even, prime, tiny, vertical, 4:3, 21:9, and the sizes that once corrupted the heap
  # (16x16, 320x240, 360x240 and 640x240 went when the eighth filter came: nothing of theirs
  # was not already covered, and the CI run had reached 40 minutes)
  sizes="2x2 3x3 17x17 40x64 97x131 250x142 426x240 240x426 630x270 854x480"
  formats="yuv420p yuv420p10le yuv422p yuv444p yuva420p"
  variant_sizes="3x3 17x17 97x131 426x240"
fi

# Cases run side by side, each in its own folder (a case is mostly one core: the models' import
# under the sanitizers), at most OMNI_SWEEP_JOBS (default: the cores) at a time; each writes one
# line to results.txt: "ok" or "FAIL ...".
jobs_max=${OMNI_SWEEP_JOBS:-$(nproc)}
n_case=0
: >results.txt
: >times.txt
spawn() {  # spawn FUNCTION ARGS...: FUNCTION runs in a folder of its own, in the background
  while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n; done
  n_case=$((n_case + 1))
  local d="$T/case_$n_case"
  mkdir -p "$d"
  ( cd "$d" && "$@"; cd "$T" && rm -rf "$d" ) &
}
result() { echo "$*" >>"$T/results.txt"; }
timed() {  # timed LABEL COMMAND...: runs it, notes its seconds in times.txt, returns its status
  local t0=$SECONDS label=$1 rc
  shift
  "$@"
  rc=$?
  echo "$((SECONDS - t0)) $label" >>"$T/times.txt"
  return $rc
}
clip() {  # clip SIZE PIX_FMT -> file name (made once, in $T, before any case uses it)
  local f="$T/in_$1_$2.mkv"
  local w=${1%x*} h=${1#*x}
  # testsrc2 rounds odd sizes down in its own 4:2:0; it is cropped to size in RGB instead.
  [ -f "$f" ] || ffmpeg -v error -y -f lavfi -i "testsrc2=size=$(( (w + 1) / 2 * 2 ))x$(( (h + 1) / 2 * 2 )):rate=10,format=gbrp,crop=$w:$h:0:0" \
    -frames:v 3 -pix_fmt "$2" -c:v ffv1 "$f" || return 1
  echo "$f"
}
check_case() {  # check_case IN SIZE PIX_FMT GRAPH (in the case's folder)
  local in=$1 size=$2 fmt=$3 graph=$4 rc n w h
  timed "$graph $size $fmt" timeout 300 "$omni" -y -nostats -i "$in" -vf "$graph" -c:v ffv1 out.mkv >stdout.txt 2>stderr.txt </dev/null
  rc=$?
  w=${size%x*}; h=${size#*x}
  if [ $rc -eq 0 ]; then
    n=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames,width,height -of csv=p=0 out.mkv)
    if [ "$n" = "$w,$h,3" ]; then result ok; return; fi
    result "FAIL $graph $size $fmt: output is '$n' (width,height,frames), expected '$w,$h,3'"
  elif [ $rc -eq 1 ] && [ "$(grep -c . stderr.txt)" -eq 1 ] && grep -qE '^omni: .*at least [0-9]+x[0-9]+' stderr.txt &&
       { [ "$w" -lt 32 ] || [ "$h" -lt 32 ]; }; then
    result ok  # a clear refusal of a frame too small for the method
  else
    result "FAIL $graph $size $fmt: exit $rc: $(grep -E 'ERROR|runtime error|SUMMARY|omni:' stderr.txt | head -3 | tr '\n' ' ')"
  fi
}
run_case() {  # run_case SIZE PIX_FMT GRAPH
  local in
  in=$(clip "$1" "$2") || { result "FAIL $3 $1 $2: cannot make the input"; return; }
  spawn check_case "$in" "$1" "$2" "$3"
}
# The variant sizes the k-th variant (or format) of a filter runs at: every other one, in turn,
# so each runs at a tiny and at a larger odd size (all of them when there are fewer than 4).
vs=($variant_sizes)
some_sizes() { if [ ${#vs[@]} -lt 4 ]; then echo "${vs[@]}"; else echo "${vs[$1 % 2]} ${vs[$1 % 2 + 2]}"; fi; }

start=$(date +%s)
for f in $filters; do
  g=${needs[$f]:-$f}
  for s in $sizes; do run_case "$s" yuv420p "$g"; done
  k=0
  for fmt in ${formats#yuv420p }; do
    for s in $(some_sizes $k); do run_case "$s" "$fmt" "$g"; done
    k=$((k + 1))
  done
  k=0
  for v in ${variants[$f]:-}; do
    for s in $(some_sizes $k); do run_case "$s" yuv420p "$v"; done
    k=$((k + 1))
  done
done
check_real() {  # check_real FILE W H GRAPH LABEL: 12 frames of W x H must come out
  local n rc
  timed "$4 $5" timeout 300 "$omni" -y -nostats -i "$1" -vf "$4" -c:v ffv1 out.mkv >stdout.txt 2>stderr.txt </dev/null
  rc=$?
  n=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames,width,height -of csv=p=0 out.mkv 2>/dev/null)
  if [ $rc -eq 0 ] && [ "$n" = "$2,$3,12" ]; then
    result ok
  else
    result "FAIL $5, $4: exit $rc, output '$n': $(grep -E 'ERROR|runtime error|SUMMARY|omni:' stderr.txt | head -3 | tr '\n' ' ')"
  fi
}
run_real() { spawn check_real "$T/$1" "${@:2}"; }
# Real people and a van (opencv-doc's vtest.avi, 12 frames at 10 fps: the detector runs on several, tracks
# are born and carried, crops are converted and segmented) at odd and vertical sizes, through the
# filters' detector paths (NanoDet calls the van a truck): testsrc2 has nothing for them to find. And a
# real sky (home.jpg, panned), where replace=sky finds one and follows the camera.
if [ "$set_name" = fast ]; then
  sizes=(333x251 251x445 97x131)
  for size in "${sizes[@]}"; do
    w=${size%x*}; h=${size#*x}
    ffmpeg -v error -y -i /usr/share/doc/opencv-doc/examples/data/vtest.avi -frames:v 12 -vf "scale=$w:$h" -pix_fmt yuv420p -c:v ffv1 "real_$size.mkv"
    ffmpeg -v error -y -loop 1 -framerate 10 -i /usr/share/doc/opencv-doc/examples/data/home.jpg -frames:v 12 \
      -vf "crop=400:300:n*4:n*2,scale=$w:$h" -pix_fmt yuv420p -c:v ffv1 "sky_$size.mkv"
    for graph in remove=people remove=truck "matte=keep=truck" "remove=people:who=largest"; do
      run_real "real_$size.mkv" "$w" "$h" "$graph" "vtest $size"
    done
  done
  # The later filters' real-footage cases (on=ground: the real plaza's horizon), each at one of the three sizes in turn: under the
  # sanitizers a case with models costs about 40 s, and all of them at every size took the sweep
  # to 26 minutes.
  for k in 0 1 2 3 4 5 6 7 8 9 10 11 12; do
    size=${sizes[k % 3]}; w=${size%x*}; h=${size#*x}; clip=real
    case $k in
      0) clip=sky; g="replace=sky:with=/usr/share/doc/opencv-doc/examples/data/starry_night.jpg" ;;
      1) clip=sky; g="replace=season=winter" ;;
      2) g="add=image=$T/sticker.png:anchor=head" ;;
      3) g="replace=color:target=person:from=blue:to=red" ;;
      4) g="add=image=$T/sticker.png:x=$((w / 2)):y=$((h / 2)):size=$((w / 4))" ;;
      5) g="add=image=$T/sticker.png:anchor=chest:layer=behind" ;;
      6) g="add=image=$T/sticker.png:anchor=head:who=right" ;;
      7) g="replace=object:target=person:who=largest:with=$T/sticker.png" ;;
      8) g="replace=object:x=$((w / 3)):y=$((h / 3)):w=$((w / 5)):h=$((h / 5)):with=$T/sticker.png" ;;
      9) g="add=image=$T/sticker.png:x=$((w / 2)):y=$((h * 3 / 4)):size=$((w / 4)):on=ground" ;;
      10) g="next-shot=closeup" ;;
      11) g="next-shot=aspect=9/16,scale=$w:$h" ;;
      12) g="$mt" ;;
    esac
    run_real "${clip}_$size.mkv" "$w" "$h" "$g" "$clip $size"
  done
fi
# Rotated input (a phone clip tagged rotate=90) and a transpose in front of a filter.
ffmpeg -v error -y -f lavfi -i "testsrc2=size=426x240:rate=10" -frames:v 3 -c:v libx264 -metadata:s:v rotate=90 rot.mp4
check_rotated() {
  local rc
  timed "transpose=1,$1 rotated" timeout 300 "$omni" -y -nostats -i "$T/rot.mp4" -vf "transpose=1,$1" -c:v ffv1 out.mkv >stdout.txt 2>stderr.txt </dev/null
  rc=$?
  if [ $rc -eq 0 ] && [ "$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 out.mkv)" = 3 ]; then
    result ok
  else
    result "FAIL rotated input, transpose=1,$1: exit $rc: $(grep -E 'ERROR|runtime error|omni:' stderr.txt | head -3 | tr '\n' ' ')"
  fi
}
for f in $filters; do spawn check_rotated "${needs[$f]:-$f}"; done
wait
pass=$(grep -c '^ok$' results.txt) fail=$(grep -c '^FAIL' results.txt)
grep '^FAIL' results.txt | sed 's/^FAIL /FAIL [sweep]: /'
echo "sweep ($set_name, $(( $(date +%s) - start )) s, $jobs_max at a time, filters: $(echo $filters | tr '\n' ' '))"
echo "$pass passed, $fail failed"
echo "slowest cases (s):"; sort -rn times.txt | head -8 | sed 's/^/  /'
[ $fail -eq 0 ] && [ "$pass" -eq "$n_case" ]
