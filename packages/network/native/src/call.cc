// CallArgs (call.h): the typed, named reading of a native call's arguments.
#include "call.h"

#include <cmath>

namespace fets {

namespace {

const char* typeName(napi_env env, napi_value v) {
  napi_valuetype t = napi_undefined;
  if (!v || napi_typeof(env, v, &t) != napi_ok) return "nothing";
  switch (t) {
    case napi_undefined: return "undefined";
    case napi_null: return "null";
    case napi_boolean: return "a boolean";
    case napi_number: return "a number";
    case napi_string: return "a string";
    case napi_symbol: return "a symbol";
    case napi_object: return "an object";
    case napi_function: return "a function";
    case napi_bigint: return "a bigint";
    default: return "an external";
  }
}

}  // namespace

CallArgs::CallArgs(napi_env env, napi_callback_info info, const char* name, bool withHeap) : env_(env), name_(name) {
  napi_value argv[2];
  size_t argc = 2;
  const size_t want = withHeap ? 2 : 1;
  napi_valuetype t = napi_undefined;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < want ||
      napi_typeof(env, argv[want - 1], &t) != napi_ok || t != napi_object) {
    ok_ = false;
    const std::string msg = std::string("fets native ") + name + ": expected (" + (withHeap ? "heap, " : "") +
                            "{ named arguments }), received " + std::to_string(argc) + " argument(s)";
    napi_throw_type_error(env, nullptr, msg.c_str());
    return;
  }
  args_ = argv[want - 1];
  if (withHeap && !heapOf(env, argv[0], &heap_, name)) ok_ = false;
}

void CallArgs::fail(const std::string& message) {
  if (!ok_) return;
  ok_ = false;
  const std::string msg = std::string("fets native ") + name_ + ": " + message;
  napi_throw_range_error(env_, nullptr, msg.c_str());
}

void CallArgs::typeError(const char* key, const char* expected, napi_value got) {
  if (!ok_) return;
  ok_ = false;
  const std::string msg =
      std::string("fets native ") + name_ + ": " + key + " must be " + expected + ", received " + typeName(env_, got);
  napi_throw_type_error(env_, nullptr, msg.c_str());
}

bool CallArgs::lookup(const char* key, napi_value* out, bool required) {
  *out = nullptr;
  if (!ok_) return false;
  napi_valuetype t = napi_undefined;
  if (napi_get_named_property(env_, args_, key, out) != napi_ok || napi_typeof(env_, *out, &t) != napi_ok ||
      t == napi_undefined) {
    if (required) typeError(key, "given", nullptr);
    *out = nullptr;
    return false;
  }
  return true;
}

double CallArgs::number(const char* key) {
  napi_value v;
  if (!lookup(key, &v, true)) return 0;
  double d = 0;
  if (napi_get_value_double(env_, v, &d) != napi_ok || !std::isfinite(d)) {
    typeError(key, "a finite number", v);
    return 0;
  }
  return d;
}

double CallArgs::number(const char* key, double fallback) {
  napi_value v;
  if (!lookup(key, &v, false)) return fallback;
  double d = 0;
  if (napi_get_value_double(env_, v, &d) != napi_ok || !std::isfinite(d)) {
    typeError(key, "a finite number", v);
    return fallback;
  }
  return d;
}

int CallArgs::integer(const char* key, int lo, int hi) {
  const double d = number(key);
  if (!ok_) return lo;
  if (d != std::floor(d) || d < lo || d > hi) {
    fail(std::string(key) + " must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi) +
         ", received " + std::to_string(d));
    return lo;
  }
  return static_cast<int>(d);
}

int CallArgs::integer(const char* key, int lo, int hi, int fallback) {
  napi_value v;
  if (!ok_) return fallback;
  if (!lookup(key, &v, false)) return fallback;
  return integer(key, lo, hi);
}

bool CallArgs::flag(const char* key, bool fallback) {
  napi_value v;
  if (!lookup(key, &v, false)) return fallback;
  bool b = fallback;
  if (napi_get_value_bool(env_, v, &b) != napi_ok) typeError(key, "a boolean", v);
  return b;
}

std::string CallArgs::string(const char* key, size_t capacity) {
  napi_value v;
  if (!lookup(key, &v, true)) return {};
  std::string s(capacity, '\0');
  size_t len = 0;
  if (napi_get_value_string_utf8(env_, v, s.data(), capacity, &len) != napi_ok) {
    typeError(key, "a string", v);
    return {};
  }
  s.resize(len);
  return s;
}

int CallArgs::choice(const char* key, std::initializer_list<const char*> names, int fallback) {
  napi_value v;
  if (!lookup(key, &v, false)) return fallback;
  const std::string got = string(key, 64);
  if (!ok_) return fallback;
  int i = 0;
  std::string valid;
  for (const char* n : names) {
    if (got == n) return i;
    valid += (i ? ", " : "") + std::string(n);
    i++;
  }
  fail(std::string(key) + " must be one of " + valid + ", received \"" + got + "\"");
  return fallback;
}

float* CallArgs::floats(const char* key, double count) {
  const double at = number(key);
  if (!ok_) return nullptr;
  if (count == 0) return nullptr;
  float* p = floatsAt(env_, heap_, at, count, name_, key);
  if (!p) ok_ = false;
  return p;
}

uint8_t* CallArgs::bytes(const char* key, double count, int align) {
  const double at = number(key);
  if (!ok_) return nullptr;
  if (count == 0) return nullptr;
  if (at < 0 || count < 0 || at != std::floor(at) || static_cast<uint64_t>(at) % align != 0 ||
      at + count > static_cast<double>(heap_.bytes)) {
    fail(std::string(key) + " (" + std::to_string((uint64_t)count) + " bytes at byte " + std::to_string((uint64_t)at) +
         ", aligned to " + std::to_string(align) + ") is outside the heap of " + std::to_string(heap_.bytes) + " bytes");
    return nullptr;
  }
  return heap_.base + static_cast<size_t>(at);
}

float* CallArgs::optionalFloats(const char* key, double count) {
  const double at = number(key, -1);
  if (!ok_ || at < 0 || count == 0) return nullptr;
  float* p = floatsAt(env_, heap_, at, count, name_, key);
  if (!p) ok_ = false;
  return p;
}

}  // namespace fets
