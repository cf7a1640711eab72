#!/usr/bin/env bash
# omni's TF.js importer against TensorFlow.js itself (tfjs-core + -converter on the wasm backend,
# in Node; npm packages, nothing native) on the same input tensors, for every TF.js model omni
# ships, on real photos. Raw outputs must agree within a stated tolerance; then NanoDet's boxes,
# decoded by omni and (independently, below) from TF.js's outputs, must match: same classes,
# IoU >= 0.9; on messi5.jpg a person and a sports ball are found.
source "$(dirname "$0")/lib.sh"
O="$OMNI_SHIPPED"
[ -d "$OMNI_PEER_MODULES/@tensorflow/tfjs-backend-wasm" ] || die "TF.js is not installed in $OMNI_PEER_MODULES (make test installs it)"
export NODE_PATH="$OMNI_PEER_MODULES"
MD=$("$O" models path nanodet | xargs dirname)
D=/usr/share/doc/opencv-doc/examples/data

# model image input-shape outputs tolerance (relative to the output's largest magnitude)
while read -r m img shape outs tol; do
  "$O" models run "$m" "$D/$img" -dump "o_$m" > /dev/null || die "omni models run $m failed"
  node "$OMNI_SRC/tests/peer/tfjs_run.js" "$MD/$m.tfjs" "o_$m.input.f32" "$shape" "p_$m" "$outs" wasm > "tfjs_$m.txt" || die "tfjs on $m failed"
  i=0
  for o in ${outs//,/ }; do
    r=$(python3 "$OMNI_SRC/tests/peer/compare_f32.py" "o_$m.output.$i.f32" "p_$m.$i.f32") || die "$m $o: $r"
    python3 - "$r" "$tol" <<'PY' || die "$m $o differs from TF.js: $r (tolerance $tol of the largest value)"
import sys
kv = dict(x.split('=') for x in sys.argv[1].split())
sys.exit(0 if float(kv['max_abs_diff']) <= float(sys.argv[2]) * max(1.0, float(kv['max_abs_ref'])) else 1)
PY
    echo "$m $o: $r"
    i=$((i + 1))
  done
done <<'LIST'
nanodet messi5.jpg 1,3,416,416 Identity:0,Identity_1:0,Identity_2:0,Identity_3:0,Identity_4:0,Identity_5:0 1e-4
nanodet fruits.jpg 1,3,416,416 Identity:0,Identity_1:0,Identity_2:0,Identity_3:0,Identity_4:0,Identity_5:0 1e-4
movenet-multipose messi5.jpg 1,256,256,3 Identity:0 1e-4
face-detector messi5.jpg 1,128,128,3 Identity:0 1e-4
facemesh messi5.jpg 1,192,192,3 output_mesh,output_faceflag 1e-4
iris messi5.jpg 1,64,64,3 Identity:0 1e-4
hand-detector basketball1.png 1,256,256,3 Identity:0 1e-4
hand-landmarks messi5.jpg 1,224,224,3 Identity:0,Identity_1:0,Identity_2:0 1e-4
LIST

# NanoDet's boxes: omni's decoder on omni's outputs vs a decoder written here on TF.js's.
for img in messi5.jpg fruits.jpg home.jpg basketball1.png; do
  "$O" models run nanodet "$D/$img" -dump nd -o omni_boxes.json > /dev/null
  node "$OMNI_SRC/tests/peer/tfjs_run.js" "$MD/nanodet.tfjs" nd.input.f32 1,3,416,416 pnd Identity:0,Identity_1:0,Identity_2:0,Identity_3:0,Identity_4:0,Identity_5:0 wasm > /dev/null
  python3 - "$img" "$D/$img" <<'PY' || die "nanodet boxes on $img differ from TF.js's"
import array, json, math, subprocess, sys
name, path = sys.argv[1], sys.argv[2]
size = subprocess.run(['ffprobe', '-v', 'error', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', path],
                      capture_output=True, text=True).stdout.strip().split(',')
W, H = int(size[0]), int(size[1])
def load(k):
    a = array.array('f'); a.frombytes(open(f'pnd.{k}.f32', 'rb').read()); return a
dets = []
for l, stride in enumerate((8, 16, 32)):
    g = 416 // stride; cls = load(l); reg = load(l + 3)
    for i in range(g * g):
        s = cls[i * 80:(i + 1) * 80]; c = max(range(80), key=lambda k: s[k])
        if s[c] < 0.3: continue
        d = []
        for side in range(4):
            b = reg[(i * 4 + side) * 11:(i * 4 + side + 1) * 11]; m = max(b)
            w = [math.exp(v - m) for v in b]; d.append(sum(j * x for j, x in enumerate(w)) / sum(w) * stride)
        cx, cy = (i % g + 0.5) * stride, (i // g + 0.5) * stride
        box = [max(0, cx - d[0]) * W / 416, max(0, cy - d[1]) * H / 416, min(416, cx + d[2]) * W / 416, min(416, cy + d[3]) * H / 416]
        dets.append((s[c], c, box))
def iou(a, b):
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0])); iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    u = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - ix * iy
    return ix * iy / u if u > 0 else 0
dets.sort(key=lambda x: -x[0]); kept = []
for d in dets:
    if all(k[1] != d[1] or iou(k[2], d[2]) <= 0.5 for k in kept): kept.append(d)

omni = json.load(open('omni_boxes.json'))['detections']
assert len(omni) == len(kept), f"{name}: omni finds {len(omni)} objects, TF.js's outputs give {len(kept)}"
worst = 1.0
for o, (s, c, b) in zip(omni, kept):
    worst = min(worst, iou([o['x0'], o['y0'], o['x1'], o['y1']], b))
    assert abs(o['score'] - s) < 1e-3, f"{name}: score {o['score']} vs {s}"
print(f"nanodet {name}: {len(kept)} boxes, same order and scores, worst IoU with TF.js {worst:.4f}; classes: {', '.join(o['class'] for o in omni)}")
sys.exit(0 if worst >= 0.9 else 1)
PY
  if [ "$img" = messi5.jpg ]; then
    grep -q '"class": "person"' omni_boxes.json || die "messi5: no person found"
    grep -q '"class": "sports ball"' omni_boxes.json || die "messi5: no sports ball found"
  fi
done
echo "tfjs peer: ok"
