#include "reader.h"

namespace fets_mpi {

Reader::Reader(napi_env env, napi_callback_info info, size_t min, size_t max, const char* name) : env_(env), name_(name) {
  argc_ = max < 8 ? max : 8;
  if (napi_get_cb_info(env, info, &argc_, argv_, nullptr, nullptr) != napi_ok || argc_ < min) {
    std::string msg = std::string("fets mpi ") + name + ": expected at least " + std::to_string(min) + " arguments, received " +
                      std::to_string(argc_);
    napi_throw_type_error(env, "ERR_FETS_MPI_ARGS", msg.c_str());
    return;
  }
  if (argc_ > max) argc_ = max;
  ok_ = true;
}

bool Reader::fail(size_t i, const char* what, const std::string& expected) {
  std::string msg = std::string("fets mpi ") + name_ + ": argument " + std::to_string(i) + " (" + what + ") must be " + expected;
  napi_throw_type_error(env_, "ERR_FETS_MPI_ARGS", msg.c_str());
  return false;
}

static size_t elementBytes(napi_typedarray_type t) {
  switch (t) {
    case napi_int8_array: case napi_uint8_array: case napi_uint8_clamped_array: return 1;
    case napi_int16_array: case napi_uint16_array: return 2;
    case napi_int32_array: case napi_uint32_array: case napi_float32_array: return 4;
    default: return 8;
  }
}

bool Reader::buffer(size_t i, const char* what, Buffer* out) {
  bool is = false;
  if (i >= argc_ || napi_is_typedarray(env_, argv_[i], &is) != napi_ok || !is) return fail(i, what, "a typed array");
  napi_value ab;
  size_t offset = 0;
  if (napi_get_typedarray_info(env_, argv_[i], &out->type, &out->length, &out->data, &ab, &offset) != napi_ok)
    return fail(i, what, "a readable typed array");
  out->bytes = out->length * elementBytes(out->type);
  return true;
}

bool Reader::integer(size_t i, const char* what, int64_t lo, int64_t hi, int64_t* out, int64_t fallback) {
  napi_valuetype t = napi_undefined;
  if (i >= argc_ || (napi_typeof(env_, argv_[i], &t) == napi_ok && t == napi_undefined)) {
    *out = fallback;
    return true;
  }
  double v = 0;
  if (t != napi_number || napi_get_value_double(env_, argv_[i], &v) != napi_ok || v != static_cast<double>(static_cast<int64_t>(v)) ||
      v < static_cast<double>(lo) || v > static_cast<double>(hi))
    return fail(i, what, "an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
  *out = static_cast<int64_t>(v);
  return true;
}

bool Reader::choice(size_t i, const char* what, const char* const* choices, int* out) {
  std::string names;
  for (int k = 0; choices[k]; k++) names += (k ? ", " : "") + std::string(choices[k]);
  char text[32] = {0};
  size_t len = 0;
  if (i >= argc_ || napi_get_value_string_utf8(env_, argv_[i], text, sizeof text, &len) != napi_ok) return fail(i, what, "one of " + names);
  for (int k = 0; choices[k]; k++) {
    if (std::string(text) == choices[k]) {
      *out = k;
      return true;
    }
  }
  return fail(i, what, "one of " + names);
}

}  // namespace fets_mpi
