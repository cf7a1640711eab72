#!/usr/bin/env bash
# omni's ONNX importer against onnxruntime (the peer runtime, npm onnxruntime-node) on the same
# input tensors: a small fp16 network the test builds, and ISNet (the real 84 MB model). Both
# must agree within 1e-3 everywhere. Then ISNet on real photos: on messi5.jpg its salient mask
# must agree with the selfie person mask; on alphamat's plant the IoU with the shipped matte is
# reported (ISNet picks the clothespin there: see the closing note).
source "$(dirname "$0")/lib.sh"
O="$OMNI_SHIPPED"
[ -d "$OMNI_PEER_MODULES/onnxruntime-node" ] || die "onnxruntime-node is not installed in $OMNI_PEER_MODULES (make test installs it)"
export NODE_PATH="$OMNI_PEER_MODULES"
ort() { node "$OMNI_SRC/tests/peer/ort_run.js" "$@"; }
compare() {  # compare A.f32 B.f32 -> prints max and mean abs difference; fails above 1e-3
  python3 - "$1" "$2" <<'PY'
import array, sys
a = array.array('f'); a.frombytes(open(sys.argv[1], 'rb').read())
b = array.array('f'); b.frombytes(open(sys.argv[2], 'rb').read())
assert len(a) == len(b) and len(a) > 0, f"sizes differ: {len(a)} vs {len(b)}"
d = [abs(x - y) for x, y in zip(a, b)]
print(f"max abs diff {max(d):.2e}, mean {sum(d) / len(d):.2e} over {len(d)} values")
sys.exit(0 if max(d) <= 1e-3 else 1)
PY
}

# 1. The small network, through a user manifest (also proves OMNI_MANIFEST and OMNI_MODEL_DIR).
mkdir -p models
"$MAKE_TEST_ONNX" models/tiny.onnx
sum=$(sha256sum models/tiny.onnx | cut -d' ' -f1)
cat > manifest.toml <<TOML
[tiny]
task = "tensor"
format = "onnx"
package = "none"
version = "0"
file = "tiny.onnx"
sha256 = "$sum"
licence = "test"
input = { shape = [1, 3, 17, 19], layout = "NCHW", color = "RGB", range = [0.0, 1.0], resize = "stretch" }
outputs = ["y"]
TOML
export OMNI_MANIFEST="$T/manifest.toml"
OMNI_MODEL_DIR="$T/models" "$O" models verify tiny | grep -q 'tiny .*ok' || die "user manifest: verify"
OMNI_MODEL_DIR="$T/models" "$O" models run tiny "$DATA/messi5.jpg" -dump tiny > /dev/null
ort models/tiny.onnx tiny.input.f32 1,3,17,19 tiny.ort.f32 > ort_tiny.txt
r=$(compare tiny.output.f32 tiny.ort.f32) || die "small network differs from onnxruntime: $r"
ok "small fp16 network (unsorted nodes, Resize sizes from Shape/Slice/Concat): $r"
unset OMNI_MANIFEST

# 2. ISNet, the real model.
"$O" models path isnet >/dev/null 2>&1 || die "isnet is not installed; run: $O models fetch isnet (make test does)"
A=/usr/share/doc/opencv-doc/examples/alphamat
"$O" models run isnet "$A/input_images/plant.jpg" -dump isnet -o plant_mask.png > omni_isnet.txt
ort "$("$O" models path isnet)" isnet.input.f32 1,3,1024,1024 isnet.ort.f32 > ort_isnet.txt
r=$(compare isnet.output.f32 isnet.ort.f32) || die "ISNet differs from onnxruntime: $r"
ok "ISNet vs onnxruntime: $r; omni $(grep -o 'inference [0-9.]* ms' omni_isnet.txt), $(cat ort_isnet.txt)"

iou() {  # iou A.png B.png (greyscale masks, thresholded at 50%)
  ffmpeg -v error -y -i "$1" -f rawvideo -pix_fmt gray a.gray
  ffmpeg -v error -y -i "$2" -vf "scale=$(probe v:0 stream=width "$1"):$(probe v:0 stream=height "$1")" -f rawvideo -pix_fmt gray b.gray
  python3 -c "
a=open('a.gray','rb').read(); b=open('b.gray','rb').read()
i=sum(1 for x,y in zip(a,b) if x>127 and y>127); u=sum(1 for x,y in zip(a,b) if x>127 or y>127)
print(f'{i/max(u,1):.3f}')"
}
plant=$(iou plant_mask.png "$A/output_mattes/plant_result.png")
"$O" models run isnet "$DATA/messi5.jpg" -o messi_isnet.png > /dev/null
"$O" models run selfie "$DATA/messi5.jpg" -o messi_selfie.png > /dev/null
messi=$(iou messi_isnet.png messi_selfie.png)
awk -v v="$messi" 'BEGIN{exit !(v >= 0.6)}' || die "ISNet and selfie disagree on messi5.jpg (IoU $messi)"
ok "ISNet on messi5.jpg agrees with the selfie person mask: IoU $messi; alphamat plant vs its shipped matte: IoU $plant"
