#!/usr/bin/env bash
# restyle, measured. Each look's signature on a real photo (opencv-doc's fruits.jpg); temporal
# stability (warping error) against the same look frame by frame, on real footage (vtest.avi);
# pixel art on a slow pan against stock ffmpeg's best chain; a reference image's colours; a
# TorchScript style network of known output; colours kept exactly at strength=0; cuts; named
# and user styles; sound and frame count; the errors.
# Thresholds are the measured values with a margin (numbers in docs/ARCHITECTURE.md, "restyle").
source "$(dirname "$0")/lib.sh"
O="$OMNI_SHIPPED"
R="${RESTYLE_METRICS:?}"
field() { sed -n "s/.*\b$1=\([0-9.]*\).*/\1/p" | head -1; }
check() { awk -v v="$2" -v t="$4" "BEGIN{exit !(v $3 t)}" || die "$1 = $2, expected $3 $4"; }
rgb() { ffmpeg -v error -y -i "$1" -f rawvideo -pix_fmt rgb24 "$2"; }

ffmpeg -v error -y -i "$DATA/fruits.jpg" -f rawvideo -pix_fmt rgb24 fruits.rgb  # 512x480
look() {  # look STYLE SCALE: the look metrics of restyle=STYLE on fruits.jpg
  "$O" -y -nostats -i "$DATA/fruits.jpg" -vf "restyle=$1" -f rawvideo -pix_fmt rgb24 "look.rgb" 2>/dev/null || die "restyle=$1 failed"
  "$R" look 512 480 fruits.rgb look.rgb "$2"
}
structure() {  # structure NAME METRICS: edges follow the input's, clearly more than an unrelated picture's
  local e u
  e=$(echo "$2" | field edge_ssim); u=$(echo "$2" | field edge_ssim_unrelated)
  check "$1: edge SSIM minus an unrelated picture's" "$(echo "$e - $u" | bc -l)" ">=" 0.1
}

# ---- each look's signature -----------------------------------------------------------------
"$O" -y -nostats -i "$DATA/fruits.jpg" -vf "restyle=pixel:size=6:colors=16:dither=bayer" -f rawvideo -pix_fmt rgb24 px.rgb
r=$("$R" pixel 512 480 px.rgb 6)
check "pixel: whole 6x6 blocks of one colour" "$(echo "$r" | field uniform)" "==" 1
check "pixel: colours" "$(echo "$r" | field colours)" "<=" 16
m=$(look pixel 8); structure pixel "$m"
ok "pixel: $r; $(echo "$m" | grep -o 'edge_ssim.*unrelated=[0-9.]*')"

"$O" -y -nostats -i "$DATA/fruits.jpg" -vf "restyle=gameboy" -f rawvideo -pix_fmt rgb24 gb.rgb
r=$("$R" pixel 512 480 gb.rgb 6)
check "gameboy: blocks" "$(echo "$r" | field uniform)" "==" 1
check "gameboy: colours (its palette has 4)" "$(echo "$r" | field colours)" "<=" 4
check "gameboy: colours used" "$(echo "$r" | field colours)" ">=" 4
ok "gameboy (a named style with a fixed palette): $r"

m=$(look cartoon 2)
check "cartoon: pixels in its 24 commonest colours (the photo: 0.013)" "$(echo "$m" | field top_coverage)" ">=" 0.6
check "cartoon: ink line pixels" "$(echo "$m" | field lines)" ">=" 0.005
check "cartoon: ink line pixels" "$(echo "$m" | field lines)" "<=" 0.1
check "cartoon: lines on the photo's edges (random: edge_area=$(echo "$m" | field edge_area))" "$(echo "$m" | field line_precision)" ">=" 0.6
structure cartoon "$m"
ok "cartoon: $m"

m=$(look sketch 2)
check "sketch: grey pixels" "$(echo "$m" | field grey)" ">=" 0.999
check "sketch: paper-light (mean luma)" "$(echo "$m" | field luma_out)" ">=" 170
structure sketch "$m"
ok "sketch: $m"

m=$(look oil 2)
check "oil: local detail out / in (strokes flatten texture)" "$(echo "$m" | awk '{for(i=1;i<=NF;i++){split($i,a,"=");v[a[1]]=a[2]}} END{print v["detail_out"]/v["detail_in"]}')" "<=" 0.85
check "oil: saturation out - in" "$(echo "$(echo "$m" | field sat_out) - $(echo "$m" | field sat_in)" | bc -l)" ">=" 0
structure oil "$m"
ok "oil: $m"

m=$(look watercolor 2)
check "watercolor: lighter (luma out - in)" "$(echo "$(echo "$m" | field luma_out) - $(echo "$m" | field luma_in)" | bc -l)" ">=" 10
check "watercolor: paler (saturation out / in)" "$(echo "$(echo "$m" | field sat_out) / $(echo "$m" | field sat_in)" | bc -l)" "<=" 0.85
structure watercolor "$m"
ok "watercolor: $m"

# ---- temporal stability on real footage: omni's stabiliser against the look frame by frame ----
ffmpeg -v error -y -i "$DATA/vtest.avi" -frames:v 40 -c:v ffv1 street.mkv
rgb street.mkv street.rgb
outs=()
for s in pixel cartoon sketch oil watercolor; do
  for t in 0 0.8; do
    "$O" -y -nostats -i street.mkv -vf "restyle=$s:temporal=$t" -c:v ffv1 "st_${s}_$t.mkv"
    rgb "st_${s}_$t.mkv" "st_${s}_$t.rgb"
    outs+=("st_${s}_$t.rgb")
  done
done
"$R" warp 768 576 street.rgb street.rgb "${outs[@]}" > warp.txt
cat warp.txt
for s in pixel cartoon sketch oil watercolor; do
  a=$(grep "st_${s}_0.rgb" warp.txt | field warp_error); b=$(grep "st_${s}_0.8.rgb" warp.txt | field warp_error)
  sa=$(grep "st_${s}_0.rgb" warp.txt | field still); sb=$(grep "st_${s}_0.8.rgb" warp.txt | field still)
  check "$s: warping error stabilised / frame by frame ($b / $a)" "$(echo "$b / $a" | bc -l)" "<=" 0.8
  check "$s: warping error where the picture is still ($sb / $sa)" "$(echo "$sb / $sa" | bc -l)" "<=" 0.7
  ok "$s on vtest: warping error $a frame by frame -> $b stabilised (still parts $sa -> $sb)"
done

# ---- pixel art on a slow pan, against stock ffmpeg's chain ------------------------------------
ffmpeg -v error -y -loop 1 -framerate 30 -i "$DATA/home.jpg" -vf "scale=1280:-2,crop=640:360:x='20+t*24':y=300,format=yuv444p" -t 2 -c:v ffv1 pan.mkv
rgb pan.mkv pan.rgb
"$O" -y -nostats -i pan.mkv -vf restyle=pixel -c:v ffv1 pan_omni.mkv
# ffmpeg: block means, a palette per frame (palettegen in single mode, paletteuse new=1), blocks
# drawn back; and the same with one palette for the whole clip (which paletteuse only gets at
# the end of the input: the whole clip waits in memory).
chain="scale=iw/8:ih/8:flags=area,split[a][b];[a]palettegen=max_colors=16%s[p];[b][p]paletteuse=dither=none%s,scale=iw*8:ih*8:flags=neighbor"
ffmpeg -v error -y -i pan.mkv -filter_complex "$(printf "$chain" ":stats_mode=single" ":new=1")" -c:v ffv1 pan_ff.mkv
ffmpeg -v error -y -i pan.mkv -filter_complex "$(printf "$chain" "" "")" -c:v ffv1 pan_ff_clip.mkv
for f in pan_omni pan_ff pan_ff_clip; do rgb $f.mkv $f.rgb; done
po=$("$R" pixel 640 360 pan_omni.rgb 8); pf=$("$R" pixel 640 360 pan_ff.rgb 8); pc=$("$R" pixel 640 360 pan_ff_clip.rgb 8)
w=$("$R" warp 640 360 pan.rgb pan_omni.rgb pan_ff.rgb pan_ff_clip.rgb)
echo "$w"
check "pan: omni's blocks" "$(echo "$po" | field uniform)" "==" 1
check "pan: colours over the whole pan (palette kept)" "$(echo "$po" | field all_colours)" "<=" 16
bo=$(echo "$po" | field block_changes); bf=$(echo "$pf" | field block_changes)
check "pan: blocks changing per frame, omni / ffmpeg per-frame palette ($bo / $bf)" "$(echo "$bo / $bf" | bc -l)" "<=" 0.25
wo=$(echo "$w" | grep pan_omni | field warp_error); wf=$(echo "$w" | grep 'pan_ff.rgb' | field warp_error)
check "pan: warping error, omni / ffmpeg per-frame palette ($wo / $wf)" "$(echo "$wo / $wf" | bc -l)" "<=" 0.5
ok "pixel on a slow pan: omni $po; ffmpeg per-frame palette $pf; ffmpeg whole-clip palette $pc"

# ---- ref: the colours and tone of a reference image -----------------------------------------
"$O" -y -nostats -i street.mkv -vf "restyle=ref=$DATA/HappyFish.jpg" -c:v ffv1 ref.mkv
rgb ref.mkv ref.rgb
di=$("$R" refdist 768 576 street.rgb "$DATA/HappyFish.jpg" | field dist); do_=$("$R" refdist 768 576 ref.rgb "$DATA/HappyFish.jpg" | field dist)
check "ref: colour statistics' distance to the reference, after / before ($do_ / $di)" "$(echo "$do_ / $di" | bc -l)" "<=" 0.5
m=$("$R" look 768 576 street.rgb ref.rgb 2); structure ref "$m"
ok "ref=HappyFish.jpg on vtest: distance of CIELAB means and spreads $di -> $do_"

# ---- model=: a TorchScript style network from the manifest ----------------------------------
mkdir -p models
"${MAKE_STYLE_MODEL:?}" negative models/negative.torchscript
cat > manifest.toml <<'EOF'
[negative]
task = "style-transfer"
format = "torchscript"
input = { shape = [1, 3, 0, 0], layout = "NCHW", color = "RGB", range = [0.0, 1.0] }
outputs = ["picture"]
EOF
OMNI_MANIFEST=$T/manifest.toml OMNI_MODEL_DIR=$T/models "$O" -y -nostats -i "$DATA/fruits.jpg" -vf "restyle=model=negative" -f rawvideo -pix_fmt rgb24 neg.rgb
ffmpeg -v error -y -i "$DATA/fruits.jpg" -vf negate -f rawvideo -pix_fmt rgb24 neg_ff.rgb
p=$(ffmpeg -f rawvideo -pix_fmt rgb24 -s 512x480 -i neg.rgb -f rawvideo -pix_fmt rgb24 -s 512x480 -i neg_ff.rgb -lavfi psnr -f null - 2>&1 | sed -n 's/.*average:\([0-9.inf]*\).*/\1/p')
[ "$p" = inf ] || check "model=negative against ffmpeg's negate (PSNR dB; a wrong picture scores ~10)" "$p" ">=" 38
expect_fail "model 'negative' is not installed; it comes from no package: put the file at $T/none/negative.torchscript" \
  env OMNI_MANIFEST=$T/manifest.toml OMNI_MODEL_DIR=$T/none "$O" -y -i "$DATA/fruits.jpg" -vf "restyle=model=negative" x.png >/dev/null
ok "restyle=model=negative (a TorchScript network named in the manifest): PSNR $p dB against ffmpeg's negate"

# ---- strength=0 keeps the picture exactly, BT.709 tags included -----------------------------
ffmpeg -v error -y -f lavfi -i testsrc2=s=320x240:r=25:d=1 -vf "scale=out_color_matrix=bt709:out_range=tv,format=yuv420p" \
  -color_primaries bt709 -color_trc bt709 -colorspace bt709 -c:v ffv1 c709.mkv
"$O" -y -nostats -i c709.mkv -vf "restyle=cartoon:strength=0" -c:v ffv1 s0.mkv
p=$(ffmpeg -i s0.mkv -i c709.mkv -lavfi psnr -f null - 2>&1 | sed -n 's/.*average:\([0-9.inf]*\).*/\1/p')
check "strength=0 against the input (PSNR dB)" "$p" ">=" 44
[ "$(probe v:0 stream=color_space s0.mkv)" = bt709 ] || die "strength=0: colour matrix tag lost: $(probe v:0 stream=color_space s0.mkv)"
ok "strength=0 returns the input (PSNR $p dB) with its BT.709 tag"

# ---- cuts: the stabiliser starts over ---------------------------------------------------------
ffmpeg -v error -y -i street.mkv -i pan.mkv -filter_complex "[0]trim=end_frame=15,setpts=N/10/TB[a];[1]scale=768:576,setsar=1,trim=end_frame=15,setpts=N/10/TB[b];[a][b]concat" -c:v ffv1 cut.mkv
"$O" -y -nostats -loglevel verbose -i cut.mkv -vf restyle=oil -c:v ffv1 cut_out.mkv 2>cut.log
grep -q "restyle: 1 cuts in 30 frames" cut.log || die "cut not detected: $(grep restyle cut.log)"
ok "a cut between two shots is found (stabilisation restarts)"

# ---- user styles, sound and frame count, odd sizes -------------------------------------------
cat > styles.toml <<'EOF'
[mine]
method = "pixel"
size = 4
palette = ["#000000", "#ff0000", "#ffffff"]
EOF
OMNI_STYLES=$T/styles.toml "$O" -y -nostats -i "$DATA/fruits.jpg" -vf "restyle=mine" -f rawvideo -pix_fmt rgb24 mine.rgb
r=$("$R" pixel 512 480 mine.rgb 4)
check "a user's style: colours" "$(echo "$r" | field colours)" "<=" 3
check "a user's style: blocks" "$(echo "$r" | field uniform)" "==" 1
ok "a style from \$OMNI_STYLES: $r"

ffmpeg -v error -y -f lavfi -i testsrc=s=321x241:r=25:d=2 -f lavfi -i sine=frequency=440:sample_rate=48000:duration=2 \
  -pix_fmt yuv420p -c:v ffv1 -c:a flac -shortest odd.mkv
"$O" -y -nostats -i odd.mkv -vf "restyle=watercolor" -c:v ffv1 out.mkv
[ "$(count_frames out.mkv)" = "$(count_frames odd.mkv)" ] || die "frame count changed"
[ "$(ffmpeg -v error -i out.mkv -map 0:a -f md5 -)" = "$(ffmpeg -v error -i odd.mkv -map 0:a -f md5 -)" ] || die "sound changed"
[ "$(probe v:0 stream=width,height out.mkv)" = "321,241" ] || die "size changed"
make_clip clip.mp4 1
ok "odd-sized clip: same frames, same sound"

# ---- errors: one line, non-zero exit ----------------------------------------------------------
expect_fail "no style named 'cartton'.*did you mean 'cartoon'" "$O" -y -i clip.mp4 -vf restyle=cartton x.mp4 >/dev/null
expect_fail "restyle: size=1 is too small" "$O" -y -i clip.mp4 -vf restyle=pixel:size=1 x.mp4 >/dev/null
expect_fail "restyle: palette: 'nocolour' is not a colour" "$O" -y -i clip.mp4 -vf "restyle=pixel:palette=red|nocolour" x.mp4 >/dev/null
expect_fail "restyle: ref=missing.jpg: cannot read it as an image" "$O" -y -i clip.mp4 -vf restyle=ref=missing.jpg x.mp4 >/dev/null
expect_fail "restyle: model=selfie is a person-segmentation model, not style-transfer" "$O" -y -i clip.mp4 -vf restyle=model=selfie x.mp4 >/dev/null
expect_fail "restyle: style=oil and ref= are two different looks" "$O" -y -i clip.mp4 -vf "restyle=oil:ref=$DATA/HappyFish.jpg" x.mp4 >/dev/null
expect_fail "OMNI_STYLES=.*cannot read" env OMNI_STYLES=/nonexistent "$O" -y -i clip.mp4 -vf restyle x.mp4 >/dev/null
printf '[bad]\nmethod = "crayon"\n' > bad.toml
expect_fail "method 'crayon' is not one of" env OMNI_STYLES=$T/bad.toml "$O" -y -i clip.mp4 -vf restyle x.mp4 >/dev/null
[ ! -e x.mp4 ] || die "a failed run left x.mp4"
ok "errors are one line each and leave no output"
