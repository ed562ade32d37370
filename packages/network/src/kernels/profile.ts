import * as tf from '@tensorflow/tfjs';
import { FetsError } from '@fets/pipeline';

/**
 * How kernels are timed (checked on tfjs 4.22): while `tf.engine().state.profiling` is on — what `tf.profile()` turns
 * on — the engine routes every kernel through its Profiler, which calls `backend.time(kernel)`. On `wasm` and `cpu`
 * that is `performance.now()` around the kernel function, and since their kernels run synchronously it is the
 * kernel's real cost; `kernelTimeMs` is a promise that resolves to that number (`tf.profile` awaits it). On native
 * `tensorflow` it is also wall time; on `webgl`/`webgpu` it is GPU timer-query time (or an `{error}` when queries are
 * unavailable, counted as 0 here). Forward and gradient kernels are both recorded.
 *
 * Nesting: the forward function of a `tf.customGrad` op (fets's dense layer, tfjs's logSoftmax, …) runs through the
 * engine as one entry named after the enclosing scope (`unnamed scope`, `logSoftmax__op`) *and* its inner kernels are
 * recorded too, so summing raw `tf.profile` times counts them twice. The timer notes the engine's `kernelDepth` as
 * each entry is recorded (inner entries are recorded before their outer one) and gives every entry its self time:
 * its time minus that of the entries nested in it. Custom-gradient entries are listed as `(custom op: <scope>)`.
 * fets's wasm kernel replacements call the package's kernel functions directly, not through the engine. What is
 * not in any kernel (the engine and tape, optimizers' and fets's JS, data conversion) is the "outside kernels" time.
 */

/** One line of a {@link StepProfile}: a kernel (or kernel + input shapes), its calls and time. */
export interface StepProfileRow {
  /** tfjs kernel name (`BatchMatMul`, `Sum`, …), followed by the input shapes when grouped by shape. */
  kernel: string;
  calls: number;
  /** Milliseconds inside this kernel. */
  ms: number;
  /** `ms` / the profile's wall time. */
  share: number;
}

/** Kernel times of one profiled span (e.g. one training step), rows largest first. */
export interface StepProfile {
  rows: StepProfileRow[];
  /** Wall milliseconds of the span. */
  wallMs: number;
  /** Milliseconds inside kernels (sum of the rows). */
  kernelMs: number;
  /** `wallMs - kernelMs`: engine, tape, JS. */
  outsideMs: number;
  /** Kernel calls in the span. */
  calls: number;
  /** Tensors alive at the end minus at the start (0 for a step that frees what it makes). */
  newTensors: number;
}

/** Options of {@link KernelTimer} and {@link profileKernelTimes}. */
export interface KernelTimerOptions {
  /** Group rows by kernel name and input shapes (`BatchMatMul [2048,256] [256,1024]`) instead of by name. */
  byShape?: boolean;
}

/** Profiling could not start (another profile is running) or was stopped twice. */
export class ProfileError extends FetsError {}

type KernelInfo = ReturnType<typeof tf.engine>['state']['activeProfile']['kernels'][number];
/** A recorded entry with the engine's kernel depth when it was recorded (0: not nested in another entry). */
type DepthInfo = KernelInfo & { fetsDepth?: number };

/** An array for the engine's profile that notes the kernel depth of each entry as it is pushed. */
function depthRecordingArray(): DepthInfo[] {
  const arr: DepthInfo[] = [];
  const engine = tf.engine();
  Object.defineProperty(arr, 'push', {
    value: (...items: DepthInfo[]) => {
      for (const it of items) it.fetsDepth = engine.state.kernelDepth;
      return Array.prototype.push.apply(arr, items);
    },
  });
  return arr;
}

/**
 * Records the time of every tfjs kernel between `start()` and `stop()`, across awaits (the engine's profiling mode, as
 * `tf.profile` uses, but open-ended so a trace can start it in one hook and stop it in another). One at a time per
 * process.
 *
 * @example
 * const timer = new KernelTimer();
 * timer.start();
 * await network.runStep(batch, { mode: 'train', epoch: 1, warmup: false });
 * console.log(formatStepProfile(await timer.stop()));
 */
export class KernelTimer {
  private t0 = 0;
  private tensors0 = 0;
  private running = false;

  constructor(private readonly options: KernelTimerOptions = {}) {}

  /** Whether a span is being recorded. */
  get active(): boolean {
    return this.running;
  }

  /** Starts recording; throws ProfileError if tfjs is already profiling (a `tf.profile` or another timer). */
  start(): void {
    const state = tf.engine().state;
    // A span left open (its step threw) is discarded.
    if (this.running) state.profiling = this.running = false;
    if (state.profiling) {
      throw new ProfileError('KernelTimer.start: tfjs is already profiling (a tf.profile() or another KernelTimer is running)');
    }
    state.activeProfile.kernels = depthRecordingArray();
    state.profiling = true;
    this.running = true;
    this.tensors0 = tf.memory().numTensors;
    this.t0 = performance.now();
  }

  /** Stops recording and returns the span's kernel times. */
  async stop(): Promise<StepProfile> {
    const wallMs = performance.now() - this.t0;
    if (!this.running) throw new ProfileError('KernelTimer.stop: not started');
    const state = tf.engine().state;
    state.profiling = false;
    this.running = false;
    const kernels = state.activeProfile.kernels;
    state.activeProfile.kernels = [];
    return summarizeKernels(kernels as DepthInfo[], wallMs, tf.memory().numTensors - this.tensors0, this.options);
  }
}

async function kernelMs(k: KernelInfo): Promise<number> {
  const v = await k.kernelTimeMs;
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/** Groups recorded kernels into rows of self time (largest first). */
async function summarizeKernels(kernels: DepthInfo[], wallMs: number, newTensors: number, o: KernelTimerOptions): Promise<StepProfile> {
  const byKey = new Map<string, { calls: number; ms: number }>();
  const backend = tf.getBackend();
  // nested[d]: time of the entries at depth d recorded since the last entry at a depth < d (their parent's children).
  const nested: number[] = [];
  let total = 0;
  for (const k of kernels) {
    const full = await kernelMs(k);
    const d = k.fetsDepth ?? 0;
    const ms = Math.max(0, full - (nested[d + 1] ?? 0));
    nested[d + 1] = 0;
    nested[d] = (nested[d] ?? 0) + full;
    const name = tf.getKernel(k.name, backend) ? k.name : `(custom op: ${k.name || 'unnamed scope'})`;
    const key = o.byShape ? `${name} ${k.inputShapes.map((s) => (s ? `[${s.join(',')}]` : '-')).join(' ')}` : name;
    const e = byKey.get(key) ?? { calls: 0, ms: 0 };
    e.calls += 1;
    e.ms += ms;
    byKey.set(key, e);
    total += ms;
  }
  const span = Math.max(wallMs, total);
  const rows = [...byKey.entries()]
    .map(([kernel, e]) => ({ kernel, calls: e.calls, ms: e.ms, share: span > 0 ? e.ms / span : 0 }))
    .sort((a, b) => b.ms - a.ms);
  return { rows, wallMs: span, kernelMs: total, outsideMs: span - total, calls: kernels.length, newTensors };
}

/**
 * Runs `fn` once with kernel timing on and returns its profile (its result is discarded: dispose tensors inside).
 *
 * @example
 * const p = await profileKernelTimes(() => { const { value, grads } = tf.variableGrads(loss); tf.dispose([value, grads]); });
 * console.log(formatStepProfile(p, { top: 10 }));
 */
export async function profileKernelTimes(fn: () => unknown, options: KernelTimerOptions = {}): Promise<StepProfile> {
  const timer = new KernelTimer(options);
  timer.start();
  try {
    await fn();
  } catch (e) {
    await timer.stop();
    throw e;
  }
  return timer.stop();
}

const fmtMs = (ms: number) => ms.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const fmtPct = (x: number) => `${(100 * x).toFixed(1)}%`;

/**
 * The profile as a text table: the `top` kernels by time (calls, total ms, share of the wall time), the rest summed,
 * the time outside kernels, and the total.
 *
 * @example
 * formatStepProfile(profile, { top: 5 });
 * // kernel        calls   total ms   share
 * // BatchMatMul     136    1,052.3   45.2%
 * // …
 */
export function formatStepProfile(p: StepProfile, options: { top?: number; indent?: string } = {}): string {
  const top = options.top ?? 15;
  const ind = options.indent ?? '';
  const shown = p.rows.slice(0, top);
  const rest = p.rows.slice(top);
  const lines: [string, string, string, string][] = shown.map((r) => [r.kernel, String(r.calls), fmtMs(r.ms), fmtPct(r.share)]);
  if (rest.length > 0) {
    const ms = rest.reduce((s, r) => s + r.ms, 0);
    lines.push([
      `(${rest.length} more kernels)`,
      String(rest.reduce((s, r) => s + r.calls, 0)),
      fmtMs(ms),
      fmtPct(p.wallMs > 0 ? ms / p.wallMs : 0),
    ]);
  }
  lines.push(['(outside kernels: engine, tape, JS)', '', fmtMs(p.outsideMs), fmtPct(p.wallMs > 0 ? p.outsideMs / p.wallMs : 0)]);
  lines.push(['total', String(p.calls), fmtMs(p.wallMs), '100.0%']);
  const head: [string, string, string, string] = ['kernel', 'calls', 'total ms', 'share'];
  const w = [0, 1, 2, 3].map((i) => Math.max(head[i]!.length, ...lines.map((l) => l[i]!.length)));
  const row = (l: [string, string, string, string]) =>
    `${ind}${l[0].padEnd(w[0]!)}  ${l[1].padStart(w[1]!)}  ${l[2].padStart(w[2]!)}  ${l[3].padStart(w[3]!)}`;
  return [row(head), ...lines.map(row)].join('\n');
}
