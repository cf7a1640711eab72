// SerialWorker: one background thread that runs jobs in the order given. Filters use it to
// analyse frame N while frame N-1 is finished and encoded on the calling thread (2 cores: the
// analysis and the rest of the pipeline overlap). Jobs run in order because the analyses keep
// state from frame to frame (trackers, the previous frame). Submit a std::packaged_task so an
// exception reaches its future and is rethrown where the result is read.
#pragma once
#include <algorithm>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

#include "core/media/frame.h"

namespace omni {

class SerialWorker {
 public:
  SerialWorker() : thread_([this] { loop(); }) {}
  ~SerialWorker() {
    {
      std::lock_guard<std::mutex> l(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();  // runs the jobs still queued first
  }
  SerialWorker(const SerialWorker&) = delete;
  SerialWorker& operator=(const SerialWorker&) = delete;

  void run(std::function<void()> job) {
    {
      std::lock_guard<std::mutex> l(mu_);
      jobs_.push_back(std::move(job));
    }
    cv_.notify_all();
  }

 private:
  void loop() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock<std::mutex> l(mu_);
        cv_.wait(l, [&] { return stop_ || !jobs_.empty(); });
        if (jobs_.empty()) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stop_ = false;
  std::thread thread_;
};

// Frames in flight (`depth` of them, a filter's window() counts them): analyse(frame N) runs on
// the worker while finish(frame N-depth) runs on the caller's thread. Each frame's Result is made
// by analyse and read by finish; an exception in analyse is rethrown from finish's call. A depth
// above 1 lets an analysis that costs more on some frames (a detector every third frame) run
// ahead on the cheap ones instead of the two threads waiting for each other in turn.
template <class Result>
class FramePipeline {
 public:
  using Step = std::function<void(Frame&, Result&)>;

  FramePipeline(Step analyse, Step finish) : analyse_(std::move(analyse)), finish_(std::move(finish)) {}

  void push(Frame in) {
    Pending p;
    p.frame = std::make_shared<Frame>(std::move(in));
    p.result = std::make_shared<Result>();
    auto task = std::make_shared<std::packaged_task<void()>>([this, f = p.frame, r = p.result] { analyse_(*f, *r); });
    p.done = task->get_future();
    worker_.run([task] { (*task)(); });
    pending_.push_back(std::move(p));
    while (int(pending_.size()) > depth_) finish_front();
  }

  void flush() {
    while (!pending_.empty()) finish_front();
  }

  // Before the first frame (a filter knows what it analyses once configured).
  void set_depth(int depth) { depth_ = std::max(1, depth); }
  int depth() const { return depth_; }

 private:
  struct Pending {
    std::shared_ptr<Frame> frame;
    std::shared_ptr<Result> result;
    std::future<void> done;
  };
  void finish_front() {
    Pending p = std::move(pending_.front());
    pending_.pop_front();
    p.done.get();
    finish_(*p.frame, *p.result);
  }

  Step analyse_, finish_;
  int depth_ = 1;
  std::deque<Pending> pending_;
  SerialWorker worker_;  // last: joined (queued jobs run) before the rest goes
};

}  // namespace omni
