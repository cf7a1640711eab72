// Writes the small test ONNX model (tests/unit/onnx_models.h) to a file, for the comparison
// with onnxruntime in tests/cli/test_onnx_peer.sh.
#include <cstdio>
#include <fstream>

#include "../unit/onnx_models.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: make_test_onnx OUT.onnx\n");
    return 1;
  }
  std::ofstream f(argv[1], std::ios::binary);
  return onnxt::small_model().SerializeToOstream(&f) ? 0 : 1;
}
