// The one typed reader of the MPI binding's call arguments: each entry point states what it expects (a typed array,
// an integer, one of some names) by position once, and a wrong argument throws a TypeError naming the call, the
// argument and what was expected.
#pragma once
#include <node_api.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace fets_mpi {

/** A typed array's memory: where its bytes start (its own offset applied), how many, and its element type. */
struct Buffer {
  void* data = nullptr;
  size_t bytes = 0;
  size_t length = 0;
  napi_typedarray_type type = napi_uint8_array;
};

class Reader {
 public:
  /** Reads up to `max` arguments of the call `name`; fewer than `min` throws. Check `ok()` before use. */
  Reader(napi_env env, napi_callback_info info, size_t min, size_t max, const char* name);
  bool ok() const { return ok_; }
  size_t count() const { return argc_; }
  /** Argument `i` as a typed array (any element type). */
  bool buffer(size_t i, const char* what, Buffer* out);
  /** Argument `i` as an integer in [lo, hi]; an absent optional argument gives `fallback`. */
  bool integer(size_t i, const char* what, int64_t lo, int64_t hi, int64_t* out, int64_t fallback);
  /** Argument `i` as a string, one of `choices` (null-terminated list); returns its index in `*out`. */
  bool choice(size_t i, const char* what, const char* const* choices, int* out);

 private:
  bool fail(size_t i, const char* what, const std::string& expected);
  napi_env env_;
  const char* name_;
  size_t argc_ = 0;
  napi_value argv_[8];
  bool ok_ = false;
};

}  // namespace fets_mpi
