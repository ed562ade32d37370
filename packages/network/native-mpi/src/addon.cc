// fets' MPI binding (Node-API): initialises MPI with thread support once per process, reports rank, world size and
// the rank within this machine, and finalises at exit. The collectives are in collectives.cc. MPI errors return to
// the caller (MPI_ERRORS_RETURN) and become JavaScript errors that the TypeScript wrapper turns into an MpiError.
#include <dlfcn.h>
#include <mpi.h>
#include <node_api.h>

#include <string>

#include "reader.h"
#include "state.h"

namespace fets_mpi {

State& state() {
  static State s;
  return s;
}

bool throwMpi(napi_env env, int rc, const char* operation) {
  if (rc == MPI_SUCCESS) return false;
  char text[MPI_MAX_ERROR_STRING] = {0};
  int len = 0;
  if (MPI_Error_string(rc, text, &len) != MPI_SUCCESS) snprintf(text, sizeof text, "MPI error %d", rc);
  int cls = rc;
  MPI_Error_class(rc, &cls);
  std::string msg = std::string("fets mpi ") + operation + ": " + text;
  napi_value code, message, error, num, op;
  napi_create_string_utf8(env, "ERR_FETS_MPI", NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, msg.c_str(), NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, code, message, &error);
  napi_create_int32(env, rc, &num);
  napi_set_named_property(env, error, "mpiCode", num);
  napi_create_int32(env, cls, &num);
  napi_set_named_property(env, error, "mpiClass", num);
  napi_create_string_utf8(env, operation, NAPI_AUTO_LENGTH, &op);
  napi_set_named_property(env, error, "operation", op);
  napi_throw(env, error);
  return true;
}

bool requireLive(napi_env env, const char* operation) {
  const State& s = state();
  if (s.initialized && !s.finalized) return true;
  std::string msg = std::string("fets mpi ") + operation + ": MPI is " + (s.finalized ? "finalized" : "not initialised (call init() first)");
  napi_throw_error(env, "ERR_FETS_MPI", msg.c_str());
  return false;
}

namespace {

/**
 * Node loads addons with RTLD_LOCAL, but Open MPI loads its components (mca_*.so) as plugins that expect libmpi's
 * symbols to be global: promote the already loaded libmpi to RTLD_GLOBAL first (as mpi4py does).
 */
void promoteLibmpi() {
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&MPI_Init), &info) && info.dli_fname) {
    dlopen(info.dli_fname, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
  }
}

void finalizeAtExit(void*) {
  State& s = state();
  if (s.initialized && !s.finalized) {
    s.finalized = true;
    if (s.local != MPI_COMM_NULL) MPI_Comm_free(&s.local);
    MPI_Finalize();
  }
}

napi_value setInt(napi_env env, napi_value obj, const char* key, int v) {
  napi_value n;
  napi_create_int32(env, v, &n);
  napi_set_named_property(env, obj, key, n);
  return obj;
}

napi_value describe(napi_env env) {
  const State& s = state();
  napi_value out, str;
  napi_create_object(env, &out);
  setInt(env, out, "rank", s.rank);
  setInt(env, out, "size", s.size);
  setInt(env, out, "localRank", s.localRank);
  setInt(env, out, "localSize", s.localSize);
  const char* levels[] = {"single", "funneled", "serialized", "multiple"};
  int lv = s.threadLevel == MPI_THREAD_MULTIPLE ? 3 : s.threadLevel == MPI_THREAD_SERIALIZED ? 2 : s.threadLevel == MPI_THREAD_FUNNELED ? 1 : 0;
  napi_create_string_utf8(env, levels[lv], NAPI_AUTO_LENGTH, &str);
  napi_set_named_property(env, out, "threadLevel", str);
  char version[MPI_MAX_LIBRARY_VERSION_STRING] = {0};
  int len = 0;
  MPI_Get_library_version(version, &len);
  std::string first(version, len);
  first = first.substr(0, first.find_first_of(",\n"));
  napi_create_string_utf8(env, first.c_str(), NAPI_AUTO_LENGTH, &str);
  napi_set_named_property(env, out, "library", str);
  return out;
}

// init(): initialises MPI (MPI_THREAD_MULTIPLE requested), once; returns { rank, size, localRank, localSize, … }.
napi_value Init(napi_env env, napi_callback_info info) {
  Reader r(env, info, 0, 0, "init");
  if (!r.ok()) return nullptr;
  State& s = state();
  if (s.finalized) {
    napi_throw_error(env, "ERR_FETS_MPI", "fets mpi init: MPI was finalized in this process and cannot start again");
    return nullptr;
  }
  if (!s.initialized) {
    promoteLibmpi();
    int already = 0;
    MPI_Initialized(&already);
    if (!already) {
      int rc = MPI_Init_thread(nullptr, nullptr, MPI_THREAD_MULTIPLE, &s.threadLevel);
      if (throwMpi(env, rc, "MPI_Init_thread")) return nullptr;
    } else {
      MPI_Query_thread(&s.threadLevel);
    }
    s.initialized = true;
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    if (throwMpi(env, MPI_Comm_rank(MPI_COMM_WORLD, &s.rank), "MPI_Comm_rank")) return nullptr;
    if (throwMpi(env, MPI_Comm_size(MPI_COMM_WORLD, &s.size), "MPI_Comm_size")) return nullptr;
    // The ranks sharing this machine's memory: the local rank picks cores, the local size divides them.
    if (throwMpi(env, MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, s.rank, MPI_INFO_NULL, &s.local), "MPI_Comm_split_type"))
      return nullptr;
    MPI_Comm_set_errhandler(s.local, MPI_ERRORS_RETURN);
    MPI_Comm_rank(s.local, &s.localRank);
    MPI_Comm_size(s.local, &s.localSize);
    napi_add_env_cleanup_hook(env, finalizeAtExit, nullptr);
  }
  return describe(env);
}

// finalize(): ends MPI now (also done at exit). Every rank must call it.
napi_value Finalize(napi_env env, napi_callback_info info) {
  Reader r(env, info, 0, 0, "finalize");
  if (!r.ok()) return nullptr;
  finalizeAtExit(nullptr);
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

// abort(code): ends every rank of the job at once (MPI_Abort): for a rank that failed while others may be waiting.
napi_value Abort(napi_env env, napi_callback_info info) {
  Reader r(env, info, 1, 1, "abort");
  int64_t code = 1;
  if (!r.ok() || !r.integer(0, "exit code", 0, 255, &code, 1)) return nullptr;
  State& s = state();
  if (s.initialized && !s.finalized) MPI_Abort(MPI_COMM_WORLD, static_cast<int>(code));
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

// skipFinalize(): the process is failing: exit without MPI_Finalize (which waits for every rank, and they may be
// blocked in a collective). mpirun sees a rank end without finalising and ends the job, after forwarding its output.
napi_value SkipFinalize(napi_env env, napi_callback_info info) {
  Reader r(env, info, 0, 0, "skipFinalize");
  if (!r.ok()) return nullptr;
  state().finalized = true;
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

napi_value Module(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"init", nullptr, Init, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"finalize", nullptr, Finalize, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"abort", nullptr, Abort, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"skipFinalize", nullptr, SkipFinalize, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  registerCollectives(env, exports);
  return exports;
}

}  // namespace

}  // namespace fets_mpi

NAPI_MODULE(NODE_GYP_MODULE_NAME, fets_mpi::Module)
