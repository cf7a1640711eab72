// Writes a TorchScript "style network" whose output is known exactly, for restyle=model= tests:
// NCHW RGB in [0,1] -> the negative picture, 1 - x, at the input's size.
//   make_style_model OUT.pt
#include <torch/script.h>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: make_style_model OUT.pt\n");
    return 1;
  }
  torch::jit::Module m("Negative");
  m.define(R"(
def forward(self, x):
    return 1.0 - x
)");
  m.save(argv[1]);
  return 0;
}
