// libFuzzer target for the model importers: the first byte picks TFLite, ONNX or TF.js (model.json,
// NUL, weights), the rest is the file. Any input must give a Net or an omni::Error; never a crash, hang or out-of-bounds read.
#include <cstdint>
#include <cstdlib>

#include "core/error.h"
#include "core/model/net.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  try {
    switch (data[0] % 3) {
      case 0: omni::model::import_tflite("fuzz", data + 1, size - 1); break;
      case 1: omni::model::import_onnx("fuzz", data + 1, size - 1); break;
      default: omni::model::import_tfjs("fuzz", data + 1, size - 1); break;
    }
  } catch (const omni::Error&) {
  }
  return 0;
}
