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
