#!/usr/bin/env bash
# add, through the command line: sunglasses on a real face that moves (only the face changes),
# a sticker pinned to a panning real photo (it stays on its point), people walking over a pinned
# sticker in real footage (they cover it), a disc lying on a real plaza (on=ground), a clip with alpha (looped, frame for frame), a picture behind a person (layer=behind), which of two people (who=), an anchor that leaves (the sticker fades out and
# -loglevel verbose says so), determinism, and the errors. The geometry itself is measured in
# tests/unit/test_anchors.cpp (known paths, drift, jitter).
source "$(dirname "$0")/lib.sh"
O="$OMNI_SHIPPED"
for m in pose-detector pose-full face-detector facemesh nanodet movenet-multipose selfie; do
  "$O" models path "$m" >/dev/null 2>&1 || die "model $m is not installed; run: $O models fetch $m (make test does)"
done
gray() { ffmpeg -v error -y -i "$1" -fps_mode passthrough -f rawvideo -pix_fmt gray "$2"; }

# Assets: dark round sunglasses with a bridge (alpha), black and white squares (alpha), a JPEG without alpha.
ffmpeg -v error -y -f lavfi -i "color=black@0:s=200x80,format=rgba" -vf \
  "geq=r='20':g='20':b='40':a='if(lt(hypot(X-50\,Y-40)\,36)+lt(hypot(X-150\,Y-40)\,36)\,230\,if(between(X\,80\,120)*between(Y\,28\,36)\,255\,0))'" \
  -frames:v 1 glasses.png
ffmpeg -v error -y -f lavfi -i "color=black:s=40x40,format=rgba" -frames:v 1 square.png
ffmpeg -v error -y -f lavfi -i "color=white:s=40x40,format=rgba" -frames:v 1 white.png
ffmpeg -v error -y -f lavfi -i "color=white:s=40x40" -frames:v 1 plain.jpg

# ---- errors: one line each, nothing written ------------------------------------------------
make_clip clip.mp4 1
expect_fail "add: say what to add: image=" "$O" -y -i clip.mp4 -vf "add=anchor=eyes" e.mp4 >/dev/null
expect_fail "has no alpha channel; key=white or key=black" "$O" -y -i clip.mp4 -vf "add=image=plain.jpg:x=10:y=10" e.mp4 >/dev/null
expect_fail "cannot read .nothere.png.: No such file" "$O" -y -i clip.mp4 -vf "add=image=nothere.png:x=10:y=10" e.mp4 >/dev/null
expect_fail "anchor=eyse: no such body point.*eyes" "$O" -y -i clip.mp4 -vf "add=image=square.png:anchor=eyse" e.mp4 >/dev/null
expect_fail "give one or the other" "$O" -y -i clip.mp4 -vf "add=image=square.png:anchor=eyes:x=3:y=4" e.mp4 >/dev/null
expect_fail "say where: anchor=NAME" "$O" -y -i clip.mp4 -vf "add=image=square.png" e.mp4 >/dev/null
expect_fail "outside the 320x240 picture" "$O" -y -i clip.mp4 -vf "add=image=square.png:x=500:y=10" e.mp4 >/dev/null
[ ! -e e.mp4 ] || die "a failed add left e.mp4"
"$O" -y -v error -i clip.mp4 -vf "add=image=plain.jpg:key=none:x=100:y=100:occlude=0" k.mp4 || die "key=none refused"
ok "add: missing picture, no alpha, unknown anchor (did you mean), anchor and x together, no place, outside: one line each"

# ---- sunglasses on Messi's eyes while the camera moves: only his face changes ---------------
ffmpeg -v error -y -loop 1 -framerate 30 -i "$DATA/messi5.jpg" \
  -vf "scale=1096:616,crop=960:540:x='60+40*sin(t*2)':y=20,format=yuv420p" -t 2 -c:v ffv1 messi.mkv
"$O" -y -nostats -i messi.mkv -vf "add=image=glasses.png:anchor=eyes" -c:v ffv1 eyes.mkv || die "anchor=eyes failed"
"$O" -y -nostats -i messi.mkv -vf "add=image=glasses.png:anchor=eyes" -c:v ffv1 eyes2.mkv
[ "$(ffmpeg -v error -i eyes.mkv -f framemd5 - | md5sum)" = "$(ffmpeg -v error -i eyes2.mkv -f framemd5 - | md5sum)" ] ||
  die "two runs of the same add differ"
gray messi.mkv in.gray
gray eyes.mkv out.gray
python3 - <<'PY' || die "anchor=eyes: the changed pixels are not on the eyes"
# Per frame: the box of the pixels the sunglasses changed (dark lenses on a lighter face). The
# eyes in messi5.jpg (by eye) are at about (221, 88) and (251, 88) of the photo: x 1.8x+... on
# this canvas (scaled 2x, cropped at 60+40 sin(2t), 20): the box must hold that point.
import math
W, H = 960, 540
a = open("in.gray", "rb").read(); b = open("out.gray", "rb").read()
n = len(a) // (W * H)
assert n == 60, n
bad = 0
for i in range(0, n, 6):
    o = i * W * H
    xs = []; ys = []
    for y in range(0, H, 2):
        r = o + y * W
        for x in range(0, W, 2):
            if abs(a[r + x] - b[r + x]) > 40:
                xs.append(x); ys.append(y)
    t = i / 30
    cx = 236 * 2.0 - (60 + 40 * math.sin(t * 2)); cy = 88 * 2.0 - 20
    if not xs:
        print(f"frame {i}: nothing drawn"); bad += 1; continue
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    inside = x0 - 20 <= cx <= x1 + 20 and y0 - 20 <= cy <= y1 + 20
    small = (x1 - x0) < 200 and (y1 - y0) < 110
    if not (inside and small):
        print(f"frame {i}: changed box x {x0}-{x1}, y {y0}-{y1}; eyes near ({cx:.0f}, {cy:.0f})"); bad += 1
print(f"sunglasses: {n // 6 - bad} of {n // 6} frames checked right")
raise SystemExit(1 if bad else 0)
PY
ok "add=image=glasses.png:anchor=eyes on a moving photo: only the eyes change, the same each run"

# ---- a sticker pinned to a panning photo stays on its point ---------------------------------
# The camera pans 2 px a frame left for 90 frames: the photo's point under (400, 200) in the
# first frame is at (400 - 2t, 200) in frame t.
ffmpeg -v error -y -loop 1 -framerate 30 -i "$DATA/home.jpg" \
  -vf "scale=1280:-2,crop=640:360:x='80+2*n':y=520,format=yuv420p" -frames:v 90 -c:v ffv1 pan.mkv
"$O" -y -nostats -i pan.mkv -vf "add=image=square.png:x=400:y=200:occlude=0:harmonize=0:shadow=0" -c:v ffv1 pinned.mkv || die "x:y pin failed"
gray pan.mkv pin_in.gray
gray pinned.mkv pin_out.gray
python3 - <<'PY' || die "the pinned square drifted"
W, H = 640, 360
a = open("pin_in.gray", "rb").read(); b = open("pin_out.gray", "rb").read()
n = len(a) // (W * H)
worst = 0
for i in range(0, n, 10):
    o = i * W * H; sx = sy = c = 0
    for y in range(150, 250):
        r = o + y * W
        for x in range(max(0, 400 - 2 * i - 60), min(W, 400 - 2 * i + 60)):
            if abs(a[r + x] - b[r + x]) > 30:
                sx += x; sy += y; c += 1
    if c < 1000:
        print(f"frame {i}: only {c} pixels drawn"); raise SystemExit(1)
    worst = max(worst, ((sx / c - (400 - 2 * i)) ** 2 + (sy / c - 200) ** 2) ** 0.5)
print(f"pinned square: worst centre error {worst:.2f} px over {n} frames")
raise SystemExit(0 if worst <= 2 else 1)
PY
ok "add=image=square.png:x=400:y=200 on a 90-frame pan: the square stays on its point of the scene"

# A scene pin casts a soft shadow under its lower edge by default; shadow=0 casts none.
"$O" -y -nostats -i pan.mkv -vf "add=image=square.png:x=400:y=200:occlude=0:harmonize=0" -frames:v 1 -c:v ffv1 shadow.mkv
gray shadow.mkv shadow.gray
python3 - <<'PY' || die "no soft shadow under the pinned square"
W, H = 640, 360
a = open("pin_in.gray", "rb").read()[:W * H]; s = open("shadow.gray", "rb").read(); n = open("pin_out.gray", "rb").read()[:W * H]
# Just under the square's lower edge (y 220-226) and across its width: darker with the shadow only.
def mean(buf, y0, y1, x0, x1):
    v = [buf[y * W + x] for y in range(y0, y1) for x in range(x0, x1)]; return sum(v) / len(v)
base, shade, none = mean(a, 221, 226, 385, 415), mean(s, 221, 226, 385, 415), mean(n, 221, 226, 385, 415)
print(f"under the square: {base:.1f} without it, {shade:.1f} with its shadow, {none:.1f} with shadow=0")
raise SystemExit(0 if shade < base - 8 and abs(none - base) < 1 else 1)
PY
ok "a scene pin's soft contact shadow darkens what is under it; shadow=0 leaves it"

# ---- people walking over a pinned sticker cover it -------------------------------------------
# vtest.avi's walkers (dark clothes) cross the pavement at about (455, 270) around frame 20
# (tests/data/vtest_people.txt); a white square shows against both.
ffmpeg -v error -y -i "$DATA/vtest.avi" -frames:v 80 -c:v ffv1 street.mkv
"$O" -y -nostats -i street.mkv -vf "add=image=white.png:x=455:y=270:size=40:harmonize=0:shadow=0" -c:v ffv1 occ1.mkv || die "occlude=1 failed"
"$O" -y -nostats -i street.mkv -vf "add=image=white.png:x=455:y=270:size=40:harmonize=0:occlude=0:shadow=0" -c:v ffv1 occ0.mkv
gray street.mkv st.gray
gray occ1.mkv o1.gray
gray occ0.mkv o0.gray
python3 - <<'PY' || die "people did not cover the pinned square"
W, H = 768, 576
a = open("st.gray", "rb").read(); b1 = open("o1.gray", "rb").read(); b0 = open("o0.gray", "rb").read()
n = len(a) // (W * H)
def drawn(b, i):
    o = i * W * H
    return sum(1 for y in range(248, 292) for x in range(433, 477) if abs(a[o + y * W + x] - b[o + y * W + x]) > 20)
full = [drawn(b0, i) for i in range(n)]
cov = [drawn(b1, i) for i in range(n)]
least = min(c / max(1, f) for c, f in zip(cov, full))
print(f"square drawn without occlusion: {min(full)}-{max(full)} px; with it, at least {least:.2f} of that")
# Always fully drawn without occlusion; with it, some frames lose at least a quarter to a walker.
raise SystemExit(0 if min(full) > 1200 and least < 0.75 else 1)
PY
ok "add x:y on vtest.avi: walkers cover the pinned white square (occlude=1), it is whole with occlude=0"

# ---- the anchor leaves: the picture fades out, and verbose says so ---------------------------
ffmpeg -v error -y -loop 1 -framerate 30 -t 1 -i "$DATA/messi5.jpg" -loop 1 -framerate 30 -t 1 -i "$DATA/home.jpg" -filter_complex \
  "[0]scale=548:342,setsar=1[a];[1]scale=548:342,setsar=1[b];[a][b]concat=n=2:v=1,format=yuv420p" -c:v ffv1 leave.mkv
"$O" -y -nostats -v verbose -i leave.mkv -vf "add=image=glasses.png:anchor=eyes:fade=5" -c:v ffv1 left.mkv 2>verbose.txt || die "leave failed"
grep -q "add: the anchor eyes was not found in" verbose.txt || die "verbose does not say the anchor was lost: $(grep add: verbose.txt)"
frames_md5() { ffmpeg -v error -i "$1" -vf "trim=start_frame=40" -f framemd5 - | grep -v '^#' | cut -d, -f6 | md5sum; }
[ "$(frames_md5 leave.mkv)" = "$(frames_md5 left.mkv)" ] ||
  die "the sunglasses are still drawn after the face left"
ok "anchor lost: faded out (frames unchanged after), verbose: $(grep -o 'add: the anchor.*' verbose.txt)"

# ---- text: set with FreeType, white as asked; a missing font is an error ----------------------
"$O" -y -nostats -i messi.mkv -vf "add=text='Day 1':x=480:y=60:fontsize=48" -frames:v 5 -c:v ffv1 text.mkv || die "add=text failed"
gray text.mkv text.gray
python3 - <<'PY' || die "the text is not drawn white where it was put"
W, H = 960, 540
a = open("in.gray", "rb").read()[:W * H]; b = open("text.gray", "rb").read()[:W * H]
changed = [(x, y) for y in range(0, H) for x in range(0, W) if abs(a[y * W + x] - b[y * W + x]) > 40]
white = sum(1 for x, y in changed if b[y * W + x] > 200)
xs = [x for x, _ in changed]; ys = [y for _, y in changed]
print(f"text: {len(changed)} pixels changed, {white} of them white, x {min(xs)}-{max(xs)}, y {min(ys)}-{max(ys)}")
ok = len(changed) > 1500 and white > 0.5 * len(changed) and 380 < min(xs) and max(xs) < 580 and 20 < min(ys) and max(ys) < 100
raise SystemExit(0 if ok else 1)
PY
expect_fail "cannot read the font 'nofont.ttf'" "$O" -y -i clip.mp4 -vf "add=text=hi:x=5:y=5:fontfile=nofont.ttf" e.mp4 >/dev/null
expect_fail "fontsize= is for text=" "$O" -y -i clip.mp4 -vf "add=image=square.png:x=5:y=5:fontsize=20" e.mp4 >/dev/null
ok "add=text: white letters where they were put; a missing font and text options on a picture are errors"

# ---- video=: a clip with alpha, looped, in each container that carries alpha ----------------------
# Three frames (a red, a green, a blue disc on transparent) at the video's rate, pinned to a still:
# the pinned point shows R G B R G B ... (the clip loops from its first frame, none skipped at the
# seam), and 30 px from it (outside the disc, inside the clip's square) nothing changes.
ffmpeg -v error -y -loop 1 -framerate 10 -i "$DATA/messi5.jpg" -vf format=yuv420p -frames:v 10 -c:v ffv1 still10.mkv
discs="color=c=black:s=64x64:r=10:d=0.3,format=rgba,geq=r='255*eq(mod(N\,3)\,0)':g='255*eq(mod(N\,3)\,1)':b='255*eq(mod(N\,3)\,2)':a='255*lt(hypot(X-31.5\,Y-31.5)\,24)'"
ffmpeg -v error -y -f lavfi -i "$discs" -c:v libvpx-vp9 -pix_fmt yuva420p -b:v 1M discs.webm
ffmpeg -v error -y -f lavfi -i "$discs" -c:v png discs.mov
ffmpeg -v error -y -f lavfi -i "$discs" -c:v ffv1 -pix_fmt yuva420p discs.mkv
ffmpeg -v error -y -f lavfi -i "$discs,split[a][b];[a]palettegen=reserve_transparent=1[p];[b][p]paletteuse=alpha_threshold=128" discs.gif
ffmpeg -v error -y -f lavfi -i "$discs" -c:v libx264 -pix_fmt yuv420p opaque.mp4
ffmpeg -v error -y -i still10.mkv -f rawvideo -pix_fmt rgb24 still10.rgb
for c in discs.webm discs.mov discs.mkv discs.gif; do
  "$O" -y -nostats -i still10.mkv -vf "add=video=$c:x=100:y=100:size=64:track=0:occlude=0:harmonize=0:shadow=0" -c:v ffv1 v.mkv ||
    die "add=video=$c failed"
  ffmpeg -v error -y -i v.mkv -f rawvideo -pix_fmt rgb24 v.rgb
  python3 - "$c" <<'PY' || die "add=video=$c: the clip is not drawn, looped, with its alpha"
import sys
W, H = 548, 342
a = open("v.rgb", "rb").read(); m = open("still10.rgb", "rb").read()
n = len(a) // (W * H * 3)
seq, outside = "", 0
for f in range(n):
    i = f * W * H * 3 + 3 * (100 * W + 100)
    p = a[i:i + 3]
    seq += "RGB"[max(range(3), key=lambda k: p[k])] if max(p) > 150 else "?"
    j = f * W * H * 3 + 3 * (100 * W + 130)
    outside += a[j:j + 3] != m[j:j + 3]
print(f"{sys.argv[1]}: {seq}, changed outside the disc in {outside} frames")
assert n == 10 and seq == "RGBRGBRGBR" and outside == 0
PY
done
"$O" -y -nostats -i still10.mkv -vf "add=video=opaque.mp4:x=100:y=100:size=64:key=black:track=0:occlude=0" -c:v ffv1 v.mkv ||
  die "add=video= with key=black failed"
expect_fail "add: video: 'opaque.mp4' has no alpha channel; key=white or key=black" "$O" -y -i still10.mkv -vf "add=video=opaque.mp4:x=9:y=9" e.mkv >/dev/null
expect_fail "'nothere.webm': No such file" "$O" -y -i still10.mkv -vf "add=video=nothere.webm:x=9:y=9" e.mkv >/dev/null
expect_fail "one thing per add: weather, image=, video= or text=" "$O" -y -i still10.mkv -vf "add=video=discs.mkv:image=square.png:x=9:y=9" e.mkv >/dev/null
ok "add=video=: WebM VP9, MOV PNG, FFV1 and GIF clips with alpha drawn and looped frame for frame; an opaque clip with key=; errors"

# ---- layer=behind: a body-anchored picture goes behind the person ---------------------------------
# A red disc three times the chest's size on Messi's chest: in front it covers his jersey; behind,
# the jersey (the unicef patch) is untouched and the disc shows round him.
ffmpeg -v error -y -f lavfi -i "color=c=red:s=64x64,format=rgba,geq=r=255:g=0:b=0:a='255*lt(hypot(X-31.5\,Y-31.5)\,30)'" -frames:v 1 disc.png
for l in front behind; do
  "$O" -y -nostats -i still10.mkv -vf "add=image=disc.png:anchor=chest:scale=3:layer=$l:harmonize=0" -frames:v 6 -c:v ffv1 layer_$l.mkv ||
    die "add layer=$l failed"
  ffmpeg -v error -y -i layer_$l.mkv -vf "select=eq(n\,5)" -frames:v 1 -f rawvideo -pix_fmt gray layer_$l.g
done
ffmpeg -v error -y -i still10.mkv -vf "select=eq(n\,5)" -frames:v 1 -f rawvideo -pix_fmt gray layer_in.g
python3 - <<'PY' || die "add layer=behind: the person is not in front"
W = 548
m = open("layer_in.g", "rb").read()
def measure(name):
    a = open(name, "rb").read()
    px = [(x, y) for y in range(140, 165) for x in range(210, 250)]
    same = sum(abs(a[y * W + x] - m[y * W + x]) <= 2 for x, y in px) / len(px)
    return same, sum(abs(a[i] - m[i]) > 8 for i in range(len(m)))
(f_same, f_changed), (b_same, b_changed) = measure("layer_front.g"), measure("layer_behind.g")
print(f"jersey patch unchanged: front {f_same:.2f}, behind {b_same:.2f}; pixels changed: front {f_changed}, behind {b_changed}")
assert f_same <= 0.3 and b_same >= 0.95 and b_changed > 500 and b_changed < f_changed
PY
expect_fail "layer= is for body anchors" "$O" -y -i still10.mkv -vf "add=image=disc.png:x=9:y=9:layer=behind" e.mkv >/dev/null
expect_fail "layer=back is not one of front.behind" "$O" -y -i still10.mkv -vf "add=image=disc.png:anchor=chest:layer=back" e.mkv >/dev/null
ok "add layer=behind: the person covers the picture; in front it covers the jersey"

# ---- who=: which of two people a body anchor follows ------------------------------------------------
# Two Messis side by side (messi5 cropped to him, and beside it the same mirrored at 0.8 size): the
# disc on anchor=head sits on the left one's head with who=left, on the right one's with who=right
# (heads at about (177,80) and (428,98), measured by eye).
ffmpeg -v error -y -loop 1 -framerate 10 -i "$DATA/messi5.jpg" -filter_complex \
  "[0]crop=300:342:60:0,split[a][b];[b]hflip,scale=240:274,pad=300:342:30:34[c];[a][c]hstack,format=yuv420p" -frames:v 6 -c:v ffv1 two.mkv
ffmpeg -v error -y -i two.mkv -vf "select=eq(n\,4)" -frames:v 1 -f rawvideo -pix_fmt rgb24 two.rgb
for w in left right; do
  "$O" -y -nostats -i two.mkv -vf "add=image=disc.png:anchor=head:who=$w:harmonize=0" -c:v ffv1 who_$w.mkv || die "add who=$w failed"
  ffmpeg -v error -y -i who_$w.mkv -vf "select=eq(n\,4)" -frames:v 1 -f rawvideo -pix_fmt rgb24 who_$w.rgb
done
python3 - <<'PY' || die "add who=: the disc is not on the chosen person's head"
W = 600
m = open("two.rgb", "rb").read()
def centre(name):
    a = open(name, "rb").read()
    red = lambda b, i: b[i] > 200 and b[i + 1] < 60 and b[i + 2] < 60
    pts = [((i // 3) % W, (i // 3) // W) for i in range(0, len(a), 3) if red(a, i) and not red(m, i)]
    assert len(pts) > 200, f"{name}: no disc"
    return sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts)
l, r = centre("who_left.rgb"), centre("who_right.rgb")
print(f"who=left: disc at ({l[0]:.0f}, {l[1]:.0f}); who=right: ({r[0]:.0f}, {r[1]:.0f})")
assert abs(l[0] - 177) < 20 and abs(l[1] - 80) < 20 and abs(r[0] - 428) < 20 and abs(r[1] - 98) < 20
PY
expect_fail "who=all: one person is followed" "$O" -y -i two.mkv -vf "add=image=disc.png:anchor=head:who=all" e.mkv >/dev/null
expect_fail "who= picks the person a body anchor follows" "$O" -y -i two.mkv -vf "add=image=disc.png:x=3:y=3:who=left" e.mkv >/dev/null
ok "add who=left|right: the anchor follows the chosen one of two people"

# ---- on=ground: a disc lying on the real plaza of vtest.avi, in perspective ----------------------
# The camera looks down on the plaza: the road's and kerbs' receding edges meet above the picture.
# A disc laid on the road is an ellipse, flatter than it is wide; upright it stays round.
ffmpeg -v error -y -i "$DATA/vtest.avi" -frames:v 8 -c:v ffv1 plaza.mkv
ffmpeg -v error -y -f lavfi -i "color=black@0:s=200x200,format=rgba" -vf \
  "geq=r='if(lt(hypot(X-100\,Y-100)\,95)\,230\,0)':g=20:b=20:a='if(lt(hypot(X-100\,Y-100)\,95)\,255\,0)'" -frames:v 1 reddisc.png
"$O" -y -nostats -v verbose -i plaza.mkv -vf "add=image=reddisc.png:x=450:y=330:size=160:on=ground:occlude=0:harmonize=0" \
  -c:v ffv1 ground.mkv 2>ground.log || die "on=ground failed: $(tail -1 ground.log)"
row=$(sed -n 's/.*on=ground: horizon at row \(-*[0-9.]*\), where [0-9]* receding edges meet.*/\1/p' ground.log)
[ -n "$row" ] || die "on=ground found no horizon on the plaza: $(grep on=ground ground.log)"
"$O" -y -nostats -i plaza.mkv -vf "add=image=reddisc.png:x=450:y=330:size=160:occlude=0:harmonize=0:shadow=0" -c:v ffv1 upright.mkv ||
  die "the upright disc failed"
for f in plaza ground upright; do ffmpeg -v error -y -i $f.mkv -frames:v 1 -f rawvideo -pix_fmt rgb24 $f.rgb; done
python3 - "$row" <<'PY' || die "the disc on the ground is not an ellipse lying on the plaza"
import sys
W, H = 768, 576
p = open("plaza.rgb", "rb").read()
def box(name):  # the pixels the disc changed
    d = open(name, "rb").read()
    xs = []; ys = []
    for y in range(H):
        for x in range(W):
            o = (y * W + x) * 3
            if abs(d[o] - p[o]) + abs(d[o + 1] - p[o + 1]) + abs(d[o + 2] - p[o + 2]) > 90: xs.append(x); ys.append(y)
    return min(xs), max(xs), min(ys), max(ys)
g, u = box("ground.rgb"), box("upright.rgb")
gw, gh, uw, uh = g[1] - g[0], g[3] - g[2], u[1] - u[0], u[3] - u[2]
row = float(sys.argv[1])
print(f"on=ground: horizon at row {row:.0f}; the disc {gw}x{gh} px on the ground, {uw}x{uh} upright")
ok = row < 0 and 0.3 < gh / gw < 0.8 and abs(uh / uw - 1) < 0.1 and abs(gw - 160) < 20
raise SystemExit(0 if ok else 1)
PY
expect_fail "on=ground lays the picture on the ground at x=:y=" "$O" -y -i plaza.mkv -vf "add=image=reddisc.png:anchor=head:on=ground" e.mkv >/dev/null
expect_fail "horizon=high: auto, or the horizon's row in pixels" "$O" -y -i plaza.mkv -vf "add=image=reddisc.png:x=450:y=330:on=ground:horizon=high" e.mkv >/dev/null
expect_fail "horizon= is for on=ground" "$O" -y -i plaza.mkv -vf "add=image=reddisc.png:x=450:y=330:horizon=10" e.mkv >/dev/null
expect_fail "it casts no contact shadow" "$O" -y -i plaza.mkv -vf "add=image=reddisc.png:x=450:y=330:on=ground:shadow=0.5" e.mkv >/dev/null
expect_fail "the point 450,330 is not below the horizon .row 400" "$O" -y -i plaza.mkv -vf "add=image=reddisc.png:x=450:y=330:on=ground:horizon=400:occlude=0" e.mkv >/dev/null
expect_fail "too large to lie on the ground at 450,330" "$O" -y -i plaza.mkv -vf "add=image=reddisc.png:x=450:y=330:on=ground:size=1500:occlude=0" e.mkv >/dev/null
[ ! -e e.mkv ] || die "a failed on=ground left e.mkv"
ok "add on=ground: the plaza's horizon found above the picture (row $row); the disc lies flat; bad combinations are one line each"

# ---- weather: deterministic, and the far layers go behind people -------------------------------
ffmpeg -v error -y -loop 1 -framerate 30 -i "$DATA/messi5.jpg" -vf format=yuv420p -frames:v 30 -c:v ffv1 still.mkv
md5() { ffmpeg -v error -i "$1" -f framemd5 - | grep -v '^#' | md5sum; }
"$O" -y -nostats -i still.mkv -vf "add=snow:front=0" -c:v ffv1 snow1.mkv || die "add=snow failed"
"$O" -y -nostats -i still.mkv -vf "add=snow:front=0" -c:v ffv1 snow2.mkv
"$O" -y -nostats -i still.mkv -vf "add=snow:front=0:seed=2" -c:v ffv1 snow3.mkv
[ "$(md5 snow1.mkv)" = "$(md5 snow2.mkv)" ] || die "add=snow is not the same twice"
[ "$(md5 snow1.mkv)" != "$(md5 snow3.mkv)" ] || die "seed= changes nothing"
gray still.mkv still.gray
gray snow1.mkv snow.gray
python3 - <<'PY' || die "snow behind people fell on Messi's chest, or nowhere"
# Messi's chest (by eye, inside his jersey in messi5.jpg: x 195-240, y 110-160) against the crowd
# above him (x 330-540, y 5-95), over all 30 frames, per pixel.
W, H = 548, 342
a = open("still.gray", "rb").read(); b = open("snow.gray", "rb").read()
n = len(a) // (W * H)
def changed(x0, x1, y0, y1):
    c = sum(1 for i in range(n) for y in range(y0, y1) for x in range(x0, x1)
            if abs(a[i * W * H + y * W + x] - b[i * W * H + y * W + x]) > 10)
    return c / ((x1 - x0) * (y1 - y0) * n)
chest, crowd = changed(195, 240, 110, 160), changed(330, 540, 5, 95)
print(f"snow with every layer behind people: {100 * chest:.3f} % of the chest's pixels changed, {100 * crowd:.3f} % of the crowd's")
raise SystemExit(0 if chest <= 0.02 * crowd and crowd > 0.002 else 1)
PY
expect_fail "glasses.png is a file, not a weather; a picture goes in image=" "$O" -y -i clip.mp4 -vf "add=glasses.png" e.mp4 >/dev/null
expect_fail "weather=snw: not a weather.*snow" "$O" -y -i clip.mp4 -vf "add=snw" e.mp4 >/dev/null
expect_fail "covers the whole picture; anchor= is for pictures" "$O" -y -i clip.mp4 -vf "add=rain:anchor=eyes" e.mp4 >/dev/null
for w in rain leaves petals embers fog haze; do
  "$O" -y -nostats -i clip.mp4 -vf "add=$w" -c:v ffv1 "w_$w.mkv" || die "add=$w failed"
  [ "$(md5 clip.mp4)" != "$(md5 "w_$w.mkv")" ] || die "add=$w changed nothing"
done
ok "add=snow: same frames twice, another seed differs; behind people none on Messi's chest; rain, leaves, petals, embers, fog, haze run"
