#!/usr/bin/env bash
# bench/models: ms per inference of every installed model at its native input size, 1 and 2
# LibTorch threads (median of N after a warm-up), and ISNet through omni against onnxruntime
# (the peer runtime) on the same input tensor in the same run. Not a test: it prints numbers.
set -euo pipefail
omni=${1:-build/omni}
reps=${REPEAT:-20}
img=/usr/share/doc/opencv-doc/examples/data/messi5.jpg
work=${BENCH_DIR:-build/bench}
mkdir -p "$work"
ms() { sed -n 's/.*inference \([0-9.]*\) ms.*/\1/p'; }
printf '%-17s %10s %10s   %s\n' model "1 thread" "2 threads" "target (2 threads)"
for m in selfie selfie-landscape pose-detector pose-lite pose-full pose-heavy; do
  "$omni" models path "$m" >/dev/null 2>&1 || { printf '%-17s not installed\n' "$m"; continue; }
  t1=$("$omni" models run "$m" "$img" -threads 1 -repeat "$reps" | ms)
  t2=$("$omni" models run "$m" "$img" -threads 2 -repeat "$reps" | ms)
  case $m in selfie) tgt="<= 8 ms";; pose-detector) tgt="<= 25 ms";; pose-full) tgt="<= 35 ms";; *) tgt="";; esac
  printf '%-17s %8s ms %8s ms   %s\n' "$m" "$t1" "$t2" "$tgt"
done
if "$omni" models path isnet >/dev/null 2>&1; then
  peer=${PEER_MODULES:-$(dirname "$omni")/peer/node_modules}
  r=${ISNET_REPEAT:-3}
  o=$("$omni" models run isnet "$img" -threads 2 -repeat "$r" -dump "$work/isnet" | ms)
  if [ -d "$peer/onnxruntime-node" ]; then
    p=$(NODE_PATH="$peer" node tests/peer/ort_run.js "$("$omni" models path isnet)" "$work/isnet.input.f32" 1,3,1024,1024 "$work/isnet.ort.f32" 2 "$r" | sed -n 's/.*: \([0-9.]*\) ms.*/\1/p')
    printf '%-17s %8s ms (omni)  %s ms (onnxruntime)  ratio %.2f (target <= 1.5)\n' isnet "$o" "$p" "$(echo "$o / $p" | bc -l)"
  else
    printf '%-17s %8s ms (omni); onnxruntime not installed (make peer)\n' isnet "$o"
  fi
fi

# The TF.js graph models: omni (1 and 2 LibTorch threads) beside TensorFlow.js itself on its wasm
# backend (1 thread, SIMD) in Node, on the same input tensor, in the same run. Goal: omni <= 0.5x
# of wasm's time for every model.
peer=${PEER_MODULES:-$(dirname "$omni")/peer/node_modules}
printf '\n%-18s %10s %10s %12s %8s\n' "TF.js model" "1 thread" "2 threads" "tfjs wasm" "ratio"
while read -r m shape; do
  "$omni" models path "$m" >/dev/null 2>&1 || { printf '%-18s not installed\n' "$m"; continue; }
  t1=$("$omni" models run "$m" "$img" -threads 1 -repeat "$reps" -dump "$work/$m" | ms)
  t2=$("$omni" models run "$m" "$img" -threads 2 -repeat "$reps" | ms)
  if [ -d "$peer/@tensorflow/tfjs-backend-wasm" ]; then
    w=$(NODE_PATH="$peer" node tests/peer/tfjs_run.js "$("$omni" models path "$m")" "$work/$m.input.f32" "$shape" "$work/$m.tfjs" - wasm 10 |
        sed -n 's/.*wasm: \([0-9.]*\) ms.*/\1/p')
    printf '%-18s %8s ms %8s ms %9s ms %8.2f\n' "$m" "$t1" "$t2" "$w" "$(echo "$t1 / $w" | bc -l)"
  else
    printf '%-18s %8s ms %8s ms   (TF.js not installed: make peer)\n' "$m" "$t1" "$t2"
  fi
done <<'LIST'
nanodet 1,3,416,416
movenet-multipose 1,256,256,3
face-detector 1,128,128,3
facemesh 1,192,192,3
iris 1,64,64,3
hand-detector 1,256,256,3
hand-landmarks 1,224,224,3
centernet 1,512,512,3
LIST

# RVM (recurrent): omni and TF.js wasm on messi5 at 548x342, state fed back, ratio for ~384 px.
if "$omni" models path rvm >/dev/null 2>&1; then
  t1=$("$omni" models run rvm "$img" -threads 1 -repeat "$reps" | ms)
  t2=$("$omni" models run rvm "$img" -threads 2 -repeat "$reps" | ms)
  if [ -d "$peer/@tensorflow/tfjs-backend-wasm" ]; then
    ffmpeg -v error -y -i "$img" -f rawvideo -pix_fmt rgb24 "$work/rvm.rgb"
    python3 -c "import array,sys; b=open(sys.argv[1],'rb').read(); array.array('f',[v/255 for v in b]).tofile(open(sys.argv[2],'wb'))" "$work/rvm.rgb" "$work/rvm.input.f32"
    size=$(ffprobe -v error -show_entries stream=width,height -of csv=p=0 "$img")
    w=$(NODE_PATH="$peer" node tests/peer/tfjs_run.js "$("$omni" models path rvm)" "$work/rvm.input.f32" "1,${size#*,},${size%,*},3" "$work/rvm.tfjs" - wasm 10 |
        sed -n 's/.*wasm: \([0-9.]*\) ms.*/\1/p')
    printf '%-18s %8s ms %8s ms %9s ms %8.2f\n' rvm "$t1" "$t2" "$w" "$(echo "$t1 / $w" | bc -l)"
  else
    printf '%-18s %8s ms %8s ms\n' rvm "$t1" "$t2"
  fi
fi
echo "(ratio: omni at 1 thread / TF.js wasm at 1 thread, same input tensor, same run; goal <= 0.5)"
