#!/usr/bin/env bash
# omni's FATE: every line of tests/conformance/cases.tsv runs through stock ffmpeg and through omni
# here, and the two outputs must compare equal (see the table's header for the ways to compare).
# CONFORMANCE_ONLY=PATTERN runs the matching cases alone.
source "$(dirname "$0")/lib.sh"

# Fixtures: a 10 fps clip with sound, an image sequence, raw video, variable frame rate, tags,
# a rotated clip, subtitles, 10-bit, a long tone.
make_clip clip.mp4 4 320x240 10
ffmpeg -v error -y -i clip.mp4 -c:a copy -g 10 -bf 0 gop10.mp4
ffmpeg -v error -y -f lavfi -i "testsrc2=size=160x120:rate=10" -frames:v 10 seq_%03d.png
ffmpeg -v error -y -f lavfi -i "testsrc2=size=64x48:rate=10" -frames:v 10 -pix_fmt yuv420p -f rawvideo raw.yuv
ffmpeg -v error -y -f lavfi -i "testsrc2=size=320x240:rate=25:duration=3" -vf "select='not(between(n\,10\,19))',setpts='PTS+if(gt(N\,40)\,0.013/TB\,0)'" \
  -fps_mode passthrough -c:v ffv1 vfr.mkv
ffmpeg -v error -y -i clip.mp4 -c copy -metadata title=Tagged -metadata comment=kept tagged.mp4
ffmpeg -v error -y -f lavfi -i "sine=frequency=330:sample_rate=44100:duration=6" longtone.wav
ffmpeg -v error -y -i longtone.wav -t 2 -c:a aac tone.m4a
ffmpeg -v error -y -i clip.mp4 -i longtone.wav -map 0:v -map 0:a -map 1:a -c:v copy -c:a:0 copy -c:a:1 pcm_s16le -t 4 twoaudio.mkv
ffmpeg -v error -y -i clip.mp4 -c copy -metadata:s:v:0 rotate=90 rot.mp4
printf '1\n00:00:00,500 --> 00:00:01,500\nhello\n\n2\n00:00:02,000 --> 00:00:03,000\nworld\n' > subs.srt
ffmpeg -v error -y -i clip.mp4 -i subs.srt -map 0 -map 1 -c copy subs.mkv
ffmpeg -v error -y -f lavfi -i "testsrc2=size=160x120:rate=10:duration=1" -pix_fmt yuv420p10le -c:v ffv1 clip10.mkv

compare() {  # compare MODE FILE -> the text that must be equal
  local mode=$1 F=$2
  case "$mode" in
    frames) ffmpeg -v error -i "$F" -map 0:v -f framemd5 - | grep -v '^#' ;;
    audio) ffmpeg -v error -i "$F" -map 0:a -f framemd5 - | grep -v '^#' ;;
    packets) ffmpeg -v error -i "$F" -map 0 -c copy -f framemd5 - | grep -v '^#' ;;
    times) ffprobe -v error -select_streams v:0 -show_entries frame=pts_time -of csv=p=0 "$F" ;;
    probe:*) ffprobe -v error -show_entries "${mode#probe:}" -of csv=p=0 "$F" ;;
    sh:*) F="$F" bash -c "${mode#sh:}" ;;
    *) die "unknown comparison '$mode'" ;;
  esac
}

pass=0 failed=()
while IFS=$'\t' read -r -u 3 label mode args; do
  [[ -z "$label" || "$label" == \#* ]] && continue
  [ -n "${CONFORMANCE_ONLY:-}" ] && [[ "$label" != *$CONFORMANCE_ONLY* ]] && continue
  eval "set -- $args"
  ref=() ours=()
  for a in "$@"; do
    case "$a" in OUT.*) ref+=("ref.${a#OUT.}"); ours+=("ours.${a#OUT.}") ;; *) ref+=("$a"); ours+=("$a") ;; esac
  done
  rm -f ref.* ours.*
  if ! ffmpeg -nostdin -v error -y "${ref[@]}" 2>ffmpeg.err; then
    failed+=("$label: stock ffmpeg failed: $(head -2 ffmpeg.err | tr '\n' ' ')"); continue
  fi
  if ! "$OMNI" -y -nostats "${ours[@]}" 2>omni.err </dev/null; then
    failed+=("$label: omni failed: $(head -2 omni.err | tr '\n' ' ')"); continue
  fi
  out_ref=$(ls ref.* | head -1) out_ours=$(ls ours.* | head -1)
  want=$(compare "$mode" "$out_ref" </dev/null) got=$(compare "$mode" "$out_ours" </dev/null)
  if [ -z "$want" ]; then failed+=("$label: the comparison gave nothing for ffmpeg's output"); continue; fi
  if [ "$want" = "$got" ]; then
    pass=$((pass + 1))
    echo "ok - $label"
  else
    failed+=("$label: differs: ffmpeg [$(echo "$want" | head -3 | tr '\n' ' ')...] omni [$(echo "$got" | head -3 | tr '\n' ' ')...] ($(echo "$want" | wc -l) vs $(echo "$got" | wc -l) lines)")
  fi
done 3< "$OMNI_SRC/tests/conformance/cases.tsv"
for f in "${failed[@]}"; do echo "FAIL [conformance]: $f" >&2; done
echo "conformance: ${pass} passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ] || exit 1
