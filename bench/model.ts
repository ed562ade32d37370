/**
 * Figure 4, model step: BERT train step and inference (batch 32 × 64, bench/bertTask.ts) per backend, with fets's wasm
 * kernel replacements off and on, against the same model in PyTorch (bench/torch_step.py) when /usr/bin/python3 has
 * torch. Each setting runs in its own child process (kernels and backend are fixed per process), off and on
 * alternating per size. "Kernels off" keeps only `UnsortedSegmentSum` (wasm has none, so without it embedding
 * gradients throw): it is the package's wasm kernels, i.e. plain tfjs 4.22 on wasm. The goal: bert-mini train step
 * with kernels on ≤ 1.5× PyTorch's on one thread.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { CHILD_JSON, ROOT, fmtMs, fmtX, note, runChild, type FigureResult, type Row } from './common.js';

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

/** Options: sizes (default tiny, mini), repetitions, whether to time the js cpu backend (bert-tiny, 3 reps). */
export async function run(options: { sizes?: string[]; reps?: number; warmup?: number; cpu?: boolean } = {}): Promise<FigureResult> {
  const sizes = options.sizes ?? ['tiny', 'mini'];
  const reps = options.reps ?? 5;
  const warmup = options.warmup ?? 2;
  const args = (s: string[], r = reps, w = warmup) => ['--sizes', s.join(','), '--reps', String(r), '--warmup', String(w)];
  const off: Record<string, StepResults['results'][string]> = {};
  const on: Record<string, StepResults['results'][string]> = {};
  const meta: Record<string, unknown> = {};
  for (const size of sizes) {
    note(`model step ${size}: wasm, kernels off`);
    const a = runChild('model-step.ts', args([size]), { FETS_BACKEND: 'wasm', FETS_KERNELS: KERNELS_OFF }) as StepResults;
    note(`model step ${size}: wasm, kernels on`);
    const b = runChild('model-step.ts', args([size]), { FETS_BACKEND: 'wasm', FETS_KERNELS: 'on' }) as StepResults;
    off[size] = a.results[size]!;
    on[size] = b.results[size]!;
    meta.kernelsOff = a.kernels;
    meta.kernelsOn = b.kernels;
  }
  let cpu: StepResults['results'][string] | undefined;
  if (options.cpu ?? true) {
    note('model step tiny: js cpu backend (slow: 3 reps)');
    cpu = (runChild('model-step.ts', args(['tiny'], 3, 1), { FETS_BACKEND: 'cpu' }) as StepResults).results.tiny;
  }
  const skip = torchAvailable();
  let torch1: StepResults | undefined;
  let torch2: StepResults | undefined;
  if (skip) note(skip);
  else {
    note('model step: PyTorch, 1 thread');
    torch1 = runTorch(1, sizes, reps, warmup);
    note('model step: PyTorch, 2 threads');
    torch2 = runTorch(2, sizes, reps, warmup);
    if ((torch1.matmulGflops as number) < 10) {
      note(`PyTorch's BLAS runs a 2048×256×1024 product at ${(torch1.matmulGflops as number).toFixed(1)} GFLOP/s: the reference BLAS? apt-get install libopenblas0-pthread`);
    }
  }
  const rows: Row[] = [];
  for (const size of sizes) {
    const ref = torch1?.results[size];
    for (const [phase, key] of [['train', 'trainMedianMs'], ['inference', 'inferMedianMs']] as const) {
      for (const [label, r] of [['kernels off', off[size]!], ['kernels on', on[size]!]] as const) {
        const goal = size === 'mini' && phase === 'train' ? '≤ 1.50×' : '';
        const ratio = ref ? r[key] / ref[key] : undefined;
        rows.push({
          figure: `model: bert-${size} ${phase}, wasm, ${label}`,
          fets: fmtMs(r[key]),
          reference: ref ? `${fmtMs(ref[key])} PyTorch 1T` : 'no PyTorch',
          ratio: ratio === undefined ? '' : fmtX(ratio),
          goal,
          met: goal && ratio !== undefined ? (ratio <= 1.5 ? 'yes' : 'no') : '',
        });
      }
    }
    rows.push({
      figure: `model: bert-${size} train, kernels on vs off`,
      fets: fmtMs(on[size]!.trainMedianMs),
      reference: `${fmtMs(off[size]!.trainMedianMs)} off`,
      ratio: fmtX(on[size]!.trainMedianMs / off[size]!.trainMedianMs),
      goal: '',
      met: '',
    });
    const ref2 = torch2?.results[size];
    if (ref2) {
      rows.push({ figure: `model: bert-${size} train, PyTorch 2 threads`, fets: '', reference: fmtMs(ref2.trainMedianMs), ratio: '', goal: '', met: '' });
    }
  }
  if (cpu) {
    const ref = torch1?.results.tiny;
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
      wasm: { off, on },
      cpu: cpu ? { tiny: cpu } : null,
      pytorch: skip ? { skipped: skip } : { threads1: torch1, threads2: torch2 },
    },
  };
}
