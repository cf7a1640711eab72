#!/usr/bin/env bash
# The model core on a GPU machine (one whose python3 holds a CUDA PyTorch): builds
# bench/gpu/models_gpu.cpp with omni's importers against that LibTorch and runs it. The machine
# has no FFmpeg, fmt or JSON headers: .gpu/include carries fmt and nlohmann (header-only), and
# bench/gpu/stub stands in for libavutil/error.h. Models come from .gpu/models.
#   bench/gpu/run.sh [RUNS]      (prepare on the build machine: bench/gpu/run.sh --prepare)
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "${1:-}" = --prepare ]; then
  rm -rf .gpu && mkdir -p .gpu/include .gpu/models
  cp -r /usr/include/fmt /usr/include/nlohmann .gpu/include/
  for m in selfie.tflite pose-full.tflite nanodet.tfjs movenet-multipose.tfjs rvm.tfjs; do
    cp "$(build/omni models path "${m%.*}")" .gpu/models/$m
  done
  ffmpeg -v error -y -i /usr/share/doc/opencv-doc/examples/data/messi5.jpg -f rawvideo -pix_fmt rgb24 .gpu/models/messi.rgb
  grep -qsx '/.gpu/' .git/info/exclude || echo /.gpu/ >>.git/info/exclude
  du -sh .gpu
  exit 0
fi
torch=$(python3 -c "import torch, os; print(os.path.dirname(torch.__file__))")
python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, torch.cuda.get_device_name(0))"
flags=(-O2 -std=c++17 -DFMT_HEADER_ONLY -D_GLIBCXX_USE_CXX11_ABI=$(python3 -c "import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))")
       -I. -I.gpu/include -Ibench/gpu/stub -isystem "$torch/include" -isystem "$torch/include/torch/csrc/api/include")
mkdir -p .gpu/obj
for src in bench/gpu/models_gpu.cpp core/model/net.cpp core/model/tflite.cpp core/model/tfjs.cpp core/error.cpp; do
  g++ "${flags[@]}" -c "$src" -o ".gpu/obj/$(basename "$src" .cpp).o" &
done
wait
g++ .gpu/obj/*.o -L"$torch/lib" -ltorch -ltorch_cpu -ltorch_cuda -lc10 -lc10_cuda -Wl,-rpath,"$torch/lib" -o .gpu/models_gpu
.gpu/models_gpu .gpu/models "${1:-20}"
