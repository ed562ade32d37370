/**
 * Figure 4, model step: BERT train step and inference (batch 32 × 64, bench/bertTask.ts) on the wasm backend in four
 * settings, each in its own child process: plain tfjs (`FETS_KERNELS=UnsortedSegmentSum`, the one kernel wasm lacks),
 * fets' WebAssembly kernels (`FETS_KERNELS=-Native`), and fets' native kernels on one thread and on every thread
 * (`FETS_THREADS`); against the same model in PyTorch (bench/torch_step.py) on one thread and on every thread, its
 * OpenBLAS core matched to the CPU (torchPeer.ts). Per size, all settings run back to back for several rounds; ratios
 * are paired within a round and the median over rounds is reported. Goal (issue #30): native ≤ 0.8× PyTorch at equal
 * threads, training and inference, for bert-mini and bert-base. bert-base (12 layers of 768) runs a third of the
 * repetitions after one warm-up step (its train step is about 30 times bert-mini's), on the native kernels only.
 * Where a WebGPU adapter exists, the same step on tfjs' webgpu backend (bench/modelWebgpu.ts).
 */
import os from 'node:os';
import path from 'node:path';
import { BATCH, SEQ } from './bertTask.js';
import { execJson, fmtMs, fmtX, median, note, runChild, tsxArgs, type FigureResult, type Row } from './common.js';
import { webgpuRows } from './modelWebgpu.js';
import { runTorch, torchMissing } from './torchPeer.js';

interface Timing {
  trainMedianMs: number;
  inferMedianMs: number;
  trainMs: number[];
  inferMs: number[];
  /** The process's CPU time per repetition (every thread); absent in results of older checkouts. */
  trainCpuMs?: number[];
  inferCpuMs?: number[];
  trainCpuMedianMs?: number;
  inferCpuMedianMs?: number;
}
interface StepResults {
  results: Record<string, Timing>;
  [k: string]: unknown;
}
type TimingKey = 'trainMedianMs' | 'inferMedianMs' | 'trainCpuMedianMs' | 'inferCpuMedianMs';

/** Several rounds' timings of one setting pooled: medians over every timed repetition. */
function pool(ts: readonly Timing[]): Timing {
  const all = (k: 'trainMs' | 'inferMs' | 'trainCpuMs' | 'inferCpuMs') => ts.flatMap((t) => t[k] ?? []);
  const [trainMs, inferMs, trainCpuMs, inferCpuMs] = [all('trainMs'), all('inferMs'), all('trainCpuMs'), all('inferCpuMs')];
  return {
    trainMs,
    inferMs,
    trainMedianMs: median(trainMs),
    inferMedianMs: median(inferMs),
    ...(trainCpuMs.length ? { trainCpuMs, inferCpuMs, trainCpuMedianMs: median(trainCpuMs), inferCpuMedianMs: median(inferCpuMs) } : {}),
  };
}

/** bench/model-step.ts of another checkout (`--baseline DIR`), run from there: the same task on that tree's code. */
function runBaseline(dir: string, args: string[], env: Record<string, string>): StepResults {
  const what = `${dir}/bench/model-step.ts`;
  return execJson(process.execPath, [...tsxArgs('model-step.ts', dir), ...args], { cwd: dir, env, what }) as StepResults;
}

/**
 * Options: sizes (default tiny, mini), repetitions per process, rounds, `plain` (also time plain tfjs on wasm: slow,
 * about 5 s a mini step), `wasm` (default true: fets' WebAssembly kernels without the addon), `cpu` (also the js cpu
 * backend on bert-tiny), `baseline` (another checkout whose native
 * settings run interleaved with this one's in every round, for before/after ratios; its bench/model-step.ts should
 * record CPU time, as this one's does).
 */
export async function run(
  options: {
    sizes?: string[];
    reps?: number;
    warmup?: number;
    rounds?: number;
    plain?: boolean;
    wasm?: boolean;
    cpu?: boolean;
    baseline?: string;
    /** Also time the step on WebGPU where an adapter exists (bench/modelWebgpu.ts; default true). */
    webgpu?: boolean;
  } = {},
): Promise<FigureResult> {
  const sizes = options.sizes ?? ['tiny', 'mini'];
  const reps = options.reps ?? 5;
  const warmup = options.warmup ?? 2;
  const rounds = options.rounds ?? 3;
  const all = os.availableParallelism();
  /** Repetitions and warm-up for one size (bert-base: a third of the repetitions, one warm-up step). */
  const repsOf = (size: string) => (size === 'base' ? Math.max(1, Math.ceil(reps / 3)) : reps);
  const warmupOf = (size: string) => (size === 'base' ? Math.min(1, warmup) : warmup);
  const args = (s: string[], r = repsOf(s[0]!), w = warmupOf(s[0]!)) => [
    '--sizes',
    s.join(','),
    '--reps',
    String(r),
    '--warmup',
    String(w),
  ];
  const settings: { key: string; label: string; env: Record<string, string> }[] = [
    ...((options.plain ?? true)
      ? [{ key: 'plain', label: 'plain tfjs wasm', env: { FETS_BACKEND: 'wasm', FETS_KERNELS: 'UnsortedSegmentSum' } }]
      : []),
    { key: 'wasm', label: 'fets wasm kernels', env: { FETS_BACKEND: 'wasm', FETS_KERNELS: '-Native' } },
    { key: 'native1', label: 'fets native, 1 thread', env: { FETS_BACKEND: 'wasm', FETS_KERNELS: 'on', FETS_THREADS: '1' } },
    ...(all > 1
      ? [
          {
            key: `native${all}`,
            label: `fets native, ${all} threads`,
            env: { FETS_BACKEND: 'wasm', FETS_KERNELS: 'on', FETS_THREADS: String(all) },
          },
        ]
      : []),
  ];
  const threadCounts = all > 1 ? [1, all] : [1];
  /** bert-base runs on the native kernels only (fets' single-threaded WebAssembly kernels take minutes a step). */
  const runs = (key: string, size: string) => (size !== 'base' || key.startsWith('native')) && (key !== 'wasm' || options.wasm !== false);
  const skip = torchMissing();
  if (skip) note(skip);
  const timings: Record<string, Record<string, Timing[]>> = {};
  const torchMeta: Record<string, unknown> = {};
  const push = (key: string, size: string, t: Timing) => ((timings[key] ??= {})[size] ??= []).push(t);
  let nativeInfo: unknown;
  for (let round = 1; round <= rounds; round++) {
    for (const size of sizes) {
      note(
        `model step ${size}, round ${round}/${rounds}: ${settings.map((s) => s.label).join(', ')}${skip ? '' : ', PyTorch 1 and all threads'}`,
      );
      for (const s of settings) {
        if (!runs(s.key, size)) continue;
        const r = runChild('model-step.ts', args([size]), s.env) as StepResults;
        push(s.key, size, r.results[size]!);
        if (s.key.startsWith('native')) nativeInfo = r.native;
        if (options.baseline && s.key.startsWith('native')) {
          push(`before:${s.key}`, size, runBaseline(options.baseline, args([size]), s.env).results[size]!);
        }
      }
      if (!skip) {
        for (const t of threadCounts) {
          const r = runTorch(t, args([size]));
          push(`torch${t}`, size, (r.results as Record<string, Timing>)[size]!);
          torchMeta[`threads${t}`] = {
            torch: r.torch,
            openblasCore: r.openblasCore,
            openblasDetected: r.openblasDetected,
            openblasForced: r.openblasForced,
            matmulGflops: r.matmulGflops,
          };
        }
      }
    }
  }
  let cpu: Timing | undefined;
  if (options.cpu ?? false) {
    note('model step tiny: js cpu backend (slow: 3 reps)');
    cpu = (runChild('model-step.ts', args(['tiny'], 3, 1), { FETS_BACKEND: 'cpu' }) as StepResults).results.tiny;
  }
  /** Median over rounds of a / b (paired per round). */
  const paired = (a: readonly Timing[], b: readonly Timing[], key: TimingKey) =>
    median(a.map((t, i) => (t[key] ?? Number.NaN) / (b[i]![key] ?? Number.NaN)));
  const rows: Row[] = [];
  const ratios: Record<string, Record<string, number>> = {};
  const core = (t: number) => (torchMeta[`threads${t}`] as { openblasCore?: string } | undefined)?.openblasCore ?? '?';
  for (const size of sizes) {
    ratios[size] = {};
    for (const [phase, key] of [
      ['train', 'trainMedianMs'],
      ['inference', 'inferMedianMs'],
    ] as const) {
      for (const s of settings) {
        if (!runs(s.key, size)) continue;
        const threads = s.key === 'native1' ? 1 : s.key.startsWith('native') ? all : 1;
        const ref = timings[`torch${threads}`]?.[size];
        const ratio = ref ? paired(timings[s.key]![size]!, ref, key) : undefined;
        if (ratio !== undefined) ratios[size][`${phase}, ${s.label} / PyTorch ${threads}T`] = ratio;
        const goal = s.key.startsWith('native') && (size === 'mini' || size === 'base') ? '≤ 0.80×' : '';
        rows.push({
          figure: `model: bert-${size} ${phase}, ${s.label}`,
          fets: fmtMs(pool(timings[s.key]![size]!)[key]),
          reference: ref ? `${fmtMs(pool(ref)[key])} PyTorch ${threads}T (${core(threads)})` : 'no PyTorch',
          ratio: ratio === undefined ? '' : fmtX(ratio),
          goal,
          met: goal && ratio !== undefined ? (ratio <= 0.8 ? 'yes' : 'no') : '',
        });
      }
    }
    // One thread: the CPU time of each side (user + system of its process), which a loaded machine inflates far less
    // than wall time (waiting for a core is not counted).
    for (const [phase, key] of [
      ['train', 'trainCpuMedianMs'],
      ['inference', 'inferCpuMedianMs'],
    ] as const) {
      const ref = timings.torch1?.[size];
      const mine = timings.native1?.[size];
      if (!ref || !mine || pool(mine)[key] === undefined || pool(ref)[key] === undefined) continue;
      const ratio = paired(mine, ref, key);
      ratios[size][`${phase} CPU time, fets native 1 thread / PyTorch 1T`] = ratio;
      rows.push({
        figure: `model: bert-${size} ${phase}, fets native, 1 thread, CPU time`,
        fets: fmtMs(pool(mine)[key]!),
        reference: `${fmtMs(pool(ref)[key]!)} PyTorch 1T CPU time`,
        ratio: fmtX(ratio),
        goal: size === 'mini' || size === 'base' ? '≤ 0.80×' : '',
        met: size === 'mini' || size === 'base' ? (ratio <= 0.8 ? 'yes' : 'no') : '',
      });
    }
    if (options.baseline) {
      for (const s of settings.filter((x) => x.key.startsWith('native'))) {
        const before = timings[`before:${s.key}`]?.[size];
        const after = timings[s.key]?.[size];
        if (!before || !after) continue;
        for (const [what, key] of [
          ['train', 'trainMedianMs'],
          ['inference', 'inferMedianMs'],
          ['train CPU time', 'trainCpuMedianMs'],
          ['inference CPU time', 'inferCpuMedianMs'],
        ] as const) {
          if (pool(before)[key] === undefined || pool(after)[key] === undefined) continue;
          const ratio = paired(after, before, key);
          ratios[size][`${what}, ${s.label}: this tree / baseline`] = ratio;
          rows.push({
            figure: `model: bert-${size} ${what}, ${s.label}, after / before`,
            fets: fmtMs(pool(after)[key]!),
            reference: `${fmtMs(pool(before)[key]!)} baseline`,
            ratio: fmtX(ratio),
            goal: '',
            met: '',
          });
        }
      }
    }
    const best = `native${Math.max(all, 1)}`;
    if (runs('wasm', size))
      ratios[size]['train, native / wasm kernels'] = paired(timings[best]![size]!, timings.wasm![size]!, 'trainMedianMs');
  }
  if (cpu) {
    const ref = timings.torch1?.tiny ? pool(timings.torch1.tiny) : undefined;
    rows.push({
      figure: 'model: bert-tiny train, js cpu backend',
      fets: fmtMs(cpu.trainMedianMs),
      reference: ref ? `${fmtMs(ref.trainMedianMs)} PyTorch 1T` : 'no PyTorch',
      ratio: ref ? fmtX(cpu.trainMedianMs / ref.trainMedianMs) : '',
      goal: '',
      met: '',
    });
  }
  const torch1 = Object.fromEntries(sizes.map((size) => [size, timings.torch1?.[size] ? pool(timings.torch1[size]!) : undefined]));
  const gpu = (options.webgpu ?? true) ? await webgpuRows(sizes, reps, warmup, torch1) : undefined;
  if (gpu) rows.push(...gpu.rows);
  return {
    rows,
    data: {
      webgpu: gpu?.data ?? null,
      task: `BertForTokenClassification, batch ${BATCH} × ${SEQ} random ids, full mask, 25 labels, mean CE, AdamW; medians`,
      settings,
      native: nativeInfo,
      reps,
      warmup,
      repsPerSize: Object.fromEntries(sizes.map((z) => [z, { reps: repsOf(z), warmup: warmupOf(z) }])),
      rounds,
      baseline: options.baseline ? path.relative(process.cwd(), options.baseline) || '.' : null,
      ratios,
      timings,
      cpu: cpu ? { tiny: cpu } : null,
      pytorch: skip ? { skipped: skip } : torchMeta,
    },
  };
}
