#!/usr/bin/env bash
# remove=people on a real street scene (vtest.avi: a fixed camera looking down on a square, people
# small in the picture, cones, a bollard and a yellow jacket on the grass), against people marked
# by hand on three frames (tests/data/vtest_people.txt) and a clean plate (the per-pixel median of
# every fifth frame of the whole clip: people move, the square does not).
#   found: marked people at least half inside the mask (>= 0.9);
#   stray: mask blobs touching no marked person, in the worst frame (<= 1);
#   left:  the marked people's pixels still there after the fill (< 10 %).
# The whole-frame segmenter path (find=segmenter) is measured beside it and printed.
source "$(dirname "$0")/lib.sh"
O="$OMNI_SHIPPED"
R="${REMOVE_METRICS:?}"
D=/usr/share/doc/opencv-doc/examples/data
B="$OMNI_SRC/tests/data/vtest_people.txt"
sel="select='eq(n\,0)+eq(n\,20)+eq(n\,50)'"
frames() { ffmpeg -v error -y -i "$1" -vf "$sel" -fps_mode passthrough -f rawvideo -pix_fmt rgb24 "$2"; }
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }
check() { awk -v v="$2" -v t="$4" "BEGIN{exit !(v $3 t)}" || die "$1 = $2, expected $3 $4"; }

ffmpeg -v error -y -i "$D/vtest.avi" -vf "select='not(mod(n\,5))'" -fps_mode passthrough -f rawvideo -pix_fmt rgb24 plate_src.rgb
ffmpeg -v error -y -i "$D/vtest.avi" -t 6 -c:v ffv1 clip.mkv
frames clip.mkv in.rgb
measure() {  # VARIANT -> metrics line
  "$O" -y -nostats -i clip.mkv -vf "remove=$1" -c:v ffv1 out.mkv || die "remove=$1 failed"
  "$O" -y -nostats -i clip.mkv -vf "remove=$1:show=1" -c:v ffv1 show.mkv || die "remove=$1:show=1 failed"
  frames out.mkv out.rgb
  frames show.mkv show.rgb
  "$R" people 768 576 plate_src.rgb in.rgb out.rgb "$B" show.rgb | tail -n 1
}
seg=$(measure "people:find=segmenter")
echo "find=segmenter (the whole-frame path): $seg"
r=$(measure people)
check "found (marked people masked)" "$(echo "$r" | field found)" ">=" 0.9
check "stray mask blobs in a frame" "$(echo "$r" | field stray)" "<=" 1
check "marked people's pixels left" "$(echo "$r" | field left)" "<" 0.10
ok "remove=people (detector, tracked, segmenter per person): $r"

# ---- the same people through matte: the selfie segmenter vs RVM (video matting) ------------
# No reference alpha exists for this footage: the marked people give found/stray as above
# (mask = alpha > 127), and flicker how much the alpha changes where the picture did not (the
# square between walkers; measured selfie 0.0029, RVM 0.00035). Both are reported; RVM is
# optional (GPL-3.0), so it is not the default.
ffmpeg -v error -y -i clip.mkv -f rawvideo -pix_fmt gray clip.gray
mattes() {  # VARIANT -> metrics line
  local g="$1:out=mask"
  [[ "$1" == *=* ]] || g="$1=out=mask"
  "$O" -y -nostats -i clip.mkv -vf "$g" -c:v ffv1 m.mkv || die "$g failed"
  ffmpeg -v error -y -i m.mkv -vf "$sel" -fps_mode passthrough -f rawvideo -pix_fmt gray m.gray
  ffmpeg -v error -y -i m.mkv -f rawvideo -pix_fmt gray m_all.gray
  echo "$("$R" people 768 576 plate_src.rgb in.rgb in.rgb "$B" m.gray | tail -n 1 | sed 's/.*people=/people=/')" \
    "$("${MATTE_METRICS:?}" flicker 768 576 m_all.gray clip.gray)"
}
selfie=$(mattes "matte"); selfie2=$(mattes "matte=tiles=2"); rvm=$(mattes "matte=model=rvm")
check "rvm: found" "$(echo "$rvm" | field found)" ">=" 0.8
check "rvm: stray blobs" "$(echo "$rvm" | field stray)" "<=" 1
check "rvm: flicker where the picture is still, against selfie's $(echo "$selfie" | field flicker)" \
  "$(echo "$rvm" | field flicker)" "<" "$(echo "$selfie" | field flicker)"
ok "mattes of the marked people: selfie $selfie; selfie tiles=2 $selfie2; rvm $rvm"
