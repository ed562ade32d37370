/**
 * Figure 4, model step: BERT train step and inference (batch 32 × 64, bench/bertTask.ts) on the wasm backend in four
 * settings, each in its own child process: plain tfjs (`FETS_KERNELS=UnsortedSegmentSum`, the one kernel wasm lacks),
 * fets' WebAssembly kernels (`FETS_KERNELS=-Native`), and fets' native kernels on one thread and on every thread
 * (`FETS_THREADS`); against the same model in PyTorch (bench/torch_step.py) on one thread and on every thread, its
 * OpenBLAS core matched to the CPU (torchPeer.ts). Per size, all settings run back to back for several rounds; ratios
 * are paired within a round and the median over rounds is reported. Goal: native ≤ 1.0× PyTorch at equal threads,
 * training and inference. Where a WebGPU adapter exists, the same step on tfjs' webgpu backend (bench/modelWebgpu.ts).
 */
import os from 'node:os';
import { fmtMs, fmtX, median, note, runChild, type FigureResult, type Row } from './common.js';
import { webgpuRows } from './modelWebgpu.js';
import { runTorch, torchMissing } from './torchPeer.js';

interface Timing {
  trainMedianMs: number;
  inferMedianMs: number;
  trainMs: number[];
  inferMs: number[];
}
interface StepResults {
  results: Record<string, Timing>;
  [k: string]: unknown;
}

/** Several rounds' timings of one setting pooled: medians over every timed repetition. */
function pool(ts: readonly Timing[]): Timing {
  const trainMs = ts.flatMap((t) => t.trainMs);
  const inferMs = ts.flatMap((t) => t.inferMs);
  return { trainMs, inferMs, trainMedianMs: median(trainMs), inferMedianMs: median(inferMs) };
}

/**
 * Options: sizes (default tiny, mini), repetitions per process, rounds, `plain` (also time plain tfjs on wasm: slow,
 * about 5 s a mini step), `cpu` (also the js cpu backend on bert-tiny).
 */
export async function run(
  options: {
    sizes?: string[];
    reps?: number;
    warmup?: number;
    rounds?: number;
    plain?: boolean;
    cpu?: boolean;
    /** Also time the step on WebGPU where an adapter exists (bench/modelWebgpu.ts; default true). */
    webgpu?: boolean;
  } = {},
): Promise<FigureResult> {
  const sizes = options.sizes ?? ['tiny', 'mini'];
  const reps = options.reps ?? 5;
  const warmup = options.warmup ?? 2;
  const rounds = options.rounds ?? 3;
  const all = os.availableParallelism();
  const args = (s: string[], r = reps, w = warmup) => ['--sizes', s.join(','), '--reps', String(r), '--warmup', String(w)];
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
        const r = runChild('model-step.ts', args([size]), s.env) as StepResults;
        push(s.key, size, r.results[size]!);
        if (s.key.startsWith('native')) nativeInfo = r.native;
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
  const paired = (a: readonly Timing[], b: readonly Timing[], key: 'trainMedianMs' | 'inferMedianMs') =>
    median(a.map((t, i) => t[key] / b[i]![key]));
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
        const threads = s.key === 'native1' ? 1 : s.key.startsWith('native') ? all : 1;
        const ref = timings[`torch${threads}`]?.[size];
        const ratio = ref ? paired(timings[s.key]![size]!, ref, key) : undefined;
        if (ratio !== undefined) ratios[size][`${phase}, ${s.label} / PyTorch ${threads}T`] = ratio;
        const goal = s.key.startsWith('native') && size === 'mini' ? '≤ 1.00×' : '';
        rows.push({
          figure: `model: bert-${size} ${phase}, ${s.label}`,
          fets: fmtMs(pool(timings[s.key]![size]!)[key]),
          reference: ref ? `${fmtMs(pool(ref)[key])} PyTorch ${threads}T (${core(threads)})` : 'no PyTorch',
          ratio: ratio === undefined ? '' : fmtX(ratio),
          goal,
          met: goal && ratio !== undefined ? (ratio <= 1 ? 'yes' : 'no') : '',
        });
      }
    }
    const best = `native${Math.max(all, 1)}`;
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
      task: 'BertForTokenClassification, batch 32 × 64 random ids, full mask, 25 labels, mean CE, AdamW; medians',
      settings,
      native: nativeInfo,
      reps,
      warmup,
      rounds,
      ratios,
      timings,
      cpu: cpu ? { tiny: cpu } : null,
      pytorch: skip ? { skipped: skip } : torchMeta,
    },
  };
}
