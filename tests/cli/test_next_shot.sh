#!/usr/bin/env bash
# next-shot, measured on a real photo of a person (opencv-doc's messi5.jpg, 3/4 size) moved along a
# known path over another real photo (home.jpg, blurred): still 1.5 s, an eased diagonal move of
# 450 x 140 px over 3 s, still 1.5 s; 960x540, 30 fps. The face's true position in each frame is
# the path plus the face's place in the photo (marked by eye: nose at 244, 112).
# - closeup, medium and aspect=9/16: the face inside the crop's middle 60 % in >= 98 % of frames;
#   the crop's jerk (third differences of its centre) <= 0.2x that of centring each frame on the
#   subject the filter saw; the crop inside the picture; the pictures are the crops the path says
#   (against OpenCV's bicubic warp of the input, >= 30 dB);
# - a still subject: the crop moves < 0.2 px a frame; pad=1 lets the crop leave the picture for
#   a face at its edge (black there), pad=0 never does;
# - cut alternates framings every N seconds; continue carries a known zoom (1 % a frame) on:
#   the first added frames zoom within 10 % of that rate, then ease to a stop;
# - bad options: one line each.
source "$(dirname "$0")/lib.sh"
O="$OMNI_SHIPPED"
M="${SHOT_METRICS:?SHOT_METRICS must point at shot_metrics}"
for m in nanodet movenet-multipose face-detector; do
  "$O" models path "$m" >/dev/null 2>&1 || die "model $m is not installed; run: $O models fetch $m (make test does)"
done

# ---- the moving subject ---------------------------------------------------------------------
E='(0.5-0.5*cos(PI*(t-1.5)/3))'
X="if(lt(t,1.5),60,if(lt(t,4.5),60+450*$E,510))"
Y="if(lt(t,1.5),200,if(lt(t,4.5),200-140*$E,60))"
scene() {  # scene OUT X Y SECONDS
  ffmpeg -v error -y -loop 1 -t "$4" -r 30 -i "$DATA/home.jpg" -loop 1 -t "$4" -r 30 -i "$DATA/messi5.jpg" -filter_complex \
    "[0]scale=960:540:force_original_aspect_ratio=increase,crop=960:540,boxblur=4[bg];[1]scale=411:256[fg];[bg][fg]overlay=x='$2':y='$3':eval=frame,format=yuv420p" \
    -c:v ffv1 "$1"
}
scene moving.mkv "$X" "$Y" 6
awk 'BEGIN { for (n = 0; n < 180; n++) { t = n / 30; e = 0.5 - 0.5 * cos(3.141592653589793 * (t - 1.5) / 3);
  if (t < 1.5) { x = 60; y = 200 } else if (t < 4.5) { x = 60 + 450 * e; y = 200 - 140 * e } else { x = 510; y = 60 }
  printf "%d %.2f %.2f\n", n, int(x + 0.5) + 0.75 * 244, int(y + 0.5) + 0.75 * 112 } }' > truth.txt

for shot in closeup medium aspect=9/16; do
  tag=${shot//[=\/]/_}
  "$O" -y -nostats -i moving.mkv -vf "next-shot=$shot:path=$tag.txt" -c:v ffv1 "$tag.mkv" || die "next-shot=$shot failed"
  [ "$(count_frames "$tag.mkv")" = 180 ] || die "next-shot=$shot: $(count_frames "$tag.mkv") frames out of 180"
  "$M" path "$tag.txt" truth.txt 960 540 > "$tag.m"
  v() { sed -n "s/^$1=//p" "$tag.m"; }
  echo "next-shot=$shot: face in the middle 60 %: $(v safe), crop inside: $(v inside), jerk $(v jerk) vs $(v naive_jerk) centring each frame ($(v jerk_ratio)x)"
  awk -v s="$(v safe)" -v i="$(v inside)" -v j="$(v jerk_ratio)" 'BEGIN { exit !(s >= 0.98 && i == 1 && j <= 0.2) }' \
    || die "next-shot=$shot: safe $(v safe) (>= 0.98), inside $(v inside) (1), jerk ratio $(v jerk_ratio) (<= 0.2)"
done
[ "$(probe v:0 stream=width,height closeup.mkv)" = "960,540" ] || die "closeup: not the input's size"
[ "$(probe v:0 stream=width,height aspect_9_16.mkv)" = "304,540" ] || die "aspect=9/16: $(probe v:0 stream=width,height aspect_9_16.mkv), not 304x540"
ok "closeup, medium, aspect=9/16: the face stays in the middle 60 %, the path is smooth, the crop inside the picture"

# The pictures are the crops the path says (no sharpening, so a plain resampler can stand in).
"$O" -y -nostats -i moving.mkv -vf "next-shot=closeup:sharpen=0:path=plain.txt" -c:v ffv1 plain.mkv
ffmpeg -v error -y -i moving.mkv -vf "select=not(mod(n\,15))" -vsync 0 -f rawvideo -pix_fmt gray in.gray
ffmpeg -v error -y -i plain.mkv -vf "select=not(mod(n\,15))" -vsync 0 -f rawvideo -pix_fmt gray out.gray
"$M" pixels in.gray out.gray 960 540 960 540 plain.txt 15 > px.m
echo "closeup against the path's crops: $(tr '\n' ' ' < px.m)"
awk -v p="$(sed -n 's/^psnr_min=//p' px.m)" 'BEGIN { exit !(p >= 30) }' || die "closeup's pictures are not the path's crops: $(cat px.m)"
ok "closeup: each picture is the crop its path line names (>= 30 dB against a bicubic warp)"

# ---- a still subject, and pad -----------------------------------------------------------------
scene still.mkv 300 150 3
"$O" -y -nostats -i still.mkv -vf "next-shot=closeup:path=still.txt" -c:v ffv1 still_out.mkv
"$M" path still.txt truth.txt 960 540 0 89 > still.m
s=$(sed -n 's/^still=//p' still.m)
echo "still subject: the crop moves at most $s px a frame"
awk -v s="$s" 'BEGIN { exit !(s < 0.2) }' || die "a still subject's crop moves $s px a frame (< 0.2)"
ok "closeup of a still subject: the crop moves < 0.2 px a frame"

# The face about 60 px from the picture's left edge: pad=0 keeps the crop inside, pad=1 centres the
# face and shows black beyond the edge.
scene edge.mkv -120 150 1
"$O" -y -nostats -i edge.mkv -vf "next-shot=closeup:path=edge0.txt" -c:v ffv1 edge0.mkv
"$O" -y -nostats -i edge.mkv -vf "next-shot=closeup:pad=1:path=edge1.txt" -c:v ffv1 edge1.mkv
awk 'NR > 1 && $3 < -0.01 { bad = 1 } END { exit bad }' edge0.txt || die "pad=0: the crop left the picture"
awk 'NR > 1 { if ($3 >= -1) bad = 1; if (($7 - ($3 + $5 / 2)) ^ 2 > (0.05 * $5) ^ 2) bad = 1 } END { exit bad }' edge1.txt \
  || die "pad=1: the crop did not centre the face past the edge: $(sed -n 2p edge1.txt)"
left=$(ffmpeg -v error -i edge1.mkv -vf "crop=8:ih:0:0,select=eq(n\,15)" -frames:v 1 -f rawvideo -pix_fmt gray - | od -An -tu1 -v | awk '{ for (i = 1; i <= NF; i++) if ($i > 20) n++ } END { print n + 0 }')
[ "$left" = 0 ] || die "pad=1: the left edge is not black ($left bright samples)"
ok "pad=0 keeps the crop inside the picture; pad=1 centres a face at the edge and shows black past it"

# Anamorphic pixels (SAR 2:1): aspect=1 is a square picture as shown, the pixels keep their shape.
ffmpeg -v error -y -i still.mkv -frames:v 3 -vf "scale=480:540,setsar=2" -c:v ffv1 ana.mkv
"$O" -y -nostats -i ana.mkv -vf next-shot=aspect=1 -c:v ffv1 ana_out.mkv
[ "$(probe v:0 stream=width,height,sample_aspect_ratio ana_out.mkv)" = "270,540,2:1" ] \
  || die "aspect=1 on 2:1 pixels: $(probe v:0 stream=width,height,sample_aspect_ratio ana_out.mkv), not 270x540 at 2:1"
ok "aspect= counts anamorphic pixels: 480x540 at SAR 2:1 gives a 270x540 picture at 2:1, square as shown"

# ---- cut ----------------------------------------------------------------------------------------
"$O" -y -nostats -i moving.mkv -vf "next-shot=cut:shots=wide|closeup:every=2:path=cut.txt" -c:v ffv1 cut.mkv
awk 'NR > 1 { h[int($1 / 60)] += $6; c[int($1 / 60)]++ } END {
  a = h[0] / c[0]; b = h[1] / c[1]; d = h[2] / c[2]; printf "cut: mean crop height %.0f, %.0f, %.0f px\n", a, b, d
  exit !(a > 1.3 * b && d > 1.3 * b) }' cut.txt || die "cut did not alternate wide and closeup every 2 s"
ok "cut: wide, closeup, wide, 2 s each"

# ---- continue -----------------------------------------------------------------------------------
ffmpeg -v error -y -loop 1 -i "$DATA/home.jpg" -vf "scale=1280:960,zoompan=z='pow(1.01,on)':d=1:x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':s=640x480:fps=30,format=yuv420p" \
  -frames:v 45 -c:v ffv1 zoom.mkv
"$O" -y -nostats -i zoom.mkv -vf "next-shot=continue:duration=1" -c:v ffv1 cont.mkv
[ "$(count_frames cont.mkv)" = 75 ] || die "continue:duration=1 at 30 fps: $(count_frames cont.mkv) frames, not 45 + 30"
ffmpeg -v error -y -i cont.mkv -f rawvideo -pix_fmt gray cont.gray
clip=$("$M" zoom cont.gray 640 480 30 44 | sed -n 's/^zoom=//p')
first=$("$M" zoom cont.gray 640 480 44 50 | sed -n 's/^zoom=//p')
last=$("$M" zoom cont.gray 640 480 70 74 | sed -n 's/^zoom=//p')
echo "continue: the clip zooms $clip a frame, the first added frames $first, the last $last"
awk -v c="$clip" -v f="$first" -v l="$last" 'BEGIN { r = (f - 1) / (c - 1); exit !(c > 1.009 && c < 1.011 && r > 0.9 && r < 1.1 && l - 1 < 0.2 * (c - 1)) }' \
  || die "continue did not carry the zoom on (clip $clip, first added $first, last $last)"
ok "continue: the zoom carried on within 10 % of its rate, eased to a stop"

# ---- the salient object as the subject --------------------------------------------------------
if "$O" models path isnet >/dev/null 2>&1; then
  # The photo at half size on a plain grey picture: whatever ISNet finds most salient is in it.
  ffmpeg -v error -y -f lavfi -i color=c=gray:s=960x540:r=10:d=0.5 -i "$DATA/messi5.jpg" \
    -filter_complex "[1]scale=274:171[p];[0][p]overlay=600:300,format=yuv420p" -c:v ffv1 m.mkv
  "$O" -y -nostats -i m.mkv -vf "next-shot=wide:target=salient:path=sal.txt" -c:v ffv1 sal.mkv || die "target=salient failed"
  awk 'NR == 2 { exit !($7 > 600 && $7 < 874 && $8 > 300 && $8 < 471 && $5 < 900) }' sal.txt || die "target=salient: $(sed -n 2p sal.txt)"
  ok "target=salient frames the most salient object"
fi

# ---- model=: a super-resolution network from the manifest ---------------------------------------
# A TorchScript network of known behaviour (each pixel's negative, repeated 2x2) added to the
# shipped manifest: the close-up through it must be the plain close-up's negative.
mkdir -p models
"${MAKE_STYLE_MODEL:?}" up2-negative models/up2neg.torchscript
for m in nanodet movenet-multipose face-detector; do ln -sf "$("$O" models path "$m")" "models/$(basename "$("$O" models path "$m")")"; done
{ cat "$OMNI_SRC/presets/models.toml"; printf '\n[up2neg]\ntask = "super-resolution"\nformat = "torchscript"\n'
  printf 'input = { shape = [1, 3, 0, 0], layout = "NCHW", color = "RGB", range = [0.0, 1.0] }\noutputs = ["picture"]\n'; } > manifest.toml
OMNI_MANIFEST=$T/manifest.toml OMNI_MODEL_DIR=$T/models "$O" -y -nostats -i still.mkv -frames:v 8 \
  -vf "next-shot=closeup:model=up2neg" -c:v ffv1 sr.mkv || die "next-shot with model=up2neg failed"
"$O" -y -nostats -i still.mkv -frames:v 8 -vf "next-shot=closeup:sharpen=0,negate" -c:v ffv1 neg.mkv
p=$(ffmpeg -i sr.mkv -i neg.mkv -lavfi psnr -f null - 2>&1 | sed -n 's/.*average:\([0-9.inf]*\).*/\1/p')
echo "model=up2neg against the plain close-up's negative: $p dB"
awk -v p="$p" 'BEGIN { exit !(p == "inf" || p >= 30) }' || die "model=up2neg is not the close-up's negative ($p dB)"
expect_fail "model=selfie is a person-segmentation model, not super-resolution" "$O" -y -i still.mkv -vf next-shot=closeup:model=selfie -f null - >/dev/null
ok "model=: the crop goes through the manifest's super-resolution network ($p dB against the expected picture)"

# ---- bad options: one line each -----------------------------------------------------------------
expect_fail "next-shot: shot=closup .*did you mean|closup" "$O" -y -i still.mkv -vf next-shot=closup -f null - >/dev/null
expect_fail "aspect=abc is not a shape" "$O" -y -i still.mkv -vf next-shot=aspect=abc -f null - >/dev/null
expect_fail "'zoomy' is not a framing" "$O" -y -i still.mkv -vf "next-shot=cut:shots=wide|zoomy" -f null - >/dev/null
expect_fail "every= goes with shot=cut" "$O" -y -i still.mkv -vf next-shot=closeup:every=2 -f null - >/dev/null
expect_fail "duration= goes with shot=continue" "$O" -y -i still.mkv -vf next-shot=wide:duration=2 -f null - >/dev/null
expect_fail "aspect= does not go with it" "$O" -y -i still.mkv -vf next-shot=continue:aspect=1 -f null - >/dev/null
expect_fail "is not of aspect" "$O" -y -i still.mkv -vf next-shot=aspect=9/16:s=640x360 -f null - >/dev/null
expect_fail "s=big is not a size" "$O" -y -i still.mkv -vf next-shot=s=big -f null - >/dev/null
expect_fail "who= chooses among people" "$O" -y -i still.mkv -vf next-shot=target=salient:who=left -f null - >/dev/null
expect_fail "path=/nonexistent/p.txt: cannot write" "$O" -y -i still.mkv -vf next-shot=path=/nonexistent/p.txt -f null - >/dev/null
ok "bad options: one clear line each"
