/**
 * `bench/gpu.sh`'s figure: the BERT model step (bench/bertTask.ts: batch 32 × 64, train and inference) on fets'
 * WebGPU path against PyTorch on CUDA (bench/torch_cuda.py) where torch sees a GPU, and PyTorch on the CPU (every
 * thread) for scale. Writes bench/results/gpu-<timestamp>.json and prints the table. A software adapter (lavapipe)
 * runs only bert-tiny, 2 reps: it proves the path, its time says nothing about GPUs.
 * Args: `--sizes tiny,mini --reps 5 --warmup 2`.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CHILD_JSON, fmtMs, fmtX, formatTable, note, ROOT, type Row, writeResult } from './common.js';
import { webgpuRows } from './modelWebgpu.js';
import { PYTHON, runTorch, torchMissing } from './torchPeer.js';

interface Timing {
  trainMedianMs: number;
  inferMedianMs: number;
  trainMs: number[];
  inferMs: number[];
}

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: 'tiny,mini' },
    reps: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
  },
});
const sizes = values.sizes!.split(',');
const reps = Number(values.reps);
const warmup = Number(values.warmup);
const args = ['--sizes', sizes.join(','), '--reps', String(reps), '--warmup', String(warmup)];

let cuda: { device?: string; torch?: string; skipped?: string; results?: Record<string, Timing> } = { skipped: 'no PyTorch' };
let cpu: Record<string, unknown> | undefined;
const missing = torchMissing();
if (missing) note(missing);
else {
  note('PyTorch on CUDA');
  const out = execFileSync(PYTHON, [path.join(ROOT, 'bench', 'torch_cuda.py'), ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = out.split('\n').find((l) => l.startsWith(CHILD_JSON));
  cuda = line ? JSON.parse(line.slice(CHILD_JSON.length)) : { skipped: `torch_cuda.py printed no result:\n${out}` };
  if (cuda.skipped) note(cuda.skipped);
  const threads = os.availableParallelism();
  note(`PyTorch on the CPU, ${threads} threads`);
  cpu = runTorch(threads, args);
}

const torchCuda = cuda.results ?? {};
// The reference column: PyTorch on CUDA where torch sees a GPU, else PyTorch on the CPU.
const torchCpu = (cpu?.results ?? {}) as Record<string, Timing>;
const gpu = await webgpuRows(sizes, reps, warmup, cuda.results ? torchCuda : torchCpu);
const refLabel = cuda.results ? `PyTorch CUDA (${cuda.device})` : `PyTorch CPU ${os.availableParallelism()}T`;
const rows: Row[] = gpu.rows.map((r) => ({ ...r, reference: r.reference.replace('PyTorch 1T', refLabel) }));
for (const size of sizes) {
  const c = (cpu?.results as Record<string, Timing> | undefined)?.[size];
  const t = torchCuda[size];
  if (!t) continue;
  for (const [phase, key] of [
    ['train', 'trainMedianMs'],
    ['inference', 'inferMedianMs'],
  ] as const) {
    rows.push({
      figure: `gpu: bert-${size} ${phase}, PyTorch CUDA (${cuda.device})`,
      fets: fmtMs(t[key]),
      reference: c ? `${fmtMs(c[key])} PyTorch CPU ${os.availableParallelism()}T` : '',
      ratio: c ? fmtX(t[key] / c[key]) : '',
      goal: '',
      met: '',
    });
  }
}
const file = writeResult('gpu', {
  task: 'BertForTokenClassification, batch 32 × 64 random ids, full mask, 25 labels, mean CE, AdamW; medians',
  sizes,
  reps,
  warmup,
  rows,
  webgpu: gpu.data,
  pytorchCuda: cuda,
  pytorchCpu: cpu ?? { skipped: missing },
});
console.log(formatTable(rows));
console.log(`\nwritten: ${file}`);
