// core/perception: where snow would settle (see ground.h).
#include "core/perception/ground.h"

#include <algorithm>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "core/perception/internal.h"
#include "core/perception/models.h"

namespace omni {

cv::Mat ground_likeness(const Frame& f, const cv::Mat& sky, const cv::Mat& people) {
  const int w = sky.cols, h = sky.rows;
  cv::Mat bgr = frame_to_bgr(f, {w, h}), lab;
  cv::cvtColor(bgr, lab, cv::COLOR_BGR2Lab);
  std::vector<cv::Mat> ch;
  cv::split(lab, ch);
  cv::Mat tex = texture_map(ch[0]), person;
  if (!people.empty()) {
    cv::resize(people, person, {w, h}, 0, 0, cv::INTER_LINEAR);
    // A margin round each person: their edge is where the mask is least sure.
    cv::dilate(person, person, cv::getStructuringElement(cv::MORPH_ELLIPSE, {5, 5}));
  }
  cv::Mat g(h, w, CV_32F);
  for (int y = 0; y < h; ++y) {
    // Lower in the picture, nearer the ground: none in the top third, all from three quarters down.
    float low = std::clamp((float(y) / float(h) - 0.33f) / 0.42f, 0.f, 1.f);
    const uint8_t* q = lab.ptr<uint8_t>(y);
    const float *t = tex.ptr<float>(y), *s = sky.ptr<float>(y), *pp = person.empty() ? nullptr : person.ptr<float>(y);
    float* o = g.ptr<float>(y);
    for (int x = 0; x < w; ++x) {
      float a = q[3 * x + 1], b = q[3 * x + 2];
      // Ground's colours: not red or magenta (a* high), not blue (b* low).
      float natural = std::clamp((150.f - a) / 12.f, 0.f, 1.f) * std::clamp((b - 112.f) / 10.f, 0.f, 1.f);
      float smooth = std::clamp((60.f - t[x]) / 35.f, 0.f, 1.f);  // grass seen from afar passes, a hedge does not
      float v = low * natural * smooth * (1 - std::clamp(s[x], 0.f, 1.f));
      if (pp) v *= 1 - std::clamp(pp[x], 0.f, 1.f);
      o[x] = v;
    }
  }
  cv::GaussianBlur(g, g, {0, 0}, 2.0);
  if (!person.empty()) g.setTo(0, person > 0.5f);  // never over a person, blur or not
  return g;
}

}  // namespace omni
