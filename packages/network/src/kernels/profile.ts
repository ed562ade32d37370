import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { captureOriginal } from './wasmInternals.js';

/** One line of {@link profileKernels}: a kernel (or kernel + input shapes) with its call count and time. */
export interface KernelProfileRow {
  /** tfjs kernel name (`BatchMatMul`, `Sum`, ...), with the input shapes and attributes when `byShape` is set. */
  kernel: string;
  /** Calls while `fn` ran (summed over `repeats`, then divided by it). */
  calls: number;
  /** Milliseconds spent inside the kernel function per run of `fn` (outermost kernels only). */
  ms: number;
  /** ms / total ms of `fn` (wall time, so the shares of all rows plus `(outside kernels)` add up to 1). */
  share: number;
}

/** Options of {@link profileKernels}. */
export interface KernelProfileOptions {
  /** Runs of `fn` that are timed (times are averaged); default 1. */
  repeats?: number;
  /** Untimed runs first (to warm caches, XNNPACK operator packing, tfjs's kernel lookups); default 1. */
  warmup?: number;
  /** Key rows by kernel name plus input shapes and boolean/number attributes instead of the name only. */
  byShape?: boolean;
  /** Backend whose kernels are timed; default the current one. Its kernels must be synchronous (wasm, cpu). */
  backend?: string;
}

/** The result of {@link profileKernels}: rows sorted by time (largest first), the last being `(outside kernels)`. */
export interface KernelProfile {
  rows: KernelProfileRow[];
  /** Wall milliseconds of one run of `fn`. */
  totalMs: number;
  /** Milliseconds of one run inside kernels. */
  kernelMs: number;
}

function shapeKey(name: string, inputs: Record<string, TensorInfo | undefined>, attrs: Record<string, unknown>): string {
  const ins = Object.entries(inputs)
    .filter((e): e is [string, TensorInfo] => e[1] !== undefined)
    .map(([k, t]) => `${k}[${t.shape.join(',')}]${t.dtype === 'float32' ? '' : t.dtype}`)
    .join(' ');
  const at = Object.entries(attrs ?? {})
    // Attributes that name the case (flags, axes, perms), not per-call values (seeds, step sizes).
    .filter(([k, v]) => k !== 'seed' && (typeof v === 'boolean' || Number.isInteger(v) || (Array.isArray(v) && v.length <= 8)))
    .map(([k, v]) => `${k}=${Array.isArray(v) ? `[${v.join(',')}]` : String(v)}`)
    .join(' ');
  return `${name} ${ins}${at ? ` ${at}` : ''}`;
}

/**
 * Times every kernel the backend runs while `fn` runs, by wrapping the kernel functions registered for the backend
 * (wasm and cpu kernels are synchronous, so the wall time of a kernel function is its cost). Only the outermost
 * kernel of a nested call is counted, so the kernel rows add up to the time spent in kernels; the rest (tfjs engine
 * and tape bookkeeping, JS in `fn`) is the `(outside kernels)` row. The registry is restored afterwards, including
 * when `fn` throws. Do not change kernel registrations (e.g. setKernelOverrides) inside `fn`.
 *
 * In: `fn` (one training step, say; its results are disposed by the caller inside `fn`). Out: rows
 * `{kernel, calls, ms, share}` per run of `fn`, largest first.
 *
 * @example
 * const { rows, totalMs } = await profileKernels(() => step(), { repeats: 3 });
 * console.table(rows.slice(0, 10));
 */
export async function profileKernels(fn: () => unknown, options: KernelProfileOptions = {}): Promise<KernelProfile> {
  const backendName = options.backend ?? tf.getBackend();
  const repeats = Math.max(1, options.repeats ?? 1);
  const warmup = Math.max(0, options.warmup ?? 1);
  for (let i = 0; i < warmup; i++) await fn();

  const stats = new Map<string, { calls: number; ms: number }>();
  let depth = 0;
  const saved: KernelConfig[] = tf.getKernelsForBackend(backendName);
  // Replacements call the package's kernels through captureOriginal: record them all now, so that a first capture
  // during the run cannot pick up a timing wrapper.
  if (backendName === 'wasm') for (const c of saved) captureOriginal(c.kernelName);
  const wrap = (config: KernelConfig): KernelFunc => {
    const inner = config.kernelFunc;
    return (args) => {
      if (depth > 0) return inner(args);
      depth++;
      const t0 = performance.now();
      try {
        return inner(args);
      } finally {
        const dt = performance.now() - t0;
        depth--;
        const key = options.byShape
          ? shapeKey(config.kernelName, args.inputs as Record<string, TensorInfo>, args.attrs as Record<string, unknown>)
          : config.kernelName;
        const s = stats.get(key) ?? { calls: 0, ms: 0 };
        s.calls++;
        s.ms += dt;
        stats.set(key, s);
      }
    };
  };
  const swap = (configs: KernelConfig[], wrapped: boolean) => {
    for (const c of configs) {
      tf.unregisterKernel(c.kernelName, backendName);
      // setupFunc already ran when the backend was initialised; it is kept so the registry looks as before.
      tf.registerKernel(wrapped ? { ...c, kernelFunc: wrap(c) } : c);
    }
  };
  let totalMs = 0;
  swap(saved, true);
  try {
    for (let i = 0; i < repeats; i++) {
      const t0 = performance.now();
      await fn();
      totalMs += performance.now() - t0;
    }
  } finally {
    swap(saved, false);
  }
  totalMs /= repeats;
  const rows: KernelProfileRow[] = [...stats.entries()].map(([kernel, s]) => ({
    kernel,
    calls: s.calls / repeats,
    ms: s.ms / repeats,
    share: s.ms / repeats / totalMs,
  }));
  rows.sort((p, q) => q.ms - p.ms);
  const kernelMs = rows.reduce((p, r) => p + r.ms, 0);
  rows.push({ kernel: '(outside kernels)', calls: 0, ms: totalMs - kernelMs, share: (totalMs - kernelMs) / totalMs });
  return { rows, totalMs, kernelMs };
}

/**
 * Formats {@link profileKernels} rows as a fixed-width text table (top `limit` rows, then the rest summed).
 *
 * @example
 * console.log(formatKernelProfile(await profileKernels(step), 10));
 */
export function formatKernelProfile(profile: KernelProfile, limit = 15): string {
  const outside = profile.rows.find((r) => r.kernel === '(outside kernels)');
  const kernels = profile.rows.filter((r) => r !== outside);
  const top = kernels.slice(0, limit);
  const rest = kernels.slice(limit);
  const lines = top.map((r) => [r.kernel, r.calls, r.ms, r.share] as const);
  if (rest.length) {
    lines.push([
      `(${rest.length} more kernels)`,
      rest.reduce((p, r) => p + r.calls, 0),
      rest.reduce((p, r) => p + r.ms, 0),
      rest.reduce((p, r) => p + r.share, 0),
    ]);
  }
  if (outside) lines.push([outside.kernel, 0, outside.ms, outside.share]);
  const w = Math.max(8, ...lines.map((l) => l[0].length));
  const out = [`${'kernel'.padEnd(w)}  calls        ms   share`];
  for (const [k, c, ms, s] of lines) {
    out.push(`${k.padEnd(w)}  ${String(Math.round(c)).padStart(5)}  ${ms.toFixed(1).padStart(8)}  ${(100 * s).toFixed(1).padStart(5)}%`);
  }
  out.push(`${'total'.padEnd(w)}         ${profile.totalMs.toFixed(1).padStart(8)}`);
  return out.join('\n');
}
