// The collectives of fets' MPI binding, each on the caller's typed array in place (a Float32Array view into the wasm
// heap is reduced where it lies: no copy): allreduce (sum, max or min), broadcast from a root, allgatherv of byte
// buffers of any length per rank, barrier. Buffers longer than MPI's int counts are sent in pieces.
#include <mpi.h>
#include <node_api.h>

#include <cstring>
#include <string>
#include <vector>

#include "reader.h"
#include "state.h"

namespace fets_mpi {

namespace {

/** Elements per MPI call: counts are C ints. */
constexpr size_t kPiece = size_t(1) << 30;

napi_value undefinedValue(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

bool datatypeOf(napi_env env, const Buffer& b, const char* name, MPI_Datatype* out) {
  switch (b.type) {
    case napi_float32_array: *out = MPI_FLOAT; return true;
    case napi_float64_array: *out = MPI_DOUBLE; return true;
    case napi_int32_array: *out = MPI_INT32_T; return true;
    case napi_uint8_array: *out = MPI_UINT8_T; return true;
    default: {
      std::string msg = std::string("fets mpi ") + name + ": expected a Float32Array, Float64Array, Int32Array or Uint8Array";
      napi_throw_type_error(env, "ERR_FETS_MPI_ARGS", msg.c_str());
      return false;
    }
  }
}

// allreduce(data, op = 'sum'): every rank's `data` becomes the element-wise sum (max, min) over all ranks.
napi_value Allreduce(napi_env env, napi_callback_info info) {
  static const char* const ops[] = {"sum", "max", "min", nullptr};
  Reader r(env, info, 1, 2, "allreduce");
  Buffer b;
  int op = 0;
  if (!r.ok() || !r.buffer(0, "data", &b)) return nullptr;
  if (r.count() > 1 && !r.choice(1, "op", ops, &op)) return nullptr;
  MPI_Datatype type;
  if (!datatypeOf(env, b, "allreduce", &type) || !requireLive(env, "allreduce")) return nullptr;
  const MPI_Op mop = op == 0 ? MPI_SUM : op == 1 ? MPI_MAX : MPI_MIN;
  const size_t elem = b.length ? b.bytes / b.length : 1;
  for (size_t at = 0; at < b.length; at += kPiece) {
    const size_t n = b.length - at < kPiece ? b.length - at : kPiece;
    void* p = static_cast<char*>(b.data) + at * elem;
    if (throwMpi(env, MPI_Allreduce(MPI_IN_PLACE, p, static_cast<int>(n), type, mop, MPI_COMM_WORLD), "MPI_Allreduce")) return nullptr;
  }
  return undefinedValue(env);
}

// broadcast(data, root = 0): every rank's `data` (same length everywhere) becomes the root's.
napi_value Broadcast(napi_env env, napi_callback_info info) {
  Reader r(env, info, 1, 2, "broadcast");
  Buffer b;
  int64_t root = 0;
  if (!r.ok() || !r.buffer(0, "data", &b) || !requireLive(env, "broadcast")) return nullptr;
  if (!r.integer(1, "root", 0, state().size - 1, &root, 0)) return nullptr;
  for (size_t at = 0; at < b.bytes; at += kPiece) {
    const size_t n = b.bytes - at < kPiece ? b.bytes - at : kPiece;
    void* p = static_cast<char*>(b.data) + at;
    if (throwMpi(env, MPI_Bcast(p, static_cast<int>(n), MPI_BYTE, static_cast<int>(root), MPI_COMM_WORLD), "MPI_Bcast")) return nullptr;
  }
  return undefinedValue(env);
}

// allgatherv(bytes): every rank receives [rank 0's bytes, rank 1's bytes, …] (an array of Uint8Arrays, any lengths).
napi_value Allgatherv(napi_env env, napi_callback_info info) {
  Reader r(env, info, 1, 1, "allgatherv");
  Buffer b;
  if (!r.ok() || !r.buffer(0, "bytes", &b) || !requireLive(env, "allgatherv")) return nullptr;
  const int size = state().size;
  int64_t mine = static_cast<int64_t>(b.bytes);
  std::vector<int64_t> lengths(size);
  if (throwMpi(env, MPI_Allgather(&mine, 1, MPI_INT64_T, lengths.data(), 1, MPI_INT64_T, MPI_COMM_WORLD), "MPI_Allgather")) return nullptr;
  std::vector<int> counts(size), displs(size);
  int64_t total = 0;
  for (int i = 0; i < size; i++) {
    counts[i] = static_cast<int>(lengths[i]);
    displs[i] = static_cast<int>(total);
    total += lengths[i];
  }
  if (total > INT32_MAX) {
    std::string msg = "fets mpi allgatherv: " + std::to_string(total) + " bytes in all; expected at most 2147483647 (send in pieces)";
    napi_throw_range_error(env, "ERR_FETS_MPI_ARGS", msg.c_str());
    return nullptr;
  }
  void* all = nullptr;
  napi_value ab;
  if (napi_create_arraybuffer(env, static_cast<size_t>(total), &all, &ab) != napi_ok) return nullptr;
  if (throwMpi(env,
               MPI_Allgatherv(b.data, static_cast<int>(b.bytes), MPI_BYTE, all, counts.data(), displs.data(), MPI_BYTE, MPI_COMM_WORLD),
               "MPI_Allgatherv"))
    return nullptr;
  napi_value out;
  napi_create_array_with_length(env, size, &out);
  for (int i = 0; i < size; i++) {
    napi_value view;
    napi_create_typedarray(env, napi_uint8_array, counts[i], ab, displs[i], &view);
    napi_set_element(env, out, i, view);
  }
  return out;
}

// barrier(): returns when every rank has called it.
napi_value Barrier(napi_env env, napi_callback_info info) {
  Reader r(env, info, 0, 0, "barrier");
  if (!r.ok() || !requireLive(env, "barrier")) return nullptr;
  if (throwMpi(env, MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier")) return nullptr;
  return undefinedValue(env);
}

}  // namespace

void registerCollectives(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"allreduce", nullptr, Allreduce, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"broadcast", nullptr, Broadcast, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"allgatherv", nullptr, Allgatherv, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"barrier", nullptr, Barrier, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}

}  // namespace fets_mpi
