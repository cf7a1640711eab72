#!/usr/bin/env bash
# replace=sky, replace=season and replace=time, measured on real photos (opencv-doc's home.jpg: a
# blue sky with clouds and birds over a yellow palace; building.jpg: a hotel over hedges and grass;
# messi5.jpg: a player on grass):
# - sky: inside a box that is all sky >= 90 % of the pixels change, inside a box that is all
#   building none does (relight=0); with relight the building moves toward the new sky's level;
#   on a pan over the photo (1 px a frame) the new sky moves with the scene (50 px over 50 frames,
#   within 1 px), and stays put with follow=0; a picture without sky comes out bit for bit;
# - time: night is darker (mean luma <= 0.6x) and bluer, golden warmer; season: autumn turns the
#   greens toward orange (median hue -30 degrees or more); winter's whitening never touches a
#   person (the matte's person mask, eroded) and does touch the grass; its snow is deterministic.
source "$(dirname "$0")/lib.sh"
O="$OMNI_SHIPPED"
for m in nanodet selfie selfie-landscape; do
  "$O" models path "$m" >/dev/null 2>&1 || die "model $m is not installed; run: $O models fetch $m (make test does)"
done
still() { ffmpeg -v error -y -loop 1 -framerate 10 -i "$DATA/$1" -vf format=yuv420p -frames:v "${3:-3}" -c:v ffv1 "$2"; }
still home.jpg home.mkv
still messi5.jpg messi.mkv
still building.jpg building.mkv 2
STAR="$DATA/starry_night.jpg"

# ---- sky on a still picture --------------------------------------------------------------------
"$O" -y -nostats -i home.mkv -vf "replace=sky:with=$STAR:relight=0" -c:v ffv1 sky0.mkv || die "replace=sky failed"
"$O" -y -nostats -i home.mkv -vf "replace=sky:with=$STAR" -c:v ffv1 sky3.mkv || die "replace=sky (relight) failed"
for f in home sky0 sky3; do ffmpeg -v error -y -i $f.mkv -vf "select=eq(n\,2)" -frames:v 1 -f rawvideo -pix_fmt gray $f.g; done
for f in home sky0; do ffmpeg -v error -y -i $f.mkv -vf "select=eq(n\,2)" -frames:v 1 -f rawvideo -pix_fmt rgb24 $f.rgb; done
python3 - <<'PY' || die "replace=sky on home.jpg: the numbers are off"
W = 512
a = open("home.g", "rb").read(); b = open("sky0.g", "rb").read(); c = open("sky3.g", "rb").read()
ac = open("home.rgb", "rb").read(); bc = open("sky0.rgb", "rb").read()
box = lambda x0, y0, x1, y1: [y * W + x for y in range(y0, y1) for x in range(x0, x1)]
sky = box(20, 10, 180, 150)          # all sky (blue, clouds, a few birds), by eye
wall = box(368, 240, 496, 368)       # all palace wall, by eye
changed = sum(1 for i in sky if sum(abs(ac[3 * i + k] - bc[3 * i + k]) for k in range(3)) > 24) / len(sky)
wall_changed = sum(1 for i in wall if a[i] != b[i])
mean = lambda buf, idx: sum(buf[i] for i in idx) / len(idx)
old_sky, new_sky = mean(a, sky), mean(b, sky)
lit = mean(c, wall) - mean(a, wall)
print(f"sky box: {changed:.1%} of pixels replaced; wall box: {wall_changed} pixels changed; relight=0.3 moved the wall "
      f"{lit:+.1f} luma levels (old sky {old_sky:.0f}, new sky {new_sky:.0f})")
toward = (new_sky - old_sky) * lit > 0
raise SystemExit(0 if changed >= 0.9 and wall_changed == 0 and toward and abs(lit) >= 1 else 1)
PY
ok "replace=sky: the sky box replaced, the wall untouched (relight=0), relight moves the wall toward the new sky"

# A picture with no sky (a crowd above a player) is passed through untouched.
fmd5() { ffmpeg -v error -i "$1" -f framemd5 - | grep -v '^#' | md5sum; }
"$O" -y -nostats -i messi.mkv -vf "replace=sky:with=red" -c:v ffv1 nosky.mkv
[ "$(fmd5 nosky.mkv)" = "$(fmd5 messi.mkv)" ] || die "replace=sky changed a picture that has no sky"
ok "replace=sky: no sky in messi5.jpg, so not a pixel changes"

# ---- sky on a pan: the new sky moves with the camera ------------------------------------------
ffmpeg -v error -y -loop 1 -framerate 25 -i "$DATA/home.jpg" -vf "crop=384:288:n:40,format=yuv420p" -frames:v 61 -c:v ffv1 pan.mkv
"$O" -y -nostats -i pan.mkv -vf "replace=sky:with=$STAR" -c:v ffv1 follow.mkv
"$O" -y -nostats -i pan.mkv -vf "replace=sky:with=$STAR:follow=0" -c:v ffv1 still.mkv
for f in follow still; do ffmpeg -v error -y -i $f.mkv -vf "select=eq(n\,10)+eq(n\,60)" -vsync 0 -f rawvideo -pix_fmt gray $f.g; done
python3 - <<'PY' || die "replace=sky: the new sky does not move with the camera"
W, H = 384, 288
def shift(path):
    buf = open(path, "rb").read(); a, b = buf[:W * H], buf[W * H:2 * W * H]
    x0, y0, S = 90, 20, 48           # sky in both frames 10 and 60
    best = None
    for dy in range(-3, 4):
        for dx in range(-70, 11):
            s = 0
            for y in range(0, S, 2):
                ra = (y0 + y) * W + x0; rb = (y0 + y + dy) * W + x0 + dx
                s += sum(abs(p - q) for p, q in zip(a[ra:ra + S:2], b[rb:rb + S:2]))
            if best is None or s < best[0]: best = (s, dx, dy)
    return best[1], best[2]
f, s = shift("follow.g"), shift("still.g")
print(f"the scene moved -50 px between frames 10 and 60; the new sky moved {f} with follow=1, {s} with follow=0")
raise SystemExit(0 if abs(f[0] + 50) <= 1 and abs(f[1]) <= 1 and s == (0, 0) else 1)
PY
ok "replace=sky: the new sky pans with the scene (follow=1), and holds still with follow=0"

# ---- time and season grades ----------------------------------------------------------------------
"$O" -y -nostats -i home.mkv -vf "replace=time=night" -c:v ffv1 night.mkv || die "replace=time=night failed"
"$O" -y -nostats -i home.mkv -vf "replace=time=golden" -c:v ffv1 golden.mkv || die "replace=time=golden failed"
"$O" -y -nostats -i building.mkv -vf "replace=season=autumn" -c:v ffv1 autumn.mkv || die "replace=season=autumn failed"
for f in home night golden building autumn; do ffmpeg -v error -y -i $f.mkv -vf "select=eq(n\,1)" -frames:v 1 -f rawvideo -pix_fmt rgb24 $f.rgb; done
python3 - <<'PY' || die "replace=time / season: the numbers are off"
import colorsys
def stats(path):
    b = open(path, "rb").read(); n = len(b) // 3
    r = sum(b[0::3]) / n; g = sum(b[1::3]) / n; bl = sum(b[2::3]) / n
    return 0.299 * r + 0.587 * g + 0.114 * bl, r, bl
y0, r0, b0 = stats("home.rgb"); yn, rn, bn = stats("night.rgb"); yg, rg, bg = stats("golden.rgb")
night_ok = yn <= 0.6 * y0 and bn / rn > 1.05 * (b0 / r0)
golden_ok = rg / bg > 1.1 * (r0 / b0)
a = open("building.rgb", "rb").read(); c = open("autumn.rgb", "rb").read()
moves = []
for i in range(0, len(a), 3 * 7):
    h, s, v = colorsys.rgb_to_hsv(a[i] / 255, a[i + 1] / 255, a[i + 2] / 255)
    if 70 / 360 < h < 160 / 360 and max(a[i:i + 3]) - min(a[i:i + 3]) > 35:
        h2 = colorsys.rgb_to_hsv(c[i] / 255, c[i + 1] / 255, c[i + 2] / 255)[0]
        moves.append(((h2 - h) * 360 + 180) % 360 - 180)
moves.sort()
med = moves[len(moves) // 2]
print(f"night: mean luma {yn:.0f} of {y0:.0f}, blue/red {bn / rn:.2f} (was {b0 / r0:.2f}); golden: red/blue {rg / bg:.2f} "
      f"(was {r0 / b0:.2f}); autumn: {len(moves)} green pixels, median hue move {med:+.0f} deg")
raise SystemExit(0 if night_ok and golden_ok and len(moves) > 500 and med <= -30 else 1)
PY
ok "replace=time=night darker and bluer, golden warmer; replace=season=autumn turns the greens toward orange"

# Winter's whitening, alone: the same grade without it (OMNI_GRADES adds grades) against with it.
cat > grades.toml <<'TOML'
[winter-plain]
kind = "season"
lift = 0.03
gamma = 0.95
contrast = 0.95
saturation = 0.65
temperature = -0.35
turns = [{ from = "#4a7a2a", to = "#8a9a86", tolerance = 45, amount = 0.8 }, { from = "#8a6a2a", to = "#8a8a82", tolerance = 30, amount = 0.5 }]
[winter-white]
kind = "season"
lift = 0.03
gamma = 0.95
contrast = 0.95
saturation = 0.65
temperature = -0.35
whiten = 0.6
turns = [{ from = "#4a7a2a", to = "#8a9a86", tolerance = 45, amount = 0.8 }, { from = "#8a6a2a", to = "#8a8a82", tolerance = 30, amount = 0.5 }]
TOML
OMNI_GRADES=grades.toml "$O" -y -nostats -i messi.mkv -vf "replace=season=winter-plain" -c:v ffv1 plain.mkv || die "a grade from OMNI_GRADES failed"
OMNI_GRADES=grades.toml "$O" -y -nostats -i messi.mkv -vf "replace=season=winter-white" -c:v ffv1 white.mkv
"$O" -y -nostats -i messi.mkv -vf "matte=out=mask,erosion,erosion,erosion,erosion" -c:v ffv1 person.mkv
for f in plain white person; do ffmpeg -v error -y -i $f.mkv -vf "select=eq(n\,2)" -frames:v 1 -f rawvideo -pix_fmt gray $f.g; done
python3 - <<'PY' || die "replace=season=winter whitened a person, or no ground"
W, H = 548, 342
a = open("plain.g", "rb").read(); b = open("white.g", "rb").read(); m = open("person.g", "rb").read()
person = [i for i in range(W * H) if m[i] > 200]
on_person = sum(1 for i in person if b[i] != a[i])
grass = [y * W + x for y in range(300, H) for x in range(0, W) if m[y * W + x] == 0]
whitened = sum(1 for i in grass if b[i] > a[i] + 3) / len(grass)
print(f"winter's whitening: {on_person} of {len(person)} person pixels changed; {whitened:.0%} of the grass at the bottom lighter by > 3")
raise SystemExit(0 if len(person) > 3000 and on_person == 0 and whitened > 0.3 else 1)
PY
"$O" -y -nostats -i messi.mkv -vf "replace=season=winter" -c:v ffv1 w1.mkv
"$O" -y -nostats -i messi.mkv -vf "replace=season=winter" -c:v ffv1 w2.mkv
[ "$(fmd5 w1.mkv)" = "$(fmd5 w2.mkv)" ] || die "replace=season=winter: two runs differ (the snow is not deterministic)"
[ "$(fmd5 w1.mkv)" != "$(fmd5 white.mkv)" ] || die "replace=season=winter drew no snow"
ok "replace=season=winter: the ground whitened, never the player; the same snow twice"

expect_fail "sky needs with=" "$O" -y -i home.mkv -vf "replace=sky" e.mkv >/dev/null
expect_fail "with=blur blurs a background" "$O" -y -i home.mkv -vf "replace=sky:with=blur" e.mkv >/dev/null
expect_fail "keep= is for replace=background; the sky is found without a model" "$O" -y -i home.mkv -vf "replace=sky:with=red:keep=person" e.mkv >/dev/null
expect_fail "season needs a name: replace=season=winter" "$O" -y -i home.mkv -vf "replace=season" e.mkv >/dev/null
expect_fail "season=wintr: not a season \(did you mean 'winter'\?\); seasons: autumn, spring, summer, winter" "$O" -y -i home.mkv -vf "replace=season=wintr" e.mkv >/dev/null
expect_fail "with= is not for replace=time" "$O" -y -i home.mkv -vf "replace=time=night:with=red" e.mkv >/dev/null
expect_fail "season= or time=, one grade per replace" "$O" -y -i home.mkv -vf "replace=season=winter:time=night" e.mkv >/dev/null
expect_fail "follow= is for replace=sky" "$O" -y -i home.mkv -vf "replace=background:with=red:follow=0" e.mkv >/dev/null
[ ! -e e.mkv ] || die "a failed replace left e.mkv"
ok "replace: sky without with=, a blurred sky, a model for the sky, a season without a name or misspelt, options of another kind: one line each"
