#!/usr/bin/env bash
# replace=color, measured on a real photo: Messi's red jersey turned blue (target=person:who=largest: the
# crowd are people too) while the crowd behind him stays as it was (target=all changes it); the hue
# of his red moves by 60 degrees or more,
# its lightness (CIE L*) by less than 3; the luma plane is untouched everywhere; a box limits it
# the same way; replace=background is matte's compositing, with no green halo round a subject shot
# on green; and the errors.
source "$(dirname "$0")/lib.sh"
O="$OMNI_SHIPPED"
for m in nanodet movenet-multipose selfie selfie-landscape; do
  "$O" models path "$m" >/dev/null 2>&1 || die "model $m is not installed; run: $O models fetch $m (make test does)"
done

ffmpeg -v error -y -loop 1 -framerate 10 -i "$DATA/messi5.jpg" -vf format=yuv420p -frames:v 10 -c:v ffv1 messi.mkv
"$O" -y -nostats -i messi.mkv -vf "replace=color:from=red:to=blue:target=person:who=largest" -c:v ffv1 blue.mkv || die "replace=color failed"
"$O" -y -nostats -i messi.mkv -vf "replace=color:from=red:to=blue:x=300:y=150:w=200:h=100" -c:v ffv1 box.mkv || die "replace=color in a box failed"
"$O" -y -nostats -i messi.mkv -vf "replace=color:from=red:to=blue" -c:v ffv1 all.mkv || die "replace=color everywhere failed"
for f in messi blue box all; do
  ffmpeg -v error -y -i $f.mkv -vf "select=eq(n\,9)" -frames:v 1 -f rawvideo -pix_fmt rgb24 $f.rgb
  ffmpeg -v error -y -i $f.mkv -f rawvideo -pix_fmt gray $f.gray
done
cmp -s messi.gray blue.gray || die "replace=color changed the luma plane"
python3 - <<'PY' || die "replace=color: the numbers are off"
import colorsys
W, H = 548, 342
a = open("messi.rgb", "rb").read(); b = open("blue.rgb", "rb").read(); c = open("box.rgb", "rb").read()
e = open("all.rgb", "rb").read()
def px(buf, x, y):
    i = 3 * (y * W + x); return buf[i] / 255, buf[i + 1] / 255, buf[i + 2] / 255
def lstar(r, g, b):
    lin = lambda v: v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4
    Y = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
    return 116 * Y ** (1 / 3) - 16 if Y > 0.008856 else 903.3 * Y
def red(p, chroma=0.35):
    h, s, v = colorsys.rgb_to_hsv(*p)
    return (h < 0.04 or h > 0.96) and max(p) - min(p) > chroma
# Messi's jersey and shorts (by eye, x 150-300, y 90-260 of messi5.jpg): the red pixels.
moved, dl, n = [], [], 0
for y in range(90, 260, 2):
    for x in range(150, 300, 2):
        p = px(a, x, y)
        if not red(p): continue
        q = px(b, x, y)
        h0 = colorsys.rgb_to_hsv(*p)[0] * 360; h1 = colorsys.rgb_to_hsv(*q)[0] * 360
        d = abs((h1 - h0 + 180) % 360 - 180)
        moved.append(d); dl.append(abs(lstar(*q) - lstar(*p))); n += 1
moved.sort(); dl.sort()
med_h, med_l = moved[len(moved) // 2], dl[len(dl) // 2]
# The crowd, away from him (right of x 380 above y 200; left of x 110 above his hand, y < 60): no
# pixel changes with target=person:who=largest, while target=all does turn some of its colours.
crowd = [(x, y) for y in range(0, 200) for x in range(380, W)] + [(x, y) for y in range(0, 60) for x in range(0, 110)]
changed_target = sum(1 for x, y in crowd if px(a, x, y) != px(b, x, y))
changed_all = sum(1 for x, y in crowd if px(a, x, y) != px(e, x, y))
# The box: outside it nothing changed; inside, red moved.
out_box = sum(1 for y in range(0, H, 3) for x in range(0, W, 3) if not (300 <= x < 500 and 150 <= y < 250) and px(a, x, y) != px(c, x, y))
print(f"replace=color red->blue on Messi: {n} red pixels, median hue move {med_h:.0f} deg, median |dL*| {med_l:.2f}; "
      f"crowd pixels changed {changed_target} (target=all: {changed_all}); pixels changed outside the box {out_box}")
ok = n > 500 and med_h >= 60 and med_l < 3 and changed_target == 0 and changed_all > 200 and out_box == 0
raise SystemExit(0 if ok else 1)
PY
ok "replace=color:from=red:to=blue:target=person:who=largest: his red moves >= 60 deg at |dL*| < 3, the crowd and the luma stay, a box holds it"

# ---- background: matte's compositing (wrap=0 is matte=bg= bit for bit), light wrap only at the edge --
"$O" -y -nostats -i messi.mkv -vf "replace=background:with=$DATA/home.jpg:wrap=0" -c:v ffv1 bg0.mkv || die "replace=background failed"
"$O" -y -nostats -i messi.mkv -vf "matte=bg=$DATA/home.jpg" -c:v ffv1 mbg.mkv
fmd5() { ffmpeg -v error -i "$1" -f framemd5 - | grep -v '^#' | md5sum; }
[ "$(fmd5 bg0.mkv)" = "$(fmd5 mbg.mkv)" ] || die "replace=background:wrap=0 is not matte=bg= (a second copy of the compositing?)"
"$O" -y -nostats -i messi.mkv -vf "replace=background:with=$DATA/home.jpg:wrap=0.5" -c:v ffv1 bg5.mkv
"$O" -y -nostats -i messi.mkv -vf "matte=out=mask" -c:v ffv1 mask.mkv
for f in bg0 bg5 mask; do ffmpeg -v error -y -i $f.mkv -vf "select=eq(n\,9)" -frames:v 1 -f rawvideo -pix_fmt gray $f.g9; done
python3 - <<'PY' || die "the light wrap reached past the subject's edge"
W, H = 548, 342
a = open("bg0.g9", "rb").read(); b = open("bg5.g9", "rb").read(); m = open("mask.g9", "rb").read()
diff = [i for i in range(W * H) if a[i] != b[i]]
outside = sum(1 for i in diff if m[i] == 0)
print(f"light wrap: {len(diff)} pixels changed, {outside} of them where the matte is empty")
raise SystemExit(0 if len(diff) > 500 and outside == 0 else 1)
PY
# A video background of 0.5 s under a 1 s clip: it loops, or holds its last picture with loop=0.
ffmpeg -v error -y -f lavfi -i "color=red:s=320x200:r=10,hue=h=t*600" -t 0.5 -c:v ffv1 hue.mkv
"$O" -y -nostats -i messi.mkv -vf "replace=background:with=hue.mkv:loop=0" -c:v ffv1 hold.mkv
"$O" -y -nostats -i messi.mkv -vf "replace=background:with=hue.mkv" -c:v ffv1 loop.mkv
corner() { ffmpeg -v error -i "$1" -vf "crop=8:8:0:0,scale=1:1" -f rawvideo -pix_fmt rgb24 - | od -An -tu1 | tr -s ' \n' ' '; }
python3 - "$(corner hold.mkv)" "$(corner loop.mkv)" <<'PY' || die "loop=0 does not hold the background clip's last picture"
import sys
hold = list(map(int, sys.argv[1].split())); loop = list(map(int, sys.argv[2].split()))
h = [tuple(hold[i:i + 3]) for i in range(0, len(hold), 3)]; l = [tuple(loop[i:i + 3]) for i in range(0, len(loop), 3)]
print(f"corner colour, frames 5-9: held {h[5:]}, looped {l[5:]}")
raise SystemExit(0 if len(set(h[5:])) == 1 and len(set(l[5:])) > 1 and l[5] == l[0] else 1)
PY
ok "replace=background: wrap=0 is matte=bg= bit for bit; the wrap stays inside the matte; a video loops, loop=0 holds"

# ---- no halo: a subject shot on green keeps none of the green at its edge (matte's despill yardstick) --
# The baboon disc with a soft edge over green (its true alpha drawn beside it), its background
# replaced by a real photo: green in the edge band (mean max(0, G - max(R, B)) where the true alpha
# is 64..250), with the decontamination and the wrap as they ship against both off.
# (Every source finite: an endless one kept ffmpeg running after the outputs were done.)
ffmpeg -v error -y -f lavfi -i "color=0x00B140:s=640x360:r=30:d=0.3" -loop 1 -framerate 30 -t 0.3 -i "$DATA/baboon.jpg" -filter_complex \
  "[0]format=rgb24[bg];[1]scale=200:200,format=rgba,geq=r='r(X,Y)':g='g(X,Y)':b='b(X,Y)':a='255*clip((1-hypot((X-100)/96,(Y-100)/96))*24,0,1)',split[fg][fg2];
   [bg][fg]overlay=x=220:y=80:format=rgb,format=yuv420p[clip];
   [fg2]lutrgb=r=255:g=255:b=255[wm];color=black:s=640x360:r=30:d=0.3,format=rgb24[k];[k][wm]overlay=x=220:y=80:format=rgb,format=gray[gt]" \
  -map "[clip]" -c:v ffv1 gdisc.mkv -map "[gt]" -frames:v 1 -f rawvideo -pix_fmt gray gdisc_gt.gray
"$O" -y -nostats -i gdisc.mkv -vf "replace=background:keep=salient:with=$DATA/home.jpg" -frames:v 1 -f rawvideo -pix_fmt rgb24 halo1.rgb ||
  die "replace=background over green failed"
"$O" -y -nostats -i gdisc.mkv -vf "replace=background:keep=salient:with=$DATA/home.jpg:despill=0:wrap=0" -frames:v 1 -f rawvideo -pix_fmt rgb24 halo0.rgb
t0=$("$MATTE_METRICS" tint 640 360 halo0.rgb gdisc_gt.gray 64 250 | sed -n 's/.*tint=\([0-9.]*\).*/\1/p')
t1=$("$MATTE_METRICS" tint 640 360 halo1.rgb gdisc_gt.gray 64 250 | sed -n 's/.*tint=\([0-9.]*\).*/\1/p')
awk -v a="$t1" -v b="$t0" 'BEGIN{exit !(b > 2 && a <= 0.65 * b)}' || die "replace=background leaves a green halo: edge tint $t1 (without despill and wrap $t0)"
ok "replace=background: no halo: green at the edge $t0 without decontamination and wrap, $t1 as shipped"

expect_fail "background needs with=" "$O" -y -i messi.mkv -vf "replace=background" e.mkv >/dev/null
expect_fail "from= is for replace=color, not replace=background" "$O" -y -i messi.mkv -vf "replace=background:with=blur:from=red" e.mkv >/dev/null
expect_fail "with= is for replace=background, replace=sky or replace=object, not replace=color" "$O" -y -i messi.mkv -vf "replace=color:with=blur" e.mkv >/dev/null
expect_fail "a transparent background is matte=bg=transparent" "$O" -y -i messi.mkv -vf "replace=background:with=transparent" e.mkv >/dev/null
expect_fail "from= is a grey" "$O" -y -i messi.mkv -vf "replace=color:from=gray:to=blue" e.mkv >/dev/null
expect_fail "target=dgo: not all, person, salient or an object class" "$O" -y -i messi.mkv -vf "replace=color:target=dgo" e.mkv >/dev/null
expect_fail "x, y, w, h give a box; they do not go with target=car" "$O" -y -i messi.mkv -vf "replace=color:target=car:x=1:y=1:w=5:h=5" e.mkv >/dev/null
expect_fail "outside the 548x342 picture" "$O" -y -i messi.mkv -vf "replace=color:x=600:y=1:w=5:h=5" e.mkv >/dev/null
[ ! -e e.mkv ] || die "a failed replace left e.mkv"
ok "replace: no with=, options of the other kind, transparent, a grey from=, an unknown target, a box with a target, a box outside: one line each"
