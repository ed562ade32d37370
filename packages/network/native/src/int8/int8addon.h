// Node-API entry points of the int8 dense layers (int8addon.cc).
#pragma once
#include <node_api.h>

namespace fets {

/** Adds int8Pack, int8Forget, int8Linear, int8GemmRaw, int8Info and int8SetKernel to the exports. */
void registerInt8(napi_env env, napi_value exports);

}  // namespace fets
