// SerialWorker: one background thread that runs jobs in the order given. Filters use it to
// analyse frame N while frame N-1 is finished and encoded on the calling thread (2 cores: the
// analysis and the rest of the pipeline overlap). Jobs run in order because the analyses keep
// state from frame to frame (trackers, the previous frame). Submit a std::packaged_task so an
// exception reaches its future and is rethrown where the result is read.
#pragma once
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

// One frame in flight (a filter's window() of 1): analyse(frame N) runs on the worker while
// finish(frame N-1) runs on the caller's thread. Each frame's Result is made by analyse and
// read by finish; an exception in analyse is rethrown from finish's call.
template <class Result>
class FramePipeline {
 public:
  using Step = std::function<void(Frame&, Result&)>;

  FramePipeline(Step analyse, Step finish) : analyse_(std::move(analyse)), finish_(std::move(finish)) {}

  void push(Frame in) {
    Pending prev = std::move(pending_);
    pending_.frame = std::make_shared<Frame>(std::move(in));
    pending_.result = std::make_shared<Result>();
    auto task = std::make_shared<std::packaged_task<void()>>([this, f = pending_.frame, r = pending_.result] { analyse_(*f, *r); });
    pending_.done = task->get_future();
    worker_.run([task] { (*task)(); });
    if (prev.frame) finish(prev);
  }

  void flush() {
    if (pending_.frame) finish(pending_);
    pending_ = Pending();
  }

 private:
  struct Pending {
    std::shared_ptr<Frame> frame;
    std::shared_ptr<Result> result;
    std::future<void> done;
  };
  void finish(Pending& p) {
    p.done.get();
    finish_(*p.frame, *p.result);
  }

  Step analyse_, finish_;
  Pending pending_;
  SerialWorker worker_;  // last: joined (queued jobs run) before the rest goes
};

}  // namespace omni
