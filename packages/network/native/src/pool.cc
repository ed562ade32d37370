#include "pool.h"

#if defined(__linux__)
#include <sched.h>
#endif

namespace fets {

int availableCpus() {
#if defined(__linux__)
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
#endif
  unsigned n = std::thread::hardware_concurrency();
  return n > 0 ? static_cast<int>(n) : 1;
}

Pool::Pool(int threads) { start(threads); }

Pool::~Pool() { stop(); }

void Pool::resize(int threads) {
  if (threads == threads_) return;
  stop();
  start(threads);
}

void Pool::start(int threads) {
  threads_ = threads < 1 ? 1 : threads;
  quit_ = false;
  for (int t = 1; t < threads_; t++) workers_.emplace_back([this, t] { work(t); });
}

void Pool::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    quit_ = true;
  }
  wake_.notify_all();
  for (auto& w : workers_) w.join();
  workers_.clear();
}

void Pool::drain(int thread) {
  for (;;) {
    int t = next_.fetch_add(1, std::memory_order_relaxed);
    if (t >= tasks_) break;
    fn_(ctx_, t, thread);
  }
}

void Pool::work(int thread) {
  uint64_t seen = 0;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return quit_ || generation_ != seen; });
      if (quit_) return;
      seen = generation_;
    }
    drain(thread);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (--busy_ == 0) done_.notify_one();
    }
  }
}

void Pool::run(int tasks, Task fn, void* ctx) {
  if (tasks <= 0) return;
  if (threads_ == 1 || tasks == 1) {
    for (int t = 0; t < tasks; t++) fn(ctx, t, 0);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    fn_ = fn;
    ctx_ = ctx;
    tasks_ = tasks;
    next_.store(0, std::memory_order_relaxed);
    busy_ = static_cast<int>(workers_.size());
    generation_++;
  }
  wake_.notify_all();
  drain(0);
  std::unique_lock<std::mutex> lock(mutex_);
  done_.wait(lock, [&] { return busy_ == 0; });
}

}  // namespace fets
