#include "core/image/box_follow.h"

#include <algorithm>
#include <vector>

#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>

namespace omni {

cv::Rect2d BoxFollower::update(const cv::Mat& bgr) {
  cv::Mat g;
  cv::cvtColor(bgr, g, cv::COLOR_BGR2GRAY);
  if (!prev_.empty()) {
    cv::Rect r = cv::Rect(cv::Rect2d(box_)) & cv::Rect(0, 0, g.cols, g.rows);
    auto motion = [&](bool inside, std::vector<cv::Point2f>& d) {
      cv::Mat where(g.size(), CV_8U, cv::Scalar(inside ? 0 : 255));
      if (r.area() > 0) where(r).setTo(inside ? 255 : 0);
      std::vector<cv::Point2f> p0, p1;
      cv::goodFeaturesToTrack(prev_, p0, inside ? 150 : 300, 0.01, inside ? 3 : 8, where);
      if (p0.empty()) return;
      std::vector<uint8_t> st;
      std::vector<float> err;
      cv::calcOpticalFlowPyrLK(prev_, g, p0, p1, st, err, {21, 21}, 3);
      for (size_t i = 0; i < p0.size(); ++i)
        if (st[i]) d.push_back(p1[i] - p0[i]);
    };
    auto median = [](std::vector<cv::Point2f> v) {
      if (v.empty()) return cv::Point2f(0, 0);
      std::vector<float> x, y;
      for (auto& p : v) x.push_back(p.x), y.push_back(p.y);
      std::nth_element(x.begin(), x.begin() + x.size() / 2, x.end());
      std::nth_element(y.begin(), y.begin() + y.size() / 2, y.end());
      return cv::Point2f(x[x.size() / 2], y[y.size() / 2]);
    };
    std::vector<cv::Point2f> in, out, own;
    motion(true, in);
    motion(false, out);
    cv::Point2f camera = median(out);
    for (auto& d : in)
      if (cv::norm(d - camera) > 1.5) own.push_back(d);
    cv::Point2f step = own.size() >= 3 && own.size() * 10 >= in.size() * 3 ? median(own) : camera;
    box_.x += step.x, box_.y += step.y;
  }
  prev_ = g;
  return box_;
}

}  // namespace omni
