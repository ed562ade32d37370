import * as tf from '@tensorflow/tfjs';
import * as tfwasm from '@tensorflow/tfjs-backend-wasm';
import { BackendError } from './errors.js';
import { wasmDistDir, withThreadedWasm } from './wasmThreads.js';

/** What the wasm loader reports once the backend runs. */
export interface WasmStatus {
  /** The SIMD build (or the threaded SIMD build) is running. */
  simd: boolean;
  /** Threads in XNNPACK's pool, as reported by the backend. */
  threads: number;
  /** Set when more threads were asked for but the threaded build failed and the single-thread build runs instead. */
  threadedError?: string;
}

let pathsSet = false;

/**
 * Emscripten's Node glue installs `uncaughtException`/`unhandledRejection` handlers that rethrow, so any later
 * uncaught error is reported at a line of the minified wasm glue (printed whole, tens of kilobytes). Remove the
 * handlers the backend added; Node's own reporting is what users should see.
 */
function dropEmscriptenHandlers(before: { uncaughtException: Function[]; unhandledRejection: Function[] }): void {
  for (const l of process.listeners('uncaughtException')) {
    if (!before.uncaughtException.includes(l)) process.removeListener('uncaughtException', l);
  }
  for (const l of process.listeners('unhandledRejection')) {
    if (!before.unhandledRejection.includes(l)) process.removeListener('unhandledRejection', l);
  }
}
let loaded: WasmStatus | undefined;

/**
 * Starts the tfjs wasm backend in Node from the `.wasm` files inside `node_modules` and makes it current.
 * `threads > 1` loads the multi-threaded SIMD build (see wasmThreads.ts); if that fails, the single-thread SIMD build
 * is started instead and the reason is returned in `threadedError`. The first call fixes the thread count for the
 * life of the process; later calls only switch back to wasm.
 *
 * @example
 * const { simd, threads } = await loadWasmBackend(2); // { simd: true, threads: 2 }
 */
export async function loadWasmBackend(threads: number): Promise<WasmStatus> {
  if (loaded) {
    if (!(await tf.setBackend('wasm'))) throw new BackendError('wasm backend failed to switch back on');
    return loaded;
  }
  if (!pathsSet) {
    tfwasm.setWasmPaths(wasmDistDir());
    pathsSet = true;
  }
  let threadedError: string | undefined;
  let ok = false;
  const before = {
    uncaughtException: process.listeners('uncaughtException'),
    unhandledRejection: process.listeners('unhandledRejection'),
  };
  if (threads > 1) {
    tfwasm.setThreadsCount(threads);
    try {
      ok = await withThreadedWasm(threads, () => tf.setBackend('wasm'));
      if (!ok) threadedError = 'the threaded build failed to initialise';
    } catch (e) {
      threadedError = e instanceof Error ? e.message : String(e);
    }
    if (!ok) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  }
  if (!ok) {
    tfwasm.setThreadsCount(1);
    ok = await tf.setBackend('wasm');
  }
  dropEmscriptenHandlers(before);
  if (!ok) throw new BackendError('the wasm backend failed to initialise (see the warning above)');
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  loaded = { simd, threads: tfwasm.getThreadsCount(), ...(threadedError === undefined ? {} : { threadedError }) };
  return loaded;
}
