#!/usr/bin/env bash
# replace=object, measured on a real photo (opencv-doc's messi5.jpg: the ball at about (362,312),
# 48 px across) with a red disc as the new object:
# - by class (target=sports ball): the disc sits on the ball (centre within 3 px), about its size,
#   with no halo of the old ball round it;
#   every pixel further than 70 px from the ball comes out bit for bit (the fill's BGR round trip
#   is not exact: only what was edited may change); with scale=0.2 the ball around the small disc
#   is gone (grass where the yellow ball was);
# - by box on a pan (the photo cropped 2 px further right each frame, so the ball moves 2 px a
#   frame to the left): the disc follows the ball within 1.5 px in every frame, the first and the
#   last too; the same command twice gives the same frames;
# - held (basketball1.png): the fingers over the ball stay in front of the new object;
# - the errors.
source "$(dirname "$0")/lib.sh"
O="$OMNI_SHIPPED"
for m in nanodet movenet-multipose selfie selfie-landscape; do
  "$O" models path "$m" >/dev/null 2>&1 || die "model $m is not installed; run: $O models fetch $m (make test does)"
done
ffmpeg -v error -y -loop 1 -framerate 10 -i "$DATA/messi5.jpg" -vf format=yuv420p -frames:v 6 -c:v ffv1 messi.mkv
ffmpeg -v error -y -loop 1 -framerate 10 -i "$DATA/messi5.jpg" -vf "crop=420:332:x=2*n:y=10,format=yuv420p" -frames:v 30 -c:v ffv1 pan.mkv
ffmpeg -v error -y -f lavfi -i "color=c=red:s=64x64,format=rgba,geq=r=255:g=0:b=0:a='if(lt(hypot(X-31.5\,Y-31.5)\,30)\,255\,0)'" \
  -frames:v 1 disc.png

# ---- by class ------------------------------------------------------------------------------------
"$O" -y -nostats -i messi.mkv -vf "replace=object:target=sports ball:with=disc.png" -c:v ffv1 ball.mkv || die "replace=object by class failed"
"$O" -y -nostats -i messi.mkv -vf "replace=object:target=sports ball:with=disc.png:scale=0.2" -c:v ffv1 small.mkv ||
  die "replace=object with scale=0.2 failed"
for f in messi ball small; do
  ffmpeg -v error -y -i $f.mkv -vf "select=eq(n\,4)" -frames:v 1 -f rawvideo -pix_fmt rgb24 $f.rgb
  ffmpeg -v error -y -i $f.mkv -vf "select=eq(n\,4)" -frames:v 1 -f rawvideo -pix_fmt yuv420p $f.yuv
done
python3 - <<'PY' || die "replace=object by class: the numbers are off"
W, H = 548, 342
m = open("messi.rgb", "rb").read(); b = open("ball.rgb", "rb").read(); s = open("small.rgb", "rb").read()
def red(buf, x, y):
    i = 3 * (y * W + x); return buf[i] > 200 and buf[i + 1] < 60 and buf[i + 2] < 60
pts = [(x, y) for y in range(250, H) for x in range(300, 430) if red(b, x, y)]
assert pts, "no disc near the ball"
cx = sum(p[0] for p in pts) / len(pts); cy = sum(p[1] for p in pts) / len(pts)
span = max(p[0] for p in pts) - min(p[0] for p in pts) + 1
print(f"disc centre ({cx:.1f}, {cy:.1f}), {span} px across")
assert abs(cx - 362) <= 3 and abs(cy - 312) <= 3, "the disc is not on the ball"
assert 36 <= span <= 56, "the disc is not the ball's size"
# No halo: just outside the new disc's edge (1-4 px beyond the radius of its red area) none of
# the old ball's pale yellow is left, and it is grass (messi5's ball showed pale there).
import math
r = math.sqrt(len(pts) / math.pi)
def ring(buf):
    n = grass_n = pale = 0
    for y in range(int(cy - r) - 6, int(cy + r) + 7):
        for x in range(int(cx - r) - 6, int(cx + r) + 7):
            if 0 <= x < W and 0 <= y < H and r + 1 <= math.hypot(x - cx, y - cy) < r + 4:
                i = 3 * (y * W + x); n += 1
                grass_n += buf[i + 1] > buf[i] + 10 and buf[i + 1] > buf[i + 2] + 10
                pale += min(buf[i], buf[i + 1], buf[i + 2]) > 150
    return grass_n / n, pale / n
g0, p0 = ring(m); g1, p1 = ring(b)
print(f"halo ring {r + 1:.0f}-{r + 4:.0f} px: before grass {g0:.2f} pale {p0:.3f}; after grass {g1:.2f} pale {p1:.3f}")
assert p0 > 0.03 and p1 < 0.01 and g1 > 0.8, "a halo of the old ball round the new object"
# Outside 70 px of the ball: bit for bit, luma and chroma.
my = open("messi.yuv", "rb").read(); by = open("ball.yuv", "rb").read()
cw, ch = (W + 1) // 2, (H + 1) // 2
far = lambda x, y: (x - 362) ** 2 + (y - 312) ** 2 > 70 ** 2
dl = sum(1 for y in range(H) for x in range(W) if far(x, y) and my[y * W + x] != by[y * W + x])
dc = sum(1 for p in (0, 1) for y in range(ch) for x in range(cw)
         if far(2 * x, 2 * y) and my[W * H + p * cw * ch + y * cw + x] != by[W * H + p * cw * ch + y * cw + x])
print(f"samples changed far from the ball: luma {dl}, chroma {dc}")
assert dl == 0 and dc == 0, "pixels far from the ball changed"
# The old ball is gone around the small disc: grass (green above red and blue) in a ring 12-18 px out.
def grass(buf):
    n = g = 0
    for y in range(290, 335):
        for x in range(340, 385):
            if 12 <= ((x - 362) ** 2 + (y - 312) ** 2) ** 0.5 < 18:
                i = 3 * (y * W + x); n += 1
                g += buf[i + 1] > buf[i] + 10 and buf[i + 1] > buf[i + 2] + 10
    return g / n
print(f"grass in the ring: before {grass(m):.2f}, after {grass(s):.2f}")
assert grass(m) < 0.2 and grass(s) > 0.8, "the old ball is still there"
PY
ok "replace=object by class: the disc on the ball, the rest bit for bit, the old ball gone"

# ---- by box, on a pan ----------------------------------------------------------------------------
"$O" -y -nostats -i pan.mkv -vf "replace=object:x=337:y=277:w=50:h=50:with=disc.png" -c:v ffv1 panned.mkv || die "replace=object by box failed"
"$O" -y -nostats -i pan.mkv -vf "replace=object:x=337:y=277:w=50:h=50:with=disc.png" -f framemd5 again.md5 || die "replace=object (again) failed"
ffmpeg -v error -y -i panned.mkv -f framemd5 first.md5
diff <(grep -v '^#' first.md5 | cut -d, -f6) <(grep -v '^#' again.md5 | cut -d, -f6) >/dev/null || die "replace=object by box is not deterministic"
ffmpeg -v error -y -i panned.mkv -f rawvideo -pix_fmt rgb24 panned.rgb
python3 - <<'PY' || die "replace=object by box: the numbers are off"
W, H = 420, 332
a = open("panned.rgb", "rb").read()
n = len(a) // (W * H * 3)
assert n == 30, f"{n} frames"
worst = 0
for f in range(n):
    o = f * W * H * 3; ex, ey = 362 - 2 * f, 302
    pts = [(x, y) for y in range(ey - 40, min(H, ey + 40)) for x in range(ex - 40, ex + 40)
           if a[o + 3 * (y * W + x)] > 200 and a[o + 3 * (y * W + x) + 1] < 60 and a[o + 3 * (y * W + x) + 2] < 60]
    assert len(pts) > 500, f"frame {f}: no disc"
    cx = sum(p[0] for p in pts) / len(pts); cy = sum(p[1] for p in pts) / len(pts)
    worst = max(worst, abs(cx - ex), abs(cy - ey))
print(f"disc off the ball by {worst:.2f} px at most over {n} frames")
assert worst <= 1.5
PY
ok "replace=object by box: follows the ball on a pan within 1.5 px, first and last frame too; deterministic"

# ---- hands that hold the object stay in front ------------------------------------------------------
# basketball1.png: a man holding a basketball (motion-blurred: the detector does not find it, so a
# box); his fingers cross the box's bottom. In the fingers' patch (x 130-165, y 145-159) most
# pixels stay as they were with occlude=1 (the default); with occlude=0 the disc and the fill cover them.
ffmpeg -v error -y -loop 1 -framerate 10 -i "$DATA/basketball1.png" -vf format=yuv420p -frames:v 6 -c:v ffv1 hands.mkv
"$O" -y -nostats -i hands.mkv -vf "replace=object:x=118:y=92:w=66:h=66:with=disc.png" -c:v ffv1 held.mkv || die "replace=object over hands failed"
"$O" -y -nostats -i hands.mkv -vf "replace=object:x=118:y=92:w=66:h=66:with=disc.png:occlude=0" -c:v ffv1 held0.mkv ||
  die "replace=object with occlude=0 failed"
for f in hands held held0; do ffmpeg -v error -y -i $f.mkv -vf "select=eq(n\,3)" -frames:v 1 -f rawvideo -pix_fmt gray $f.g; done
python3 - <<'PY' || die "replace=object: the hands are not in front"
W = 640
a = open("hands.g", "rb").read()
def kept(name):
    b = open(name, "rb").read()
    px = [(x, y) for y in range(145, 159) for x in range(130, 165)]
    return sum(abs(a[y * W + x] - b[y * W + x]) <= 3 for x, y in px) / len(px)
k1, k0 = kept("held.g"), kept("held0.g")
print(f"the fingers' patch unchanged: {k1:.2f} with occlude=1, {k0:.2f} with occlude=0")
assert k1 >= 0.4 and k0 <= 0.15
PY
ok "replace=object: the hands holding the ball stay in front of the new one"

# ---- errors --------------------------------------------------------------------------------------
expect_fail "object needs with=" "$O" -y -i messi.mkv -vf "replace=object:target=sports ball" e.mkv >/dev/null
expect_fail "object needs target=CLASS" "$O" -y -i messi.mkv -vf "replace=object:with=disc.png" e.mkv >/dev/null
expect_fail "did you mean 'sports ball'" "$O" -y -i messi.mkv -vf "replace=object:target=sport ball:with=disc.png" e.mkv >/dev/null
expect_fail "key= is for replace=object" "$O" -y -i messi.mkv -vf "replace=background:with=blur:key=white" e.mkv >/dev/null
expect_fail "who= chooses among objects of a class; a box is one place" "$O" -y -i messi.mkv -vf "replace=object:x=1:y=1:w=9:h=9:who=largest:with=disc.png" e.mkv >/dev/null
expect_fail "no-such.png" "$O" -y -i messi.mkv -vf "replace=object:target=sports ball:with=no-such.png" e.mkv >/dev/null
expect_fail "the box at 600,1 is outside the 548x342 picture" "$O" -y -i messi.mkv -vf "replace=object:x=600:y=1:w=9:h=9:with=disc.png" e.mkv >/dev/null
ok "replace=object: errors"
