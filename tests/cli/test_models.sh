#!/usr/bin/env bash
# The model core from the command line, on real models (fetched by `make test`) and real photos
# nobody here made: the person mask covers the person, the pose landmarks fall on the body, the
# detector finds the one person, and nothing is found where there is nobody. Two independent
# networks checking each other. Plus the errors: missing, corrupt or tampered model files.
source "$(dirname "$0")/lib.sh"
O="$OMNI_SHIPPED"
for m in selfie selfie-landscape pose-detector pose-lite pose-full; do
  "$O" models path "$m" >/dev/null 2>&1 || die "model $m is not installed; run: $O models fetch $m (make test does)"
done

"$O" models list > list.txt
grep -qE '^isnet +salient-segmentation +onnx .*AGPL-3.0 .*optional' list.txt || die "models list: isnet row: $(grep isnet list.txt)"
grep -qE '^selfie +person-segmentation +tflite .*Apache-2.0 +installed, default' list.txt || die "models list: selfie row"
"$O" models verify selfie selfie-landscape pose-detector pose-lite pose-full > verify.txt
[ "$(grep -c ' ok$' verify.txt)" = 5 ] || die "models verify: $(cat verify.txt)"
ok "models list / verify"

"$O" models run selfie "$DATA/messi5.jpg" -o mask.png > selfie.txt
"$O" models run pose-full "$DATA/messi5.jpg" -o pose.json > pose.txt
"$O" models run pose-detector "$DATA/messi5.jpg" -o det.json > det.txt
grep -q 'inference .* ms' selfie.txt || die "models run prints no time: $(cat selfie.txt)"
[ "$(probe v:0 stream=width,height mask.png)" = "548,342" ] || die "mask is not at the image's size"
ffmpeg -v error -i mask.png -f rawvideo -pix_fmt gray -y mask.gray
python3 - "$T" <<'PY' || die "real-image checks failed (see above)"
import json, sys
d = sys.argv[1]
W, H = 548, 342
mask = open(f"{d}/mask.gray", "rb").read()
on = lambda x, y: 0 <= x < W and 0 <= y < H and mask[int(y) * W + int(x)] > 127
cov = sum(1 for v in mask if v > 127) / len(mask)
pose = json.load(open(f"{d}/pose.json"))
lm = [l for l in pose["landmarks"] if l["visibility"] > 0.5]
def near(l, r=6):
    return any(on(l["x"] + dx, l["y"] + dy) for dx in range(-r, r + 1, 3) for dy in range(-r, r + 1, 3))
inside = sum(near(l) for l in lm) / len(lm)
xs = [l["x"] for l in lm]; ys = [l["y"] for l in lm]
x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
mx, my = 0.15 * (x1 - x0), 0.15 * (y1 - y0)
in_box = sum(1 for y in range(H) for x in range(W) if mask[y * W + x] > 127 and x0 - mx <= x <= x1 + mx and y0 - my <= y <= y1 + my)
concentrated = in_box / max(1, sum(1 for v in mask if v > 127))
det = json.load(open(f"{d}/det.json"))["detections"]
nose = pose["landmarks"][0]
print(f"mask coverage {cov:.3f}; {len(lm)} visible landmarks, {inside:.2f} on the mask; "
      f"{concentrated:.2f} of the mask inside the body's box; {len(det)} detection(s)")
ok = True
if not (0.10 <= cov <= 0.35): print("coverage out of [0.10, 0.35]"); ok = False
if pose["presence"] < 0.9 or len(lm) < 25: print("pose not found"); ok = False
if inside < 0.85: print("landmarks off the person mask"); ok = False
if concentrated < 0.85: print("mask spills outside the person"); ok = False
if len(det) != 1: print("expected exactly one detection"); ok = False
else:
    b = det[0]
    if not (b["x0"] <= nose["x"] <= b["x1"] and b["y0"] <= nose["y"] <= b["y1"]): print("detector box misses the nose"); ok = False
sys.exit(0 if ok else 1)
PY
ok "messi5.jpg: $(python3 -c "import json;print(len([l for l in json.load(open('pose.json'))['landmarks'] if l['visibility']>0.5]))") landmarks on the selfie mask, detector box on the face"

"$O" models run selfie "$DATA/building.jpg" > nobody.txt
python3 -c "import re,sys; c=float(re.search(r'coverage ([0-9.]+)', open('nobody.txt').read()).group(1)); sys.exit(0 if c < 0.02 else 1)" || die "mask on an empty street scene: $(cat nobody.txt)"
"$O" models run pose-detector "$DATA/building.jpg" | grep -q '0 persons detected' || die "detector fires on building.jpg"
ok "building.jpg: (almost) no mask, no detection"

# Errors: one line, non-zero, naming the fix.
mkdir -p empty bad
OMNI_MODEL_DIR="$T/empty" expect_fail "model 'selfie' is not installed; run: omni models fetch selfie" "$O" models run selfie "$DATA/messi5.jpg" >/dev/null
expect_fail "no model named 'selfy' \(did you mean 'selfie'\?\)" "$O" models run selfy "$DATA/messi5.jpg" >/dev/null
head -c 100000 "$("$O" models path selfie)" > bad/selfie.tflite
OMNI_MODEL_DIR="$T/bad" expect_fail "selfie: file is truncated or corrupt" "$O" models run selfie "$DATA/messi5.jpg" >/dev/null
set +e; OMNI_MODEL_DIR="$T/bad" "$O" models verify selfie > v.txt 2>&1; rc=$?; set -e
[ $rc -ne 0 ] && grep -q 'size 100000 bytes, expected 249024' v.txt || die "verify of a truncated model: $(cat v.txt)"
if "$O" -buildconf | grep -q 'CUDA support in this build: no'; then
  expect_fail "-device cuda: this LibTorch has no CUDA support" "$O" models run selfie "$DATA/messi5.jpg" -device cuda >/dev/null
  ffmpeg -v error -y -f lavfi -i testsrc2=d=0.2 -c:v libx264 clip.mp4
  expect_fail "-device cuda:1: this LibTorch has no CUDA support" "$O" -device cuda:1 -y -i clip.mp4 out.mp4 >/dev/null
  OMNI_DEVICE=cuda expect_fail "-device cuda: this LibTorch has no CUDA support" "$O" -y -i clip.mp4 out.mp4 >/dev/null
fi
expect_fail "cannot read image 'nothing.jpg'" "$O" models run selfie nothing.jpg >/dev/null
ok "missing, misspelt, truncated models; CUDA asked of a CPU LibTorch; unreadable image"
