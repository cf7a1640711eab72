#!/usr/bin/env bash
# motion-transfer on real pictures: the character is Messi cut out of opencv-doc's messi5.jpg (matte,
# person path), the performer the same photo mirrored (another pose: each limb elsewhere) over
# home.jpg, moving 40 px/s; 960x540, 30 fps.
# - omni rig finds the character's skeleton (15 joints inside the picture) and writes it atomically;
# - pose fidelity: the pose model re-run on the output character against the performer's
#   (PCK at 0.2 of the performer's torso, neck to hips, on joints both show); the performer faces
#   the other way from the character, so this also needs flip=auto's mirrored character (0.6 without);
# - stability: on a still performer the character's pixels change < 1 grey level frame to frame
#   (once the tracker has settled, from 1.5 s);
# - in place: the person segmenter finds < 10 % of the performer's pixels outside the character;
# - keep=1 leaves the performer's pixels as they were; bg=transparent writes the character as alpha;
# - a character the pose model cannot read (the OpenCV logo) is a clear error naming omni rig, and
#   runs with the rig omni rig writes for it;
# - bad options: one line each.
source "$(dirname "$0")/lib.sh"
O="$OMNI_SHIPPED"
J="${POSE_JOINTS:?POSE_JOINTS must point at pose_joints}"
for m in pose-detector pose-full movenet-multipose selfie nanodet; do
  "$O" models path "$m" >/dev/null 2>&1 || die "model $m is not installed; run: $O models fetch $m (make test does)"
done

"$O" -y -v error -i "$DATA/messi5.jpg" -vf matte=bg=transparent -frames:v 1 char.png
scene() {  # scene OUT X_EXPR SECONDS
  ffmpeg -v error -y -loop 1 -t "$3" -r 30 -i "$DATA/home.jpg" -loop 1 -t "$3" -r 30 -i "$DATA/messi5.jpg" -filter_complex \
    "[0]scale=960:540:force_original_aspect_ratio=increase,crop=960:540,boxblur=4[bg];[1]hflip,scale=411:256[fg];[bg][fg]overlay=x='$2':y=220,format=yuv420p" \
    -c:v ffv1 "$1"
}
scene perf.mkv '200+40*t' 3
scene still.mkv 320 3

# ---- omni rig ---------------------------------------------------------------------------------
"$O" rig char.png -o char.json -preview preview.png 2>rig.err
grep -q "the pose model's skeleton written to char.json" rig.err || die "omni rig: $(cat rig.err)"
python3 - <<'PY' || die "omni rig: char.json is not a 15-joint rig inside the 548x342 picture: $(cat char.json)"
import json
r = json.load(open('char.json'))
j = r['joints']
assert r['width'] == 548 and r['height'] == 342 and len(j) == 15, r
assert all(0 <= x <= 548 and 0 <= y <= 342 for x, y in j.values()), j
PY
[ "$(probe v:0 stream=width,height preview.png)" = "548,342" ] || die "omni rig -preview: no picture"
[ ! -e char.json.omni-tmp ] || die "omni rig left its temporary file"
ok "omni rig: the pose model's 15 joints of the character, written to char.json (and a preview)"

# ---- pose fidelity ----------------------------------------------------------------------------
"$O" -y -nostats -v verbose -i perf.mkv -vf "motion-transfer=character=char.png:bg=white:ground=0" -c:v ffv1 white.mkv 2>white.log
[ "$(count_frames white.mkv)" = 90 ] || die "bg=white: $(count_frames white.mkv) frames out of 90"
# BlazePose's detector misses this body in the whole frame; the multi-pose network's places the region.
grep -q "the performer was found in 90 of 90 frames" white.log || die "the performer was not found in every frame: $(grep found white.log)"
frames="30 35 40 45 50 55 60 65 70"
for n in $frames; do
  x=$((200 + 40 * n / 30 - 20))  # the performer's part of the frame: the detector reads it there at its best
  ffmpeg -v error -y -i perf.mkv -vf "select=eq(n\,$n),crop=452:296:$x:200" -frames:v 1 "p$n.png"
  "$J" "p$n.png" none | awk -v x=$x '{ print $1, $2 + x, $3 + 200, $4 }' >"p$n.txt"
  ffmpeg -v error -y -i white.mkv -vf "select=eq(n\,$n)" -frames:v 1 "o$n.png"
  "$J" "o$n.png" white >"o$n.txt" 2>/dev/null || true  # the pose model does not always see a body in a puppet
done
pck=$(FRAMES="$frames" python3 - <<'PY'
import math, os
total = []
for n in os.environ['FRAMES'].split():
    p = {l.split()[0]: list(map(float, l.split()[1:])) for l in open(f'p{n}.txt')}
    o = {l.split()[0]: list(map(float, l.split()[1:])) for l in open(f'o{n}.txt')}
    if not o:
        continue
    torso = math.dist(p['neck'][:2], p['root'][:2])
    seen = [k for k in p if k not in ('root', 'neck') and p[k][2] > 0.5 and o[k][2] > 0.5]
    total.append(sum(math.dist(p[k][:2], o[k][:2]) <= 0.2 * torso for k in seen) / len(seen))
print(' '.join(f'{v:.2f}' for v in total), len(total), f'{sum(total) / max(len(total), 1):.3f}')
PY
)
mean=${pck##* }; rest=${pck% *}; seen=${rest##* }
echo "pose fidelity, PCK@0.2 torso on the frames where the pose model sees the character ($seen of 9): $pck"
awk -v m="$mean" -v n="$seen" 'BEGIN { exit !(m >= 0.8 && n >= 8) }' || die "pose fidelity: mean PCK $mean (>= 0.8) on $seen frames (>= 8)"
ok "pose fidelity: the output character's pose follows the performer's (mean PCK@0.2 $mean)"

# ---- stability --------------------------------------------------------------------------------
"$O" -y -nostats -i still.mkv -vf "motion-transfer=character=char.png:bg=white" -c:v ffv1 still_out.mkv
ffmpeg -v error -y -i still_out.mkv -f rawvideo -pix_fmt gray still.gray
change=$(python3 - <<'PY'
import array
w, h = 960, 540
data = open('still.gray', 'rb').read()
frames = [data[i * w * h:(i + 1) * w * h] for i in range(len(data) // (w * h))]
worst, drawn = 0.0, 0
# From 1.5 s on: the pose tracker's region settles on the body over its first second.
for a, b in zip(frames[45:], frames[46:]):
    # The character's pixels: not the white background in either frame.
    d = [abs(x - y) for x, y in zip(a, b) if x < 235 or y < 235]
    if len(d) > 1000:
        drawn += 1
        worst = max(worst, sum(d) / len(d))
print(f'{worst:.3f} {drawn}')
PY
)
echo "still performer: the character's pixels change ${change% *} grey levels frame to frame at most (${change#* } frame pairs with it drawn)"
awk -v c="${change% *}" -v n="${change#* }" 'BEGIN { exit !(c < 1 && n >= 40) }' || die "still performer: change $change (< 1, 40 frame pairs drawn)"
ok "still performer: the character is still (${change% *} grey levels)"

# ---- in place ---------------------------------------------------------------------------------
"$O" -y -nostats -i perf.mkv -vf "motion-transfer=character=char.png" -c:v ffv1 inplace.mkv
"$O" -y -nostats -i perf.mkv -vf "motion-transfer=character=char.png:bg=transparent" -c:v ffv1 alpha.mkv
[ "$(probe v:0 stream=pix_fmt alpha.mkv)" = yuva420p ] || die "bg=transparent: $(probe v:0 stream=pix_fmt alpha.mkv), not yuva420p"
"$O" -y -v error -i perf.mkv -vf "matte=out=mask" -c:v ffv1 m0.mkv
"$O" -y -v error -i inplace.mkv -vf "matte=out=mask" -c:v ffv1 m1.mkv
sel="select=between(n\,30\,89)"
ffmpeg -v error -y -i m0.mkv -vf "$sel" -vsync 0 -f rawvideo -pix_fmt gray m0.gray
ffmpeg -v error -y -i m1.mkv -vf "$sel" -vsync 0 -f rawvideo -pix_fmt gray m1.gray
# The character drawn over a place covers its alpha's soft edge too: grown by 8 px.
ffmpeg -v error -y -i alpha.mkv -vf "$sel,alphaextract,dilation,dilation,dilation,dilation,dilation,dilation,dilation,dilation" -vsync 0 -f rawvideo -pix_fmt gray c.gray
left=$(python3 - <<'PY'
m0, m1, c = (open(f, 'rb').read() for f in ('m0.gray', 'm1.gray', 'c.gray'))
total = left = 0
for i in range(0, min(len(m0), len(m1), len(c)), 3):
    if m0[i] > 127:
        total += 1
        left += m1[i] > 127 and c[i] <= 32
print(f'{left / max(total, 1):.4f}')
PY
)
echo "in place: the person segmenter finds $left of the performer's pixels outside the character"
awk -v l="$left" 'BEGIN { exit !(l < 0.1) }' || die "in place: $left of the performer is left (< 0.1)"
ok "in place: the performer is gone ($left of their pixels left outside the character)"

# A character picture without alpha (the photo itself): cut out as matte does, the person first.
"$O" -y -nostats -v verbose -i perf.mkv -t 1 -vf "motion-transfer=character=$DATA/messi5.jpg:bg=transparent" -c:v ffv1 jpg.mkv 2>jpg.log
grep -q "messi5.jpg: cut out by the person segmenter" jpg.log || die "a picture without alpha: $(grep -E 'motion-transfer|omni:' jpg.log | head -2)"
ffmpeg -v error -y -i jpg.mkv -vf "select=between(n\,10\,29),alphaextract" -vsync 0 -f rawvideo -pix_fmt gray j1.gray
ffmpeg -v error -y -i alpha.mkv -vf "select=between(n\,10\,29),alphaextract" -vsync 0 -f rawvideo -pix_fmt gray j0.gray
# The same silhouette's size as the one from matte's cut-out (its rig differs by a few pixels, so
# the pose does too): the whole photo would be eight times larger.
ratio=$(python3 -c "
t = bytes(1 if i > 127 else 0 for i in range(256))
a, b = open('j0.gray', 'rb').read().translate(t), open('j1.gray', 'rb').read().translate(t)
print(f'{b.count(1) / max(a.count(1), 1):.3f}')")
echo "a picture without alpha: the character drawn from it covers ${ratio}x the pixels of the one from matte's cut-out"
awk -v r="$ratio" 'BEGIN { exit !(r >= 0.85 && r <= 1.15) }' || die "a picture without alpha: ${ratio}x the area of matte's cut-out (0.85-1.15)"
ok "a picture without alpha: its person cut out as matte cuts it (${ratio}x the area)"

# squash=1: the character walking right at half a torso a second is stretched across and
# shortened (about 4 % each way), its area kept; squash=0 (the default) is alpha.mkv.
"$O" -y -nostats -i perf.mkv -vf "motion-transfer=character=char.png:bg=transparent:squash=1" -c:v ffv1 squash.mkv
ffmpeg -v error -y -i squash.mkv -vf "$sel,alphaextract" -vsync 0 -f rawvideo -pix_fmt gray s1.gray
ffmpeg -v error -y -i alpha.mkv -vf "$sel,alphaextract" -vsync 0 -f rawvideo -pix_fmt gray s0.gray
sq=$(python3 - <<'PY'
W, H = 960, 540
solid = bytes(1 if i > 127 else 0 for i in range(256))
def shapes(path):
    d, out = open(path, 'rb').read(), []
    for k in range(len(d) // (W * H)):
        f = d[k * W * H:(k + 1) * W * H].translate(solid)
        x0, x1, rows = W, -1, []
        for y in range(H):
            r = f[y * W:(y + 1) * W]
            i = r.find(1)
            if i >= 0:
                x0, x1 = min(x0, i), max(x1, r.rfind(1))
                rows.append(y)
        out.append((x1 - x0, rows[-1] - rows[0], f.count(1)))
    return out
a, b = shapes('s0.gray'), shapes('s1.gray')
n = len(a)
w = sum(y[0] / x[0] for x, y in zip(a, b)) / n
h = sum(y[1] / x[1] for x, y in zip(a, b)) / n
area = max(abs(y[2] / x[2] - 1) for x, y in zip(a, b))
print(f'{w:.4f} {h:.4f} {area:.4f}')
PY
)
set -- $sq
echo "squash=1: the character ${1}x as wide, ${2}x as tall as without, its area within $3"
awk -v w="$1" -v h="$2" -v a="$3" 'BEGIN { exit !(w >= 1.02 && h <= 0.98 && a <= 0.02) }' || die "squash=1: width x$1 (>= 1.02), height x$2 (<= 0.98), area off by $3 (<= 0.02)"
ok "squash=1: stretched along the motion (x$1 wide, x$2 tall), the area kept"

# keep=1: the performer stays as they were, the character beside them.
"$O" -y -nostats -i still.mkv -vf "motion-transfer=character=char.png:keep=1" -c:v ffv1 keep.mkv
ffmpeg -v error -y -i still.mkv -i keep.mkv -filter_complex "[0]select=eq(n\,60),crop=260:256:440:220[a];[1]select=eq(n\,60),crop=260:256:440:220[b];[a][b]psnr=stats_file=keep.psnr" -f null - 2>/dev/null
kp=$(sed -n 's/.*psnr_y:\([0-9.inf]*\).*/\1/p' keep.psnr | head -1)
changed=$(ffmpeg -v error -i still.mkv -i keep.mkv -filter_complex "[0]select=eq(n\,60)[a];[1]select=eq(n\,60)[b];[a][b]blend=all_mode=difference,format=gray,geq='gt(lum(X,Y),8)*255',signalstats,metadata=print:key=lavfi.signalstats.YAVG:file=-" -f null - | sed -n 's/.*YAVG=//p' | awk '{ printf "%.1f", $1 / 2.55 }')
echo "keep=1: the performer's middle at ${kp} dB of the input; ${changed} % of the frame changed by more than 8 levels (the character)"
awk -v c="$changed" 'BEGIN { exit !(c > 1) }' || die "keep=1: no character drawn beside the performer ($changed %)"
awk -v k="$kp" 'BEGIN { exit !(k == "inf" || k >= 45) }' || die "keep=1 changed the performer ($kp dB)"
ok "keep=1: the performer untouched, the character beside them"

# ---- a character the pose model cannot read ---------------------------------------------------
expect_fail "finds no person-like skeleton in .*opencv-logo.png.*omni rig" "$O" -y -i still.mkv -vf "motion-transfer=character=$DATA/opencv-logo.png:bg=green" -f null - >/dev/null
"$O" rig "$DATA/opencv-logo.png" -o logo.json 2>logo.err
grep -q "usual human proportions" logo.err || die "omni rig on a logo: $(cat logo.err)"
"$O" -y -nostats -i still.mkv -t 0.5 -vf "motion-transfer=character=$DATA/opencv-logo.png:rig=logo.json:bg=green" -c:v ffv1 logo.mkv
[ "$(count_frames logo.mkv)" = 15 ] || die "the logo with its rig: $(count_frames logo.mkv) frames"
ok "a logo: a clear error without a rig; omni rig writes a standard one, and it performs with it"

# ---- several characters ----------------------------------------------------------------------
# Two performers (the mirrored photo walking right, the photo walking left); character=a|b with
# who=left: the first character to the left one, the next to the one left of the others. Each
# half of the frame is what a filter for that character alone (who=left, who=right) draws there.
ffmpeg -v error -y -loop 1 -t 2 -r 30 -i "$DATA/home.jpg" -loop 1 -t 2 -r 30 -i "$DATA/messi5.jpg" -filter_complex \
  "[0]scale=960:540:force_original_aspect_ratio=increase,crop=960:540,boxblur=4[bg];[1]split[a][b];[a]hflip,scale=411:256[l];[b]scale=411:256[r];[bg][l]overlay=x='20+20*t':y=220[t];[t][r]overlay=x='540-20*t':y=200,format=yuv420p" \
  -c:v ffv1 two.mkv
"$O" -y -nostats -v verbose -i two.mkv -vf "motion-transfer=character=char.png|$DATA/opencv-logo.png:rig=|logo.json:who=left:bg=white" -c:v ffv1 two_out.mkv 2>two.log
[ "$(grep -c "the performer was found in 60 of 60 frames" two.log)" = 2 ] || die "two characters: $(grep found two.log)"
"$O" -y -nostats -i two.mkv -vf "motion-transfer=character=char.png:who=left:bg=white" -c:v ffv1 one_l.mkv
"$O" -y -nostats -i two.mkv -vf "motion-transfer=character=$DATA/opencv-logo.png:rig=logo.json:who=right:bg=white" -c:v ffv1 one_r.mkv
for half in "0 one_l" "480 one_r"; do
  set -- $half
  ffmpeg -v error -i two_out.mkv -i "$2.mkv" -filter_complex "[0]crop=480:540:$1:0[a];[1]crop=480:540:$1:0[b];[a][b]psnr=stats_file=$2.psnr" -f null -
  worst=$(sed -n 's/.*psnr_avg:\([0-9.inf]*\).*/\1/p' "$2.psnr" | sort -g | head -1)
  awk -v w="$worst" 'BEGIN { exit !(w == "inf" || w >= 40) }' || die "two characters: the half at x=$1 is not $2's (worst frame $worst dB)"
  # ...and a character is drawn there: not the white background alone.
  ffmpeg -v error -i two_out.mkv -vf "select=eq(n\,40),crop=480:540:$1:0,format=gray" -frames:v 1 -f rawvideo -y half.gray
  python3 -c "import sys; d = open('half.gray', 'rb').read(); sys.exit(not sum(v < 200 for v in d) > 5000)" || die "two characters: nothing drawn at x=$1"
done
"$O" -y -nostats -i two.mkv -t 1 -vf "motion-transfer=character=char.png|char.png" -c:v ffv1 two_in_place.mkv
[ "$(count_frames two_in_place.mkv)" = 30 ] || die "two characters in place: $(count_frames two_in_place.mkv) frames"
ok "several characters: character=a|b with who=left, each on its performer as if alone (in place too)"

# ---- bad options ------------------------------------------------------------------------------
E() { expect_fail "$1" "$O" -y -i still.mkv -vf "$2" -f null - >/dev/null; }
E "say who performs: character=" "motion-transfer"
E "cannot read 'nope.png'" "motion-transfer=character=nope.png"
E "key=blue: white or black" "motion-transfer=character=char.png:key=blue"
E "keep=1 keeps the performer.*bg=green" "motion-transfer=character=char.png:keep=1:bg=green"
E "3 rigs for 2 characters" "motion-transfer=character=char.png|char.png:rig=||"
E "who=2 names one performer; with several characters who= orders them" "motion-transfer=character=char.png|char.png:who=2"
E "an empty name in the list" "motion-transfer=character=char.png|"
E "window= is for the fill in place" "motion-transfer=character=char.png:bg=green:window=4"
E "scale.*match" "motion-transfer=character=char.png:scale=big"
sed 's/"left_wrist"/"left_hand"/' char.json >bad.json
E "unknown joint 'left_hand' \(did you mean" "motion-transfer=character=char.png:rig=bad.json"
python3 -c "import json; r = json.load(open('char.json')); r['width'] = 500; json.dump(r, open('size.json', 'w'))"
E "is for a 500x342 picture; the character is 548x342" "motion-transfer=character=char.png:rig=size.json"
python3 -c "import json; r = json.load(open('char.json')); del r['joints']['right_knee']; json.dump(r, open('less.json', 'w'))"
E "lacks the joint 'right_knee'" "motion-transfer=character=char.png:rig=less.json"
expect_fail "cannot store it" "$O" -y -i still.mkv -t 0.2 -vf "motion-transfer=character=char.png:bg=transparent" out.mp4 >/dev/null
expect_fail "would overwrite the picture" "$O" rig char.png -o char.png >/dev/null
ok "bad options: one line each"
