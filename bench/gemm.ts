/**
 * `npm run bench -- gemm`: the native GEMM's GFLOP/s on the products of a BERT-mini training step, on one thread and
 * on every thread, against this CPU's FMA peak measured with a register-resident loop (the same instruction set, on
 * the same threads) and against PyTorch's matmul on the same shapes and thread counts (OpenBLAS core matched to the
 * CPU, see torchPeer.ts). Goal: ≥ 60% of peak on [2048,256]×[256,1024].
 */
import os from 'node:os';
import { nativeAddon } from '@fets/network/kernels';
import { fmtX, note, type FigureResult, type Row } from './common.js';
import { runTorch, torchMissing } from './torchPeer.js';

/** m, k, n, transA, transB, batch, where it occurs in a BERT-mini step (batch 32 × 64 tokens). */
export const BERT_MINI_PRODUCTS: [number, number, number, 0 | 1, 0 | 1, number, string][] = [
  [2048, 256, 1024, 0, 0, 1, 'FF1 forward x·W1'],
  [2048, 256, 256, 0, 0, 1, 'Q/K/V/O forward'],
  [2048, 1024, 256, 0, 0, 1, 'FF2 forward'],
  [2048, 1024, 256, 0, 1, 1, 'FF1 input gradient dy·W1ᵀ'],
  [256, 2048, 1024, 1, 0, 1, 'FF1 weight gradient xᵀ·dy'],
  [64, 64, 64, 0, 1, 128, 'attention scores Q·Kᵀ'],
  [64, 64, 64, 0, 0, 128, 'attention context P·V'],
  [64, 64, 64, 1, 0, 128, 'attention gradient Pᵀ·dO'],
];

function timeProduct(spec: (typeof BERT_MINI_PRODUCTS)[number], reps: number): number {
  const addon = nativeAddon()!;
  const [m, k, n, ta, tb, batch] = spec;
  const a = batch * m * k;
  const b = batch * k * n;
  const c = batch * m * n;
  const heap = new Float32Array(a + b + c);
  for (let i = 0; i < a + b; i++) heap[i] = Math.sin(i);
  const u8 = new Uint8Array(heap.buffer);
  const run = () =>
    addon.gemm(u8, { a: 0, b: 4 * a, c: 4 * (a + b), batch, m, n, k, aStep: true, bStep: true, transA: ta === 1, transB: tb === 1 });
  for (let i = 0; i < 3; i++) run();
  let best = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    run();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return (2 * batch * m * k * n) / best / 1e9;
}

export async function run(options: { reps?: number } = {}): Promise<FigureResult> {
  const addon = nativeAddon();
  if (!addon) throw new Error('bench gemm: the native addon is not built (node packages/network/native/build.mjs)');
  const reps = Math.max(10, options.reps ?? 20);
  const all = os.availableParallelism();
  const counts = all > 1 ? [1, all] : [1];
  const info = addon.info();
  const skip = torchMissing();
  if (skip) note(skip);
  const rows: Row[] = [];
  const data: Record<string, unknown> = { isa: info.isa, products: BERT_MINI_PRODUCTS };
  for (const threads of counts) {
    addon.setThreads({ threads });
    const peak = addon.peak({ seconds: 1, allThreads: true });
    note(`gemm: ${threads} thread(s), ${info.isa}: FMA peak ${peak.toFixed(1)} GFLOP/s`);
    const fets = BERT_MINI_PRODUCTS.map((p) => timeProduct(p, reps));
    const torch = skip
      ? undefined
      : runTorch(threads, [
          '--reps',
          String(reps),
          '--warmup',
          '3',
          '--gemm',
          BERT_MINI_PRODUCTS.map((p) => p.slice(0, 6).join(',')).join(';'),
        ]);
    const torchRates = torch?.gflops as number[] | undefined;
    BERT_MINI_PRODUCTS.forEach(([m, k, n, ta, tb, batch, what], i) => {
      const shape = `${batch > 1 ? `${batch}×` : ''}[${m},${k}]${ta ? 'ᵀ' : ''}·[${k},${n}]${tb ? 'ᵀ' : ''}`;
      const share = fets[i]! / peak;
      const goal = i === 0 ? '≥ 60% of peak' : '';
      rows.push({
        figure: `gemm ${threads}T: ${shape} (${what})`,
        fets: `${fets[i]!.toFixed(1)} GFLOP/s, ${(100 * share).toFixed(0)}% of ${peak.toFixed(0)}`,
        reference: torchRates ? `${torchRates[i]!.toFixed(1)} PyTorch (${torch!.openblasCore})` : 'no PyTorch',
        ratio: torchRates ? fmtX(fets[i]! / torchRates[i]!) : '',
        goal,
        met: goal ? (share >= 0.6 ? 'yes' : 'no') : '',
      });
    });
    data[`threads${threads}`] = { peakGflops: peak, fetsGflops: fets, torch: torch ?? { skipped: skip } };
  }
  addon.setThreads({ threads: all });
  return { rows, data };
}
