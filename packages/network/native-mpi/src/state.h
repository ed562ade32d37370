// The MPI binding's process state and its error reporting, shared by addon.cc and collectives.cc.
#pragma once
#include <mpi.h>
#include <node_api.h>

namespace fets_mpi {

struct State {
  bool initialized = false;
  bool finalized = false;
  int rank = 0, size = 1, localRank = 0, localSize = 1, threadLevel = 0;
  MPI_Comm local = MPI_COMM_NULL;
};

State& state();

/**
 * With `rc` an MPI error code, throws a JavaScript Error (code `ERR_FETS_MPI`, with `mpiCode`, `mpiClass` and
 * `operation` set) whose message is MPI's own text, and returns true; returns false on MPI_SUCCESS.
 */
bool throwMpi(napi_env env, int rc, const char* operation);
/** Throws `ERR_FETS_MPI` unless MPI is initialised and not finalised; returns whether it is usable. */
bool requireLive(napi_env env, const char* operation);
/** Adds allreduce, broadcast, allgatherv and barrier to the exports. */
void registerCollectives(napi_env env, napi_value exports);

}  // namespace fets_mpi
