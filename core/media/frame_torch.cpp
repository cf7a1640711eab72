// The only core file that includes LibTorch headers for Frame (they cost ~15 s per translation
// unit on a 2-core machine).
#include <torch/torch.h>

#include "core/error.h"
#include "core/media/frame.h"

namespace omni {

at::Tensor Frame::tensor(int plane) const {
  cv::Mat m = mat(plane);  // validates the plane and gives its geometry
  AVBufferRef* owner = av_frame_get_plane_buffer(f_, plane);
  if (!owner) fail("frame: plane {} has no buffer", plane);
  AVBufferRef* ref = av_buffer_ref(owner);
  int elem = int(m.elemSize1());
  auto dtype = elem == 1 ? torch::kUInt8 : torch::kInt16;
  return torch::from_blob(
      m.data, {m.rows, m.cols, m.channels()}, {int64_t(m.step[0] / elem), m.channels(), 1},
      [ref](void*) mutable { av_buffer_unref(&ref); }, torch::TensorOptions().dtype(dtype));
}

}  // namespace omni
