import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { notBuiltReason } from '../io/addonBuildStatus.js';

/** What `init()` of the MPI binding reports. */
export interface MpiInfo {
  rank: number;
  size: number;
  /** Rank among the ranks sharing this machine's memory (MPI_COMM_TYPE_SHARED). */
  localRank: number;
  localSize: number;
  /** The thread support MPI granted: `multiple` was asked for. */
  threadLevel: 'single' | 'funneled' | 'serialized' | 'multiple';
  /** e.g. `Open MPI v4.1.4`. */
  library: string;
}

/** The element types the binding reduces: float32 (gradients), float64 (metric sums), int32, uint8. */
export type ReducibleArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/** The functions of `native-mpi/build/Release/fets_mpi.node` (see native-mpi/src). Every call is collective. */
export interface MpiBinding {
  init(): MpiInfo;
  finalize(): void;
  /** Ends every rank at once (MPI_Abort). */
  abort(code: number): void;
  /** Marks the process as failing: it exits without MPI_Finalize, and mpirun ends the job. */
  skipFinalize(): void;
  /** In place: every rank's array becomes the element-wise sum (max, min) over the ranks. */
  allreduce(data: ReducibleArray, op?: 'sum' | 'max' | 'min'): void;
  /** In place: every rank's array (same byte length everywhere) becomes the root's. */
  broadcast(data: ReducibleArray, root?: number): void;
  /** Every rank's bytes, in rank order, on every rank. */
  allgatherv(bytes: Uint8Array): Uint8Array[];
  barrier(): void;
}

/** Whether the binding loads here, and why not when it does not. */
export type MpiLoad = { ok: true; binding: MpiBinding; path: string } | { ok: false; reason: string; path: string };

/** The binding's folder (`packages/network/native-mpi`), from this file in `src/` or its compiled copy in `dist/`. */
export function mpiBindingDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'native-mpi');
}

/**
 * Loads the MPI binding from `dir` (default {@link mpiBindingDir}, or `FETS_MPI_DIR`). When the binary is missing,
 * the reason recorded by the install-time build (`build/status.json`) is returned; when it fails to load (libmpi
 * missing at run time: the openmpi-bin package), the loader's message.
 *
 * @example
 * const r = loadMpiBinding();
 * if (!r.ok) console.log(r.reason); // the install-time build failed: no MPI development files (… install libopenmpi-dev)
 */
export function loadMpiBinding(dir: string = process.env.FETS_MPI_DIR || mpiBindingDir()): MpiLoad {
  const file = path.join(dir, 'build', 'Release', 'fets_mpi.node');
  if (!fs.existsSync(file)) {
    return { ok: false, reason: notBuiltReason(dir, file, 'install libopenmpi-dev, then '), path: file };
  }
  try {
    const binding = createRequire(import.meta.url)(file) as MpiBinding;
    if (typeof binding.allreduce !== 'function' || typeof binding.init !== 'function') {
      return { ok: false, reason: `${file} is not fets' MPI binding (no init/allreduce)`, path: file };
    }
    return { ok: true, binding, path: file };
  } catch (e) {
    const first = (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
    const hint = /libmpi/.test(first) ? ' (install openmpi-bin)' : '';
    return { ok: false, reason: `${file} failed to load: ${first}${hint}`, path: file };
  }
}
