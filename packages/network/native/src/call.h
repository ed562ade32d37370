// The one typed reader of a native call's arguments. Every kernel entry point is called as
// `name(heap, { key: value, … })` (or `name({ … })` without a heap): the TypeScript side names each argument
// (kernels/native/calls.ts), and the C++ side reads it by name through this class, with its type, range and, for byte
// offsets, its extent inside the heap checked. The first bad argument throws one JavaScript error naming the entry
// point, the key, what was expected and what was received; after it every read returns a harmless default and ok()
// is false, so an entry point reads all of its arguments, then checks ok() once.
#pragma once
#include <node_api.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>

#include "addon.h"

namespace fets {

class CallArgs {
 public:
  /** Reads `(heap, args)` when withHeap, else `(args)`. */
  CallArgs(napi_env env, napi_callback_info info, const char* name, bool withHeap = true);

  /** No argument failed so far (else a JavaScript error is pending). */
  bool ok() const { return ok_; }
  napi_env env() const { return env_; }
  const char* name() const { return name_; }
  const Heap& heap() const { return heap_; }

  /** A required finite number. */
  double number(const char* key);
  /** An optional finite number: `fallback` when absent or undefined. */
  double number(const char* key, double fallback);
  /** A required integer in [lo, hi]. */
  int integer(const char* key, int lo = 0, int hi = INT32_MAX);
  /** An optional integer in [lo, hi]: `fallback` when absent. */
  int integer(const char* key, int lo, int hi, int fallback);
  /** An optional boolean: `fallback` when absent. */
  bool flag(const char* key, bool fallback = false);
  /** The index of the string named `key` in `names`: `fallback` when absent; an error for any other string. */
  int choice(const char* key, std::initializer_list<const char*> names, int fallback);
  /** A string of at most `capacity − 1` bytes. */
  std::string string(const char* key, size_t capacity = 64);
  /** `count` floats at the byte offset named `key` (4-byte aligned, inside the heap); null when count is 0. */
  float* floats(const char* key, double count);
  /** `count` bytes at the byte offset named `key` (a multiple of `align`, inside the heap); null when count is 0. */
  uint8_t* bytes(const char* key, double count, int align = 1);
  /** As floats, or null when the key is absent, undefined or negative (an operand that is not given). */
  float* optionalFloats(const char* key, double count);
  /** Fails the call with a RangeError: "fets native <name>: <message>". */
  void fail(const std::string& message);

 private:
  bool lookup(const char* key, napi_value* out, bool required);
  void typeError(const char* key, const char* expected, napi_value got);

  napi_env env_;
  const char* name_;
  napi_value args_ = nullptr;
  Heap heap_;
  bool ok_ = true;
};

}  // namespace fets
