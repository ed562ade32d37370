// parallelFor over the process pool: [0, n) in chunks of at least `grain` items, one task per chunk.
#pragma once
#include <algorithm>
#include <cstddef>

#include "addon.h"

namespace fets {

template <typename F>
void parallelFor(size_t n, size_t grain, F&& body) {
  Pool& p = pool();
  const size_t threads = static_cast<size_t>(p.threads());
  if (n == 0) return;
  // About four chunks per thread (load balance), none smaller than grain.
  size_t chunk = std::max(grain, (n + 4 * threads - 1) / (4 * threads));
  const size_t tasks = (n + chunk - 1) / chunk;
  if (threads == 1 || tasks <= 1) {
    body(size_t(0), n);
    return;
  }
  struct Ctx {
    F* body;
    size_t n, chunk;
  } ctx{&body, n, chunk};
  p.run(static_cast<int>(tasks),
        [](void* c, int t, int) {
          auto& x = *static_cast<Ctx*>(c);
          const size_t from = static_cast<size_t>(t) * x.chunk;
          (*x.body)(from, std::min(x.n, from + x.chunk));
        },
        &ctx);
}

}  // namespace fets
