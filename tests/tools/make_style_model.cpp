// Writes TorchScript networks whose output is known exactly, for the tests of filters that take a
// model= from the manifest (NCHW RGB in [0,1], the input's size):
//   make_style_model negative OUT.pt     restyle: the negative picture, 1 - x
//   make_style_model grey-fill OUT.pt    remove: inpainting that fills the hole with mid grey,
//                                        forward(x, mask) = x * (1 - mask) + 0.5 * mask
//   make_style_model up2-negative OUT.pt next-shot: a "super-resolution" network twice the size,
//                                        each pixel's negative repeated 2x2
#include <torch/script.h>

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  std::string kind = argc == 3 ? argv[1] : "";
  if (kind != "negative" && kind != "grey-fill" && kind != "up2-negative") {
    fprintf(stderr, "usage: make_style_model negative|grey-fill|up2-negative OUT.pt\n");
    return 1;
  }
  torch::jit::Module m(kind == "negative" ? "Negative" : kind == "grey-fill" ? "GreyFill" : "Up2Negative");
  if (kind == "up2-negative")
    m.define(R"(
def forward(self, x):
    return (1.0 - x).repeat_interleave(2, dim=2).repeat_interleave(2, dim=3)
)");
  else if (kind == "negative")
    m.define(R"(
def forward(self, x):
    return 1.0 - x
)");
  else
    m.define(R"(
def forward(self, x, mask):
    return x * (1.0 - mask) + 0.5 * mask
)");
  m.save(argv[2]);
  return 0;
}
