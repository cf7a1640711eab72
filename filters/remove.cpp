// remove: erase people, a salient object, a box (a logo, a boom mic) or a painted mask, and fill
// in what was behind it.
//
// The fill takes, best first: the pixels other frames saw there (frames before and after, in a
// window around the current one, aligned to it by a homography fitted to tracked background
// points, or not moved at all when the camera stands still; the per-pixel median of the nearest
// few that saw the background); for a still camera, a background plate that remembers every
// pixel ever seen; the previous output carried over, so a fill that had to be invented does not
// change from frame to frame; and only then spatial inpainting (OpenCV's Telea, or a TorchScript
// network named in the manifest). Seams are evened out (the fill's brightness matched to the
// frame's around the hole) and feathered.
#include <algorithm>
#include <cmath>
#include <deque>
#include <memory>

#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>
#include <opencv2/video/tracking.hpp>
#include <opencv2/calib3d.hpp>

extern "C" {
#include <libavutil/log.h>
}

#include "core/image/convert.h"
#include "core/error.h"
#include "core/filtergraph/filter.h"
#include "core/media/media_reader.h"
#include "core/model/hub.h"
#include "core/perception/perception.h"
#include "core/model/torch_module.h"
#include "core/worker.h"

namespace omni {

namespace {

const OptionDef options[] = {
    {"what", "what to remove: people, salient (the most salient object), box (x, y, w, h), mask (a mask file), matte (the mask "
             "an earlier matte filter left), or any of the object detector's 80 classes by name (car, dog, sports ball, 汽车...)",
     OptType::String, "people"},
    {"target", "the same as what= (remove=target=sports ball)", OptType::String, ""},
    {"who", "what=CLASS or people: which of several: all, largest, left, right, center, a rank by size (1 = largest) or id=N",
     OptType::String, "all"},
    {"find", "people: detector (people found by the object detector, tracked, each cut out by the person segmenter on its box) "
             "or segmenter (the person segmenter on the whole frame, as before)", OptType::Enum, "detector", 0, 0, "detector|segmenter"},
    {"x", "box: left edge in pixels", OptType::Int, "0", 0, 100000},
    {"y", "box: top edge in pixels", OptType::Int, "0", 0, 100000},
    {"w", "box: width in pixels", OptType::Int, "0", 0, 100000},
    {"h", "box: height in pixels", OptType::Int, "0", 0, 100000},
    {"track", "box: follow what is inside the box as it moves", OptType::Bool, "0"},
    {"mask", "a mask image or video: white where to remove (implies what=mask)", OptType::String, ""},
    {"dilate", "grow the mask by this many pixels (-1: 1/60 of the height for people, salient and matte; 2 otherwise)", OptType::Int,
     "-1", -1, 256},
    {"feather", "soften the fill's edge over this many pixels", OptType::Int, "4", 0, 64},
    {"method", "fill: auto (other frames, then inpainting), frames (other frames aligned by one homography for the frame), "
               "local (aligned by a homography fitted around the hole: parallax), plate (still camera: background plate), "
               "inpaint (spatial only)",
     OptType::Enum, "auto", 0, 0, "auto|frames|local|plate|inpaint"},
    {"window", "frames before and after the current one that may lend their pixels", OptType::Int, "12", 1, 60},
    {"show", "show the mask (red) instead of filling, for tuning", OptType::Bool, "0"},
    {"model", "spatial inpainting network from the model manifest (task inpainting); empty: OpenCV's Telea", OptType::String, ""},
    {"tiles", "people: also look at an NxN grid of zoomed tiles, for people far from the camera", OptType::Int, "1", 1, 4},
    {"keyint", "salient: run the salient segmenter at least every N frames", OptType::Int, "30", 1, 100000},
};

enum What { kPeople, kSalient, kBox, kMask, kMatte, kObject };
enum Method { kAuto, kFrames, kLocal, kPlate, kInpaint };

// One frame in the window.
struct Item {
  Frame frame;      // until emitted
  cv::Mat bgr;      // frame size
  cv::Mat raw;      // CV_8U, frame size, 255 = remove (dilated), this frame's own
  cv::Mat mask;     // what is removed: raw, or for a still camera raw of frames t-2..t+2 together
  bool final = false;  // mask settled, plate updated
  cv::Matx33d to_prev = cv::Matx33d::eye();  // maps this frame's pixels to the previous frame's
  bool aligned = true;   // to_prev could be fitted
  bool still = true;     // to_prev is (within half a pixel) no motion
  bool parallax = false; // the background does not move as one plane (a quarter of it is off to_prev by > 1 px)
  cv::Mat gray;          // luma at the working size (about 640 px wide)
};

class Remove : public Filter {
 public:
  explicit Remove(const OptionValues& o)
      : what_(what_of(o.s("target").empty() ? o.s("what") : o.s("target"))), method_(Method(o.i("method"))), R_(int(o.i("window"))), feather_(int(o.i("feather"))),
        show_(o.b("show")), track_(o.b("track")), tiles_(int(o.i("tiles"))) {
    if (!o.s("mask").empty()) {
      if (o.was_set("what") && what_ != kMask) fail("remove: mask= goes with what=mask, not what={}", o.s("what"));
      what_ = kMask;
    }
    if (o.i("w") > 0 || o.i("h") > 0) {
      if (o.was_set("what") && what_ != kBox) fail("remove: x, y, w, h describe a box; they do not go with what={}", o.s("what"));
      what_ = kBox;
    }
    box_ = cv::Rect2d(double(o.i("x")), double(o.i("y")), double(o.i("w")), double(o.i("h")));
    if ((o.was_set("w") || o.was_set("h")) && (o.i("w") <= 0 || o.i("h") <= 0))
      fail("remove: a box of {}x{} covers nothing; w and h must be at least 1: remove=x=620:y=40:w=180:h=90", o.i("w"), o.i("h"));
    if (what_ == kBox && (box_.width <= 0 || box_.height <= 0)) fail("remove: what=box needs w and h (and x, y): remove=x=620:y=40:w=180:h=90");
    if (track_ && what_ != kBox) fail("remove: track=1 follows a box; give x, y, w, h");
    dilate_ = int(o.i("dilate"));
    if (what_ == kMask) {
      if (o.s("mask").empty()) fail("remove: what=mask needs mask=FILE (an image or video, white where to remove)");
      try {
        mask_media_ = std::make_unique<MediaReader>(o.s("mask"), Fit::Stretch);  // a mask maps onto the whole frame
      } catch (const Error& e) {
        fail("remove: mask={}: {}", o.s("mask"), e.what());
      }
    }
    if (!o.s("target").empty() && o.was_set("what")) fail("remove: what= and target= say the same thing; give one");
    const std::string target = o.s("target").empty() ? o.s("what") : o.s("target");
    by_detector_ = o.i("find") == 0;
    if (o.was_set("who") && what_ != kObject && !(what_ == kPeople && by_detector_))
      fail("remove: who= chooses among detected objects; it goes with people or a class name (remove=car:who=largest)");
    if (what_ == kObject || (what_ == kPeople && by_detector_)) {
      std::string cls = what_ == kPeople ? "person" : target;
      for (const auto& m : TargetMasker::models_for(cls)) require_model(m);
      check_who(o.s("who"));
      target_cls_ = cls;
      target_opts_.who = o.s("who");
      target_opts_.tiles = tiles_;
      target_opts_.keyint = int(o.i("keyint"));
      // People: a detection of 0.35 or more (a cone's box costs nothing: the segmenter on its crop
      // finds no person in it). How often the models run is set from the frame rate (configure).
      if (what_ == kPeople) target_opts_.min_score = 0.35f;
    } else if (what_ == kPeople) {
      for (const char* m : {"selfie", "selfie-landscape"}) require_model(m);
    }
    if (what_ == kSalient) {
      require_model("isnet");
      salient_ = std::make_unique<SalientTracker>(int(o.i("keyint")), "isnet");
    }
    model_ = o.s("model");
    if (!model_.empty()) {
      if (find_model(model_).task != "inpainting")
        fail("remove: model={} is a {} model, not inpainting", model_, find_model(model_).task);
      require_model(model_);
    }
  }

  ~Remove() override {
    if (emitted_)
      av_log(nullptr, AV_LOG_VERBOSE,
             "remove: %lld frames; filled pixels: %.1f%% from other frames, %.1f%% from the plate, %.1f%% carried, %.1f%% inpainted; "
             "%lld frames aligned around the hole (parallax)\n",
             (long long)emitted_, pct(stats_[0]), pct(stats_[1]), pct(stats_[2]), pct(stats_[3]), (long long)local_fits_);
  }

  std::vector<AVPixelFormat> formats() const override {
    return {AV_PIX_FMT_YUV420P,  AV_PIX_FMT_YUV422P,  AV_PIX_FMT_YUV444P,  AV_PIX_FMT_YUVJ420P, AV_PIX_FMT_YUVJ422P,
            AV_PIX_FMT_YUVJ444P, AV_PIX_FMT_YUVA420P, AV_PIX_FMT_YUVA422P, AV_PIX_FMT_YUVA444P};  // alpha passes through
  }

  StreamInfo configure(const StreamInfo& in) override {
    mask_clock_.set_time_base(in.time_base);
    if (what_ == kBox) {
      if (box_.x >= in.width || box_.y >= in.height)
        fail("remove: the box at {},{} is outside the {}x{} picture", int(box_.x), int(box_.y), in.width, in.height);
    }
    if (dilate_ < 0) dilate_ = (what_ == kBox || what_ == kMask) ? 2 : std::max(2, in.height / 60);
    if (!target_cls_.empty()) {
      // People: the detector and each person's segmenter every fifth of a second (every 6th
      // frame at 30 fps, every 2nd at 10 fps), the pose network every second detector run; the
      // boxes move with their tracks' velocity in between, and the fill hides a mask that lags
      // a frame or two (a still camera's masks are joined over 5 frames). Measured on vtest's
      // marked people at 10 fps: all found, 3.3 % of their pixels left (2.4 % with the models
      // every third frame there, at twice the cost).
      if (target_cls_ == "person") {
        double fps = in.frame_rate.num > 0 && in.frame_rate.den > 0 ? av_q2d(in.frame_rate) : 25;
        set_people_cadence(target_opts_, fps);
      }
      target_ = std::make_unique<TargetMasker>(target_cls_, target_opts_);
      // Analysed up to 4 frames ahead of the fill: a detector frame costs several times the
      // others (a box or a mask file gains nothing from it: 10 % slower there).
      pipe_.set_depth(4);
    }
    k_ = std::max(1, (in.width + 639) / 640);
    return in;
  }

  // The window's future half waits here until the frame in the middle can be filled.
  int window() const override { return R_ + pipe_.depth(); }  // + the frames being analysed

  // Frame N's picture and mask (the models) are made on a worker thread while frame N-1 (N-4
  // with a detector) is aligned and earlier ones filled here: on 2 cores the two overlap.
  void push(Frame in, const Emit& emit) override {
    emit_ = &emit;
    pipe_.push(std::move(in));
  }

  void flush(const Emit& emit) override {
    emit_ = &emit;
    pipe_.flush();
    while (cur_ < int(items_.size())) emit_one(emit);
  }

  struct Analysed {
    cv::Mat bgr, mask;
  };
  void accept(Frame& in, Analysed& a) {
    Item it;
    it.bgr = std::move(a.bgr);
    it.raw = it.mask = a.mask;
    align(it);
    it.frame = std::move(in);
    items_.push_back(std::move(it));
    settle(int(items_.size()) - 3);  // its neighbours two frames on have arrived
    while (int(items_.size()) - cur_ > R_) emit_one(*emit_);
  }

  // A segmenter misses a leg or a head in one frame and finds it in the next: with a still
  // camera, what is removed in frame k is what any of frames k-2..k+2 marked (a person moves a
  // few pixels meanwhile; the fill comes from other frames, so a larger hole costs little).
  void settle(int k) {
    if (k < 0 || k >= int(items_.size()) || items_[k].final) return;
    Item& it = items_[k];
    if (what_ == kPeople || what_ == kSalient || what_ == kMatte || what_ == kObject) {
      int lo = std::max(0, k - 2), hi = std::min(int(items_.size()) - 1, k + 2);
      bool still = true;
      for (int j = lo + 1; j <= hi; ++j) still &= items_[j].still;
      if (still) {
        it.mask = it.raw.clone();
        for (int j = lo; j <= hi; ++j)
          if (j != k) it.mask |= items_[j].raw;
      }
    }
    update_plate(it);
    it.final = true;
  }

 private:
  double pct(double v) const { return v * 100 / std::max<int64_t>(1, filled_frames_); }

  // ---- masks ----------------------------------------------------------------------------------

  // A model's probability (at its working size) as the mask at `size`: thresholded and grown at
  // the working size (a fraction of the cost at full size: 9 ms a 720p frame before), then
  // brought up smoothly. `upright`: also grown up and down by 1/40 of the picture's height.
  cv::Mat grown_mask(const cv::Mat& p, cv::Size size, bool upright) const {
    cv::Mat m = p > 0.5f;
    const double sc = double(p.cols) / size.width;
    if (upright) {
      int r = int(std::lround(size.height / 40 * sc));
      if (r > 0) cv::dilate(m, m, cv::getStructuringElement(cv::MORPH_RECT, {1, 2 * r + 1}));
    }
    if (int r = int(std::lround(dilate_ * sc)); r > 0) cv::dilate(m, m, cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * r + 1, 2 * r + 1}));
    cv::Mat up;
    cv::resize(m, up, size, 0, 0, cv::INTER_LINEAR);
    return up > 127;
  }

  cv::Mat mask_of(Frame& f, const cv::Mat& bgr) {
    cv::Mat m;
    cv::Size size(f.width(), f.height());
    switch (what_) {
      case kObject:
        return grown_mask(target_->probability(f), size, false);
      case kPeople:
        // The selfie segmenter, trained on people near the camera, often stops short of a distant
        // walker's head and feet: people are upright, so the mask grows up and down as well.
        return grown_mask(target_ ? target_->probability(f) : person_probability(f, "auto", tiles_), size, true);
      case kSalient:
        return grown_mask(salient_->probability(f), size, false);
      case kMatte: {
        const cv::Mat* a = f.side().get<cv::Mat>("matte");
        if (!a) fail("remove: what=matte: the frame carries no matte; put a matte filter before remove (matte=out=alpha,remove=matte)");
        if (a->size() != size) cv::resize(*a, m, size, 0, 0, cv::INTER_LINEAR);
        else m = *a;
        m = m > 127;
        break;
      }
      case kMask: {
        Frame mf = mask_media_->at(mask_clock_.seconds(f), f);
        m = mf.mat(0) > 127;
        break;
      }
      case kBox: {
        if (track_) track_box(bgr);
        m = cv::Mat::zeros(size, CV_8U);
        cv::Rect r = cv::Rect(cv::Rect2d(box_)) & cv::Rect(0, 0, size.width, size.height);
        m(r).setTo(255);
        break;
      }
    }
    if (dilate_ > 0) cv::dilate(m, m, cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * dilate_ + 1, 2 * dilate_ + 1}));
    return m;
  }

  // The box follows what moves inside it: corners inside the box that move differently from
  // the background (the camera's motion, from corners outside) give its motion; when nothing
  // inside moves on its own, the box moves with the camera.
  void track_box(const cv::Mat& bgr) {
    cv::Mat g;
    cv::cvtColor(bgr, g, cv::COLOR_BGR2GRAY);
    if (!box_prev_.empty()) {
      cv::Rect r = cv::Rect(cv::Rect2d(box_)) & cv::Rect(0, 0, g.cols, g.rows);
      auto motion = [&](bool inside, std::vector<cv::Point2f>& d) {
        cv::Mat where(g.size(), CV_8U, cv::Scalar(inside ? 0 : 255));
        if (r.area() > 0) where(r).setTo(inside ? 255 : 0);
        std::vector<cv::Point2f> p0, p1;
        cv::goodFeaturesToTrack(box_prev_, p0, inside ? 150 : 300, 0.01, inside ? 3 : 8, where);
        if (p0.empty()) return;
        std::vector<uint8_t> st;
        std::vector<float> err;
        cv::calcOpticalFlowPyrLK(box_prev_, g, p0, p1, st, err, {21, 21}, 3);
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
    box_prev_ = g;
  }

  // ---- camera motion --------------------------------------------------------------------------

  // Fits the homography from this frame to the previous one on background corners (outside both
  // masks), at about 640 px wide. A fit that moves no corner by half a pixel counts as still.
  void align(Item& it) {
    cv::Mat g;
    cv::cvtColor(it.bgr, g, cv::COLOR_BGR2GRAY);
    if (k_ > 1) cv::resize(g, g, {g.cols / k_, g.rows / k_}, 0, 0, cv::INTER_AREA);
    cv::Mat m;
    cv::resize(it.mask, m, g.size(), 0, 0, cv::INTER_NEAREST);
    cv::Mat allowed = m == 0;
    it.gray = g;
    if (prev_gray_.empty() || prev_gray_.size() != g.size()) {
      prev_gray_ = g, prev_allowed_ = allowed;
      return;
    }
    std::vector<cv::Point2f> p0, p1;
    cv::goodFeaturesToTrack(prev_gray_, p0, 500, 0.005, 6, prev_allowed_);
    it.aligned = false, it.still = false;
    if (p0.size() >= 12) {
      std::vector<uint8_t> st;
      std::vector<float> err;
      cv::calcOpticalFlowPyrLK(prev_gray_, g, p0, p1, st, err, {21, 21}, 3);
      std::vector<cv::Point2f> a, b;
      for (size_t i = 0; i < p0.size(); ++i)
        if (st[i] && p1[i].x >= 0 && p1[i].y >= 0 && p1[i].x < g.cols && p1[i].y < g.rows &&
            allowed.at<uint8_t>(int(p1[i].y), int(p1[i].x)))
          a.push_back(p1[i]), b.push_back(p0[i]);
      if (a.size() >= 12) {
        cv::Mat H = cv::findHomography(a, b, cv::RANSAC, 1.0);
        if (!H.empty()) {
          cv::Matx33d h(H);
          cv::Matx33d S(k_, 0, 0, 0, k_, 0, 0, 0, 1), Si(1.0 / k_, 0, 0, 0, 1.0 / k_, 0, 0, 0, 1);
          it.to_prev = S * h * Si;
          it.aligned = true;
          double worst = 0;
          for (cv::Point2d c : {cv::Point2d(0, 0), cv::Point2d(it.bgr.cols, 0), cv::Point2d(0, it.bgr.rows),
                                cv::Point2d(it.bgr.cols, it.bgr.rows)}) {
            cv::Vec3d q = it.to_prev * cv::Vec3d(c.x, c.y, 1);
            worst = std::max(worst, std::hypot(q[0] / q[2] - c.x, q[1] / q[2] - c.y));
          }
          if (worst < 0.5) it.to_prev = cv::Matx33d::eye(), it.still = true;
          // Parallax: near and far things move differently, and one homography fits one of them.
          std::vector<float> err;
          for (size_t i = 0; i < a.size(); ++i) {
            cv::Vec3d q = h * cv::Vec3d(a[i].x, a[i].y, 1);
            err.push_back(float(std::hypot(q[0] / q[2] - b[i].x, q[1] / q[2] - b[i].y)));
          }
          std::nth_element(err.begin(), err.begin() + err.size() * 3 / 4, err.end());
          it.parallax = err[err.size() * 3 / 4] > 1.0f;
        }
      }
    }
    prev_gray_ = g, prev_allowed_ = allowed;
  }

  // Maps frame t's pixels into frame s (both indices into items_); false when a link is missing.
  bool mapping(int t, int s, cv::Matx33d& M, bool& identity, bool* parallax = nullptr) const {
    M = cv::Matx33d::eye();
    identity = true;
    bool par = false;
    if (s < t) {
      for (int i = t; i > s; --i) {
        if (!items_[i].aligned) return false;
        identity &= items_[i].still;
        par |= items_[i].parallax;
        M = items_[i].to_prev * M;
      }
    } else {
      for (int i = t + 1; i <= s; ++i) {
        if (!items_[i].aligned) return false;
        identity &= items_[i].still;
        par |= items_[i].parallax;
        M = items_[i].to_prev.inv() * M;
      }
    }
    if (parallax) *parallax = par;
    return true;
  }

  // For scenes with parallax (near and far things move differently, and the frame-wide
  // homography follows whichever has more corners): the mapping between neighbouring frames i
  // and j fitted to the background around the hole only (`area`, working pixels in frame i),
  // which is what is behind the object. Chained one frame at a time (small steps: a repeating
  // texture cannot fool the tracker). Falls back to the frame-wide step with too few corners.
  cv::Matx33d local_step(int i, int j, const cv::Rect& area) {
    const Item &a = items_[i], &b = items_[j];
    const cv::Size ws = a.gray.size();
    const double sx = double(a.bgr.cols) / ws.width, sy = double(a.bgr.rows) / ws.height;
    cv::Matx33d global;
    bool identity;
    mapping(i, j, global, identity);
    cv::Rect r = area & cv::Rect(0, 0, ws.width, ws.height);
    if (r.area() < 64) return global;
    cv::Mat where = cv::Mat::zeros(ws, CV_8U), hole;
    where(r).setTo(255);
    cv::resize(a.mask, hole, ws, 0, 0, cv::INTER_NEAREST);
    cv::dilate(hole, hole, cv::Mat(), {-1, -1}, 2);
    where.setTo(0, hole);
    std::vector<cv::Point2f> p0, p1;
    cv::goodFeaturesToTrack(a.gray, p0, 300, 0.005, 4, where);
    if (p0.size() < 10) return global;
    std::vector<uint8_t> st;
    std::vector<float> err;
    cv::calcOpticalFlowPyrLK(a.gray, b.gray, p0, p1, st, err, {21, 21}, 3);
    std::vector<cv::Point2f> u, v;
    cv::Mat bm;
    cv::resize(b.mask, bm, ws, 0, 0, cv::INTER_NEAREST);
    for (size_t k = 0; k < p0.size(); ++k)
      if (st[k] && p1[k].x >= 0 && p1[k].y >= 0 && p1[k].x < ws.width && p1[k].y < ws.height && !bm.at<uint8_t>(int(p1[k].y), int(p1[k].x)))
        u.push_back(p0[k]), v.push_back(p1[k]);
    if (u.size() < 10) return global;
    cv::Mat inl;
    cv::Mat H = cv::findHomography(u, v, cv::RANSAC, 1.0, inl);
    if (H.empty() || cv::countNonZero(inl) < 8) return global;
    cv::Matx33d S(sx, 0, 0.5 * sx - 0.5, 0, sy, 0.5 * sy - 0.5, 0, 0, 1);  // working pixel centre -> frame pixel
    return S * cv::Matx33d(H) * S.inv();
  }

  // The working-pixel bounding box of frame-pixel rectangle `r` mapped by M.
  cv::Rect mapped_area(const cv::Matx33d& M, const cv::Rect& r, const cv::Size& ws, double sx, double sy) const {
    std::vector<cv::Point2f> c;
    for (cv::Point2d p : {cv::Point2d(r.x, r.y), cv::Point2d(r.x + r.width, r.y), cv::Point2d(r.x, r.y + r.height),
                          cv::Point2d(r.x + r.width, r.y + r.height)}) {
      cv::Vec3d q = M * cv::Vec3d(p.x, p.y, 1);
      c.emplace_back(float(q[0] / q[2] / sx), float(q[1] / q[2] / sy));
    }
    return cv::boundingRect(c) & cv::Rect(0, 0, ws.width, ws.height);
  }

  // ---- the still camera's plate --------------------------------------------------------------

  void update_plate(const Item& it) {
    if (method_ == kFrames || method_ == kLocal || method_ == kInpaint) return;
    if (!it.still && method_ != kPlate) {
      plate_.release();  // the camera moved: what the plate remembers is elsewhere now
      return;
    }
    if (plate_.empty()) {
      plate_ = cv::Mat::zeros(it.bgr.size(), CV_32FC3);
      plate_seen_ = cv::Mat::zeros(it.bgr.size(), CV_8U);
    }
    cv::parallel_for_(cv::Range(0, it.bgr.rows), [&](const cv::Range& r) {
      for (int y = r.start; y < r.end; ++y) {
        const cv::Vec3b* c = it.bgr.ptr<cv::Vec3b>(y);
        const uint8_t* m = it.mask.ptr(y);
        cv::Vec3f* p = plate_.ptr<cv::Vec3f>(y);
        uint8_t* s = plate_seen_.ptr(y);
        for (int x = 0; x < it.bgr.cols; ++x) {
          if (m[x]) continue;
          // A running mean: steady against noise, follows slow light changes.
          p[x] = s[x] ? p[x] + 0.15f * (cv::Vec3f(c[x]) - p[x]) : cv::Vec3f(c[x]);
          s[x] = 1;
        }
      }
    });
  }

  // ---- the fill -------------------------------------------------------------------------------

  void emit_one(const Emit& emit) {
    settle(cur_);  // at the end of the stream, with the neighbours there are
    Item& it = items_[cur_];
    cv::Mat out = show_ ? preview(it) : fill(cur_);
    Frame f = Frame::alloc(it.frame.width(), it.frame.height(), it.frame.format());
    f.copy_props_from(it.frame);
    conv_out_.from_bgr(out, f);
    if (cv::Mat a = f.alpha(); !a.empty()) it.frame.alpha().copyTo(a);
    it.frame = Frame();
    ++cur_;
    ++emitted_;
    // Past frames lend pixels to the next ones: keep R of them.
    while (cur_ > R_) {
      items_.pop_front();
      --cur_;
    }
    emit(std::move(f));
  }

  cv::Mat preview(const Item& it) const {
    cv::Mat out = it.bgr.clone();
    cv::Mat red(out.size(), CV_8UC3, cv::Scalar(0, 0, 255)), mixed;
    cv::addWeighted(out, 0.45, red, 0.55, 0, mixed);
    mixed.copyTo(out, it.mask);
    return out;
  }

  cv::Mat fill(int t) {
    Item& it = items_[t];
    cv::Mat out = it.bgr.clone();
    cv::Rect frame_rect(0, 0, out.cols, out.rows);
    cv::Rect hole_box = cv::boundingRect(it.mask);
    if (hole_box.area() == 0) {
      prev_out_ = out, prev_filled_ = cv::Mat::zeros(out.size(), CV_8U), prev_index_ = abs_index(t);
      return out;
    }
    const int ring_w = std::max(4, dilate_ + 2);
    cv::Rect roi = cv::Rect(hole_box.x - ring_w - feather_, hole_box.y - ring_w - feather_, hole_box.width + 2 * (ring_w + feather_),
                            hole_box.height + 2 * (ring_w + feather_)) &
                   frame_rect;
    cv::Mat hole = it.mask(roi) > 0;
    cv::Mat grown, ring;
    cv::dilate(hole, grown, cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * ring_w + 1, 2 * ring_w + 1}));
    ring = grown & ~hole;
    cv::Mat want = grown;  // the hole, and a ring around it to match brightness with

    // 1. Other frames, nearest in time first; up to N samples per pixel, their median.
    const int N = 5;
    const int W = roi.width, H = roi.height;
    // The pixels to fill, as a list: the ROI spans every hole in the frame (people all over a
    // square), and the holes are a small part of it.
    std::vector<cv::Point> want_px;
    for (int y = 0; y < H; ++y) {
      const uint8_t* w = want.ptr(y);
      for (int x = 0; x < W; ++x)
        if (w[x]) want_px.emplace_back(x, y);
    }
    std::vector<int> pending(want_px.size());  // indices into want_px still short of N samples
    for (size_t i = 0; i < pending.size(); ++i) pending[i] = int(i);
    std::vector<cv::Vec3b> samples(want_px.size() * N);
    std::vector<uint8_t> count(want_px.size());
    // Parallax: the background around the hole (1.5 times the ROI: a wider area takes in more of
    // other layers; 2 times measured 16.7 dB on the parallax scene, 1.5 times 17.7 before the
    // whole-window rule below), followed frame by frame.
    const cv::Size ws = it.gray.size();
    const double sx = double(it.bgr.cols) / ws.width, sy = double(it.bgr.rows) / ws.height;
    const cv::Rect around = cv::Rect(roi.x - roi.width / 4, roi.y - roi.height / 4, roi.width * 3 / 2, roi.height * 3 / 2) & frame_rect;
    cv::Matx33d local_fwd = cv::Matx33d::eye(), local_back = cv::Matx33d::eye();
    bool fwd_ok = true, back_ok = true;  // a chain stops at the first frame it cannot reach
    // Depth anywhere in the window: every neighbour is then mapped around the hole (a chain that
    // mixed frame-wide and local steps would follow the far layer for part of the way).
    bool window_parallax = false;
    for (const Item& i : items_) window_parallax |= i.parallax;
    if (method_ == kAuto || method_ == kFrames || method_ == kLocal) {
      for (int d = 1; d <= R_; ++d)
        for (int s : {t - d, t + d}) {
          if (s < 0 || s >= int(items_.size())) continue;
          cv::Matx33d M;
          bool identity;
          bool& chain_ok = s < t ? back_ok : fwd_ok;
          if (!chain_ok || !mapping(t, s, M, identity)) {
            chain_ok = false;
            continue;
          }
          cv::Mat img, msk;
          if (method_ == kLocal || (method_ == kAuto && window_parallax)) {
            // Extend the chain of local steps from t towards s by one frame (d grows by one per
            // round, so each direction's chain is built once per fill).
            cv::Matx33d& chain = s < t ? local_back : local_fwd;
            int from = s < t ? s + 1 : s - 1;
            chain = local_step(from, s, mapped_area(chain, around, ws, sx, sy)) * chain;
            M = chain;
            identity = false;
            ++local_fits_;
          }
          // Outside frame s counts as masked (border 255): nothing to take from there.
          warp_to_roi(items_[s].bgr, items_[s].mask, M, identity, roi, 255, img, msk);
          bool all = true;
          size_t kept = 0;
          for (const int k : pending) {
            const cv::Point q = want_px[size_t(k)];
            if (!msk.ptr(q.y)[q.x]) samples[size_t(k) * N + count[size_t(k)]++] = img.ptr<cv::Vec3b>(q.y)[q.x];
            else all = false;
            if (count[size_t(k)] < N) pending[kept++] = k;
          }
          pending.resize(kept);
          if (all && pending.empty()) break;
        }
    }
    cv::Mat fill(H, W, CV_8UC3, cv::Scalar(0, 0, 0)), source(H, W, CV_8U, cv::Scalar(0));  // 1 frames 2 plate 3 carried 4 inpaint
    for (size_t k = 0; k < want_px.size(); ++k) {
      const int n = count[k];
      if (!n) continue;
      const int y = want_px[k].y, x = want_px[k].x;
      const cv::Vec3b* s = &samples[k * N];
      cv::Vec3b& f = fill.ptr<cv::Vec3b>(y)[x];
      for (int c = 0; c < 3; ++c) {
        uint8_t v[N];
        for (int i = 0; i < n; ++i) v[i] = s[i][c];
        std::nth_element(v, v + n / 2, v + n);
        f[c] = v[n / 2];
      }
      source.ptr(y)[x] = 1;
    }
    // 2. The still camera's plate.
    if (!plate_.empty() && (method_ == kAuto || method_ == kPlate) && it.still) {
      cv::Mat p = plate_(roi), seen = plate_seen_(roi);
      for (int y = 0; y < H; ++y) {
        const uint8_t *w = want.ptr(y), *sn = seen.ptr(y);
        const cv::Vec3f* pp = p.ptr<cv::Vec3f>(y);
        cv::Vec3b* f = fill.ptr<cv::Vec3b>(y);
        uint8_t* src = source.ptr(y);
        for (int x = 0; x < W; ++x)
          if (w[x] && !src[x] && sn[x]) f[x] = cv::Vec3b(pp[x]), src[x] = 2;
      }
    }
    // 3. The previous output, carried (keeps an invented fill steady).
    if (!prev_out_.empty() && prev_index_ == abs_index(t) - 1 && method_ != kInpaint) {
      cv::Matx33d M;
      bool identity;
      if (t >= 1 && mapping(t, t - 1, M, identity)) {
        cv::Mat img, filled;
        warp_to_roi(prev_out_, prev_filled_, M, identity, roi, 0, img, filled);
        for (int y = 0; y < H; ++y) {
          const uint8_t *w = want.ptr(y), *pf = filled.ptr(y);
          const cv::Vec3b* c = img.ptr<cv::Vec3b>(y);
          cv::Vec3b* f = fill.ptr<cv::Vec3b>(y);
          uint8_t* src = source.ptr(y);
          for (int x = 0; x < W; ++x)
            if (w[x] && !src[x] && pf[x]) f[x] = c[x], src[x] = 3;
        }
      }
    }
    // Brightness: the fill from elsewhere matched to this frame around the hole (light and
    // exposure change between frames).
    cv::Mat orig = it.bgr(roi);
    cv::Mat matched = ring & (source > 0);
    if (cv::countNonZero(matched) > 20) {
      // The median difference, and at most 24 levels: a mask that missed part of the object in
      // another frame lends the object's colour to the ring, and a mean would darken the whole fill.
      std::vector<int> d[3];
      for (int y = 0; y < H; ++y) {
        const uint8_t* m = matched.ptr(y);
        const cv::Vec3b *a = orig.ptr<cv::Vec3b>(y), *b = fill.ptr<cv::Vec3b>(y);
        for (int x = 0; x < W; ++x)
          if (m[x])
            for (int c = 0; c < 3; ++c) d[c].push_back(a[x][c] - b[x][c]);
      }
      int off3[3];
      for (int c = 0; c < 3; ++c) {
        std::nth_element(d[c].begin(), d[c].begin() + d[c].size() / 2, d[c].end());
        off3[c] = std::clamp(d[c][d[c].size() / 2], -24, 24);
      }
      cv::Mat off(H, W, CV_16SC3, cv::Scalar(off3[0], off3[1], off3[2])), f16;
      fill.convertTo(f16, CV_16SC3);
      f16 += off;
      f16.convertTo(fill, CV_8UC3);
    }
    // 4. What nobody saw: spatial inpainting, from the frame around the hole and what was filled.
    cv::Mat todo = hole & (source == 0);
    if (cv::countNonZero(todo)) {
      cv::Mat base = orig.clone();
      fill.copyTo(base, source > 0);
      cv::Mat painted = inpaint(base, todo);
      painted.copyTo(fill, todo);
      source.setTo(4, todo);
    }
    const double holes = std::max(1, cv::countNonZero(hole));
    for (int k = 0; k < 4; ++k) stats_[k] += cv::countNonZero(hole & (source == k + 1)) / holes;
    ++filled_frames_;
    // Feathered seam: the fill fades into the frame over `feather` pixels outside the hole.
    cv::Mat alpha;
    hole.convertTo(alpha, CV_32F, 1 / 255.0);
    if (feather_ > 0) {
      cv::Mat soft;
      cv::GaussianBlur(alpha, soft, {0, 0}, feather_ / 2.0);
      alpha = cv::max(alpha, soft * 2 - 0);  // fully filled inside, fading outside
      alpha = cv::min(alpha, 1);
    }
    cv::Mat dst = out(roi);
    for (int y = 0; y < H; ++y) {
      const float* a = alpha.ptr<float>(y);
      const cv::Vec3b* f = fill.ptr<cv::Vec3b>(y);
      const uint8_t* src = source.ptr(y);
      cv::Vec3b* o = dst.ptr<cv::Vec3b>(y);
      for (int x = 0; x < W; ++x) {
        float w = src[x] ? a[x] : 0;
        if (w > 0)
          for (int c = 0; c < 3; ++c) o[x][c] = uint8_t(o[x][c] + w * (f[x][c] - o[x][c]) + 0.5f);
      }
    }
    prev_out_ = out;
    prev_filled_ = cv::Mat::zeros(out.size(), CV_8U);
    prev_filled_(roi).setTo(255, hole);
    prev_index_ = abs_index(t);
    return out;
  }

  // Another frame's picture and mask brought into this frame's ROI (M maps this frame's pixels
  // into the other's): the picture interpolated, the mask nearest, `outside` where the other
  // frame has no pixel. A still camera (`identity`) reads them in place: the ROI's views, no copy.
  static void warp_to_roi(const cv::Mat& picture, const cv::Mat& mask, const cv::Matx33d& M, bool identity, const cv::Rect& roi,
                          uint8_t outside, cv::Mat& picture_out, cv::Mat& mask_out) {
    if (identity) {
      picture_out = picture(roi), mask_out = mask(roi);
      return;
    }
    cv::Mat Mr(M * cv::Matx33d(1, 0, roi.x, 0, 1, roi.y, 0, 0, 1));
    cv::warpPerspective(picture, picture_out, Mr, roi.size(), cv::INTER_LINEAR | cv::WARP_INVERSE_MAP, cv::BORDER_REPLICATE);
    cv::warpPerspective(mask, mask_out, Mr, roi.size(), cv::INTER_NEAREST | cv::WARP_INVERSE_MAP, cv::BORDER_CONSTANT,
                        cv::Scalar(outside));
  }

  int64_t abs_index(int t) const { return emitted_ + (t - cur_); }

  // Spatial inpainting of `todo` in `img` (both the ROI): a network from the manifest, or
  // OpenCV's Telea at no more than 400 px across (it is slow on large holes; the result is smooth).
  cv::Mat inpaint(const cv::Mat& img, const cv::Mat& todo) {
    if (!model_.empty()) {
      cv::Mat out = output_picture(run_model(model_, img, todo), model_);
      if (out.size() != img.size()) cv::resize(out, out, img.size(), 0, 0, cv::INTER_LINEAR);
      return out;
    }
    int k = std::max(1, (std::max(img.cols, img.rows) + 399) / 400);
    if (k == 1) {
      cv::Mat out;
      cv::inpaint(img, todo, out, 5, cv::INPAINT_TELEA);
      return out;
    }
    cv::Mat small, small_todo, painted, up;
    cv::resize(img, small, {img.cols / k, img.rows / k}, 0, 0, cv::INTER_AREA);
    cv::resize(todo, small_todo, small.size(), 0, 0, cv::INTER_NEAREST);
    cv::dilate(small_todo, small_todo, cv::Mat());
    cv::inpaint(small, small_todo, painted, 5, cv::INPAINT_TELEA);
    cv::resize(painted, up, img.size(), 0, 0, cv::INTER_LINEAR);
    return up;
  }

  What what_;
  Method method_;
  int R_, feather_, dilate_ = -1, k_ = 1;
  bool show_, track_;
  int tiles_;
  bool by_detector_ = true;
  std::string target_cls_;  // people by the detector, or an object class: target_ is made in configure
  TargetOptions target_opts_;
  std::unique_ptr<TargetMasker> target_;

  static What what_of(const std::string& w) {
    static const char* words[] = {"people", "salient", "box", "mask", "matte"};
    for (int k = 0; k < 5; ++k)
      if (w == words[k]) return What(k);
    if (find_object_class(w) >= 0) return find_object_class(w) == 0 ? kPeople : kObject;
    try {
      object_class(w);
    } catch (const Error& e) {
      fail("remove: what={}: not people, salient, box, mask, matte or an object class: {}", w, e.what());
    }
    return kObject;
  }
  cv::Rect2d box_;
  cv::Mat box_prev_;
  std::unique_ptr<MediaReader> mask_media_;
  ClipClock mask_clock_;
  std::unique_ptr<SalientTracker> salient_;
  std::string model_;
  BgrConverter conv_in_, conv_out_;
  std::deque<Item> items_;
  int cur_ = 0;  // index in items_ of the next frame to emit
  cv::Mat prev_gray_, prev_allowed_;
  int64_t local_fits_ = 0;
  cv::Mat plate_, plate_seen_;
  cv::Mat prev_out_, prev_filled_;
  int64_t prev_index_ = -1, emitted_ = 0, filled_frames_ = 0;
  double stats_[4] = {0, 0, 0, 0};
  const Emit* emit_ = nullptr;
  // Last: its worker finishes queued analyses before the members they use go.
  FramePipeline<Analysed> pipe_{[this](Frame& f, Analysed& a) {
                                  a.bgr = conv_in_.to_bgr(f);
                                  a.mask = mask_of(f, a.bgr);
                                },
                                [this](Frame& f, Analysed& a) { accept(f, a); }};
};

}  // namespace

extern const FilterDesc remove_filter = {
    "remove", "Erase people, an object, a box or a painted mask, and fill in what was behind it.", options,
    [](const OptionValues& o) -> std::unique_ptr<Filter> { return std::make_unique<Remove>(o); },
    "The fill comes from other frames first: frames before and after (window=N each side) that saw the\n"
    "background there, aligned to this one by a homography fitted to tracked background points (right for a\n"
    "still camera, pans, tilts and zooms, and distant backgrounds); where near and far things move differently\n"
    "(parallax) by homographies fitted around the hole, frame by frame, which follow the background next to the\n"
    "object but not a scene of many depths; for a still camera also a background plate\n"
    "that remembers every pixel ever seen. What no frame saw is inpainted spatially (OpenCV's Telea, smooth\n"
    "rather than textured, or a network named with model=). Shadows and reflections of what is removed are not\n"
    "part of the mask and stay. Box syntax follows delogo: remove=x=620:y=40:w=180:h=90 (track=1 follows it).\n"
    "Works in 8 bits per component: 10- and 12-bit video is converted to 8 bits for it and back to its own depth\n"
    "after it (the format stays deep; the precision is 8-bit). An alpha plane passes through."};

}  // namespace omni
