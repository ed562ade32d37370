// A persistent pool of worker threads that sleep on a condition variable when idle (no spinning).
// The calling thread takes part in every job, so a pool of N threads starts N - 1 workers.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace fets {

class Pool {
 public:
  /** The job body: task index in [0, tasks), thread index in [0, threads). */
  using Task = void (*)(void* ctx, int task, int thread);

  explicit Pool(int threads);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  int threads() const { return threads_; }
  /** Stops the workers and starts `threads - 1` new ones (1: everything runs on the caller). */
  void resize(int threads);
  /** Runs fn(ctx, t, thread) for every t in [0, tasks); returns when all are done. Tasks are handed out in order. */
  void run(int tasks, Task fn, void* ctx);

 private:
  void start(int threads);
  void stop();
  void work(int thread);
  void drain(int thread);

  int threads_ = 1;
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  uint64_t generation_ = 0;
  bool quit_ = false;
  int busy_ = 0;
  // The current job.
  Task fn_ = nullptr;
  void* ctx_ = nullptr;
  int tasks_ = 0;
  std::atomic<int> next_{0};
};

/** The number of CPUs this process may run on (sched_getaffinity where available). */
int availableCpus();

}  // namespace fets
