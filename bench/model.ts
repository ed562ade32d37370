/**
 * Figure 4, model step: BERT train step and inference (batch 32 × 64, bench/bertTask.ts) per backend, with fets's wasm
 * kernel replacements off and on, against the same model in PyTorch (bench/torch_step.py) when /usr/bin/python3 has
 * torch. Each setting runs in its own child process (kernels and backend are fixed per process); per size, kernels
 * off, kernels on and PyTorch run back to back, for several rounds. "Kernels off" keeps only `UnsortedSegmentSum` (wasm has none, so without it embedding
 * gradients throw): it is the package's wasm kernels, i.e. plain tfjs 4.22 on wasm. The goal: bert-mini train step
 * with kernels on ≤ 1.5× PyTorch's on one thread.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { CHILD_JSON, ROOT, fmtMs, fmtX, median, note, runChild, type FigureResult, type Row } from './common.js';

interface StepResults {
  results: Record<string, { trainMedianMs: number; inferMedianMs: number; trainMs: number[]; inferMs: number[] }>;
  [k: string]: unknown;
}

const PYTHON = '/usr/bin/python3';
const KERNELS_OFF = 'UnsortedSegmentSum';

function torchAvailable(): string | undefined {
  try {
    execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return `${PYTHON} cannot import torch (apt-get install python3-torch libopenblas0-pthread): PyTorch peer skipped`;
  }
}

function runTorch(threads: number, sizes: string[], reps: number, warmup: number): StepResults {
  const t = String(threads);
  const out = execFileSync(PYTHON, [path.join(ROOT, 'bench', 'torch_step.py'), '--threads', t, '--sizes', sizes.join(','), '--reps', String(reps), '--warmup', String(warmup)], {
    encoding: 'utf8',
    // Without PASSIVE, OpenMP and OpenBLAS threads spin against each other (NOTES.md: 2 threads ran 2× slower).
    env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE', OMP_NUM_THREADS: t, OPENBLAS_NUM_THREADS: t },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = out.split('\n').find((l) => l.startsWith(CHILD_JSON));
  if (!line) throw new Error(`bench: torch_step.py printed no result line:\n${out}`);
  return JSON.parse(line.slice(CHILD_JSON.length)) as StepResults;
}

type Timing = StepResults['results'][string];

/** Several rounds' timings of one setting pooled: medians over every timed repetition. */
function pool(ts: readonly Timing[]): Timing {
  const trainMs = ts.flatMap((t) => t.trainMs);
  const inferMs = ts.flatMap((t) => t.inferMs);
  return { trainMs, inferMs, trainMedianMs: median(trainMs), inferMedianMs: median(inferMs) };
}

/**
 * Options: sizes (default tiny, mini), repetitions per process, rounds (each round runs kernels off, kernels on and
 * PyTorch once per size, back to back: ratios are paired within a round and the median over rounds is reported,
 * which keeps them honest when the machine's speed drifts), whether to time the js cpu backend (bert-tiny, 3 reps).
 */
export async function run(options: { sizes?: string[]; reps?: number; warmup?: number; rounds?: number; cpu?: boolean } = {}): Promise<FigureResult> {
  const sizes = options.sizes ?? ['tiny', 'mini'];
  const reps = options.reps ?? 5;
  const warmup = options.warmup ?? 2;
  const rounds = options.rounds ?? 3;
  const args = (s: string[], r = reps, w = warmup) => ['--sizes', s.join(','), '--reps', String(r), '--warmup', String(w)];
  const skip = torchAvailable();
  if (skip) note(skip);
  const off: Record<string, Timing[]> = {};
  const on: Record<string, Timing[]> = {};
  const torch1: Record<string, Timing[]> = {};
  const meta: Record<string, unknown> = {};
  const blas: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const size of sizes) {
      note(`model step ${size}, round ${round}/${rounds}: wasm kernels off, wasm kernels on${skip ? '' : ', PyTorch 1 thread'}`);
      const a = runChild('model-step.ts', args([size]), { FETS_BACKEND: 'wasm', FETS_KERNELS: KERNELS_OFF }) as StepResults;
      const b = runChild('model-step.ts', args([size]), { FETS_BACKEND: 'wasm', FETS_KERNELS: 'on' }) as StepResults;
      (off[size] ??= []).push(a.results[size]!);
      (on[size] ??= []).push(b.results[size]!);
      meta.kernelsOff = a.kernels;
      meta.kernelsOn = b.kernels;
      if (!skip) {
        const t = runTorch(1, [size], reps, warmup);
        (torch1[size] ??= []).push(t.results[size]!);
        blas.push(t.matmulGflops as number);
        meta.torchVersion = t.torch;
      }
    }
  }
  let torch2: StepResults | undefined;
  if (!skip) {
    note('model step: PyTorch, 2 threads');
    torch2 = runTorch(2, sizes, reps, warmup);
    if (median(blas) < 10) {
      note(`PyTorch's BLAS runs a 2048×256×1024 product at ${median(blas).toFixed(1)} GFLOP/s: the reference BLAS? apt-get install libopenblas0-pthread`);
    }
  }
  let cpu: Timing | undefined;
  if (options.cpu ?? true) {
    note('model step tiny: js cpu backend (slow: 3 reps)');
    cpu = (runChild('model-step.ts', args(['tiny'], 3, 1), { FETS_BACKEND: 'cpu' }) as StepResults).results.tiny;
  }
  /** Median over rounds of a / b (paired per round). */
  const paired = (a: readonly Timing[], b: readonly Timing[], key: 'trainMedianMs' | 'inferMedianMs') =>
    median(a.map((t, i) => t[key] / b[i]![key]));
  const rows: Row[] = [];
  const ratios: Record<string, Record<string, number>> = {};
  for (const size of sizes) {
    const ref = torch1[size] ? pool(torch1[size]) : undefined;
    ratios[size] = {};
    for (const [phase, key] of [['train', 'trainMedianMs'], ['inference', 'inferMedianMs']] as const) {
      for (const [label, ts] of [['kernels off', off[size]!], ['kernels on', on[size]!]] as const) {
        const goal = size === 'mini' && phase === 'train' ? '≤ 1.50×' : '';
        const ratio = ref ? paired(ts, torch1[size]!, key) : undefined;
        if (ratio !== undefined) ratios[size][`${phase}, ${label} / PyTorch 1T`] = ratio;
        rows.push({
          figure: `model: bert-${size} ${phase}, wasm, ${label}`,
          fets: fmtMs(pool(ts)[key]),
          reference: ref ? `${fmtMs(ref[key])} PyTorch 1T` : 'no PyTorch',
          ratio: ratio === undefined ? '' : fmtX(ratio),
          goal,
          met: goal && ratio !== undefined ? (ratio <= 1.5 ? 'yes' : 'no') : '',
        });
      }
    }
    const speed = paired(on[size]!, off[size]!, 'trainMedianMs');
    ratios[size]['train, on / off'] = speed;
    rows.push({
      figure: `model: bert-${size} train, kernels on vs off`,
      fets: fmtMs(pool(on[size]!).trainMedianMs),
      reference: `${fmtMs(pool(off[size]!).trainMedianMs)} off`,
      ratio: fmtX(speed),
      goal: '',
      met: '',
    });
    const ref2 = torch2?.results[size];
    if (ref2) {
      rows.push({ figure: `model: bert-${size} train, PyTorch 2 threads`, fets: '', reference: fmtMs(ref2.trainMedianMs), ratio: '', goal: '', met: '' });
    }
  }
  if (cpu) {
    const ref = torch1.tiny ? pool(torch1.tiny) : undefined;
    rows.push({
      figure: 'model: bert-tiny train, js cpu backend',
      fets: fmtMs(cpu.trainMedianMs),
      reference: ref ? `${fmtMs(ref.trainMedianMs)} PyTorch 1T` : 'no PyTorch',
      ratio: ref ? fmtX(cpu.trainMedianMs / ref.trainMedianMs) : '',
      goal: '',
      met: '',
    });
  }
  return {
    rows,
    data: {
      task: 'BertForTokenClassification, batch 32 × 64 random ids, full mask, 25 labels, mean CE, AdamW; medians',
      kernelsOffSpec: `FETS_KERNELS=${KERNELS_OFF}`,
      ...meta,
      reps,
      warmup,
      rounds,
      ratios,
      pytorchMatmulGflops: blas,
      wasm: { off, on },
      cpu: cpu ? { tiny: cpu } : null,
      pytorch: skip ? { skipped: skip } : { threads1: torch1, threads2: torch2 },
    },
  };
}
