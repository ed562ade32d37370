import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { parseOptions } from '@fets/pipeline';
import { nativeStatus, setNativeThreads } from '../kernels/native/addon.js';
import { applyKernelOverridesFromEnv, getKernelOverrides } from '../kernels/registry.js';
import { BACKEND_KINDS, defaultCandidates, type BackendCandidate, type BackendKind, type LoadedBackend } from './candidates.js';
import { BackendError } from './errors.js';
import { initWorld } from '../distributed/world.js';
import { describeWorld, threadsPerRank } from '../distributed/share.js';
import { adapterLabel } from './webgpu.js';

/** The backend fets runs on, as chosen by {@link initBackend}. */
export interface BackendInfo extends LoadedBackend {
  /** Candidates tried before this one, each with the reason it was skipped. */
  tried: { name: string; error: string }[];
}

/**
 * Default wasm thread count: 1 (the single-thread SIMD build). The patched threaded build loads and works
 * (`FETS_WASM_THREADS=2`), but on the shared 2-core machine it was measured slower on a BERT-like training step:
 * tiny 1,662–2,504 ms vs 568–735 ms, mini 5,641–6,472 ms vs 2,946–3,309 ms (bench/wasm-threads.ts, load average
 * ~4.7). Its XNNPACK pool threads spin while they wait, which loses whenever the cores are not idle; NOTES.md saw at
 * most 1.07–1.31× on an idle machine.
 */
export function defaultWasmThreads(): number {
  return 1;
}

const initSchema = z.strictObject({
  /** Force one backend family (overrides `FETS_BACKEND`). */
  backend: z.enum(BACKEND_KINDS as [BackendKind, ...BackendKind[]]).optional(),
  /** wasm threads (overrides `FETS_WASM_THREADS`). */
  threads: z.number().int().min(1).max(8).optional(),
  /** Do not print the one-line backend report (also `FETS_QUIET=1`). */
  quiet: z.boolean().optional(),
  /** Candidate loaders to try in order (default: native GPU, WebGPU, native, wasm, cpu). For tests and embedders. */
  candidates: z.array(z.custom<BackendCandidate>((v) => typeof v === 'object' && v !== null && 'load' in v)).optional(),
  /** Where the report line goes (default: stderr). */
  log: z.custom<(line: string) => void>((v) => typeof v === 'function', 'expected a function').optional(),
});
/** Options of {@link initBackend}. */
export type InitBackendOptions = z.input<typeof initSchema>;

function envBackend(): BackendKind | undefined {
  const v = process.env.FETS_BACKEND?.trim();
  if (!v) return undefined;
  if ((BACKEND_KINDS as string[]).includes(v)) return v as BackendKind;
  throw new BackendError(`FETS_BACKEND: expected one of ${BACKEND_KINDS.join(', ')}, received "${v}"`);
}

function envThreads(): number | undefined {
  const v = process.env.FETS_WASM_THREADS?.trim();
  if (!v) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 8) {
    throw new BackendError(`FETS_WASM_THREADS: expected an integer from 1 to 8, received "${v}"`);
  }
  return n;
}

const ISA_NAMES: Record<string, string> = { avx512: 'AVX-512', avx2: 'AVX2', neon: 'NEON', generic: 'portable C' };

/**
 * The one-line report: `fets: backend wasm (SIMD, native kernels AVX-512, 2 threads)`, or with the native kernels
 * unavailable `fets: backend wasm (SIMD, 1 thread); native kernels off: <why>; the WebAssembly SIMD kernels serve`.
 */
export function describeBackend(info: LoadedBackend & { tried?: BackendInfo['tried'] }): string {
  const webgpuOff = info.tried?.find((t) => t.name === 'webgpu');
  const why = webgpuOff ? `; webgpu off: ${webgpuOff.error}` : '';
  if (info.kind === 'webgpu') {
    const a = info.adapter;
    return `fets: backend ${info.name} (${a ? `${adapterLabel(a)}${a.software ? ', a software rasteriser' : ''}, ` : ''}${info.package})`;
  }
  const parts: string[] = [];
  if (info.simd !== null) parts.push(info.simd ? 'SIMD' : 'no SIMD');
  if (info.kind === 'tensorflow') parts.push(info.package);
  const native = info.native && 'isa' in info.native ? info.native : undefined;
  // With the native kernels the threads shown are theirs; a threaded wasm build's own count is named beside them.
  if (native && info.threads > 1) parts.push(`${info.threads} wasm threads`);
  if (native) parts.push(`native kernels ${ISA_NAMES[native.isa] ?? native.isa}`);
  const threads = native ? native.threads : info.threads;
  parts.push(`${threads} thread${threads === 1 ? '' : 's'}`);
  if (info.note) parts.push(info.note);
  const off = info.native && 'off' in info.native ? `; native kernels off: ${info.native.off}; the WebAssembly SIMD kernels serve` : '';
  return `fets: backend ${info.name} (${parts.join(', ')})${off}${why}`;
}

/** `FETS_THREADS`: the native kernels' thread count (default: every CPU this process may use). */
function envNativeThreads(): number | undefined {
  const v = process.env.FETS_THREADS?.trim();
  if (!v) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 256) {
    throw new BackendError(`FETS_THREADS: expected an integer from 1 to 256, received "${v}"`);
  }
  return n;
}

/** The native kernels' state for the report line (wasm only). */
function nativeReport(ranksHere: number): LoadedBackend['native'] {
  if (!getKernelOverrides().Native) return { off: 'FETS_KERNELS turns Native off' };
  const status = nativeStatus();
  if (!status.ok) return { off: status.reason };
  // Ranks sharing this machine split its cores (FETS_THREADS overrides).
  const threads = envNativeThreads() ?? (ranksHere > 1 ? threadsPerRank({ localSize: ranksHere }) : undefined);
  if (threads !== undefined) setNativeThreads(threads);
  const now = nativeStatus();
  return now.ok ? { isa: now.isa, threads: now.threads } : { off: now.reason };
}

/**
 * Tries `candidates` in order and returns the first that loads (it is then the current tfjs backend); each failure
 * is recorded in `tried`. Not cached: {@link initBackend} is the cached entry point.
 *
 * @example
 * const info = await selectBackend([{ name: 'broken', kind: 'wasm', load: async () => { throw new Error('x'); } },
 *                                   ...defaultCandidates({ wasmThreads: 1 })]);
 */
export async function selectBackend(candidates: readonly BackendCandidate[], force?: BackendKind): Promise<BackendInfo> {
  const tried: { name: string; error: string }[] = [];
  const list = force ? candidates.filter((c) => c.kind === force) : candidates;
  for (const c of list) {
    try {
      const loaded = await c.load();
      return { ...loaded, tried };
    } catch (e) {
      tried.push({ name: c.name, error: (e instanceof Error ? e.message : String(e)).split('\n')[0]! });
    }
  }
  throw new BackendError(
    force ? `FETS_BACKEND=${force}: no candidate of that kind loaded` : 'no TensorFlow.js backend could be started',
    tried,
  );
}

let pending: Promise<BackendInfo> | undefined;
let current: BackendInfo | undefined;

/**
 * Picks and starts the backend once per process: native GPU → WebGPU (hardware adapter) → native → wasm → cpu,
 * whichever loads first (`FETS_BACKEND=webgpu|wasm|cpu|tensorflow` forces one, `webgpu` also on a software
 * adapter; `FETS_WASM_THREADS=N` sets wasm threads), installs the wasm kernel replacements (`FETS_KERNELS`, see
 * setKernelOverrides) and prints one line to stderr (`FETS_QUIET=1` silences it; when WebGPU was tried and passed
 * over, the line ends with `; webgpu off: <why>`).
 * Idempotent: later and concurrent callers get the same choice (their options are ignored), made active again if
 * something switched tf to another backend meanwhile; a failed attempt can be retried.
 *
 * @example
 * const info = await initBackend(); // stderr: fets: backend wasm (SIMD, 2 threads)
 */
export function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  const o = parseOptions('initBackend', initSchema, options);
  if (pending) {
    if (!current || tf.getBackend() === current.name) return pending;
    const info = current;
    return tf.setBackend(info.name).then(() => info);
  }
  pending = (async () => {
    // Under mpirun/srun: start MPI first (a missing binding stops here, in one line naming the package).
    const world = initWorld();
    const force = o.backend ?? envBackend();
    const threads = o.threads ?? envThreads() ?? defaultWasmThreads();
    const info = await selectBackend(
      o.candidates ?? defaultCandidates({ wasmThreads: threads, webgpuSoftware: force === 'webgpu' }),
      force,
    );
    applyKernelOverridesFromEnv();
    if (info.kind === 'wasm') info.native = nativeReport(world.localSize);
    // Data-parallel: one line for the job, from rank 0, naming the world.
    const quiet = o.quiet ?? (['1', 'true', 'yes'].includes(process.env.FETS_QUIET ?? '') || !world.isChief);
    const line = world.launch ? `${describeBackend(info)}; ${describeWorld(world)}` : describeBackend(info);
    if (!quiet) (o.log ?? ((l: string) => process.stderr.write(`${l}\n`)))(line);
    current = info;
    return info;
  })();
  pending.catch(() => {
    pending = undefined;
  });
  return pending;
}

/**
 * The backend chosen by {@link initBackend}, or undefined before it finished.
 *
 * @example
 * getBackendInfo()?.threads; // 2
 */
export function getBackendInfo(): BackendInfo | undefined {
  return current;
}
