// Frame: zero-copy views, odd sizes, high bit depth, buffer lifetime and side data.
#include <ATen/ATen.h>
// ATen pulls in glog, whose CHECK would silently replace doctest's: doctest must come last.
#undef CHECK
#include <doctest/doctest.h>

#include "core/media/frame.h"

using namespace omni;

TEST_CASE("cv::Mat views of planes follow the format") {
  Frame f = Frame::alloc(33, 17, AV_PIX_FMT_YUV420P);  // odd sizes: chroma rounds up
  CHECK(f.mat(0).size() == cv::Size(33, 17));
  CHECK(f.mat(1).size() == cv::Size(17, 9));
  CHECK(f.mat(0).type() == CV_8UC1);
  CHECK(f.mat(0).data == f.av()->data[0]);
  CHECK(f.mat(0).step[0] == size_t(f.av()->linesize[0]));
  CHECK(f.alpha().empty());

  Frame rgb = Frame::alloc(5, 3, AV_PIX_FMT_RGB24);
  CHECK(rgb.mat().type() == CV_8UC3);
  Frame ten = Frame::alloc(6, 4, AV_PIX_FMT_YUV420P10LE);
  CHECK(ten.mat(0).type() == CV_16UC1);
  Frame a = Frame::alloc(8, 8, AV_PIX_FMT_YUVA420P);
  CHECK(a.has_alpha());
  CHECK(a.alpha().size() == cv::Size(8, 8));
  CHECK(a.alpha().data == a.av()->data[3]);
}

TEST_CASE("at::Tensor views share memory and keep the buffer alive") {
  at::Tensor t;
  {
    Frame f = Frame::alloc(7, 5, AV_PIX_FMT_YUV420P);
    f.mat(0).setTo(0);
    t = f.tensor(0);
    CHECK(t.sizes().vec() == std::vector<int64_t>{5, 7, 1});
    CHECK(t.data_ptr() == f.av()->data[0]);
    t.fill_(42);
    CHECK(f.mat(0).at<uint8_t>(4, 6) == 42);
    f.mat(0).at<uint8_t>(2, 3) = 7;
    CHECK(t[2][3][0].item<int>() == 7);
  }
  // The frame is gone; the tensor still owns a buffer reference, so this read is valid.
  CHECK(t[2][3][0].item<int>() == 7);
  CHECK(t.sum().item<int64_t>() == 42 * 34 + 7);

  Frame hb = Frame::alloc(4, 2, AV_PIX_FMT_YUV420P10LE);
  CHECK((hb.tensor(0).scalar_type() == at::kShort));
}

TEST_CASE("side data is per frame, copy-on-write, and survives av_frame_clone") {
  Frame a = Frame::alloc(4, 4, AV_PIX_FMT_GRAY8);
  CHECK_FALSE(a.side().has("mask"));
  a.side_mut().set("mask", 1);
  Frame b = a;  // new reference, shared side data
  CHECK(*b.side().get<int>("mask") == 1);
  b.side_mut().set("mask", 2);  // must not change a
  CHECK(*a.side().get<int>("mask") == 1);
  CHECK(*b.side().get<int>("mask") == 2);
  Frame c(av_frame_clone(a.av()));
  CHECK(*c.side().get<int>("mask") == 1);
  CHECK(c.side().get<double>("mask") == nullptr);  // wrong type: null, not a crash
}
