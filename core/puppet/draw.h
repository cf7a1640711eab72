// core/puppet: a posed puppet drawn. Every triangle maps its piece of the character picture to
// its posed place (piecewise affine: one inverse map rasterised triangle by triangle, row spans
// and each triangle's affine map stepped along them, then one bilinear remap of the premultiplied
// picture), the parts nearest the camera drawn last, so an
// arm in front of the body covers it and one behind is hidden.
#pragma once
#include <array>
#include <vector>

#include <opencv2/core.hpp>

#include "core/puppet/mesh.h"

namespace omni {

struct DrawnPuppet {
  cv::Mat bgr;         // CV_8UC3
  cv::Mat alpha;       // CV_32F 0..1
  cv::Point origin;    // where bgr's top-left pixel goes in the frame
};

// The character picture as draw_puppet takes it: premultiplied BGRA, CV_8UC4 (made once), so
// its transparent pixels' colour does not bleed into the drawn edge.
cv::Mat premultiplied(const cv::Mat& bgr, const cv::Mat& alpha);

// picture: premultiplied(). verts: the posed vertices (frame pixels). depth: per bone, smaller is
// nearer the camera. Only the part inside `frame` is drawn; empty when none is.
DrawnPuppet draw_puppet(const cv::Mat& picture, const PuppetMesh& m, const std::vector<cv::Point2f>& verts,
                        const std::array<float, kBones>& depth, cv::Size frame);

}  // namespace omni
